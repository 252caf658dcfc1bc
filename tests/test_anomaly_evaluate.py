"""Detection metrics agree with a direct computation; the evaluation table and queue."""

import numpy as np
import pandas as pd
import pytest

from riskinsights_lib.anomaly import (
    daily_top_k_mask,
    evaluate_detectors,
    is_anomaly,
    pr_auc_score,
    precision_at_k,
    recall_at_k,
    recall_by_type,
    review_queue,
    top_k_mask,
)

Y = np.array([1, 0, 1, 0, 0, 1, 0, 0])
S = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])


def test_pr_auc_is_average_precision_computed_by_hand():
    # ranks of the positives: 1, 3, 6 -> precisions 1/1, 2/3, 3/6
    expected = (1 + 2 / 3 + 3 / 6) / 3
    assert pr_auc_score(Y, S) == pytest.approx(expected)
    assert pr_auc_score(Y, -S) < pr_auc_score(Y, S)
    assert np.isnan(pr_auc_score(np.zeros(4, int), np.arange(4.0)))


def test_precision_and_recall_at_k_by_hand():
    assert precision_at_k(Y, S, 3) == pytest.approx(2 / 3)
    assert recall_at_k(Y, S, 3) == pytest.approx(2 / 3)
    assert precision_at_k(Y, S, 1) == 1.0
    assert recall_at_k(Y, S, 8) == 1.0
    assert precision_at_k(Y, S, 100) == pytest.approx(3 / 8)  # k above n: every row


def test_ties_are_broken_by_row_order():
    mask = top_k_mask(np.array([1.0, 2.0, 2.0, 2.0]), 2)
    assert mask.tolist() == [False, True, True, False]


def test_metric_argument_checks():
    with pytest.raises(ValueError, match="y_true"):
        pr_auc_score(np.array([0, 2]), np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="y_score"):
        precision_at_k(Y, S[:3], 2)
    with pytest.raises(ValueError, match="y_score"):
        pr_auc_score(np.array([0, 1]), np.array([np.nan, 0.2]))
    with pytest.raises(ValueError, match="k"):
        recall_at_k(Y, S, 0)


def test_daily_top_k_takes_k_per_day():
    day = np.array(["d1", "d1", "d1", "d2", "d2", "d2"])
    s = np.array([0.1, 0.5, 0.3, 0.9, 0.2, 0.8])
    assert daily_top_k_mask(s, day, 1).tolist() == [False, True, False, True, False, False]
    assert daily_top_k_mask(s, day, 2).sum() == 4


def test_evaluation_table_overall_and_per_type():
    types = pd.Series(["spike", None, "burst", None, None, "spike", None, "normal"])
    table = evaluate_detectors(types, {"good": S, "bad": -S}, k=3, day=np.repeat(["a", "b"], 4))
    assert set(table["segment"]) == {"overall", "burst", "spike"}
    good = table[table["detector"] == "good"].set_index("segment")
    assert good.loc["overall", "pr_auc"] == pytest.approx(pr_auc_score(Y, S))
    assert good.loc["overall", "recall_at_k"] == pytest.approx(2 / 3)
    assert good.loc["overall", "n_anomalies"] == 3
    # per type: that type against the normal rows only
    spike_rows = types.isin(["spike"]).to_numpy() | ~is_anomaly(types).astype(bool)
    assert good.loc["spike", "pr_auc"] == pytest.approx(pr_auc_score(Y[spike_rows], S[spike_rows]))
    assert good.loc["spike", "recall_at_k"] == pytest.approx(1 / 2)  # the 0.9 one, not the 0.4 one
    assert good.loc["burst", "recall_at_k"] == 1.0
    assert recall_by_type(table, "good") == {"burst": 1.0, "spike": 0.5}
    assert "daily_recall_at_k" in table.columns
    with pytest.raises(ValueError, match="detector"):
        recall_by_type(table, "nope")


