DELETE FROM owtt_usage_hold WHERE expires_at <= :now RETURNING id
