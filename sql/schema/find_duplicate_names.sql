SELECT name, COUNT(*) AS allowances
FROM token_tracking_sponsored_allowance
WHERE name IS NOT NULL
GROUP BY name
HAVING COUNT(*) > 1
ORDER BY name
