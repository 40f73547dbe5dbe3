-- Locks the allowance row until the transaction ends, so that concurrent updates
-- of one allowance apply one after the other instead of overwriting each other.
SELECT id, name FROM token_tracking_sponsored_allowance WHERE id = :id FOR UPDATE
