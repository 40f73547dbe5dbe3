SELECT id, provider, name, input_cost_credits, per_input_tokens,
       output_cost_credits, per_output_tokens
FROM token_tracking_model_pricing
WHERE provider = :provider
ORDER BY id
