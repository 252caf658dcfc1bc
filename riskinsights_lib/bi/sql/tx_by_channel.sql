-- Transaction volume and value by calendar month and channel.
SELECT month, channel,
       count(*) AS n_transactions,
       sum(value) AS value
FROM bi_transaction
GROUP BY ALL
ORDER BY month, channel
