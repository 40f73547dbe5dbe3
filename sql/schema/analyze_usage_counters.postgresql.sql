-- Gives the planner row counts for the freshly filled counters at once, instead
-- of after autovacuum's next visit.
ANALYZE owtt_usage_total, owtt_usage_quarter_hour
