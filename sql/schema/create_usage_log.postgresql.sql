CREATE TABLE IF NOT EXISTS token_tracking_usage_log (
    log_date TIMESTAMP WITH TIME ZONE,
    user_id VARCHAR(255),
    provider VARCHAR(255),
    model_id VARCHAR(255),
    prompt_tokens INTEGER,
    response_tokens INTEGER,
    sponsored_allowance_id UUID,
    CONSTRAINT fk_usage_log_sponsored_allowance
        FOREIGN KEY (sponsored_allowance_id) REFERENCES token_tracking_sponsored_allowance (id)
)
