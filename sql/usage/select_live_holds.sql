SELECT user_id, quarter_hour, held_micro
FROM owtt_usage_hold
WHERE sponsored_allowance_id = :allowance_id AND expires_at > :now
