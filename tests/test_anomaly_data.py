"""DuckDB access, one-pass scoring of several detectors, truth join and generated readings."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from riskinsights_lib.anomaly import (
    attach_truth,
    comparison_reading,
    count_rows,
    customer_rows,
    evaluate_detectors,
    fit_anomaly_detector,
    fit_rule_detector,
    queue_reading,
    review_queue,
    rows_by_ids,
    sample_rows,
    score_detectors,
    scoring_relation,
    throughput_reading,
    type_recall_reading,
)


@pytest.fixture()
def con():
    rng = np.random.default_rng(0)
    n = 2000
    df = pd.DataFrame(
        {
            "transaction_id": [f"T{i:05d}" for i in range(n)],
            "customer_id": [f"c{i % 40}" for i in range(n)],
            "ts": pd.date_range("2024-01-01", periods=n, freq="37min"),
            "amount_z": rng.normal(size=n),
            "n_prev_1h": rng.poisson(0.3, size=n).astype(float),
        }
    )
    df.loc[df.index % 250 == 0, "amount_z"] = 15.0
    c = duckdb.connect()
    c.register("tx_src", df)
    c.execute("create table tx as select * from tx_src")
    yield c
    c.close()


def test_sample_is_reproducible_and_sized(con):
    a = sample_rows(con, "tx", 300, seed=5)
    b = sample_rows(con, "tx", 300, seed=5)
    c = sample_rows(con, "tx", 300, seed=6)
    assert len(a) == 300 and a["transaction_id"].tolist() == b["transaction_id"].tolist()
    assert a["transaction_id"].tolist() != c["transaction_id"].tolist()
    assert len(sample_rows(con, "tx", 10**6, seed=1)) == count_rows(con, "tx") == 2000
    with pytest.raises(ValueError, match="table"):
        sample_rows(con, "tx; drop table tx", 3, seed=1)
    with pytest.raises(ValueError, match="n"):
        sample_rows(con, "tx", 0, seed=1)


def test_customer_rows_in_time_order(con):
    rows = customer_rows(con, "tx", "c3", columns=["transaction_id", "ts"])
    assert len(rows) == 50 and rows["ts"].is_monotonic_increasing


def test_rows_by_ids_keeps_the_order(con):
    rows = rows_by_ids(con, "tx", ["T00010", "T00002", "T00007"], columns=["transaction_id"])
    assert rows["transaction_id"].tolist() == ["T00010", "T00002", "T00007"]


def test_one_pass_scores_every_detector_like_in_memory(con):
    fit = sample_rows(con, "tx", 1000, seed=0)
    dets = {
        "iforest": fit_anomaly_detector(fit, features=["amount_z", "n_prev_1h"], n_estimators=20),
        "rule": fit_rule_detector(fit, column="amount_z"),
    }
    rel = scoring_relation(con, "tx")
    scores, timing = score_detectors(
        dets, rel, chunk_size=300, keep=["transaction_id", "ts"], progress=False
    )
    full = con.sql("select * from tx order by transaction_id").df()
    assert (
        len(scores) == 2000 and scores["transaction_id"].tolist() == full["transaction_id"].tolist()
    )
    np.testing.assert_allclose(scores["iforest"], dets["iforest"].score(full))
    np.testing.assert_allclose(scores["rule"], full["amount_z"])
    assert timing["detector"].tolist() == ["iforest", "rule", "total"]
    assert (timing["rows"] == 2000).all() and (timing["rows_per_s"] > 0).all()
    with pytest.raises(ValueError, match="detectors"):
        score_detectors({}, rel)


def test_truth_join_and_readings(con):
    full = con.sql("select * from tx order by transaction_id").df()
    truth = pd.DataFrame(
        {
            "transaction_id": full.loc[full["amount_z"] == 15.0, "transaction_id"],
            "anomaly_type": "amount_spike",
        }
    )
    truth = pd.concat(
        [truth, pd.DataFrame({"transaction_id": ["T00001"], "anomaly_type": ["cnp_burst"]})]
    )
    scored = attach_truth(full.assign(iforest=full["n_prev_1h"], rule=full["amount_z"]), truth)
    assert len(scored) == len(full) and scored["anomaly_type"].notna().sum() == len(truth)
    with pytest.raises(ValueError, match="truth"):
        attach_truth(full, pd.concat([truth, truth]))
    table = evaluate_detectors(
        scored["anomaly_type"], {"iforest": scored["iforest"], "rule": scored["rule"]}, k=5
    )
    text = comparison_reading(table, k=5)
    assert "does not beat the simple rule" in text and "cannot exceed" in text
    assert "amount spike" in type_recall_reading(table, detector="rule")
    q = review_queue(scored.assign(score=scored["rule"]), k=8, reasons_col=None)
    assert f"into {len(q):,} customer-day cases" in queue_reading(q, k=8)
    timing = pd.DataFrame(
        {"detector": ["iforest", "rule", "total"], "rows": 2000, "seconds": [1.0, 0.5, 2.0]}
    ).assign(rows_per_s=lambda d: d["rows"] / d["seconds"])
    text = throughput_reading(timing, n_estimators=10, chunk_size=500)
    assert "2,000 rows/s" in text and "took 2.0 s (1,000 rows/s)" in text


def test_feature_summary_and_customer_drill_down(con):
    from riskinsights_lib.anomaly import customer_explanations, feature_summary

    full = con.sql("select * from tx").df()
    summary = feature_summary(
        full.assign(gap=np.where(full.index % 2 == 0, np.nan, 1.0)), ["amount_z", "gap"]
    )
    assert summary.loc["gap", "share_missing"] == pytest.approx(0.5)
    assert summary.loc["gap", "median"] == 1.0
    det = fit_anomaly_detector(full, features=["amount_z", "n_prev_1h"], n_estimators=20)
    drill = customer_explanations(con, "tx", det, "c0", n=2)
    assert len(drill) == 50 and {"transaction_id", "score", "reasons"} <= set(drill.columns)
    with pytest.raises(KeyError, match="customer_id"):
        customer_explanations(con, "tx", det, "nobody")


def test_materialise_and_best_by_type(con):
    from riskinsights_lib.anomaly import best_by_type_reading, materialise

    n = materialise(
        con, "select * from tx where amount_z > 0", "tx_pos", columns=["transaction_id", "amount_z"]
    )
    assert n == count_rows(con, "tx_pos") and 0 < n < 2000
    assert con.sql("select * from tx_pos limit 0").columns == ["transaction_id", "amount_z"]
    table = pd.DataFrame(
        {
            "detector": ["iforest", "lof"] * 3,
            "segment": ["a", "a", "b", "b", "overall", "overall"],
            "pr_auc": [0.3, 0.1, 0.05, 0.6, 0.2, 0.1],
        }
    )
    text = best_by_type_reading(table)
    assert (
        "a: the Isolation Forest (0.300); b: LOF (0.600)" in text and "No single detector" in text
    )
    assert "No single" not in best_by_type_reading(table[table["detector"] == "iforest"])
