"""Gains, lift, PR AUC and the targeting optimum against hand computations."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from riskinsights_lib.churn import (
    best_k,
    confusion_table,
    customer_value,
    decile_table,
    gains_curve,
    lift_at,
    paired_auc_difference,
    pr_auc_ci,
    reliability_table,
    targeting_table,
    top_decile_lift,
)

# 20 customers, scores 20..1 (row 0 riskiest); churners at ranks 1, 2, 3, 5, 8, 13.
Y = np.array([1, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
S = np.arange(20, 0, -1) / 20


def test_decile_table_matches_hand_count():
    t = decile_table(Y, S, n_bins=10)
    assert t["customers"].tolist() == [2] * 10
    assert t["churners"].tolist() == [2, 1, 1, 1, 0, 0, 1, 0, 0, 0]
    rate = 6 / 20
    assert t["lift"].iloc[0] == pytest.approx(1.0 / rate)
    assert t["cumulative_capture"].tolist() == pytest.approx(
        np.cumsum([2, 1, 1, 1, 0, 0, 1, 0, 0, 0]) / 6
    )
    assert t["cumulative_lift"].iloc[1] == pytest.approx((3 / 4) / rate)
    assert t["cumulative_capture"].iloc[-1] == pytest.approx(1.0)
    assert top_decile_lift(Y, S) == pytest.approx(1 / 0.3)


def test_decile_table_shuffled_input_gives_same_table():
    rng = np.random.default_rng(0)
    perm = rng.permutation(20)
    a = decile_table(Y, S, n_bins=5)
    b = decile_table(Y[perm], S[perm], n_bins=5)
    pd.testing.assert_frame_equal(a, b)


def test_gains_and_lift_at_direct_computation():
    g = gains_curve(Y, S)
    assert g.iloc[0].tolist()[:2] == [0.0, 0.0]
    assert g["share_captured"].iloc[5] == pytest.approx(4 / 6)  # first 5 rows hold 4 churners
    assert g["share_captured"].iloc[-1] == pytest.approx(1.0)
    assert lift_at(Y, S, 0.25) == pytest.approx((4 / 5) / 0.3)


def test_pr_auc_ci_matches_sklearn_and_brackets():
    rng = np.random.default_rng(1)
    y = rng.random(400) < 0.2
    s = y * 0.5 + rng.random(400)
    est, low, high = pr_auc_ci(y, s, n_boot=50, seed=0)
    assert est == pytest.approx(average_precision_score(y, s))
    assert low <= est <= high


def test_paired_auc_difference_sign():
    rng = np.random.default_rng(2)
    y = (rng.random(500) < 0.3).astype(int)
    good = y + rng.normal(0, 0.5, 500)
    bad = y + rng.normal(0, 3, 500)
    diff, low, high = paired_auc_difference(y, good, bad, n_boot=50)
    assert diff > 0 and low > 0 and high >= diff


def test_reliability_and_confusion():
    p = np.linspace(0.05, 0.95, 20)
    t = reliability_table(Y, p, n_bins=4)
    assert t["customers"].sum() == 20
    assert t["mean_predicted"].is_monotonic_increasing
    c = confusion_table(Y, S, cutoff=0.5)
    # S >= 0.5 for the first 11 rows; they hold 5 churners.
    assert c.loc["churns", "predicted churns"] == 5
    assert c.loc["stays", "predicted churns"] == 6
    assert c.to_numpy().sum() == 20


def test_customer_value_rule():
    d = pd.DataFrame({"bal": [10_000.0, -50.0, None], "prod": [2, 1, None]})
    v = customer_value(
        d, balance_col="bal", products_col="prod", balance_margin=0.02, income_per_product=60
    )
    assert v.tolist() == [320.0, 60.0, 0.0]
    with pytest.raises(ValueError, match="balance_col"):
        customer_value(d, balance_col="nope", products_col="prod")


def test_targeting_optimum_hand_checked():
    # expected benefit = p * 0.5 * value - 10
    ids = ["a", "b", "c", "d", "e"]
    p = [0.9, 0.1, 0.5, 0.2, 0.05]
    value = [100, 1000, 30, 50, 100]
    # p*value (expected loss): a 90, b 100, c 15, d 10, e 5 -> order b, a, c, d, e
    # benefit: b 40, a 35, c -2.5, d -5, e -7.5 -> cumulative 40, 75, 72.5, 67.5, 60
    t = targeting_table(ids, p, value, save_rate=0.5, contact_cost=10, y_true=[1, 0, 0, 0, 1])
    assert t["customer_id"].tolist() == ["b", "a", "c", "d", "e"]
    assert t["cum_net_benefit"].tolist() == pytest.approx([40, 75, 72.5, 67.5, 60])
    assert best_k(t) == (2, pytest.approx(75.0))
    # realised: b churned? y for b is 0 -> -10; a churned -> 40; cumulative -10, 30, ...
    assert t["cum_realised_benefit"].tolist()[:2] == pytest.approx([-10, 30])


def test_best_k_zero_when_no_contact_pays():
    t = targeting_table(["a", "b"], [0.1, 0.2], [10, 10], save_rate=0.3, contact_cost=5)
    assert best_k(t) == (0, 0.0)


def test_targeting_argument_checks():
    with pytest.raises(ValueError, match="save_rate"):
        targeting_table(["a"], [0.1], [1.0], save_rate=2, contact_cost=1)
    with pytest.raises(ValueError, match="churn_probability"):
        targeting_table(["a"], [1.5], [1.0], save_rate=0.5, contact_cost=1)
