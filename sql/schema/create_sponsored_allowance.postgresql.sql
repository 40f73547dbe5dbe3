CREATE TABLE IF NOT EXISTS token_tracking_sponsored_allowance (
    id UUID NOT NULL,
    creation_date TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL,
    name VARCHAR(255),
    sponsor_id VARCHAR(255),
    total_credit_limit INTEGER NOT NULL,
    daily_credit_limit INTEGER,
    PRIMARY KEY (id)
)
