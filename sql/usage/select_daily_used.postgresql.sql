SELECT user_id, SUM(used_micro) AS used_micro
FROM owtt_usage_quarter_hour
WHERE sponsored_allowance_id = :allowance_id
  AND user_id = ANY(CAST(:user_ids AS varchar[]))
  AND quarter_hour >= :first_quarter_hour
  AND quarter_hour < :end_quarter_hour
GROUP BY user_id
