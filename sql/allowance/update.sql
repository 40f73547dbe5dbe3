UPDATE token_tracking_sponsored_allowance
SET name = :name,
    sponsor_id = :sponsor_id,
    total_credit_limit = :total_credit_limit,
    daily_credit_limit = :daily_credit_limit
WHERE id = :id
