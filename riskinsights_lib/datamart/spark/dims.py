"""Dimensions of the star schema in Spark SQL (the DuckDB build's ``sql/dims.sql``).

Inputs: the temp views ``cln_*`` (loaded rows), ``_idmap``; outputs: the
dimension DataFrames, registered as temp views of the same names, and the
build-time views ``_customer_static``, ``_customer_versions`` and
``_account_keys``. Where the dialects differ the SQL says so:

- NULL ordering: DuckDB sorts NULLs last, Spark first; every ORDER BY over a
  nullable column says ``NULLS LAST``.
- ``isodow`` (Monday = 1): ``weekday(d) + 1`` in Spark.
- ``date_sub('year', a, b)`` (complete years, DuckDB) is :func:`complete_months` // 12.
"""

from __future__ import annotations

import datetime as dt

from riskinsights_lib.datamart.build import _CHANNEL_GROUPS
from riskinsights_lib.datamart.sources import (
    CHANNELS,
    CREDIT_PRODUCTS,
    CUSTOMER_INITIATED_CHANNELS,
    PRODUCT_TYPES,
)

__all__ = ["complete_months", "build_dimensions", "lit"]


def lit(value: object) -> str:
    """A Python value as a Spark SQL literal."""
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return str(int(value)) if isinstance(value, (bool, int)) else repr(value)


def complete_months(a: str, b: str) -> str:
    """Spark SQL: complete months from date ``a`` to date ``b`` (``a <= b``), as DuckDB's
    ``date_sub('month', a, b)``: a month counts once ``b``'s day reaches ``a``'s, or ``b``
    is the last day of its month."""
    return (
        f"((year({b}) * 12 + month({b})) - (year({a}) * 12 + month({a})) "
        f"- CASE WHEN day({b}) < day({a}) AND {b} <> last_day({b}) THEN 1 ELSE 0 END)"
    )


def _register_lookups(spark) -> None:
    products = [
        (i + 1, p, "credit" if p in CREDIT_PRODUCTS else "deposit", p in CREDIT_PRODUCTS)
        for i, p in enumerate(PRODUCT_TYPES)
    ]
    spark.createDataFrame(
        products, "product_key INT, product_type STRING, product_family STRING, is_credit BOOLEAN"
    ).createOrReplaceTempView("_ref_product")
    channels = [
        (
            i + 1,
            c,
            _CHANNEL_GROUPS[c],
            c == "card_online",
            c in CUSTOMER_INITIATED_CHANNELS,
        )
        for i, c in enumerate(CHANNELS)
    ]
    spark.createDataFrame(
        channels,
        "channel_key INT, channel STRING, channel_group STRING, is_card_not_present BOOLEAN, "
        "is_customer_initiated BOOLEAN",
    ).createOrReplaceTempView("_ref_channel")


def _dim_date(run_id: str, history_end: dt.date) -> str:
    return f"""
    WITH bounds AS (
        SELECT least(
                   (SELECT min(onboarding_date) FROM cln_customers),
                   (SELECT min(open_date) FROM cln_accounts),
                   (SELECT min(month_end) FROM cln_balances),
                   (SELECT CAST(min(ts) AS DATE) FROM cln_transactions)
               ) AS first_day
    ), days AS (
        SELECT explode(sequence(trunc(first_day, 'year'), {lit(history_end)}, INTERVAL 1 DAY))
               AS full_date
        FROM bounds
    )
    SELECT -1 AS date_key, CAST(NULL AS DATE) AS full_date, CAST(NULL AS INT) AS year,
           CAST(NULL AS INT) AS quarter, CAST(NULL AS INT) AS month, 'Unknown' AS month_name,
           CAST(NULL AS INT) AS day_of_month, CAST(NULL AS INT) AS day_of_week,
           'Unknown' AS day_name, CAST(NULL AS BOOLEAN) AS is_weekend,
           CAST(NULL AS BOOLEAN) AS is_month_end, CAST(NULL AS DATE) AS month_end,
           'Unknown' AS year_month, {lit(run_id)} AS run_id
    UNION ALL
    SELECT CAST(year(full_date) * 10000 + month(full_date) * 100 + day(full_date) AS INT),
           full_date, year(full_date), quarter(full_date), month(full_date),
           date_format(full_date, 'MMMM'), day(full_date), weekday(full_date) + 1,
           date_format(full_date, 'EEEE'), weekday(full_date) + 1 >= 6,
           full_date = last_day(full_date), last_day(full_date),
           date_format(full_date, 'yyyy-MM'), {lit(run_id)}
    FROM days
    """


