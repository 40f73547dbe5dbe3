SELECT value AS model_id
FROM json_each(:model_ids)
WHERE value NOT IN (SELECT id FROM token_tracking_model_pricing)
ORDER BY value
