-- :rows is a JSON array of objects, one per usage row; one statement writes them
-- all. log_date is text in the original package's format, in UTC.
INSERT INTO token_tracking_usage_log
    (log_date, user_id, provider, model_id, prompt_tokens, response_tokens,
     sponsored_allowance_id)
SELECT json_extract(value, '$.log_date'), json_extract(value, '$.user_id'),
       json_extract(value, '$.provider'), json_extract(value, '$.model_id'),
       json_extract(value, '$.prompt_tokens'), json_extract(value, '$.response_tokens'),
       :allowance_id
FROM json_each(:rows)
