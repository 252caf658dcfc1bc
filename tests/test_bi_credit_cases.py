"""Credit-risk KPIs on a hand-written three-account history with known answers."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from riskinsights_lib import bi

D = dt.date


@pytest.fixture(scope="module")
def con():
    """Three credit cards of one customer, January to April 2023.

    A: opened 10 Jan, dpd 0, 15, 45, 0 (falls behind, cures).
    B: opened 5 Jan, closed 20 Mar, always current.
    C: opened 1 Feb, dpd 0, 120, 120 (defaults in March).
    """
    c = duckdb.connect()
    frames = {
        "dim_product": pd.DataFrame(
            {"product_key": [3], "product_type": ["credit_card"], "is_credit": [True]}
        ),
        "dim_account": pd.DataFrame(
            {
                "account_key": [1, 2, 3],
                "account_id": ["A", "B", "C"],
                "customer_id": ["c1"] * 3,
                "product_key": [3, 3, 3],
                "open_date": [D(2023, 1, 10), D(2023, 1, 5), D(2023, 2, 1)],
                "close_date": [None, D(2023, 3, 20), None],
            }
        ),
        "dim_customer": pd.DataFrame(
            {
                "customer_key": [1],
                "customer_id": ["c1"],
                "segment": ["mass"],
                "onboarding_date": [D(2020, 1, 1)],
                "valid_from": [D(2020, 1, 1)],
                "valid_to": [D(9999, 12, 31)],
                "is_current": [True],
            }
        ),
        "fact_account_month": pd.DataFrame(
            [
                (1, D(2023, 1, 31), 0),
                (1, D(2023, 2, 28), 15),
                (1, D(2023, 3, 31), 45),
                (1, D(2023, 4, 30), 0),
                (2, D(2023, 1, 31), 0),
                (2, D(2023, 2, 28), 0),
                (2, D(2023, 3, 31), 0),
                (3, D(2023, 2, 28), 0),
                (3, D(2023, 3, 31), 120),
                (3, D(2023, 4, 30), 120),
            ],
            columns=["account_key", "month_end", "days_past_due"],
        ).assign(customer_key=1, balance=100.0, credit_limit=1000.0),
        "dim_channel": pd.DataFrame(
            {"channel_key": [-1], "channel": ["unknown"], "is_customer_initiated": [False]}
        ),
        "dim_merchant_category": pd.DataFrame({"mcc_key": [-1], "category_group": ["Unknown"]}),
        "dim_geography": pd.DataFrame({"geography_key": [-1], "country_code": [None]}),
    }
    for name, frame in frames.items():
        c.register("_f", frame)
        c.execute(f"CREATE TABLE {name} AS SELECT * FROM _f")
        c.unregister("_f")
    c.execute("ALTER TABLE dim_account ALTER close_date TYPE DATE")
    c.execute("ALTER TABLE dim_geography ALTER country_code TYPE VARCHAR")
    c.execute(
        "CREATE TABLE fact_transaction (transaction_id VARCHAR, ts TIMESTAMP, amount DOUBLE, direction VARCHAR,"
        " channel_key INTEGER, mcc_key INTEGER, geography_key INTEGER, account_key INTEGER)"
    )
    yield c
    c.close()


def test_delinquency_by_hand(con):
    got = bi.delinquency_buckets(con)
    got = {(str(r.month_end.date()), r.dpd_bucket): r.n_accounts for r in got.itertuples()}
    assert got == {
        ("2023-01-31", "current"): 2,
        ("2023-02-28", "current"): 2,
        ("2023-02-28", "1-29"): 1,
        ("2023-03-31", "30-59"): 1,
        ("2023-03-31", "90+"): 1,
        ("2023-04-30", "current"): 1,
        ("2023-04-30", "90+"): 1,
    }


def test_roll_rates_by_hand(con):
    m = bi.roll_rate_matrix(bi.roll_rates(con))
    assert m.loc["current"].to_dict() == {
        "current": 0.25,
        "1-29": 0.25,
        "30-59": 0.0,
        "90+": 0.25,
        "closed": 0.25,
    }
    assert m.loc["1-29", "30-59"] == 1.0
    assert m.loc["30-59", "current"] == 1.0
    assert m.loc["90+", "90+"] == 1.0
    late = bi.roll_rate_matrix(bi.roll_rates(con, first_month_end="2023-03-31"))
    assert list(late.index) == ["30-59", "90+"]


def test_vintage_by_hand(con):
    v = bi.vintage_curves(con)
    assert v["vintage"].unique().tolist() == ["2023Q1"]
    assert v["n_accounts"].unique().tolist() == [3]
    assert v["months_on_book"].tolist() == [0, 1, 2]
    assert v["n_defaulted"].tolist() == [0, 1, 1]


def test_default_rates_by_hand(con):
    d = bi.default_rates(con, by=(), horizon_months=1)
    got = {str(r.cohort_month_end.date()): (r.n_accounts, r.n_defaults) for r in d.itertuples()}
    assert got == {"2023-01-31": (2, 0), "2023-02-28": (3, 1), "2023-03-31": (1, 0)}
    assert bi.default_rates(con, horizon_months=12).empty


def test_headline_by_hand(con):
    h = bi.headline_kpis(con)
    assert h["latest_month_end"] == "2023-04-30"
    assert h["n_open_accounts"] == 2 and h["share_90plus_latest"] == 0.5
    assert h["avg_utilisation"] == 0.1 and h["n_transactions"] == 0
