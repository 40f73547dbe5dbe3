-- Adds each sponsored usage row's cost to the counters when it is inserted, priced
-- at the moment of recording. SQLite has no statement-level triggers.
CREATE TRIGGER IF NOT EXISTS owtt_usage_count
AFTER INSERT ON token_tracking_usage_log
FOR EACH ROW WHEN NEW.sponsored_allowance_id IS NOT NULL
BEGIN
    INSERT INTO owtt_usage_total (sponsored_allowance_id, used_micro)
    SELECT sponsored_allowance_id, cost_micro
    FROM owtt_usage_log_cost WHERE log_rowid = NEW.rowid
    ON CONFLICT (sponsored_allowance_id)
        DO UPDATE SET used_micro = used_micro + excluded.used_micro;

    INSERT INTO owtt_usage_quarter_hour (sponsored_allowance_id, user_id, quarter_hour, used_micro)
    SELECT sponsored_allowance_id, user_id, quarter_hour, cost_micro
    FROM owtt_usage_log_cost
    WHERE log_rowid = NEW.rowid AND user_id IS NOT NULL AND quarter_hour IS NOT NULL
    ON CONFLICT (sponsored_allowance_id, user_id, quarter_hour)
        DO UPDATE SET used_micro = used_micro + excluded.used_micro;
END
