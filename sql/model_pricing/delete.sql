DELETE FROM token_tracking_model_pricing WHERE id = :id RETURNING id
