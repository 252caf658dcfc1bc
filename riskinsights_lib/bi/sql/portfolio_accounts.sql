-- Open accounts, balances and limits at each month end, plus accounts opened and closed in the month.
WITH months AS (
    SELECT DISTINCT month_end FROM bi_account_month
),
stock AS (
    SELECT month_end, product_type, product_family,
           count(*) AS n_accounts,
           sum(balance) AS balance,
           sum(credit_limit) AS credit_limit
    FROM bi_account_month
    WHERE is_open
    GROUP BY ALL
),
flows AS (
    SELECT m.month_end, a.product_type,
           count(*) FILTER (WHERE last_day(a.open_date) = m.month_end) AS n_new,
           count(*) FILTER (WHERE last_day(a.close_date) = m.month_end) AS n_closed
    FROM months m
    JOIN bi_account a
      ON last_day(a.open_date) = m.month_end OR last_day(a.close_date) = m.month_end
    GROUP BY ALL
),
types AS (
    SELECT DISTINCT product_type, product_family FROM bi_account
)
SELECT m.month_end, t.product_type, t.product_family,
       coalesce(s.n_accounts, 0) AS n_accounts,
       coalesce(fl.n_new, 0) AS n_new,
       coalesce(fl.n_closed, 0) AS n_closed,
       coalesce(s.balance, 0) AS balance,
       coalesce(s.credit_limit, 0) AS credit_limit
FROM months m
CROSS JOIN types t
LEFT JOIN stock s ON s.month_end = m.month_end AND s.product_type = t.product_type
LEFT JOIN flows fl ON fl.month_end = m.month_end AND fl.product_type = t.product_type
ORDER BY m.month_end, t.product_type
