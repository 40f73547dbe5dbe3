INSERT INTO token_tracking_sponsored_allowance_base_models
    (sponsored_allowance_id, base_model_id)
SELECT :allowance_id, model_id
FROM unnest(CAST(:model_ids AS varchar[])) AS model_id
