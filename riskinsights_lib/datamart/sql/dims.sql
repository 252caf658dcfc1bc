-- Dimensions of the star schema. Inputs: the validated temp tables cln_*, the
-- reference lookups _ref_product and _ref_channel, the id map _idmap.
-- Parameters: $run_id, $history_end, $home_country. Every dimension has the
-- unknown member -1, so that every fact key resolves.

CREATE OR REPLACE TABLE dim_date AS
WITH bounds AS (
    SELECT least(
               (SELECT min(onboarding_date) FROM cln_customers),
               (SELECT min(open_date) FROM cln_accounts),
               (SELECT min(month_end) FROM cln_balances),
               (SELECT min(ts)::DATE FROM cln_transactions)
           ) AS first_day,
           $history_end AS last_day
), days AS (
    SELECT CAST(d AS DATE) AS full_date
    FROM bounds, range(date_trunc('year', first_day), last_day + INTERVAL 1 DAY, INTERVAL 1 DAY) r(d)
)
SELECT -1 AS date_key, NULL::DATE AS full_date, NULL::INTEGER AS year, NULL::INTEGER AS quarter,
       NULL::INTEGER AS month, 'Unknown' AS month_name, NULL::INTEGER AS day_of_month,
       NULL::INTEGER AS day_of_week, 'Unknown' AS day_name, NULL::BOOLEAN AS is_weekend,
       NULL::BOOLEAN AS is_month_end, NULL::DATE AS month_end, 'Unknown' AS year_month,
       $run_id AS run_id
UNION ALL
SELECT (year(full_date) * 10000 + month(full_date) * 100 + day(full_date))::INTEGER,
       full_date, year(full_date)::INTEGER, quarter(full_date)::INTEGER, month(full_date)::INTEGER,
       monthname(full_date), day(full_date)::INTEGER, isodow(full_date)::INTEGER, dayname(full_date),
       isodow(full_date) >= 6,
       full_date = last_day(full_date), last_day(full_date), strftime(full_date, '%Y-%m'),
       $run_id
FROM days
ORDER BY date_key;

CREATE OR REPLACE TABLE dim_geography AS
WITH home AS (
    SELECT country_code, country_name, region FROM cln_countries WHERE country_code = $home_country
), rows AS (
    SELECT 'country' AS geography_level, country_code, country_name, region AS world_region,
           NULL::VARCHAR AS home_region
    FROM cln_countries
    UNION ALL
    SELECT DISTINCT 'home_region', $home_country, (SELECT country_name FROM home),
           (SELECT region FROM home), p.region
    FROM cln_postcodes p
)
SELECT -1 AS geography_key, 'unknown' AS geography_level, NULL::VARCHAR AS country_code,
       'Unknown' AS country_name, 'Unknown' AS world_region, NULL::VARCHAR AS home_region,
       false AS is_home_country, $run_id AS run_id
UNION ALL
SELECT row_number() OVER (ORDER BY geography_level, country_code, home_region)::INTEGER,
       geography_level, country_code, country_name, world_region, home_region,
       country_code = $home_country, $run_id
FROM rows
ORDER BY 1;

CREATE OR REPLACE TABLE dim_product AS
SELECT -1 AS product_key, 'unknown' AS product_type, 'unknown' AS product_family,
       NULL::BOOLEAN AS is_credit, $run_id AS run_id
UNION ALL
SELECT product_key, product_type, product_family, is_credit, $run_id FROM _ref_product
ORDER BY 1;

CREATE OR REPLACE TABLE dim_channel AS
SELECT -1 AS channel_key, 'unknown' AS channel, 'unknown' AS channel_group,
       NULL::BOOLEAN AS is_card_not_present, NULL::BOOLEAN AS is_customer_initiated,
       $run_id AS run_id
UNION ALL
SELECT channel_key, channel, channel_group, is_card_not_present, is_customer_initiated, $run_id
FROM _ref_channel
ORDER BY 1;

CREATE OR REPLACE TABLE dim_merchant_category AS
SELECT -1 AS mcc_key, NULL::INTEGER AS mcc, 'Unknown' AS description, 'Unknown' AS category_group,
       $run_id AS run_id
UNION ALL
SELECT row_number() OVER (ORDER BY mcc)::INTEGER, mcc, description, category_group, $run_id
FROM cln_mcc
ORDER BY 1;

-- Customer: SCD type 2 on segment, employment status, income and KYC risk rating.
-- A version is valid from its effective_from to the day before the next one;
-- the first version starts at onboarding, the current one ends 9999-12-31.
CREATE OR REPLACE TEMP TABLE _customer_static AS
SELECT c.customer_id AS natural_id, h.hashed AS customer_id, c.onboarding_date, c.marital_status,
       c.pep_flag, c.birth_date,
       date_sub('year', c.birth_date, $history_end) AS age_now,
       coalesce(g.geography_key, -1) AS geography_key, g.home_region AS region
