-- Holds back inserts into the usage log until the migration commits, so that no
-- row lands between the counters' initial fill and the trigger's creation.
LOCK TABLE token_tracking_usage_log IN SHARE ROW EXCLUSIVE MODE
