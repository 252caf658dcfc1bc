-- Card spend by merchant category group: the top_n groups by value, the rest as 'other'.
WITH g AS (
    SELECT category_group, count(*) AS n_transactions, sum(value) AS value
    FROM bi_transaction
    WHERE has_merchant
    GROUP BY ALL
),
r AS (
    SELECT *, row_number() OVER (ORDER BY value DESC, category_group) AS rnk FROM g
)
SELECT CASE WHEN rnk <= $top_n THEN category_group ELSE 'other' END AS category_group,
       sum(n_transactions)::BIGINT AS n_transactions,
       sum(value) AS value,
       sum(value) / (SELECT sum(value) FROM g) AS share_value,
       min(rnk) AS rank
FROM r
GROUP BY ALL
ORDER BY rank
