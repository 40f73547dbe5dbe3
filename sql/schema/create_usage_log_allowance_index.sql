CREATE INDEX IF NOT EXISTS ix_owtt_usage_log_allowance_date
    ON token_tracking_usage_log (sponsored_allowance_id, log_date)
