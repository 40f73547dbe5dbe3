-- BEGIN IMMEDIATE already holds SQLite's write lock; nothing more to lock.
SELECT a.name, a.total_credit_limit, a.daily_credit_limit, t.used_micro
FROM owtt_usage_total AS t
JOIN token_tracking_sponsored_allowance AS a ON a.id = t.sponsored_allowance_id
WHERE t.sponsored_allowance_id = :allowance_id
