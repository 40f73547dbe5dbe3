SELECT DISTINCT a.name
FROM token_tracking_sponsored_allowance_base_models AS m
JOIN token_tracking_sponsored_allowance AS a ON a.id = m.sponsored_allowance_id
WHERE m.base_model_id = :model_id
ORDER BY a.name