def _dim_geography(run_id: str, home: str) -> str:
    return f"""
    WITH home AS (
        SELECT country_code, country_name, region FROM cln_countries WHERE country_code = {lit(home)}
    ), rows AS (
        SELECT 'country' AS geography_level, country_code, country_name, region AS world_region,
               CAST(NULL AS STRING) AS home_region
        FROM cln_countries
        UNION ALL
        SELECT DISTINCT 'home_region', {lit(home)}, (SELECT first(country_name) FROM home),
               (SELECT first(region) FROM home), p.region
        FROM cln_postcodes p
    )
    SELECT -1 AS geography_key, 'unknown' AS geography_level, CAST(NULL AS STRING) AS country_code,
           'Unknown' AS country_name, 'Unknown' AS world_region,
           CAST(NULL AS STRING) AS home_region, false AS is_home_country, {lit(run_id)} AS run_id
    UNION ALL
    SELECT CAST(row_number() OVER (ORDER BY geography_level, country_code NULLS LAST,
                                   home_region NULLS LAST) AS INT),
           geography_level, country_code, country_name, world_region, home_region,
           coalesce(country_code = {lit(home)}, false) AND country_code IS NOT NULL, {lit(run_id)}
    FROM rows
    """


def _customer_static(history_end: dt.date) -> str:
    return f"""
    SELECT c.customer_id AS natural_id, h.hashed AS customer_id, c.onboarding_date,
           c.marital_status, c.pep_flag, c.birth_date,
           floor({complete_months("c.birth_date", lit(history_end))} / 12) AS age_now,
           coalesce(g.geography_key, -1) AS geography_key, g.home_region AS region
    FROM cln_customers c
    JOIN _idmap h ON h.natural = c.customer_id
    LEFT JOIN (
        SELECT c2.customer_id, max_by(p.region, length(p.postcode_area)) AS region
        FROM cln_customers c2
        JOIN cln_postcodes p
          ON startswith(upper(replace(c2.postcode, ' ', '')), upper(replace(p.postcode_area, ' ', '')))
        GROUP BY c2.customer_id
    ) pc ON pc.customer_id = c.customer_id
    LEFT JOIN dim_geography g ON g.geography_level = 'home_region' AND g.home_region = pc.region
    """


def _dim_customer(run_id: str) -> str:
    w = "PARTITION BY s.natural_id ORDER BY a.effective_from NULLS LAST"
    return f"""
    WITH versions AS (
        SELECT s.customer_id, s.natural_id,
               CASE WHEN row_number() OVER ({w}) = 1
                    THEN least(s.onboarding_date, coalesce(a.effective_from, s.onboarding_date))
                    ELSE a.effective_from END AS valid_from,
               coalesce(date_sub(lead(a.effective_from) OVER ({w}), 1), DATE '9999-12-31') AS valid_to,
               row_number() OVER ({w}) AS version,
               a.segment, a.employment_status, a.annual_income, a.kyc_risk_rating,
               s.marital_status, s.pep_flag,
               CASE WHEN s.age_now < 25 THEN '18-24' WHEN s.age_now < 35 THEN '25-34'
                    WHEN s.age_now < 45 THEN '35-44' WHEN s.age_now < 55 THEN '45-54'
                    WHEN s.age_now < 65 THEN '55-64' ELSE '65+' END AS age_band,
               s.region, s.geography_key, s.onboarding_date
        FROM _customer_static s
        LEFT JOIN cln_customer_attributes a ON a.customer_id = s.natural_id
    )
    SELECT -1 AS customer_key, 'unknown' AS customer_id, DATE '1900-01-01' AS valid_from,
           DATE '9999-12-31' AS valid_to, true AS is_current, 1 AS version,
           CAST(NULL AS STRING) AS segment, CAST(NULL AS STRING) AS employment_status,
           CAST(NULL AS DOUBLE) AS annual_income, CAST(NULL AS STRING) AS kyc_risk_rating,
           CAST(NULL AS STRING) AS marital_status, CAST(NULL AS BOOLEAN) AS pep_flag,
           'Unknown' AS age_band, CAST(NULL AS STRING) AS region, -1 AS geography_key,
           CAST(NULL AS DATE) AS onboarding_date, {lit(run_id)} AS run_id
    UNION ALL
    SELECT CAST(row_number() OVER (ORDER BY customer_id, valid_from) AS INT), customer_id,
           valid_from, valid_to, valid_to = DATE '9999-12-31', CAST(version AS INT), segment,
           employment_status, annual_income, kyc_risk_rating, marital_status, pep_flag, age_band,
           region, geography_key, onboarding_date, {lit(run_id)}
    FROM versions
    """


