-- The declared types are the original package's: ids are stored as 32 hex digits
-- and creation_date as 'YYYY-MM-DD HH:MM:SS' in UTC, from the column default.
CREATE TABLE IF NOT EXISTS token_tracking_sponsored_allowance (
    id UUID NOT NULL,
    creation_date DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
    name VARCHAR(255),
    sponsor_id VARCHAR(255),
    total_credit_limit INTEGER NOT NULL,
    daily_credit_limit INTEGER,
    PRIMARY KEY (id)
)
