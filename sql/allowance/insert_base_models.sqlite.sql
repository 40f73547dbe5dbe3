-- :model_ids is a JSON array of strings: one statement for any number of models.
INSERT INTO token_tracking_sponsored_allowance_base_models
    (sponsored_allowance_id, base_model_id)
SELECT :allowance_id, value
FROM json_each(:model_ids)
