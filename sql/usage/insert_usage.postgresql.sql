-- :rows is a JSON array of objects, one per usage row; one statement writes them all.
INSERT INTO token_tracking_usage_log
    (log_date, user_id, provider, model_id, prompt_tokens, response_tokens,
     sponsored_allowance_id)
SELECT r.log_date, r.user_id, r.provider, r.model_id, r.prompt_tokens, r.response_tokens,
       CAST(:allowance_id AS uuid)
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
    log_date timestamptz, user_id varchar, provider varchar, model_id varchar,
    prompt_tokens integer, response_tokens integer
)
