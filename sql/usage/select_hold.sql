SELECT id, sponsored_allowance_id, user_id, model_id, provider, held_micro,
       created_at, expires_at
FROM owtt_usage_hold
WHERE id = :id