def _dim_account(run_id: str, history_end: dt.date) -> str:
    return f"""
    SELECT -1 AS account_key, 'unknown' AS account_id, 'unknown' AS customer_id, -1 AS product_key,
           'unknown' AS product_type, CAST(NULL AS DATE) AS open_date,
           CAST(NULL AS DATE) AS close_date, CAST(NULL AS BOOLEAN) AS is_open,
           CAST(NULL AS DOUBLE) AS credit_limit, CAST(NULL AS DOUBLE) AS principal,
           CAST(NULL AS DOUBLE) AS interest_rate, CAST(NULL AS INT) AS term_months,
           {lit(run_id)} AS run_id
    UNION ALL
    SELECT CAST(row_number() OVER (ORDER BY ha.hashed) AS INT), ha.hashed, hc.hashed,
           coalesce(p.product_key, -1), a.product_type, a.open_date, a.close_date,
           a.close_date IS NULL OR a.close_date > {lit(history_end)}, a.credit_limit, a.principal,
           a.interest_rate, a.term_months, {lit(run_id)}
    FROM cln_accounts a
    JOIN _idmap ha ON ha.natural = a.account_id
    JOIN _idmap hc ON hc.natural = a.customer_id
    LEFT JOIN _ref_product p ON p.product_type = a.product_type
    """


_CUSTOMER_VERSIONS = """
    SELECT CAST(dense_rank() OVER (ORDER BY customer_id) AS INT) AS cust_no, customer_id,
           valid_from, valid_to, customer_key
    FROM dim_customer WHERE customer_key <> -1
"""

_ACCOUNT_KEYS = """
    SELECT a.account_id AS natural_id, d.account_key, d.product_key, d.product_type,
           d.customer_id, c.cust_no
    FROM cln_accounts a
    JOIN _idmap h ON h.natural = a.account_id
    JOIN dim_account d ON d.account_id = h.hashed
    LEFT JOIN (SELECT DISTINCT customer_id, cust_no FROM _customer_versions) c
           ON c.customer_id = d.customer_id
"""


def _dim_product(run_id: str) -> str:
    return f"""
    SELECT -1 AS product_key, 'unknown' AS product_type, 'unknown' AS product_family,
           CAST(NULL AS BOOLEAN) AS is_credit, {lit(run_id)} AS run_id
    UNION ALL
    SELECT product_key, product_type, product_family, is_credit, {lit(run_id)} FROM _ref_product
    """


def _dim_channel(run_id: str) -> str:
    return f"""
    SELECT -1 AS channel_key, 'unknown' AS channel, 'unknown' AS channel_group,
           CAST(NULL AS BOOLEAN) AS is_card_not_present,
           CAST(NULL AS BOOLEAN) AS is_customer_initiated, {lit(run_id)} AS run_id
    UNION ALL
    SELECT channel_key, channel, channel_group, is_card_not_present, is_customer_initiated,
           {lit(run_id)}
    FROM _ref_channel
    """


def _dim_mcc(run_id: str) -> str:
    return f"""
    SELECT -1 AS mcc_key, CAST(NULL AS INT) AS mcc, 'Unknown' AS description,
           'Unknown' AS category_group, {lit(run_id)} AS run_id
    UNION ALL
    SELECT CAST(row_number() OVER (ORDER BY mcc) AS INT), mcc, description, category_group,
           {lit(run_id)}
    FROM cln_mcc
    """


def build_dimensions(spark, store, *, run_id: str, history_end: dt.date, home_country: str) -> None:
    """Build every dimension with ``store(name, DataFrame, order_by)`` (which writes it and
    registers it as a temp view), plus the build-time views named in the module docstring."""
    _register_lookups(spark)
    store("dim_date", spark.sql(_dim_date(run_id, history_end)), ["date_key"])
    store("dim_geography", spark.sql(_dim_geography(run_id, home_country)), ["geography_key"])
    store("dim_product", spark.sql(_dim_product(run_id)), ["product_key"])
    store("dim_channel", spark.sql(_dim_channel(run_id)), ["channel_key"])
    store("dim_merchant_category", spark.sql(_dim_mcc(run_id)), ["mcc_key"])
    spark.sql(_customer_static(history_end)).cache().createOrReplaceTempView("_customer_static")
    store("dim_customer", spark.sql(_dim_customer(run_id)), ["customer_key"])
    store("dim_account", spark.sql(_dim_account(run_id, history_end)), ["account_key"])
    spark.sql(_CUSTOMER_VERSIONS).cache().createOrReplaceTempView("_customer_versions")
    spark.sql(_ACCOUNT_KEYS).cache().createOrReplaceTempView("_account_keys")
