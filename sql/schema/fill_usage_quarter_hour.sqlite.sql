INSERT INTO owtt_usage_quarter_hour (sponsored_allowance_id, user_id, quarter_hour, used_micro)
SELECT sponsored_allowance_id, user_id, quarter_hour, SUM(cost_micro)
FROM owtt_usage_log_cost
WHERE sponsored_allowance_id IS NOT NULL
  AND user_id IS NOT NULL
  AND quarter_hour IS NOT NULL
GROUP BY 1, 2, 3
