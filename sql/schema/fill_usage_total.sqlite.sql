-- Counts the usage recorded before the trigger existed, at today's prices: the
-- log keeps tokens, not the prices they were charged at.
INSERT INTO owtt_usage_total (sponsored_allowance_id, used_micro)
SELECT sponsored_allowance_id, SUM(cost_micro)
FROM owtt_usage_log_cost
WHERE sponsored_allowance_id IS NOT NULL
GROUP BY sponsored_allowance_id
