-- Serialises concurrent migrations: CREATE TABLE IF NOT EXISTS alone can still
-- collide when two sessions create the same table at once. SQLite needs no lock
-- here because BEGIN IMMEDIATE already admits one writer.
SELECT pg_advisory_xact_lock(:key)
