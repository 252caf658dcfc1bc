"""Model marts: point in time, labels as defined, transaction features from the past only, idempotence."""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pandas as pd
import pytest

from riskinsights_lib.datamart import MART_KEYS, MART_LABELS, build_datamart, connect
from riskinsights_lib.datamart.schema import TABLES
from riskinsights_lib.privacy import pseudonymise

KEY = "test-pseudonym-key"
SNAP = "2023-09-30"
#: as in the dirty_mart fixture (tests/conftest.py)
KEY_DIRTY = "test-pseudonym-key"
SNAPSHOTS_ALL = ["2023-06-30", "2023-09-30", "2023-12-31"]


def _table(db, table: str) -> pd.DataFrame:
    with connect(db) as con:
        return con.execute(f"SELECT * FROM {table}").df()


def _truncate_after(raw_src, raw_dst, cutoff: dt.date) -> None:
    """Copy a raw layer dropping every row dated after ``cutoff`` and blanking later close dates."""
    # the files change, so their control files no longer hold: left behind
    shutil.copytree(raw_src, raw_dst, ignore=shutil.ignore_patterns("*.ctl.json"))
    end = pd.Timestamp(cutoff) + pd.Timedelta(days=1)

    def keep(frame: pd.DataFrame, col: str) -> pd.Series:
        when = pd.to_datetime(frame[col], errors="coerce")
        return when.isna() | (when < end)

    rules = {
        "customers.csv": "onboarding_date",
        "customer_attributes.csv": "effective_from",
        "accounts.csv": "open_date",
        "balances.csv": "month_end",
    }
    for name, col in rules.items():
        frame = pd.read_csv(raw_dst / name, dtype=str, keep_default_na=False)
        frame = frame[keep(frame, col)]
        if name == "accounts.csv":  # a closure after the cutoff is future data too
            later = ~keep(frame, "close_date") & (frame["close_date"] != "")
            frame.loc[later, "close_date"] = ""
        frame.to_csv(raw_dst / name, index=False)
    for part in sorted((raw_dst / "transactions").glob("part-*.csv")):
        frame = pd.read_csv(part, dtype=str, keep_default_na=False)
        frame[keep(frame, "ts")].to_csv(part, index=False)


@pytest.fixture(scope="module")
def pit_pair(tiny_run, tmp_path_factory):
    """The tiny run's raw layer built twice for one snapshot: complete, and cut after it."""
    root = tmp_path_factory.mktemp("pit")
    common = {
        "run_id": "pit",
        "snapshots": [SNAP],
        "pseudonym_key": KEY,
        "progress": False,
        "history_end": dt.date(2024, 12, 31),
        "home_country": "IE",
    }
    build_datamart(tiny_run.raw, root / "full.duckdb", **common)
    _truncate_after(tiny_run.raw, root / "raw_cut", dt.date.fromisoformat(SNAP))
    build_datamart(root / "raw_cut", root / "cut.duckdb", **common)
    return root / "full.duckdb", root / "cut.duckdb"


@pytest.mark.parametrize("mart", ["mart_default", "mart_churn"])
def test_no_feature_uses_data_after_the_snapshot(pit_pair, mart):
    full, cut = (_table(db, mart).drop(columns=[MART_LABELS[mart]]) for db in pit_pair)
    assert len(full) > 100
    full, cut = (f.sort_values(MART_KEYS).reset_index(drop=True) for f in (full, cut))
    pd.testing.assert_frame_equal(full, cut, check_exact=False, rtol=1e-9)


def test_transaction_features_use_only_earlier_transactions(pit_pair):
    full, cut = (_table(db, "mart_transaction_features") for db in pit_pair)
    assert len(full) > len(cut) > 1000
    full = full[full["transaction_id"].isin(cut["transaction_id"])]
    full, cut = (f.sort_values("transaction_id").reset_index(drop=True) for f in (full, cut))
    pd.testing.assert_frame_equal(full, cut, check_exact=False, rtol=1e-9)


def test_transaction_features_match_a_direct_computation(dirty_mart):
    root, _, _ = dirty_mart
    tx = _table(root / "datamart.duckdb", "mart_transaction_features").sort_values(
        ["customer_id", "ts"]
    )
    for _, group in tx.groupby("customer_id"):
        ts = group["ts"].to_numpy()
        for i, row in enumerate(group.itertuples()):
            earlier = ts < row.ts
            assert row.n_prior == earlier.sum()
            assert row.n_prev_24h == (earlier & (ts >= row.ts - np.timedelta64(24, "h"))).sum()
            seen = group["merchant_country"].to_numpy()[earlier]
            if isinstance(row.merchant_country, str):
                assert row.is_new_country == int(row.merchant_country not in seen)
            debits = group[(group["ts"] < row.ts) & (group["is_debit"] == row.is_debit)][
                "amount"
            ].tail(100)
            if len(debits) >= 5 and i > 0:
                assert row.prior_median_amount == pytest.approx(debits.median())


