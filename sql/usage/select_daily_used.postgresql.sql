-- Joined per user, so that every lookup is an index range on all three key
-- columns of owtt_usage_quarter_hour whatever the planner's row estimates.
SELECT u.user_id, SUM(q.used_micro) AS used_micro
FROM unnest(CAST(:user_ids AS varchar[])) AS u(user_id)
JOIN owtt_usage_quarter_hour AS q
    ON q.sponsored_allowance_id = :allowance_id
    AND q.user_id = u.user_id
    AND q.quarter_hour >= :first_quarter_hour
    AND q.quarter_hour < :end_quarter_hour
GROUP BY u.user_id
