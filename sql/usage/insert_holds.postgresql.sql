INSERT INTO owtt_usage_hold
    (id, sponsored_allowance_id, user_id, model_id, provider, held_micro,
     created_at, quarter_hour, expires_at)
SELECT r.id, CAST(:allowance_id AS uuid), r.user_id, r.model_id, r.provider, r.held_micro,
       r.created_at, r.quarter_hour, r.expires_at
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
    id uuid, user_id varchar, model_id varchar, provider varchar, held_micro bigint,
    created_at timestamptz, quarter_hour bigint, expires_at timestamptz
)
