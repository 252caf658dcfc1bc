-- Transactions by ISO weekday (1 = Monday) and hour of day.
SELECT weekday, hour, count(*) AS n_transactions, sum(value) AS value
FROM bi_transaction
GROUP BY ALL
ORDER BY weekday, hour
