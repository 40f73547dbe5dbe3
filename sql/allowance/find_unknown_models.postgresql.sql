SELECT model_id
FROM unnest(CAST(:model_ids AS varchar[])) AS model_id
WHERE NOT EXISTS (
    SELECT 1 FROM token_tracking_model_pricing AS pricing WHERE pricing.id = model_id
)
ORDER BY model_id
