-- Locks the allowance's counter row and the allowance until the transaction ends.
-- Every charge, reservation and settlement of the allowance takes this lock first,
-- and the counting trigger updates the same row, so they apply one after the
-- other. Locking the allowance too makes PostgreSQL return its latest limits after
-- a wait; NO KEY UPDATE still lets usage rows reference it meanwhile.
SELECT a.name, a.total_credit_limit, a.daily_credit_limit, t.used_micro
FROM owtt_usage_total AS t
JOIN token_tracking_sponsored_allowance AS a ON a.id = t.sponsored_allowance_id
WHERE t.sponsored_allowance_id = :allowance_id
FOR NO KEY UPDATE OF t, a
