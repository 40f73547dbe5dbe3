CREATE INDEX IF NOT EXISTS ix_owtt_usage_hold_allowance_expiry
    ON owtt_usage_hold (sponsored_allowance_id, expires_at)
