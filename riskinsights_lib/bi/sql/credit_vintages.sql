-- Cumulative default rate (first month at $default_dpd+ days past due) by months on book, one
-- curve per origination quarter. Only accounts opened inside the observed history are used, and
-- a curve stops at the months on book that every account of its vintage has reached.
WITH bounds AS (
    SELECT min(month_end) AS first_me, max(month_end) AS last_me FROM bi_account_month
),
acc AS (
    SELECT a.account_id, a.open_date,
           strftime(a.open_date, '%Y') || 'Q' || quarter(a.open_date) AS vintage
    FROM bi_account a, bounds b
    WHERE a.product_family = 'credit'
      AND a.open_date > b.first_me - INTERVAL 1 MONTH
      AND a.open_date <= b.last_me
),
first_default AS (
    SELECT account_id, min(month_end) AS default_me
    FROM bi_account_month
    WHERE product_family = 'credit' AND days_past_due >= $default_dpd
    GROUP BY account_id
),
acc_mob AS (
    SELECT acc.vintage, acc.open_date,
           datediff('month', date_trunc('month', acc.open_date), date_trunc('month', fd.default_me))
               AS default_mob
    FROM acc LEFT JOIN first_default fd USING (account_id)
),
vint AS (
    SELECT vintage, count(*) AS n_accounts,
           datediff('month', date_trunc('month', max(open_date)),
                    date_trunc('month', (SELECT last_me FROM bounds))) AS max_mob
    FROM acc_mob
    GROUP BY vintage
),
grid AS (
    SELECT v.vintage, v.n_accounts, g.mob AS months_on_book
    FROM vint v, range(0, v.max_mob + 1) g(mob)
)
SELECT g.vintage, g.months_on_book, g.n_accounts,
       count(am.default_mob) AS n_defaulted,
       count(am.default_mob) / g.n_accounts AS cum_default_rate
FROM grid g
LEFT JOIN acc_mob am ON am.vintage = g.vintage AND am.default_mob <= g.months_on_book
GROUP BY g.vintage, g.months_on_book, g.n_accounts
ORDER BY g.vintage, g.months_on_book