def test_review_queue_dedupes_per_customer_and_day():
    scored = pd.DataFrame(
        {
            "transaction_id": ["t1", "t2", "t3", "t4", "t5", "t6"],
            "customer_id": ["c1", "c1", "c1", "c2", "c2", "c3"],
            "ts": pd.to_datetime(
                [
                    "2024-01-01 10:00",
                    "2024-01-01 10:05",
                    "2024-01-02 09:00",
                    "2024-01-01 23:00",
                    "2024-01-01 23:30",
                    "2024-01-03 12:00",
                ]
            ),
            "score": [0.9, 0.95, 0.7, 0.8, 0.1, 0.85],
            "reasons": ["r1", "r2", "r3", "r4", "r5", "r6"],
            "channel": ["atm", "card_online", "atm", "atm", "atm", "atm"],
        }
    )
    q = review_queue(scored, k=5, carry=["channel"])
    assert len(q) == 4  # c1 day1 (2 tx), c3, c2, c1 day2; t5 not in the top 5
    first = q.iloc[0]
    assert (first["customer_id"], first["n_transactions"], first["transaction_ids"]) == (
        "c1",
        2,
        "t2, t1",
    )
    assert first["top_reasons"] == "r2" and first["channel"] == "card_online, atm"
    assert q["queue_rank"].tolist() == [1, 2, 3, 4]
    assert q["max_score"].is_monotonic_decreasing
    assert not q.duplicated(["customer_id", "day"]).any()
    flagged = review_queue(scored, flagged=scored["score"] > 0.75, reasons_col=None)
    assert flagged["n_transactions"].sum() == 4
    with pytest.raises(ValueError, match="k, flagged"):
        review_queue(scored)
    with pytest.raises(KeyError, match="scored"):
        review_queue(scored.drop(columns="ts"), k=2)


def test_feature_overlap_measures_how_ordinary_a_type_looks():
    from riskinsights_lib.anomaly import feature_overlap, overlap_reading

    values = pd.Series(list(range(100)) + [50, 150, 200, np.nan])
    types = pd.Series([None] * 100 + ["spike"] * 4)
    out = feature_overlap(values, types, kind="spike", quantile=0.9)
    assert out["normal_quantile"] == pytest.approx(89.1)
    assert out["share_above"] == pytest.approx(2 / 3)  # NaN left out
    assert out["type_median"] == 150
    assert "only 67% of the spikes" in overlap_reading(out, kind="spike", feature="ratio")
    with pytest.raises(ValueError, match="kind"):
        feature_overlap(values, types, kind="burst")


def test_sampled_evaluation_equals_the_full_one_on_a_small_case():
    from riskinsights_lib.anomaly.sampled import stratified_sample, weighted_metrics

    rng = np.random.default_rng(4)
    n = 6000
    types = pd.Series(np.where(rng.random(n) < 0.02, rng.choice(["spike", "burst"], n), None))
    day = np.repeat(np.arange(6), n // 6)
    score = rng.normal(size=n) + 2.5 * types.notna().to_numpy()
    full = evaluate_detectors(types, {"d": score}, k=20, day=day)
    pos, w = stratified_sample(types, day, share=1.0, seed=0)
    same = weighted_metrics(types.iloc[pos], {"d": score[pos]}, w, k=20, day=day[pos])
    pd.testing.assert_frame_equal(full, same, check_dtype=False)
    # a 30% sample of the normal rows: every anomaly kept, figures close to the full ones
    pos, w = stratified_sample(types, day, share=0.3, seed=0)
    assert types.iloc[pos].notna().sum() == types.notna().sum()
    assert len(pos) < 0.35 * n
    approx = weighted_metrics(types.iloc[pos], {"d": score[pos]}, w, k=20, day=day[pos])
    for col in ["pr_auc", "recall_at_k", "daily_recall_at_k"]:
        np.testing.assert_allclose(approx[col], full[col], atol=0.08)
