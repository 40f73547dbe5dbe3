-- Counts the usage recorded before the trigger existed, at today's prices: the
-- log keeps tokens, not the prices they were charged at.
INSERT INTO owtt_usage_total (sponsored_allowance_id, used_micro)
SELECT l.sponsored_allowance_id,
       SUM(owtt_usage_cost_micro(l.prompt_tokens, l.response_tokens,
                                 p.input_cost_credits, p.per_input_tokens,
                                 p.output_cost_credits, p.per_output_tokens))
FROM token_tracking_usage_log AS l
LEFT JOIN token_tracking_model_pricing AS p ON p.id = l.model_id
WHERE l.sponsored_allowance_id IS NOT NULL
GROUP BY l.sponsored_allowance_id
