INSERT INTO token_tracking_sponsored_allowance
    (id, name, sponsor_id, total_credit_limit, daily_credit_limit)
VALUES
    (:id, :name, :sponsor_id, :total_credit_limit, :daily_credit_limit)
RETURNING creation_date
