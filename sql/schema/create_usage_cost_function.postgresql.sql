-- The cost of one usage row in microcredits: the exact rational cost
-- 10^6 * (prompt * input_cost / per_input + response * output_cost / per_output),
-- rounded up to a whole microcredit. numeric keeps every step exact. A row whose
-- model has no complete price (NULL, negative, or a zero token count) costs 0.
-- owtt_async._credits.cost_micro applies the same rule in Python. NOTE: a row
-- costing more than about 9.2 * 10^12 credits overflows bigint, and its insert fails.
CREATE OR REPLACE FUNCTION owtt_usage_cost_micro(
    prompt_tokens numeric,
    response_tokens numeric,
    input_cost_credits numeric,
    per_input_tokens numeric,
    output_cost_credits numeric,
    per_output_tokens numeric
) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN input_cost_credits >= 0 AND per_input_tokens > 0
             AND output_cost_credits >= 0 AND per_output_tokens > 0
        THEN CAST(div(
            1000000 * (GREATEST(COALESCE(prompt_tokens, 0), 0) * input_cost_credits * per_output_tokens
                       + GREATEST(COALESCE(response_tokens, 0), 0) * output_cost_credits * per_input_tokens)
            + per_input_tokens * per_output_tokens - 1,
            per_input_tokens * per_output_tokens) AS bigint)
        ELSE 0
    END
$$
