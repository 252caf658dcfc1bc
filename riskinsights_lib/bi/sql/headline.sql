-- Headline figures at the latest month end of the history.
WITH last AS (SELECT max(month_end) AS m FROM bi_account_month),
cur AS (SELECT * FROM bi_account_month WHERE is_open AND month_end = (SELECT m FROM last))
SELECT
    (SELECT m FROM last) AS latest_month_end,
    (SELECT count(DISTINCT customer_id) FROM cur) AS n_active_customers,
    (SELECT count(*) FROM cur) AS n_open_accounts,
    (SELECT coalesce(sum(balance), 0) FROM cur WHERE product_family = 'deposit') AS total_deposits,
    (SELECT coalesce(sum(balance), 0) FROM cur WHERE product_family = 'credit') AS total_loans,
    (SELECT sum(balance) / nullif(sum(credit_limit), 0) FROM cur
      WHERE product_family = 'credit' AND credit_limit > 0) AS avg_utilisation,
    (SELECT count(*) FILTER (WHERE dpd_bucket = '90+') / nullif(count(*), 0) FROM cur
      WHERE product_family = 'credit') AS share_90plus_latest,
    (SELECT count(*) FROM bi_transaction) AS n_transactions
