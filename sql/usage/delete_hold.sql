DELETE FROM owtt_usage_hold WHERE id = :id RETURNING id
