-- Microcredits each user was charged per allowance in each quarter hour
-- (quarter_hour = seconds since 1970-01-01 UTC divided by 900, rounded down).
-- Every time zone in use today starts its days on a quarter-hour boundary, so a
-- day in any zone is a range of at most 100 of these rows.
CREATE TABLE IF NOT EXISTS owtt_usage_quarter_hour (
    sponsored_allowance_id UUID NOT NULL,
    user_id VARCHAR(255) NOT NULL,
    quarter_hour BIGINT NOT NULL,
    used_micro BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (sponsored_allowance_id, user_id, quarter_hour)
)
