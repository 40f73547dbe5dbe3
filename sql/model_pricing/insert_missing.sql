INSERT INTO token_tracking_model_pricing
    (id, provider, name, input_cost_credits, per_input_tokens,
     output_cost_credits, per_output_tokens)
VALUES
    (:id, :provider, :name, :input_cost_credits, :per_input_tokens,
     :output_cost_credits, :per_output_tokens)
ON CONFLICT (id) DO NOTHING
RETURNING id
