-- An allowance gets its counter row when its first usage is counted; before the
-- first charge, create it here so that there is a row to lock.
INSERT INTO owtt_usage_total (sponsored_allowance_id, used_micro)
VALUES (:allowance_id, 0)
ON CONFLICT (sponsored_allowance_id) DO NOTHING
