SELECT to_regclass(CAST(:index_name AS text)) IS NOT NULL AS present
