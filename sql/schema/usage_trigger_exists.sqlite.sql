SELECT EXISTS (
    SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'owtt_usage_count'
) AS present
