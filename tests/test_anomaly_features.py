"""Derived features see only the past; reasons name the mart's columns in words."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from riskinsights_lib.anomaly import fit_anomaly_detector
from riskinsights_lib.anomaly.features import KEY_COLUMNS, derived_features_sql, model_features
from riskinsights_lib.anomaly.phrases import MART_PHRASES, duration_words


def _transactions(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "transaction_id": [f"T{i:05d}" for i in range(n)],
            "customer_id": rng.choice(["a", "b", "c"], size=n),
            "ts": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(np.sort(rng.integers(0, 90 * 86400, n)), "s"),
            "channel": rng.choice(["atm", "card_online", "card_present"], size=n),
            "merchant_country": rng.choice(["IE", "FR", "BR"], size=n, p=[0.8, 0.15, 0.05]),
            "amount": rng.lognormal(3, 1, n).round(2),
            "amount_to_median": np.where(rng.random(n) < 0.05, np.nan, rng.lognormal(0, 0.5, n)),
            "seconds_since_prev": rng.exponential(3600, n),
            "is_foreign": rng.integers(0, 2, n),
        }
    )


def _with_mart_history(df: pd.DataFrame) -> pd.DataFrame:
    """Add the mart's history columns (mcc, first use of a country / category, n_prior)."""
    df = df.sort_values(["ts", "transaction_id"]).copy()
    if "mcc" not in df.columns:
        df["mcc"] = np.where(df["channel"] == "atm", 6011, 5411)
    df["n_prior"] = df.groupby("customer_id").cumcount()
    df["is_new_country"] = (~df.duplicated(["customer_id", "merchant_country"])).astype(int)
    df["is_new_mcc"] = (~df.duplicated(["customer_id", "mcc"])).astype(int)
    return df


def _derive(df: pd.DataFrame, **kwargs) -> pd.DataFrame:
    con = duckdb.connect()
    con.register("tx", _with_mart_history(df))
    out = (
        con.sql(derived_features_sql("tx", **kwargs)).df().set_index("transaction_id").sort_index()
    )
    con.close()
    return out


def test_derived_features_use_no_future_data():
    df = _transactions()
    cutoff = df["ts"].iloc[250]
    before = _derive(df)
    # rewrite the future: new channels and times after the cutoff, plus extra future rows
    future = df["ts"] > cutoff
    changed = df.copy()
    changed.loc[future, "channel"] = "atm"
    changed.loc[future, "amount"] = 99_999.0
    changed.loc[future, "merchant_country"] = "BR"
    changed.loc[future, "ts"] = changed.loc[future, "ts"].dt.floor("D") + pd.Timedelta(hours=27)
    extra = _transactions(50, seed=9).assign(
        transaction_id=lambda d: "X" + d["transaction_id"], ts=cutoff + pd.Timedelta(days=1)
    )
    after = _derive(pd.concat([changed, extra], ignore_index=True))
    past_ids = df.loc[~future, "transaction_id"]
    derived = [c for c in before.columns if c not in df.columns]
    assert len(derived) >= 15
    pd.testing.assert_frame_equal(before.loc[past_ids, derived], after.loc[past_ids, derived])
    # and the future rows did change, so the comparison has teeth
    assert not before.loc[~before.index.isin(past_ids), derived].equals(
        after.loc[before.index[~before.index.isin(past_ids)], derived]
    )


def test_derived_features_by_hand():
    df = pd.DataFrame(
        {
            "transaction_id": ["T1", "T2", "T3", "T4", "T5"],
            "customer_id": ["a", "a", "a", "b", "a"],
            "ts": pd.to_datetime(
                [
                    "2024-01-01 01:00",
                    "2024-01-01 10:00",
                    "2024-01-02 02:00",
                    "2024-01-01 03:00",
                    "2024-01-03 12:00",
                ]
            ),
            "channel": ["atm", "atm", "card_online", "direct_debit", "atm"],
            "merchant_country": ["IE", "IE", "FR", None, "IE"],
            "amount": [100.0, 50.0, 10.0, 700.0, 300.0],
            "amount_to_median": [np.nan, 0.5, 0.2, np.nan, 4.0],
            "seconds_since_prev": [np.nan, 32400.0, 57600.0, np.nan, 122400.0],
            "is_foreign": [0, 0, 1, 0, 0],
        }
    )
    out = _derive(df, min_history=1)
    assert np.isnan(out.loc["T1", "prior_share_same_channel"]) and np.isnan(
        out.loc["T1", "prior_share_foreign"]
    )
    assert out.loc["T3", "prior_share_same_channel"] == 0.0  # first card_online of customer a
    assert out.loc["T5", "prior_share_same_channel"] == pytest.approx(2 / 3)
    # T5: a's earlier customer-initiated rows T1 (01:00), T2 (10:00), T3 (02:00)
    assert out.loc["T5", "prior_share_night_initiated"] == pytest.approx(2 / 3)
    assert out.loc["T5", "prior_share_foreign"] == pytest.approx(1 / 3)
    # the direct debit at 03:00 is a night posting, not a night transaction of the customer
    assert out.loc["T4", "night_initiated"] == 0.0 and out.loc["T1", "night_initiated"] == 1.0
    # T5 against the median of a's earlier ATM amounts (100, 50 -> 75)
    assert out.loc["T5", "log_amount_to_channel_median"] == pytest.approx(np.log(300 / 75))
    assert np.isnan(out.loc["T1", "log_amount_to_median"])
    assert out.loc["T5", "log_amount_to_median"] == pytest.approx(np.log(4.0))
    # bank-wide country rarity: T5 is the 5th row; 2 earlier IE rows -> -log(3 / 5)
    assert out.loc["T5", "rarity_country"] == pytest.approx(-np.log(3 / 5))
    assert out.loc["T3", "channel_card_online"] == 1.0 and out.loc["T3", "channel_atm"] == 0.0
    with pytest.raises(ValueError, match="night_hours"):
        derived_features_sql("tx", night_hours=(6, 2))
    with pytest.raises(ValueError, match="min_history"):
        derived_features_sql("tx", min_history=0)
    with pytest.raises(ValueError, match="table"):
        derived_features_sql("tx where 1=1")


