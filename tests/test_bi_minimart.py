"""A small hand-built datamart with the 02 schema, for the BI tests.

:func:`build_minimart` writes random but consistent dims, facts, marts and
quality tables (the subset of columns the BI views read, plus ``run_id``) into
a DuckDB connection. The BI tests import it; the tests here check that it
respects the star-schema contract, so a BI test failure is never a fixture bug.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

SEGMENTS = ["mass", "affluent", "private", "small_business"]
PRODUCTS = [
    (1, "current_account", "deposit", False),
    (2, "savings", "deposit", False),
    (3, "credit_card", "credit", True),
    (4, "personal_loan", "credit", True),
    (5, "mortgage", "credit", True),
]
CHANNELS = ["card_present", "card_online", "atm", "transfer", "direct_debit", "salary_credit"]
MONTH_ENDS = pd.date_range("2023-01-31", periods=15, freq="ME")
RUN_ID = "minimart-run"
# Monthly delinquency transitions of a borrower: current, 1-29, 30-59, 60-89, 90+ (absorbing).
_P = np.array(
    [
        [0.90, 0.10, 0.00, 0.00, 0.00],
        [0.50, 0.20, 0.30, 0.00, 0.00],
        [0.30, 0.10, 0.20, 0.40, 0.00],
        [0.20, 0.00, 0.10, 0.20, 0.50],
        [0.00, 0.00, 0.00, 0.00, 1.00],
    ]
)
_DPD = [0, 15, 45, 75, 120]


def _customers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    rows = [
        dict(
            customer_key=-1,
            customer_id="unknown",
            valid_from=dt.date(1900, 1, 1),
            valid_to=dt.date(9999, 12, 31),
            is_current=True,
            segment=None,
            onboarding_date=None,
        )
    ]
    key = 0
    for i in range(n):
        onboard = pd.Timestamp("2015-01-01") + pd.Timedelta(days=int(rng.integers(0, 3000)))
        cid = f"{i:016x}"
        seg = SEGMENTS[rng.integers(0, 4)]
        change = rng.random() < 0.3
        cut = pd.Timestamp("2023-06-15") if change else None
        key += 1
        rows.append(
            dict(
                customer_key=key,
                customer_id=cid,
                valid_from=onboard.date(),
                valid_to=(cut - pd.Timedelta(days=1)).date() if change else dt.date(9999, 12, 31),
                is_current=not change,
                segment=seg,
                onboarding_date=onboard.date(),
            )
        )
        if change:
            key += 1
            rows.append(
                dict(
                    customer_key=key,
                    customer_id=cid,
                    valid_from=cut.date(),
                    valid_to=dt.date(9999, 12, 31),
                    is_current=True,
                    segment=SEGMENTS[(SEGMENTS.index(seg) + 1) % 4],
                    onboarding_date=onboard.date(),
                )
            )
    return pd.DataFrame(rows)


def build_minimart(con: duckdb.DuckDBPyConnection, *, n_customers: int = 80, seed: int = 7) -> None:
    """Create the minimal datamart tables on ``con``."""
    rng = np.random.default_rng(seed)
    cust = _customers(rng, n_customers)
    current = cust[cust.customer_key > 0]
    acc_rows, fam_rows, tx_rows = [], [], []
    akey = 0
    for cid in current.customer_id.unique():
        types = [1] + list(rng.choice([2, 3, 4, 5], size=rng.integers(0, 3), replace=False))
        state = 0
        for pkey in types:
            akey += 1
            open_date = (
                pd.Timestamp("2022-10-01") + pd.Timedelta(days=int(rng.integers(0, 400)))
            ).date()
            close_date = None
            if rng.random() < 0.25:
                close_date = (
                    pd.Timestamp(open_date) + pd.Timedelta(days=int(rng.integers(20, 300)))
                ).date()
                close_date = min(close_date, dt.date(2024, 3, 31))
            limit = float(rng.integers(5, 50) * 100) if pkey == 3 else None
            acc_rows.append(
                dict(
                    account_key=akey,
                    account_id=f"a{akey:015x}",
                    customer_id=cid,
                    product_key=int(pkey),
                    product_type=PRODUCTS[pkey - 1][1],
                    open_date=open_date,
                    close_date=close_date,
                    run_id=RUN_ID,
                )
            )
            is_credit = PRODUCTS[pkey - 1][3]
            for me in MONTH_ENDS:
                if me.date() < open_date.replace(day=1) or (
                    close_date
                    and me.date() > (pd.Timestamp(close_date) + pd.offsets.MonthEnd(0)).date()
                ):
                    continue
                if is_credit:
                    state = int(rng.choice(5, p=_P[state]))
                versions = cust[(cust.customer_id == cid)]
                ver = versions[
                    (versions.valid_from <= me.date()) & (versions.valid_to >= me.date())
                ]
                balance = float(np.round(rng.gamma(2.0, 800.0), 2))
                fam_rows.append(
                    dict(
                        account_key=akey,
                        date_key=int(me.strftime("%Y%m%d")),
                        month_end=me.date(),
                        customer_key=int(ver.customer_key.iloc[0]) if len(ver) else -1,
                        product_key=int(pkey),
                        balance=min(balance, limit) if limit else balance,
                        credit_limit=limit,
                        days_past_due=_DPD[state] if is_credit else 0,
                        run_id=RUN_ID,
                    )
                )
            if pkey in (1, 3):
                for _ in range(int(rng.integers(5, 30))):
                    ts = pd.Timestamp("2023-01-01") + pd.Timedelta(
                        seconds=int(rng.integers(0, 365 * 86400))
                    )
                    if ts.date() < open_date or (close_date and ts.date() > close_date):
                        continue
                    ch = int(rng.integers(0, 6))
                    merchant = ch < 3
                    tx_rows.append(
                        dict(
                            transaction_id=f"T{len(tx_rows):011d}",
                            date_key=int(ts.strftime("%Y%m%d")),
                            ts=ts,
                            account_key=akey,
                            channel_key=ch + 1,
                            mcc_key=int(rng.integers(1, 6)) if merchant else -1,
                            geography_key=int(rng.choice([1, 1, 1, 2, 3, 4])) if merchant else -1,
                            direction="C" if ch == 5 else "D",
                            amount=float(np.round(rng.gamma(2, 30), 2)),
                            run_id=RUN_ID,
                        )
                    )
    accounts = pd.DataFrame(acc_rows)
    unknown_account = dict(
        account_key=-1,
        account_id="unknown",
        customer_id="unknown",
        product_key=-1,
        product_type="unknown",
        open_date=None,
        close_date=None,
        run_id=RUN_ID,
    )
    accounts = pd.concat([pd.DataFrame([unknown_account]), accounts], ignore_index=True)
    tables = {
        "dim_customer": cust.assign(run_id=RUN_ID),
        "dim_account": accounts,
        "dim_product": pd.DataFrame(
            [(-1, "unknown", "unknown", None)] + PRODUCTS,
            columns=["product_key", "product_type", "product_family", "is_credit"],
        ).assign(run_id=RUN_ID),
        "dim_channel": pd.DataFrame(
            {
                "channel_key": [-1, *range(1, 7)],
                "channel": ["unknown", *CHANNELS],
                "is_customer_initiated": [None, True, True, True, True, False, False],
            }
        ).assign(run_id=RUN_ID),
        "dim_merchant_category": pd.DataFrame(
            {
                "mcc_key": [-1, 1, 2, 3, 4, 5],
                "mcc": [None, 5411, 5812, 5541, 6011, 4111],
                "category_group": [
                    "Unknown",
                    "groceries",
                    "restaurants",
                    "fuel",
                    "cash",
                    "transport",
                ],
            }
        ).assign(run_id=RUN_ID),
        "dim_geography": pd.DataFrame(
            {"geography_key": [-1, 1, 2, 3, 4], "country_code": [None, "IE", "GB", "FR", "US"]}
        ).assign(run_id=RUN_ID),
        "fact_account_month": pd.DataFrame(fam_rows),
        "fact_transaction": pd.DataFrame(tx_rows),
        "mart_churn": pd.DataFrame(
            [
                dict(customer_id=c, snapshot_date=s.date(), churn_6m=int(rng.random() < 0.15))
                for s in (pd.Timestamp("2023-03-31"), pd.Timestamp("2023-06-30"))
                for c in current.customer_id.unique()
                if rng.random() < 0.9
            ]
        ),
        "etl_reconciliation": pd.DataFrame(
            {
                "source": ["accounts", "balances", "customers"],
                "raw_rows": [100, 1000, 80],
                "loaded_rows": [97, 995, 80],
                "rejected_rows": [3, 5, 0],
            }
        ),
        "etl_reject": pd.DataFrame(
            {
                "source": ["accounts"] * 3 + ["balances"] * 5,
                "row_number": range(8),
                "raw_record": ["{}"] * 8,
                "reason": [
                    "missing_key",
                    "orphan_foreign_key",
                    "missing_key",
                    "out_of_range",
                    "out_of_range",
                    "future_date",
                    "missing_key",
                    "duplicate_id",
                ],
            }
        ),
        "etl_check": pd.DataFrame(
            {
                "check_name": ["pk_a", "pk_b", "nn_a", "fk_a"],
                "table_name": ["t"] * 4,
                "column_name": ["c"] * 4,
                "check_type": ["unique", "unique", "not_null", "referential"],
                "failed_rows": [0, 2, 0, 0],
                "passed": [True, False, True, True],
            }
        ),
    }
    tables["fact_transaction"]["customer_key"] = -1
    for name, frame in tables.items():
        con.register("_tmp", frame)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _tmp")
        con.unregister("_tmp")
    # Typed like the datamart: dates as DATE, keys as INTEGER.
    con.execute("ALTER TABLE dim_account ALTER open_date TYPE DATE")
    con.execute("ALTER TABLE dim_account ALTER close_date TYPE DATE")
    con.execute("ALTER TABLE dim_product ALTER is_credit TYPE BOOLEAN")
    con.execute("ALTER TABLE fact_account_month ALTER credit_limit TYPE DOUBLE")


@pytest.fixture(scope="module")
def minimart() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    build_minimart(con)
    yield con
    con.close()


def test_every_fact_key_resolves(minimart):
    for fact, key, dim in [
        ("fact_account_month", "account_key", "dim_account"),
        ("fact_account_month", "customer_key", "dim_customer"),
        ("fact_transaction", "channel_key", "dim_channel"),
        ("fact_transaction", "mcc_key", "dim_merchant_category"),
        ("fact_transaction", "geography_key", "dim_geography"),
    ]:
        orphans = minimart.execute(
            f"SELECT count(*) FROM {fact} f ANTI JOIN {dim} d USING ({key})"
        ).fetchall()[0][0]
        assert orphans == 0, (fact, key)


def test_scd2_versions_do_not_overlap(minimart):
    overlaps = minimart.execute(
        """SELECT count(*) FROM dim_customer a JOIN dim_customer b
           ON a.customer_id = b.customer_id AND a.customer_key < b.customer_key
           AND a.valid_from <= b.valid_to AND b.valid_from <= a.valid_to"""
    ).fetchall()[0][0]
    assert overlaps == 0
