CREATE TABLE IF NOT EXISTS token_tracking_sponsored_allowance_base_models (
    sponsored_allowance_id UUID,
    base_model_id VARCHAR(255),
    FOREIGN KEY (sponsored_allowance_id) REFERENCES token_tracking_sponsored_allowance (id),
    FOREIGN KEY (base_model_id) REFERENCES token_tracking_model_pricing (id)
)
