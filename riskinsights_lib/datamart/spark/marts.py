"""Model marts in Spark SQL (the DuckDB build's ``sql/marts.sql`` and
``sql/transaction_features.sql``).

Labels follow docs/data_contract.md, NULL when the history ends inside the
outcome window. Per-transaction features use only the same customer's EARLIER
transactions. DuckDB's frames ``RANGE ... EXCLUDE GROUP`` (strictly earlier
timestamps) do not exist in Spark; they are ``RANGE`` frames on the timestamp
in microseconds ending ``1 PRECEDING``, which is the same set of rows because
timestamps are whole microseconds. The amount habits use the previous 100
transactions of the same customer and direction in (ts, transaction_id) order,
the DuckDB build's ``seq``, and ``percentile`` (exact, linear interpolation),
which is DuckDB's ``quantile_cont``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from riskinsights_lib.datamart.build import HABIT_WINDOW, MIN_HISTORY
from riskinsights_lib.datamart.spark.dims import lit
from riskinsights_lib.datamart.spark.features import month_index, register_feature_views

__all__ = ["build_marts", "HOUR_US"]

#: One hour in microseconds (the unit of the window frames on ``ts``).
HOUR_US = 3_600_000_000


def _mart_default(history_end: dt.date, rest: str) -> str:
    return f"""
    WITH outcome AS (
        SELECT DISTINCT s.snapshot_date, a.customer_id, 1 AS defaulted
        FROM _snap s
        JOIN fact_account_month f
          ON f.month_end > s.snapshot_date
         AND f.month_end <= last_day(add_months(s.snapshot_date, 12))
         AND f.days_past_due >= 90
        JOIN dim_account a ON a.account_key = f.account_key
        JOIN dim_product p ON p.product_key = f.product_key AND p.is_credit
    )
    SELECT x.customer_id, x.snapshot_date,
           CASE WHEN last_day(add_months(x.snapshot_date, 12)) > {lit(history_end)} THEN NULL
                ELSE coalesce(o.defaulted, 0) END AS default_12m,
           {rest}
    FROM _features x
    LEFT JOIN outcome o ON o.customer_id = x.customer_id AND o.snapshot_date = x.snapshot_date
    WHERE x.has_credit_product = 1 AND coalesce(x.dpd_now, 0) < 90
    """


def _mart_churn(history_end: dt.date, rest: str) -> str:
    return f"""
    WITH closed AS (
        SELECT s.snapshot_date, a.customer_id,
               bool_and(a.close_date IS NOT NULL
                        AND a.close_date <= last_day(add_months(s.snapshot_date, 6))) AS all_closed
        FROM _snap s JOIN dim_account a ON a.account_key <> -1
        GROUP BY s.snapshot_date, a.customer_id
    ), active_late AS (
        SELECT DISTINCT s.snapshot_date, t.customer_id
        FROM _snap s JOIN _tm t ON t.initiated AND t.mi BETWEEN s.snap_mi + 4 AND s.snap_mi + 6
    )
    SELECT x.customer_id, x.snapshot_date,
           CASE WHEN last_day(add_months(x.snapshot_date, 6)) > {lit(history_end)} THEN NULL
                WHEN coalesce(c.all_closed, false) OR l.customer_id IS NULL THEN 1
                ELSE 0 END AS churn_6m,
           {rest}
    FROM _features x
    LEFT JOIN closed c ON c.customer_id = x.customer_id AND c.snapshot_date = x.snapshot_date
    LEFT JOIN active_late l ON l.customer_id = x.customer_id AND l.snapshot_date = x.snapshot_date
    WHERE x.n_accounts > 0 AND x.tx_count_3m > 0
    """


def _transaction_features(habit_window: int, min_history: int) -> str:
    us = "unix_micros(CAST(ts AS TIMESTAMP))"
    by_time = f"PARTITION BY cnum ORDER BY {us}"
    habit = (
        "PARTITION BY cnum, is_debit ORDER BY ts, transaction_id "
        f"ROWS BETWEEN {int(habit_window)} PRECEDING AND 1 PRECEDING"
    )
    sum_dec = "sum(CAST(amount AS DECIMAL(18, 4)))"
    enough = f"w.n_habit >= {int(min_history)}"
    return f"""
    SELECT w.transaction_id, n.customer_id, w.ts, c.channel,
           g.country_code AS merchant_country, m.mcc, w.amount,
           ln(1 + w.amount) AS log_amount,
           CASE WHEN w.is_debit THEN 1 ELSE 0 END AS is_debit,
           CASE WHEN {enough} THEN w.q[1] END AS prior_median_amount,
           CASE WHEN {enough}
                THEN (w.amount - w.q[1]) / greatest((w.q[2] - w.q[0]) / 1.349, 1.0) END
               AS amount_robust_z,
           CASE WHEN {enough} THEN w.amount / greatest(w.q[1], 0.01) END AS amount_to_median,
           hour(w.ts) AS hour,
           weekday(w.ts) + 1 AS weekday,
           CASE WHEN hour(w.ts) < 6 THEN 1 ELSE 0 END AS is_night,
           CAST(w.n_prev_1h AS INT) AS n_prev_1h,
           coalesce(CAST(w.sum_prev_1h AS DOUBLE), 0) AS sum_prev_1h,
           CAST(w.n_prev_24h AS INT) AS n_prev_24h,
           coalesce(CAST(w.sum_prev_24h AS DOUBLE), 0) AS sum_prev_24h,
           CASE WHEN w.ts = fc.first_ts THEN 1 ELSE 0 END AS is_new_country,
           CASE WHEN w.ts = fm.first_ts THEN 1 ELSE 0 END AS is_new_mcc,
           CASE WHEN w.geography_key <> -1 AND NOT g.is_home_country THEN 1 ELSE 0 END AS is_foreign,
           (unix_micros(CAST(w.ts AS TIMESTAMP)) - unix_micros(CAST(w.prev_ts AS TIMESTAMP)))
               / 1e6 AS seconds_since_prev,
           CAST(w.n_prior AS INT) AS n_prior
    FROM (
        SELECT *,
               percentile(amount, array(0.25, 0.5, 0.75)) OVER ({habit}) AS q,
               count(amount) OVER ({habit}) AS n_habit,
               rank() OVER (PARTITION BY cnum ORDER BY ts) - 1 AS n_prior,
               count(*) OVER ({by_time} RANGE BETWEEN {HOUR_US} PRECEDING AND 1 PRECEDING)
                   AS n_prev_1h,
               {sum_dec} OVER ({by_time} RANGE BETWEEN {HOUR_US} PRECEDING AND 1 PRECEDING)
                   AS sum_prev_1h,
               count(*) OVER ({by_time} RANGE BETWEEN {24 * HOUR_US} PRECEDING AND 1 PRECEDING)
                   AS n_prev_24h,
               {sum_dec} OVER ({by_time} RANGE BETWEEN {24 * HOUR_US} PRECEDING AND 1 PRECEDING)
                   AS sum_prev_24h,
               max(ts) OVER ({by_time} RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_ts
        FROM _tx
    ) w
    JOIN _cust_num n ON n.cnum = w.cnum
    JOIN dim_channel c ON c.channel_key = w.channel_key
    JOIN dim_merchant_category m ON m.mcc_key = w.mcc_key
    JOIN dim_geography g ON g.geography_key = w.geography_key
    LEFT JOIN _first_country fc ON fc.cnum = w.cnum AND fc.geography_key = w.geography_key
    LEFT JOIN _first_mcc fm ON fm.cnum = w.cnum AND fm.mcc_key = w.mcc_key
    """


def build_marts(
    spark,
    store,
    *,
    snapshots: Sequence[dt.date],
    history_end: dt.date,
    lookback: int,
    habit_window: int = HABIT_WINDOW,
    min_history: int = MIN_HISTORY,
) -> None:
    """Build ``mart_default``, ``mart_churn`` and ``mart_transaction_features`` with ``store``."""
    spark.createDataFrame([(s,) for s in snapshots], "snapshot_date DATE").createOrReplaceTempView(
        "_snapshots"
    )
    spark.sql(
        f"SELECT snapshot_date, {month_index('snapshot_date')} AS snap_mi FROM _snapshots"
    ).createOrReplaceTempView("_snap")
    register_feature_views(spark, lookback=lookback)
    rest = ", ".join(
        f"x.{c}"
        for c in spark.table("_features").columns
        if c not in ("customer_id", "snapshot_date")
    )
    order = ["snapshot_date", "customer_id"]
    store("mart_default", spark.sql(_mart_default(history_end, rest)), order)
    store("mart_churn", spark.sql(_mart_churn(history_end, rest)), order)
    store(
        "mart_transaction_features",
        spark.sql(_transaction_features(habit_window, min_history)),
        ["customer_id", "ts", "transaction_id"],
    )
