SELECT user_id, SUM(used_micro) AS used_micro
FROM owtt_usage_quarter_hour
WHERE sponsored_allowance_id = :allowance_id
  AND user_id IN (SELECT value FROM json_each(:user_ids))
  AND quarter_hour >= :first_quarter_hour
  AND quarter_hour < :end_quarter_hour
GROUP BY user_id
