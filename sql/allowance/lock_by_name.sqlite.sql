SELECT id, name FROM token_tracking_sponsored_allowance WHERE name = :name ORDER BY id
