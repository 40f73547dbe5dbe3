DELETE FROM token_tracking_sponsored_allowance WHERE id = :id