def _with_truth(paths, mart: str, truth_file: str) -> pd.DataFrame:
    frame = _table(paths.datamart, mart)
    truth = pd.read_csv(paths.truth / truth_file, parse_dates=["snapshot_date"])
    truth["customer_id"] = pseudonymise(truth["customer_id"], "riskinsights-demo-key")
    event = [c for c in truth.columns if c.endswith("_event_month")][0]
    truth[event] = pd.to_datetime(truth[event])
    truth = truth.rename(columns={MART_LABELS[mart]: "truth_label"})
    both = frame.merge(truth, on=MART_KEYS, how="outer", indicator=True)
    assert (both["_merge"] == "both").all(), both["_merge"].value_counts()  # same population
    return both


def test_default_label_matches_the_truth(tiny_run):
    both = _with_truth(tiny_run, "mart_default", "default_truth.csv")
    from_event = both["default_event_month"].notna().astype(int)
    assert (both["default_12m"] == from_event).all()
    if "truth_label" in both:
        assert (both["default_12m"] == both["truth_label"]).all()
    assert 0 < both["default_12m"].mean() < 0.5


def test_churn_label_matches_the_truth(tiny_run):
    both = _with_truth(tiny_run, "mart_churn", "churn_truth.csv")
    within = both["churn_event_month"] <= both["snapshot_date"] + pd.offsets.MonthEnd(6)
    # every labelled churner had its event within 6 months; dormancy starting in s+5 or
    # s+6 is an event but not the label (which needs no activity in all of (s+3, s+6])
    assert within[both["churn_6m"] == 1].all()
    if "truth_label" in both:
        assert (both["churn_6m"] == both["truth_label"]).all()
    assert 0 < both["churn_6m"].mean() < 0.5


def test_marts_have_keys_label_and_features_only(tiny_run):
    for mart, label in MART_LABELS.items():
        frame = _table(tiny_run.datamart, mart)
        assert list(frame.columns[:3]) == MART_KEYS + [label]
        assert not frame.duplicated(MART_KEYS).any()
        assert {"run_id", "customer_key"}.isdisjoint(frame.columns)
        assert frame["snapshot_date"].nunique() == 3
        for col in ("n_products", "deposit_balance_avg_3m", "utilisation_now", "max_dpd_6m"):
            assert col in frame.columns
    tx = _table(tiny_run.datamart, "mart_transaction_features")
    assert tx["transaction_id"].is_unique
    assert tx["amount_robust_z"].notna().mean() > 0.5


def test_running_twice_gives_the_same_datamart(dirty_raw, tmp_path):
    root, _ = dirty_raw
    kwargs = {
        "run_id": "same",
        "snapshots": ["2023-06-30", "2023-12-31"],
        "pseudonym_key": KEY,
        "max_reject_rate": 0.5,
        "progress": False,
    }
    build_datamart(root / "raw", tmp_path / "a.duckdb", **kwargs)
    build_datamart(root / "raw", tmp_path / "b.duckdb", **kwargs)
    build_datamart(root / "raw", tmp_path / "a.duckdb", **kwargs)  # rebuild in place
    for table in TABLES:
        a, b = _table(tmp_path / "a.duckdb", table), _table(tmp_path / "b.duckdb", table)
        pd.testing.assert_frame_equal(a, b, obj=table)  # same rows in the same order


def test_chunked_facts_and_window_features_equal_one_pass(dirty_mart, tmp_path, monkeypatch):
    from riskinsights_lib.datamart import build as build_module

    root, _, _ = dirty_mart
    monkeypatch.setattr(build_module, "TX_CHUNK_ROWS", 100)  # many customer chunks
    monkeypatch.setattr(build_module, "FACT_CHUNK_ROWS", 100)  # the facts month by month
    kwargs = {"run_id": "dirty_run", "snapshots": SNAPSHOTS_ALL, "pseudonym_key": KEY_DIRTY}
    build_datamart(
        root / "raw", tmp_path / "chunked.duckdb", max_reject_rate=0.5, progress=False, **kwargs
    )
    for table in ("mart_transaction_features", "fact_transaction"):
        one = _table(root / "datamart.duckdb", table)
        chunked = _table(tmp_path / "chunked.duckdb", table)
        pd.testing.assert_frame_equal(one, chunked, obj=table)  # same rows in the same order
