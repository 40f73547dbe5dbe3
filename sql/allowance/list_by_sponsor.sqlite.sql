SELECT a.id, a.name, a.sponsor_id, a.total_credit_limit, a.daily_credit_limit,
       a.creation_date, json_group_array(m.base_model_id) AS base_models
FROM token_tracking_sponsored_allowance AS a
LEFT JOIN token_tracking_sponsored_allowance_base_models AS m
    ON m.sponsored_allowance_id = a.id
WHERE a.sponsor_id = :sponsor_id
GROUP BY a.id
ORDER BY a.name NULLS LAST, a.id
