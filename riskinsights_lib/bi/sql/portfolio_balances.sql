-- Deposit and loan balances at each month end (open accounts).
SELECT month_end,
       sum(balance) FILTER (WHERE product_family = 'deposit') AS deposit_balance,
       sum(balance) FILTER (WHERE product_family = 'credit') AS loan_balance,
       count(*) FILTER (WHERE product_family = 'deposit') AS n_deposit_accounts,
       count(*) FILTER (WHERE product_family = 'credit') AS n_credit_accounts
FROM bi_account_month
WHERE is_open
GROUP BY month_end
ORDER BY month_end
