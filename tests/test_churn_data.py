"""Mart preparation helpers: feature selection, snapshot split, truth join, summary table."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from riskinsights_lib.churn import attach_truth, select_features, split_snapshots, summary_table


@pytest.fixture
def mart() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cust": ["a", "b", "c", "a", "b", "c"],
            "snap": [dt.date(2024, 1, 31)] * 3 + [dt.date(2024, 6, 30)] * 3,
            "run_id": ["r1"] * 6,
            "always": [1.0] * 6,
            "x": [1.0, 2.0, None, 4.0, 5.0, 6.0],
            "kind": ["p", None, "q", "p", "p", "q"],
            "label": [0, 1, 0, 1, 0, 0],
        }
    )


def test_select_features_drops_keys_target_run_id_and_constants(mart):
    assert select_features(mart, keys=["cust", "snap"], target="label") == ["x", "kind"]
    with pytest.raises(ValueError, match="keys/target"):
        select_features(mart, keys=["nope"], target="label")


def test_split_snapshots_by_iso_date(mart):
    dev, oot = split_snapshots(mart, "snap", development="2024-01-31", out_of_time="2024-06-30")
    assert dev["cust"].tolist() == ["a", "b", "c"] and len(oot) == 3
    with pytest.raises(ValueError, match="development"):
        split_snapshots(mart, "snap", development="2023-01-31", out_of_time="2024-06-30")
    with pytest.raises(ValueError, match="out_of_time"):
        split_snapshots(mart, "snap", development="2024-06-30", out_of_time="2024-01-31")


def test_attach_truth_matches_keys_across_date_types(mart):
    truth = pd.DataFrame(
        {
            "cust": ["c", "a", "b"],
            "snap": pd.to_datetime(["2024-06-30"] * 3),
            "p_true": [0.3, 0.1, 0.2],
        }
    )
    oot = mart.iloc[3:]
    got = attach_truth(oot, truth, keys=["cust", "snap"], column="p_true", date_keys=("snap",))
    assert got.index.equals(oot.index)
    assert got.tolist() == [0.1, 0.2, 0.3]
    dev_truth = attach_truth(
        mart.iloc[:3], truth, keys=["cust", "snap"], column="p_true", date_keys=("snap",)
    )
    assert dev_truth.isna().all()


def test_summary_table_orders_models():
    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.3).astype(int)
    table = summary_table(
        y, {"good": y + rng.normal(0, 0.5, 300), "noise": rng.random(300)}, n_boot=20
    )
    assert table.loc["good", "roc_auc"] > table.loc["noise", "roc_auc"]
    assert (table["roc_auc_low"] <= table["roc_auc"]).all()


@pytest.mark.parametrize("module", ["model", "targeting"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"riskinsights_lib.churn.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
