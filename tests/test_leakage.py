"""The leakage guard on planted leaks, on clean data and on a real (tiny) mart."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from riskinsights_lib.churn import fit_churn_model
from riskinsights_lib.leakage import LeakageError, check_leakage, smoothed_iv, univariate_auc
from riskinsights_lib.scorecard import fit_scorecard

CLEAN = ["income", "utilisation", "region", "account_code"]


def _frame(n: int = 3000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "income": rng.lognormal(10, 0.5, n),
            "utilisation": rng.uniform(0, 1.2, n),
            "region": rng.choice(["north", "south", "east"], n).astype(object),
            # an id-like code with ~n/3 levels: memorisable, but not predictive
            "account_code": rng.integers(0, n // 3, n).astype(str).astype(object),
        }
    )
    logit = -2.5 + 2.0 * df["utilisation"] + np.where(df["region"] == "east", 0.6, 0.0)
    df["bad"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    # planted leaks: a noisy copy of the target, a variable recorded after the outcome
    df["target_copy"] = df["bad"] + rng.normal(0, 0.25, n)
    post = np.where(df["bad"] == 1, rng.random(n) < 0.97, rng.random(n) < 0.02)
    df["collections_status"] = np.where(post, "in collections", "none").astype(object)
    return df


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return _frame()


def test_clean_features_pass(data):
    report = check_leakage(data, "bad", CLEAN)
    assert report.failed == []
    table = report.table.set_index("feature")
    assert table.loc["utilisation", "univariate_auc"] > 0.6
    # out-of-fold encoding: an id-like code does not look predictive
    assert table.loc["account_code", "univariate_auc"] < 0.6
    assert "none above the failure threshold" in report.reading()


@pytest.mark.parametrize("leak", ["target_copy", "collections_status"])
def test_planted_leak_stops_the_fit_with_a_one_line_message(data, leak):
    with pytest.raises(LeakageError) as err:
        check_leakage(data, "bad", [*CLEAN, leak])
    message = str(err.value)
    assert f"'{leak}'" in message and "\n" not in message and "allow" in message
    assert not any(f"'{c}'" in message for c in CLEAN)


def test_allow_list_lets_a_known_feature_through(data):
    report = check_leakage(data, "bad", [*CLEAN, "target_copy"], allow=["target_copy"])
    assert report.failed == []
    assert report.table.set_index("feature").loc["target_copy", "status"] == "allowed"
    with pytest.raises(ValueError, match="allow"):
        check_leakage(data, "bad", CLEAN, allow=["not_a_feature"])


def test_oracle_ceiling_tightens_the_threshold(data):
    auc = univariate_auc(data["utilisation"], data["bad"].to_numpy())
    report = check_leakage(data, "bad", CLEAN, oracle_auc=auc - 0.01, raise_on_fail=False)
    assert report.failed == ["utilisation"] and report.threshold_auc == pytest.approx(auc - 0.01)


def test_perfect_separator_keeps_a_large_finite_iv():
    y = np.r_[np.zeros(500), np.ones(50)].astype(int)
    iv = smoothed_iv(pd.Series(y.astype(float)), y)
    assert np.isfinite(iv) and iv > 3


def test_out_of_time_drop_is_reported(data):
    later = _frame(seed=4)
    later["utilisation"] = np.random.default_rng(9).permutation(later["utilisation"].to_numpy())
    report = check_leakage(data, "bad", CLEAN, oot=later, raise_on_fail=False)
    row = report.table.set_index("feature").loc["utilisation"]
    assert row["auc_drop"] > 0.1 and row["status"] == "warn"


def test_fit_scorecard_and_fit_churn_model_run_the_guard(data):
    with pytest.raises(LeakageError, match="collections_status"):
        fit_scorecard(data, "bad", [*CLEAN, "collections_status"], progress=False)
    card = fit_scorecard(
        data, "bad", [*CLEAN, "collections_status"], allow=["collections_status"], progress=False
    )
    assert card.leakage is not None and "collections_status" in card.leakage.allowed
    with pytest.raises(LeakageError, match="target_copy"):
        fit_churn_model(data, "bad", [*CLEAN, "target_copy"], n_estimators=5)
    model = fit_churn_model(data, "bad", CLEAN, n_estimators=5)
    assert model.leakage is not None and model.leakage.failed == []


def test_a_clean_mart_passes(tiny_run):
    with duckdb.connect(str(tiny_run.datamart), read_only=True) as con:
        default = con.sql("SELECT * FROM mart_default WHERE default_12m IS NOT NULL").df()
        churn = con.sql("SELECT * FROM mart_churn").df()
    keys = {"customer_id", "snapshot_date", "run_id", "default_12m", "churn_6m"}
    for df, target in ((default, "default_12m"), (churn, "churn_6m")):
        features = [c for c in df.columns if c not in keys and df[c].nunique() > 1]
        report = check_leakage(df, target, features)
        assert report.failed == [], report.table.head()
