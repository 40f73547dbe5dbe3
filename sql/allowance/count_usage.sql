SELECT COUNT(*) AS usage_rows
FROM token_tracking_usage_log
WHERE sponsored_allowance_id = :allowance_id
