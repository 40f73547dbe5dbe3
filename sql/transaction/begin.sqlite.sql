-- IMMEDIATE takes the write lock at once, so two writers queue on the busy timeout
-- instead of deadlocking when both upgrade from a read lock.
BEGIN IMMEDIATE
