-- BEGIN IMMEDIATE already holds SQLite's write lock; nothing more to lock.
SELECT id, name FROM token_tracking_sponsored_allowance WHERE id = :id
