INSERT INTO owtt_usage_quarter_hour (sponsored_allowance_id, user_id, quarter_hour, used_micro)
SELECT l.sponsored_allowance_id, l.user_id,
       CAST(floor(extract(epoch FROM l.log_date) / 900) AS bigint),
       SUM(owtt_usage_cost_micro(l.prompt_tokens, l.response_tokens,
                                 p.input_cost_credits, p.per_input_tokens,
                                 p.output_cost_credits, p.per_output_tokens))
FROM token_tracking_usage_log AS l
LEFT JOIN token_tracking_model_pricing AS p ON p.id = l.model_id
WHERE l.sponsored_allowance_id IS NOT NULL
  AND l.user_id IS NOT NULL
  AND l.log_date IS NOT NULL
GROUP BY 1, 2, 3
