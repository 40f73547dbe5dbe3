-- Adds the cost of the rows an INSERT wrote to the usage log to owtt_usage_total
-- and owtt_usage_quarter_hour, priced at the moment of recording. It runs once per
-- statement over all inserted rows, so a bulk insert updates each counter once.
-- Rows are locked in key order, total before quarter hours, as owtt_async's own
-- charges lock them, so concurrent inserts cannot deadlock on them.
CREATE OR REPLACE FUNCTION owtt_usage_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO owtt_usage_total AS t (sponsored_allowance_id, used_micro)
    SELECT l.sponsored_allowance_id,
           SUM(owtt_usage_cost_micro(l.prompt_tokens, l.response_tokens,
                                     p.input_cost_credits, p.per_input_tokens,
                                     p.output_cost_credits, p.per_output_tokens))
    FROM owtt_inserted_usage AS l
    LEFT JOIN token_tracking_model_pricing AS p ON p.id = l.model_id
    WHERE l.sponsored_allowance_id IS NOT NULL
    GROUP BY l.sponsored_allowance_id
    ORDER BY l.sponsored_allowance_id
    ON CONFLICT (sponsored_allowance_id)
        DO UPDATE SET used_micro = t.used_micro + excluded.used_micro;

    INSERT INTO owtt_usage_quarter_hour AS q
        (sponsored_allowance_id, user_id, quarter_hour, used_micro)
    SELECT l.sponsored_allowance_id, l.user_id,
           CAST(floor(extract(epoch FROM l.log_date) / 900) AS bigint),
           SUM(owtt_usage_cost_micro(l.prompt_tokens, l.response_tokens,
                                     p.input_cost_credits, p.per_input_tokens,
                                     p.output_cost_credits, p.per_output_tokens))
    FROM owtt_inserted_usage AS l
    LEFT JOIN token_tracking_model_pricing AS p ON p.id = l.model_id
    WHERE l.sponsored_allowance_id IS NOT NULL
      AND l.user_id IS NOT NULL
      AND l.log_date IS NOT NULL
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (sponsored_allowance_id, user_id, quarter_hour)
        DO UPDATE SET used_micro = q.used_micro + excluded.used_micro;

    RETURN NULL;
END
$$
