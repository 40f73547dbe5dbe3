CREATE INDEX IF NOT EXISTS ix_owtt_sponsored_allowance_sponsor_id
    ON token_tracking_sponsored_allowance (sponsor_id)
