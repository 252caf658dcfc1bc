-- Observed 6-month churn of the churn mart's customers by segment and tenure band at each snapshot.
WITH m AS (
    SELECT mc.customer_id, mc.snapshot_date, mc.churn_6m,
           coalesce(cv.segment, 'unknown') AS segment,
           datediff('month', cv.onboarding_date, mc.snapshot_date) AS tenure_months
    FROM mart_churn mc
    LEFT JOIN bi_customer_version cv
      ON cv.customer_id = mc.customer_id
     AND mc.snapshot_date BETWEEN cv.valid_from AND cv.valid_to
)
SELECT snapshot_date, segment,
       CASE WHEN tenure_months IS NULL THEN 'unknown'
            WHEN tenure_months < 12 THEN '<1y'
            WHEN tenure_months < 36 THEN '1-3y'
            WHEN tenure_months < 60 THEN '3-5y'
            WHEN tenure_months < 120 THEN '5-10y'
            ELSE '10y+' END AS tenure_band,
       count(*) AS n_customers,
       sum(churn_6m)::BIGINT AS n_churned,
       sum(churn_6m) / count(*) AS churn_rate
FROM m
GROUP BY ALL
ORDER BY snapshot_date, segment, tenure_band
