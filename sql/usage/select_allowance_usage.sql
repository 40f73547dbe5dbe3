SELECT a.name, a.total_credit_limit, a.daily_credit_limit,
       COALESCE(t.used_micro, 0) AS used_micro
FROM token_tracking_sponsored_allowance AS a
LEFT JOIN owtt_usage_total AS t ON t.sponsored_allowance_id = a.id
WHERE a.id = :allowance_id
