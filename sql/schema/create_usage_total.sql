-- Credits charged to each sponsored allowance, in microcredits (millionths of a
-- credit), kept up to date by the owtt_usage_count trigger on the usage log, so
-- that a charge never needs to sum the log.
CREATE TABLE IF NOT EXISTS owtt_usage_total (
    sponsored_allowance_id UUID NOT NULL,
    used_micro BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (sponsored_allowance_id)
)