FROM cln_customers c
JOIN _idmap h ON h.natural = c.customer_id
LEFT JOIN (
    SELECT c2.customer_id, arg_max(p.region, length(p.postcode_area)) AS region
    FROM cln_customers c2
    JOIN cln_postcodes p
      ON starts_with(upper(replace(c2.postcode, ' ', '')), upper(replace(p.postcode_area, ' ', '')))
    GROUP BY c2.customer_id
) pc ON pc.customer_id = c.customer_id
LEFT JOIN dim_geography g ON g.geography_level = 'home_region' AND g.home_region = pc.region;

CREATE OR REPLACE TABLE dim_customer AS
WITH versions AS (
    SELECT s.customer_id, s.natural_id,
           CASE WHEN row_number() OVER w = 1 THEN least(s.onboarding_date, coalesce(a.effective_from, s.onboarding_date))
                ELSE a.effective_from END AS valid_from,
           coalesce(lead(a.effective_from) OVER w - INTERVAL 1 DAY, DATE '9999-12-31')::DATE AS valid_to,
           row_number() OVER w AS version,
           a.segment, a.employment_status, a.annual_income, a.kyc_risk_rating,
           s.marital_status, s.pep_flag,
           CASE WHEN s.age_now < 25 THEN '18-24' WHEN s.age_now < 35 THEN '25-34'
                WHEN s.age_now < 45 THEN '35-44' WHEN s.age_now < 55 THEN '45-54'
                WHEN s.age_now < 65 THEN '55-64' ELSE '65+' END AS age_band,
           s.region, s.geography_key, s.onboarding_date
    FROM _customer_static s
    LEFT JOIN cln_customer_attributes a ON a.customer_id = s.natural_id
    WINDOW w AS (PARTITION BY s.natural_id ORDER BY a.effective_from)
)
SELECT -1 AS customer_key, 'unknown' AS customer_id, DATE '1900-01-01' AS valid_from,
       DATE '9999-12-31' AS valid_to, true AS is_current, 1 AS version,
       NULL::VARCHAR AS segment, NULL::VARCHAR AS employment_status, NULL::DOUBLE AS annual_income,
       NULL::VARCHAR AS kyc_risk_rating, NULL::VARCHAR AS marital_status, NULL::BOOLEAN AS pep_flag,
       'Unknown' AS age_band, NULL::VARCHAR AS region, -1 AS geography_key,
       NULL::DATE AS onboarding_date, $run_id AS run_id
UNION ALL
SELECT row_number() OVER (ORDER BY customer_id, valid_from)::INTEGER, customer_id, valid_from,
       valid_to, valid_to = DATE '9999-12-31', version::INTEGER, segment, employment_status,
       annual_income, kyc_risk_rating, marital_status, pep_flag, age_band, region,
       geography_key, onboarding_date, $run_id
FROM versions
ORDER BY 1;

CREATE OR REPLACE TABLE dim_account AS
SELECT -1 AS account_key, 'unknown' AS account_id, 'unknown' AS customer_id, -1 AS product_key,
       'unknown' AS product_type, NULL::DATE AS open_date, NULL::DATE AS close_date,
       NULL::BOOLEAN AS is_open, NULL::DOUBLE AS credit_limit, NULL::DOUBLE AS principal,
       NULL::DOUBLE AS interest_rate, NULL::INTEGER AS term_months, $run_id AS run_id
UNION ALL
SELECT row_number() OVER (ORDER BY ha.hashed)::INTEGER, ha.hashed, hc.hashed,
       coalesce(p.product_key, -1), a.product_type, a.open_date, a.close_date,
       a.close_date IS NULL OR a.close_date > $history_end, a.credit_limit, a.principal,
       a.interest_rate, a.term_months, $run_id
FROM cln_accounts a
JOIN _idmap ha ON ha.natural = a.account_id
JOIN _idmap hc ON hc.natural = a.customer_id
LEFT JOIN _ref_product p ON p.product_type = a.product_type
ORDER BY 1;

-- The facts' as-of join to dim_customer runs on an integer customer number
-- (cust_no) instead of the 16-character hashed id: faster at 100 million rows.
CREATE OR REPLACE TEMP TABLE _customer_versions AS
SELECT dense_rank() OVER (ORDER BY customer_id)::INTEGER AS cust_no, customer_id,
       valid_from, valid_to, customer_key
FROM dim_customer
WHERE customer_key <> -1;

-- Natural account id -> keys, for the facts (temp: natural ids never leave the build).
CREATE OR REPLACE TEMP TABLE _account_keys AS
SELECT a.account_id AS natural_id, d.account_key, d.product_key, d.product_type, d.customer_id,
       c.cust_no
FROM cln_accounts a
JOIN _idmap h ON h.natural = a.account_id
JOIN dim_account d ON d.account_id = h.hashed
LEFT JOIN (SELECT DISTINCT customer_id, cust_no FROM _customer_versions) c
       ON c.customer_id = d.customer_id;
