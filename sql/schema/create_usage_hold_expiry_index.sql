-- For releasing expired holds across all allowances.
CREATE INDEX IF NOT EXISTS ix_owtt_usage_hold_expiry ON owtt_usage_hold (expires_at)
