CREATE TABLE IF NOT EXISTS token_tracking_model_pricing (
    id VARCHAR(255) NOT NULL,
    provider VARCHAR(255),
    name VARCHAR(255),
    input_cost_credits INTEGER,
    per_input_tokens INTEGER,
    output_cost_credits INTEGER,
    per_output_tokens INTEGER,
    PRIMARY KEY (id)
)
