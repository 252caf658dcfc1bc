"""Detectors on hand-made DataFrames: API, determinism, chunked scoring, explanations."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from riskinsights_lib.anomaly import (
    feature_contributions,
    fit_anomaly_detector,
    fit_ecod,
    fit_lof,
    fit_rule_detector,
)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 3000
    X = pd.DataFrame(
        {
            "amount_z": rng.normal(size=n),
            "n_prev_1h": rng.poisson(0.2, size=n).astype(float),
            "is_foreign": (rng.random(n) < 0.03).astype(float),
        }
    )
    X.loc[:9, "amount_z"] = 12.0 + np.arange(10)  # ten planted spikes
    X.loc[20:24, "n_prev_1h"] = 9.0 + np.arange(5)  # five bursts
    X.loc[30, "amount_z"] = np.nan  # a first transaction: no history
    return X


def test_api_on_hand_made_frame(frame):
    det = fit_anomaly_detector(frame, n_estimators=50, max_samples=1000, contamination=0.01, seed=3)
    scores = det.score(frame)
    assert scores.shape == (len(frame),) and np.isfinite(scores).all()
    # planted rows rank in the top 2% (with small sub-samples they rank lower: beyond
    # a tree's sample range every value isolates alike, so 20 sigma ~ 3 sigma)
    top = set(np.argsort(-scores)[: len(frame) // 50])
    assert set(range(10)) <= top
    assert {20, 21, 22, 23, 24} <= top
    assert det.predict(frame).mean() == pytest.approx(0.01, abs=0.005)
    assert det.feature_names_ == ["amount_z", "n_prev_1h", "is_foreign"]


def test_scores_are_deterministic_for_a_seed(frame):
    a = fit_anomaly_detector(frame, n_estimators=30, seed=11).score(frame)
    b = fit_anomaly_detector(frame, n_estimators=30, seed=11).score(frame)
    c = fit_anomaly_detector(frame, n_estimators=30, seed=12).score(frame)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_chunked_scoring_matches_in_memory_for_every_source(frame):
    det = fit_anomaly_detector(frame, n_estimators=20, seed=0)
    expected = det.score(frame)
    ids = frame.assign(transaction_id=[f"T{i:05d}" for i in range(len(frame))])
    from_frame = det.score_chunked(ids, chunk_size=700, progress=False, keep=["transaction_id"])
    assert list(from_frame.columns) == ["transaction_id", "score"]
    np.testing.assert_allclose(from_frame["score"], expected)
    con = duckdb.connect()
    con.register("ids", ids)
    rel = con.sql("select * from ids order by transaction_id")
    from_rel = det.score_chunked(rel, chunk_size=500, progress=False, keep=["transaction_id"])
    np.testing.assert_allclose(from_rel["score"], expected)
    gen = (ids.iloc[i : i + 1000] for i in range(0, len(ids), 1000))
    np.testing.assert_allclose(det.score_chunked(gen, progress=False)["score"], expected)
    with pytest.raises(KeyError, match="keep"):
        det.score_chunked(ids, keep=["nope"], progress=False)
    with pytest.raises(ValueError, match="chunk_size"):
        det.score_chunked(ids, chunk_size=0, progress=False)


def test_argument_errors_name_the_argument(frame):
    with pytest.raises(TypeError, match="X"):
        fit_anomaly_detector(frame.to_numpy())
    with pytest.raises(ValueError, match="contamination"):
        fit_anomaly_detector(frame, contamination=0.7)
    with pytest.raises(ValueError, match="n_estimators"):
        fit_anomaly_detector(frame, n_estimators=0)
    det = fit_anomaly_detector(frame, n_estimators=10)
    with pytest.raises(KeyError, match="amount_z"):
        det.score(frame.drop(columns="amount_z"))
    with pytest.raises(KeyError, match="column"):
        fit_rule_detector(frame, column="nope")


@pytest.mark.parametrize("fit", [fit_ecod, lambda X: fit_lof(X, n_neighbors=15, max_rows=1500)])
def test_baselines_find_the_spikes(frame, fit):
    det = fit(frame)
    scores = det.score(frame)
    assert np.isfinite(scores).all()
    top = set(np.argsort(-scores)[: len(frame) // 30])  # top 100 of 3,000
    assert set(range(10)) | set(range(20, 25)) <= top


def test_rule_scores_the_column(frame):
    det = fit_rule_detector(frame, column="amount_z")
    s = det.score(frame)
    np.testing.assert_array_equal(s[:10], 12.0 + np.arange(10))
    assert s[30] == 0.0  # missing history -> not flagged by the rule
    two = fit_rule_detector(frame, column="amount_z", two_sided=True).score(
        frame.assign(amount_z=-5.0)
    )
    assert (two == 5.0).all()


def test_explanations_name_existing_features_and_the_planted_one(frame):
    det = fit_anomaly_detector(frame, n_estimators=100, seed=0)
    rows = frame.iloc[[0, 1, 20, 21]]
    expl = det.explain(rows, n=2)
    assert list(expl.index) == list(rows.index)
    named = set(expl[["feature_1", "feature_2"]].stack().dropna())
    assert named <= set(det.feature_names_)
    assert list(expl["feature_1"]) == ["amount_z", "amount_z", "n_prev_1h", "n_prev_1h"]
    assert (expl["contribution_1"] > 0).all()
    assert expl["reasons"].str.contains("amount z").iloc[0]
    np.testing.assert_allclose(expl["score"], det.score(rows))


def test_phrases_and_ablation_definition(frame):
    det = fit_anomaly_detector(frame, n_estimators=50, seed=0)
    row = frame.iloc[[0]]
    contrib = feature_contributions(det, row)
    ablated = row.assign(amount_z=det.reference_["amount_z"])
    assert contrib.loc[0, "amount_z"] == pytest.approx(det.score(row)[0] - det.score(ablated)[0])
    phrases = {"amount_z": lambda v, ref, r: f"amount {v:.0f} sd above the customer's median"}
    expl = det.explain(row, n=1, phrases=phrases)
    assert expl.loc[0, "reasons"] == "amount 12 sd above the customer's median"
    template = det.explain(row, n=1, phrases={"amount_z": "z={value:.1f}"})
    assert template.loc[0, "reason_1"] == "z=12.0"
    with pytest.raises(ValueError, match="n"):
        det.explain(row, n=0)


def test_docstring_examples_run():
    import doctest

    from riskinsights_lib.anomaly import detector

    result = doctest.testmod(detector, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3 and result.failed == 0


def test_grouped_features_give_distinct_reasons(frame):
    twin = frame.assign(amount_z_copy=frame["amount_z"] * 2)
    det = fit_anomaly_detector(twin, n_estimators=100, max_samples=1000, seed=0)
    row = twin.iloc[[0]]
    plain = det.explain(row, n=2)
    assert set(plain.loc[0, ["feature_1", "feature_2"]]) == {"amount_z", "amount_z_copy"}
    grouped = det.explain(row, n=2, groups={"amount_z": "amount", "amount_z_copy": "amount"})
    assert grouped.loc[0, "feature_1"] in {"amount_z", "amount_z_copy"}
    assert grouped.loc[0, "feature_2"] not in {"amount_z", "amount_z_copy"}
