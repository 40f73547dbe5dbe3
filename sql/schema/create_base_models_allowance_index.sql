-- The original table has no index at all: without this one, reading an
-- allowance's models scans every model row of every allowance.
CREATE INDEX IF NOT EXISTS ix_owtt_sponsored_allowance_base_models_allowance
    ON token_tracking_sponsored_allowance_base_models (sponsored_allowance_id, base_model_id)