def test_habits_need_a_minimum_history():
    """Cold start: one earlier night payment is no habit; other features still score."""
    n = 14
    df = pd.DataFrame(
        {
            "transaction_id": [f"T{i:02d}" for i in range(n)],
            "customer_id": "a",
            "ts": pd.Timestamp("2024-01-01 01:30") + pd.to_timedelta(np.arange(n), "D"),
            "channel": "card_present",
            "merchant_country": "IE",
            "mcc": 5411,
            "amount": 20.0,
            "amount_to_median": 1.0,
            "seconds_since_prev": 86400.0,
            "is_foreign": 0,
        }
    )
    out = _derive(df, min_history=5)
    habits = [
        "prior_share_night_initiated",
        "prior_share_foreign",
        "prior_share_same_channel",
        "log_amount_to_median",
        "log_amount_to_channel_median",
        "log_amount_to_category_habit",
    ]
    assert out.loc["T01":"T04", habits].isna().all().all()  # 1 to 4 earlier payments: no habit
    assert out.loc["T05":, habits[:-1]].notna().all().all()
    # the category habit counts earlier payments with a category reference (from T01 on)
    assert np.isnan(out.loc["T05", habits[-1]]) and out.loc["T06":, habits[-1]].notna().all()
    assert (out.loc["T01":"T04", "night_initiated"] == 1.0).all()  # still scored
    assert out.loc["T00", "is_new_country"] == 0 and out.loc["T00", "is_new_mcc"] == 0
    assert out.loc["T05", "prior_share_night_initiated"] == 1.0


def test_category_habit_compares_a_card_payment_with_the_customers_card_payments():
    """A EUR 400 grocery payment is 20x the customer's grocery habit, whatever the channel mix."""
    rng = np.random.default_rng(1)
    n = 60
    groceries = rng.random(n) < 0.5
    df = pd.DataFrame(
        {
            "transaction_id": [f"T{i:03d}" for i in range(n)],
            "customer_id": "a",
            "ts": pd.Timestamp("2024-01-01 12:00") + pd.to_timedelta(np.arange(n) * 7, "h"),
            "channel": np.where(rng.random(n) < 0.3, "card_online", "card_present"),
            "merchant_country": "IE",
            "mcc": np.where(groceries, 5411, 5732),  # groceries at ~EUR 20, electronics at ~EUR 400
            "amount": np.where(groceries, 20.0, 400.0) * rng.lognormal(0, 0.05, n),
            "amount_to_median": 1.0,
            "seconds_since_prev": 25200.0,
            "is_foreign": 0,
        }
    )
    df.loc[n - 1, ["mcc", "amount", "channel"]] = [5411, 400.0, "card_present"]  # the spike
    out = _derive(df, min_history=5)
    spike = out.loc[f"T{n - 1:03d}", "log_amount_to_category_habit"]
    normal = out["log_amount_to_category_habit"].iloc[20 : n - 1]
    assert spike == pytest.approx(np.log(20), abs=0.2)
    assert normal.abs().max() < 0.3  # an EUR 400 TV is ordinary for this customer


def test_model_features_drop_keys():
    cols = ["transaction_id", "customer_id", "ts", "channel", "amount", "is_night", "run_id"]
    assert model_features(cols) == ["amount", "is_night"]
    assert model_features(cols, drop=["amount"]) == ["is_night"]
    assert "customer_id" in KEY_COLUMNS


def test_mart_reasons_read_like_an_analyst_note():
    rng = np.random.default_rng(3)
    n = 2000
    X = pd.DataFrame(
        {
            "amount_to_median": rng.lognormal(0, 0.3, n),
            "is_new_country": (rng.random(n) < 0.01).astype(float),
            "is_night": (rng.random(n) < 0.05).astype(float),
            "n_prev_1h": rng.poisson(0.1, n).astype(float),
        }
    )
    det = fit_anomaly_detector(X, n_estimators=100, seed=0)
    row = pd.DataFrame(
        {
            "amount_to_median": [6.2],
            "is_new_country": [1.0],
            "is_night": [1.0],
            "n_prev_1h": [0.0],
            "ts": [pd.Timestamp("2024-03-02 02:14")],
            "merchant_country": ["BR"],
            "prior_median_amount": [41.0],
        }
    )
    expl = det.explain(row, n=3, phrases=MART_PHRASES)
    reasons = expl.loc[0, "reasons"]
    assert "6.2x the customer's median amount (EUR 41)" in reasons
    assert "first transaction ever in BR" in reasons
    assert "02:14 at night" in reasons
    assert set(expl.loc[0, ["feature_1", "feature_2", "feature_3"]]) <= set(X.columns)


def test_every_phrase_words_typical_values_and_missing_history():
    row = pd.Series(
        {
            "ts": pd.Timestamp("2024-01-01 14:05"),
            "channel": "atm",
            "merchant_country": "IE",
            "mcc": 5411,
        }
    )
    for name, phrase in MART_PHRASES.items():
        text = phrase(1.0, 1.0, row)
        assert isinstance(text, str) and text, name
    assert (
        MART_PHRASES["amount_to_median"](float("nan"), 1.0, row)
        == "no amount history for this customer yet"
    )
    assert (
        duration_words(30) == "30 s"
        and duration_words(5400) == "1.5 h"
        and duration_words(172800) == "2.0 days"
    )
