-- The allowance's base models with their prices; a NULL price means the pricing
-- row is missing (possible on SQLite, where the foreign key may go unchecked).
SELECT m.base_model_id AS model_id, p.provider,
       p.input_cost_credits, p.per_input_tokens,
       p.output_cost_credits, p.per_output_tokens
FROM token_tracking_sponsored_allowance_base_models AS m
LEFT JOIN token_tracking_model_pricing AS p ON p.id = m.base_model_id
WHERE m.sponsored_allowance_id = :allowance_id
