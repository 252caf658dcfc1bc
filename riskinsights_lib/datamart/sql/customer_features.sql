-- Customer x snapshot features, point in time: only rows dated on or before the
-- snapshot and within its lookback window ($lookback month ends up to and
-- including the snapshot's). Inputs: _snapshots(snapshot_date), the star
-- schema, _customer_static (birth and onboarding dates, build-time only) and
-- _tx, _cust_num of transaction_prepare.sql.
-- k = months back from the snapshot (0 = the snapshot month).
-- Every table here is a working table joined by key later, so rows may be
-- written in any order (faster); the setting is restored at the end.

SET preserve_insertion_order = false;

CREATE OR REPLACE TEMP TABLE _snap AS
SELECT snapshot_date, year(snapshot_date) * 12 + month(snapshot_date) AS snap_mi FROM _snapshots;

-- Customer x month balances (per product kind), k in 0 .. $lookback - 1.
-- Money is summed as DECIMAL (exact) and averages run in k order, so that a
-- rebuild gives the same bits whatever the order in which threads add up.
CREATE OR REPLACE TEMP TABLE _cm AS
SELECT s.snapshot_date, a.customer_id, s.snap_mi - (year(f.month_end) * 12 + month(f.month_end)) AS k,
       CAST(sum(f.balance::DECIMAL(18, 4)) FILTER (WHERE p.product_type = 'credit_card') AS DOUBLE) AS card_balance,
       CAST(sum(f.credit_limit::DECIMAL(18, 4)) FILTER (WHERE p.product_type = 'credit_card') AS DOUBLE) AS card_limit,
       CAST(sum(f.balance::DECIMAL(18, 4)) FILTER (WHERE p.product_type = 'current_account') AS DOUBLE) AS current_balance,
       CAST(sum(f.balance::DECIMAL(18, 4)) FILTER (WHERE p.product_type = 'savings') AS DOUBLE) AS savings_balance,
       CAST(sum(f.balance::DECIMAL(18, 4)) FILTER (WHERE p.product_type IN ('personal_loan', 'mortgage')) AS DOUBLE)
           AS loan_balance,
       CAST(sum(f.balance::DECIMAL(18, 4)) FILTER (WHERE p.is_credit) AS DOUBLE) AS credit_balance,
       max(f.days_past_due) FILTER (WHERE p.is_credit) AS max_dpd,
       count(*) FILTER (WHERE p.is_credit AND f.instalment_due > 0
                        AND coalesce(f.instalment_paid, 0) < f.instalment_due) AS n_missed,
       CAST(sum(f.instalment_due::DECIMAL(18, 4)) FILTER (WHERE p.is_credit) AS DOUBLE) AS instalment_due
FROM _snap s
JOIN fact_account_month f
  ON f.month_end <= s.snapshot_date
 AND f.month_end > last_day(s.snapshot_date - INTERVAL ($lookback) MONTH)
JOIN dim_account a ON a.account_key = f.account_key
JOIN dim_product p ON p.product_key = f.product_key
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE _f_balance AS
WITH m AS (
    SELECT *, card_balance / nullif(card_limit, 0) AS util,
           coalesce(current_balance, 0) + coalesce(savings_balance, 0) AS deposit
    FROM _cm
)
SELECT snapshot_date, customer_id,
       max(card_limit) FILTER (WHERE k = 0) AS credit_limit,
       max(util) FILTER (WHERE k = 0) AS utilisation_now,
       avg(util ORDER BY k) FILTER (WHERE k < 3) AS utilisation_avg_3m,
       avg(util ORDER BY k) FILTER (WHERE k < 3) - avg(util ORDER BY k) FILTER (WHERE k BETWEEN 3 AND 5) AS utilisation_trend,
       max(max_dpd) FILTER (WHERE k < 6) AS max_dpd_6m,
       max(max_dpd) FILTER (WHERE k = 0) AS dpd_now,
       count(*) FILTER (WHERE k < 6 AND max_dpd > 0) AS months_in_arrears_6m,
       coalesce(sum(n_missed) FILTER (WHERE k < 6), 0) AS missed_instalments_6m,
       max(instalment_due) FILTER (WHERE k = 0) AS instalment_due_now,
       max(credit_balance) FILTER (WHERE k = 0) AS credit_balance,
       max(loan_balance) FILTER (WHERE k = 0) AS loan_balance,
       max(current_balance) FILTER (WHERE k = 0) AS current_balance,
       max(savings_balance) FILTER (WHERE k = 0) AS savings_balance,
       max(deposit) FILTER (WHERE k = 0) AS deposit_balance,
       avg(deposit ORDER BY k) FILTER (WHERE k < 3) AS deposit_balance_avg_3m,
       avg(deposit ORDER BY k) FILTER (WHERE k < 3) - avg(deposit ORDER BY k) FILTER (WHERE k BETWEEN 3 AND 5)
           AS deposit_balance_trend
FROM m
GROUP BY snapshot_date, customer_id;

-- Customer x month x channel transactions (aggregated once, then windowed per
-- snapshot), from transaction_prepare.sql's _tx: integer group keys, no join per row.
CREATE OR REPLACE TEMP TABLE _tm AS
SELECT n.customer_id, t.mi, c.channel, t.is_debit AND c.is_customer_initiated AS initiated,
       t.n, t.amount, t.last_ts
FROM (
    SELECT cnum, year(ts) * 12 + month(ts) AS mi, channel_key, is_debit,
           count(*) AS n, sum(amount::DECIMAL(18, 4)) AS amount, max(ts) AS last_ts
    FROM _tx
    GROUP BY ALL
) t
JOIN _cust_num n ON n.cnum = t.cnum
JOIN dim_channel c ON c.channel_key = t.channel_key;

CREATE OR REPLACE TEMP TABLE _f_tx AS
WITH w AS (
    SELECT s.snapshot_date, t.*, s.snap_mi - t.mi AS k
    FROM _snap s JOIN _tm t ON t.mi BETWEEN s.snap_mi - $lookback + 1 AND s.snap_mi
)
SELECT snapshot_date, customer_id,
       coalesce(sum(n) FILTER (WHERE initiated AND k < 3), 0) AS tx_count_3m,
       coalesce(sum(n) FILTER (WHERE initiated AND k < 3), 0)
           - coalesce(sum(n) FILTER (WHERE initiated AND k BETWEEN 3 AND 5), 0) AS tx_count_trend,
       coalesce(sum(amount) FILTER (WHERE initiated AND k < 3), 0)::DOUBLE AS spend_3m,
       date_diff('day', CAST(max(last_ts) FILTER (WHERE initiated) AS DATE), snapshot_date)
           AS days_since_last_tx,
       count(DISTINCT channel) FILTER (WHERE initiated AND k < 3) AS active_channels_3m,
       coalesce(sum(n) FILTER (WHERE channel = 'salary_credit' AND k < 3), 0) AS salary_credits_3m,
       min(k) FILTER (WHERE channel = 'salary_credit') AS months_since_salary,
       coalesce(sum(amount) FILTER (WHERE channel = 'salary_credit' AND k < 3), 0)::DOUBLE / 3
           - coalesce(sum(amount) FILTER (WHERE channel = 'salary_credit' AND k BETWEEN 3 AND 5), 0)::DOUBLE / 3
           AS salary_amount_trend
FROM w
GROUP BY snapshot_date, customer_id;

CREATE OR REPLACE TEMP TABLE _f_products AS
SELECT s.snapshot_date, a.customer_id,
       count(*) AS n_accounts,
       count(DISTINCT a.product_type) AS n_products,
       max(CASE WHEN a.product_type = 'current_account' THEN 1 ELSE 0 END) AS has_current_account,
       max(CASE WHEN a.product_type = 'savings' THEN 1 ELSE 0 END) AS has_savings,
       max(CASE WHEN a.product_type = 'credit_card' THEN 1 ELSE 0 END) AS has_credit_card,
       max(CASE WHEN a.product_type = 'personal_loan' THEN 1 ELSE 0 END) AS has_personal_loan,
       max(CASE WHEN a.product_type = 'mortgage' THEN 1 ELSE 0 END) AS has_mortgage,
       max(CASE WHEN p.is_credit THEN 1 ELSE 0 END) AS has_credit_product,
       date_diff('month', min(a.open_date), s.snapshot_date) AS months_since_first_account,
       date_diff('month', max(a.open_date), s.snapshot_date) AS months_since_last_account
FROM _snap s
JOIN dim_account a
  ON a.open_date <= s.snapshot_date AND (a.close_date IS NULL OR a.close_date > s.snapshot_date)
JOIN dim_product p ON p.product_key = a.product_key
WHERE a.account_key <> -1
GROUP BY s.snapshot_date, a.customer_id;

-- One row per customer onboarded by the snapshot; attributes as of the snapshot (SCD2).
CREATE OR REPLACE TEMP TABLE _features AS
SELECT c.customer_id, s.snapshot_date,
       CAST(date_sub('year', c.birth_date, s.snapshot_date) AS INTEGER) AS age,
       CAST(date_sub('month', c.onboarding_date, s.snapshot_date) AS INTEGER) AS tenure_months,
       d.segment, d.employment_status, d.kyc_risk_rating, c.marital_status, c.region,
       CAST(c.pep_flag AS INTEGER) AS pep_flag,
       d.annual_income,
       CAST(coalesce(p.n_products, 0) AS INTEGER) AS n_products,
       CAST(coalesce(p.n_accounts, 0) AS INTEGER) AS n_accounts,
       coalesce(p.has_current_account, 0) AS has_current_account,
       coalesce(p.has_savings, 0) AS has_savings,
       coalesce(p.has_credit_card, 0) AS has_credit_card,
       coalesce(p.has_personal_loan, 0) AS has_personal_loan,
       coalesce(p.has_mortgage, 0) AS has_mortgage,
       coalesce(p.has_credit_product, 0) AS has_credit_product,
       CAST(p.months_since_last_account AS INTEGER) AS months_since_last_account,
       b.credit_limit, b.utilisation_now, b.utilisation_avg_3m, b.utilisation_trend,
       b.credit_balance, b.loan_balance,
       CAST(b.max_dpd_6m AS INTEGER) AS max_dpd_6m, CAST(b.dpd_now AS INTEGER) AS dpd_now,
       CAST(coalesce(b.months_in_arrears_6m, 0) AS INTEGER) AS months_in_arrears_6m,
       CAST(coalesce(b.missed_instalments_6m, 0) AS INTEGER) AS missed_instalments_6m,
       b.instalment_due_now,
       12 * b.instalment_due_now / nullif(d.annual_income, 0) AS instalment_to_income,
       b.current_balance, b.savings_balance, b.deposit_balance, b.deposit_balance_avg_3m,
       b.deposit_balance_trend,
       CAST(coalesce(t.salary_credits_3m, 0) AS INTEGER) AS salary_credits_3m,
       CAST(t.months_since_salary AS INTEGER) AS months_since_salary,
       coalesce(t.salary_amount_trend, 0) AS salary_amount_trend,
       CAST(coalesce(t.tx_count_3m, 0) AS INTEGER) AS tx_count_3m,
       CAST(coalesce(t.tx_count_trend, 0) AS INTEGER) AS tx_count_trend,
       coalesce(t.spend_3m, 0) AS spend_3m,
       CAST(t.days_since_last_tx AS INTEGER) AS days_since_last_tx,
       CAST(coalesce(t.active_channels_3m, 0) AS INTEGER) AS active_channels_3m
FROM _snap s
JOIN _customer_static c ON c.onboarding_date <= s.snapshot_date
LEFT JOIN dim_customer d
       ON d.customer_id = c.customer_id AND s.snapshot_date BETWEEN d.valid_from AND d.valid_to
LEFT JOIN _f_products p ON p.customer_id = c.customer_id AND p.snapshot_date = s.snapshot_date
LEFT JOIN _f_balance b ON b.customer_id = c.customer_id AND b.snapshot_date = s.snapshot_date
LEFT JOIN _f_tx t ON t.customer_id = c.customer_id AND t.snapshot_date = s.snapshot_date;

SET preserve_insertion_order = true;
