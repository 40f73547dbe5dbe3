-- Does nothing, but runs on the connection's worker thread after every statement
-- queued before it, so that its result shows the connection's true state.
SELECT 1
