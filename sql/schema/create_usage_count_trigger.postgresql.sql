CREATE TRIGGER owtt_usage_count
    AFTER INSERT ON token_tracking_usage_log
    REFERENCING NEW TABLE AS owtt_inserted_usage
    FOR EACH STATEMENT
    EXECUTE FUNCTION owtt_usage_count()
