-- The cost of each usage row in microcredits: the exact rational cost
-- 10^6 * (prompt * input_cost / per_input + response * output_cost / per_output),
-- rounded up to a whole microcredit, as owtt_async._credits.cost_micro computes it.
-- SQLite turns an integer overflow into an inexact REAL, so each term is split
-- into a whole part and a remainder that stay within 64 bits for every 32-bit
-- column value: f = whole microcredits, s / per = the fraction left over. A row
-- whose model has no complete price costs 0. NOTE: a row costing more than about
-- 9.2 * 10^12 credits overflows 64 bits and is counted inexactly. Timestamps are read as UTC, to the
-- second: SQLite's date functions round to milliseconds, which would move
-- 23:59:59.9995 into the next day.
CREATE VIEW IF NOT EXISTS owtt_usage_log_cost AS
SELECT log_rowid, sponsored_allowance_id, user_id, quarter_hour,
       CASE
           WHEN per_input_tokens IS NULL THEN 0
           ELSE f1 + f2 + CASE
               WHEN s1 = 0 AND s2 = 0 THEN 0
               WHEN s1 * per_output_tokens + s2 * per_input_tokens
                    <= per_input_tokens * per_output_tokens THEN 1
               ELSE 2
           END
       END AS cost_micro
FROM (
    SELECT log_rowid, sponsored_allowance_id, user_id, quarter_hour,
           per_input_tokens, per_output_tokens,
           (a1 / per_input_tokens) * 1000000 + ((a1 % per_input_tokens) * 1000000) / per_input_tokens AS f1,
           ((a1 % per_input_tokens) * 1000000) % per_input_tokens AS s1,
           (a2 / per_output_tokens) * 1000000 + ((a2 % per_output_tokens) * 1000000) / per_output_tokens AS f2,
           ((a2 % per_output_tokens) * 1000000) % per_output_tokens AS s2
    FROM (
        SELECT l.rowid AS log_rowid, l.sponsored_allowance_id, l.user_id,
               CAST(strftime('%s', substr(l.log_date, 1, 19)) AS INTEGER) / 900 AS quarter_hour,
               CASE WHEN p.input_cost_credits >= 0 AND p.per_input_tokens > 0
                         AND p.output_cost_credits >= 0 AND p.per_output_tokens > 0
                    THEN p.per_input_tokens END AS per_input_tokens,
               CASE WHEN p.input_cost_credits >= 0 AND p.per_input_tokens > 0
                         AND p.output_cost_credits >= 0 AND p.per_output_tokens > 0
                    THEN p.per_output_tokens END AS per_output_tokens,
               MAX(COALESCE(l.prompt_tokens, 0), 0) * p.input_cost_credits AS a1,
               MAX(COALESCE(l.response_tokens, 0), 0) * p.output_cost_credits AS a2
        FROM token_tracking_usage_log AS l
        LEFT JOIN token_tracking_model_pricing AS p ON p.id = l.model_id
    )
)
