SELECT EXISTS (
    SELECT 1 FROM pg_trigger
    WHERE tgname = 'owtt_usage_count'
      AND tgrelid = to_regclass('token_tracking_usage_log')
) AS present
