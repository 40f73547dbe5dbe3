INSERT INTO owtt_usage_hold
    (id, sponsored_allowance_id, user_id, model_id, provider, held_micro,
     created_at, quarter_hour, expires_at)
SELECT json_extract(value, '$.id'), :allowance_id, json_extract(value, '$.user_id'),
       json_extract(value, '$.model_id'), json_extract(value, '$.provider'),
       json_extract(value, '$.held_micro'), json_extract(value, '$.created_at'),
       json_extract(value, '$.quarter_hour'), json_extract(value, '$.expires_at')
FROM json_each(:rows)
