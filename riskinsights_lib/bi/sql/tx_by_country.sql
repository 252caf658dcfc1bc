-- Merchant transactions by merchant country: the top_n countries by count, the rest as 'other'.
WITH g AS (
    SELECT country_code, count(*) AS n_transactions, sum(value) AS value
    FROM bi_transaction
    WHERE has_country
    GROUP BY ALL
),
r AS (
    SELECT *, row_number() OVER (ORDER BY n_transactions DESC, country_code) AS rnk FROM g
)
SELECT CASE WHEN rnk <= $top_n THEN country_code ELSE 'other' END AS country_code,
       sum(n_transactions)::BIGINT AS n_transactions,
       sum(value) AS value,
       sum(n_transactions) / (SELECT sum(n_transactions) FROM g) AS share_transactions,
       min(rnk) AS rank
FROM r
GROUP BY ALL
ORDER BY rank
