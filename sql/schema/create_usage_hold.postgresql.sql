-- Credits held by reservations until they are settled or released. A hold counts
-- against both limits until expires_at; its usage is dated created_at.
CREATE TABLE IF NOT EXISTS owtt_usage_hold (
    id UUID NOT NULL,
    sponsored_allowance_id UUID NOT NULL,
    user_id VARCHAR(255) NOT NULL,
    model_id VARCHAR(255) NOT NULL,
    provider VARCHAR(255),
    held_micro BIGINT NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    quarter_hour BIGINT NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id)
)
