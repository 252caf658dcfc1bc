"""Shared metrics agree with hand computations and scipy/scikit-learn references."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from riskinsights_lib.evaluation import (
    binomial_test_pd,
    brier_loss,
    calibration_summary,
    calibration_table,
    gini_score,
    herfindahl_index,
    hosmer_lemeshow,
    jeffreys_test_pd,
    ks_score,
    ks_table,
    psi,
    psi_from_shares,
    roc_auc_ci,
    traffic_light,
)


@pytest.fixture(scope="module")
def sample():
    rng = np.random.default_rng(7)
    p = rng.uniform(0.01, 0.6, 2000)
    y = (rng.random(2000) < p).astype(int)
    return y, p


def test_gini_hand_case():
    y = np.array([0, 0, 1, 1])
    s = np.array([0.1, 0.4, 0.35, 0.8])  # 3 of 4 positive/negative pairs ordered: AUC 0.75
    assert gini_score(y, s) == pytest.approx(0.5)


def test_ks_matches_scipy_two_sample(sample):
    y, p = sample
    ref = stats.ks_2samp(p[y == 1], p[y == 0]).statistic
    assert ks_score(y, p) == pytest.approx(ref, abs=1e-12)


def test_ks_hand_case():
    # positives at 0.9, 0.8; negatives at 0.7, 0.1 -> fully separated
    assert ks_score([1, 1, 0, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx(1.0)
    assert ks_score([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx(0.5)


def test_ks_table_peak_equals_ks_without_ties(sample):
    y, p = sample
    table = ks_table(y, p, n_groups=2000)  # one row per observation: exact curve
    assert table["ks"].abs().max() == pytest.approx(ks_score(y, p), abs=1e-12)
    deciles = ks_table(y, p)
    assert len(deciles) == 10 and deciles["n"].sum() == len(y)
    assert deciles["cum_pos_share"].iloc[-1] == pytest.approx(1.0)


def test_psi_hand_case():
    expected = (0.25 - 0.5) * np.log(0.25 / 0.5) + (0.75 - 0.5) * np.log(0.75 / 0.5)
    assert psi_from_shares([0.5, 0.5], [0.25, 0.75]) == pytest.approx(expected)
    e = np.array([0.0, 0.0, 1.0, 1.0])
    a = np.array([0.0, 1.0, 1.0, 1.0])
    assert psi(e, a, bins=np.array([-1.0, 0.5, 2.0])) == pytest.approx(expected)
    assert psi(e, e, bins=np.array([-1.0, 0.5, 2.0])) == pytest.approx(0.0)


def test_hosmer_lemeshow_against_explicit_loop(sample):
    y, p = sample
    result = hosmer_lemeshow(y, p, n_groups=10)
    order = np.argsort(p, kind="stable")
    statistic = 0.0
    for chunk in np.array_split(order, 10):  # no ties in p: equal-count groups
        o, e, n = y[chunk].sum(), p[chunk].sum(), len(chunk)
        statistic += (o - e) ** 2 / e + ((n - o) - (n - e)) ** 2 / (n - e)
    assert result.statistic == pytest.approx(statistic, rel=1e-10)
    assert result.dof == 8
    assert result.p_value == pytest.approx(stats.chi2.sf(statistic, 8))
    assert result.p_value > 0.01  # the outcomes were drawn from p: calibrated


def test_hosmer_lemeshow_flags_miscalibration(sample):
    y, p = sample
    assert hosmer_lemeshow(y, np.clip(p * 0.5, 1e-4, None)).p_value < 1e-6


def test_binomial_test_matches_scipy():
    for d, n, pd_ in [(0, 50, 0.02), (3, 50, 0.02), (12, 400, 0.015)]:
        ref = stats.binomtest(d, n, pd_, alternative="greater").pvalue
        assert float(binomial_test_pd(d, n, pd_)) == pytest.approx(ref)


def test_jeffreys_test_hand_case():
    # zero defaults out of n: posterior Beta(0.5, n + 0.5); CDF at pd from scipy's regularised beta
    assert float(jeffreys_test_pd(0, 100, 0.01)) == pytest.approx(stats.beta.cdf(0.01, 0.5, 100.5))
    # many more defaults than predicted -> tiny p; far fewer -> p near 1
    assert float(jeffreys_test_pd(20, 100, 0.05)) < 1e-4
    assert float(jeffreys_test_pd(0, 1000, 0.05)) > 0.999
    with pytest.raises(ValueError, match="n_defaults"):
        jeffreys_test_pd(5, 3, 0.1)


def test_traffic_light_thresholds():
    assert traffic_light([0.5, 0.03, 0.001]).tolist() == ["green", "amber", "red"]
    with pytest.raises(ValueError, match="amber, red"):
        traffic_light(0.5, amber=0.01, red=0.05)


def test_herfindahl_hand_cases():
    assert herfindahl_index([1, 1, 1, 1]) == pytest.approx(0.25)
    assert herfindahl_index([1, 1, 1, 1], normalised=True) == pytest.approx(0.0)
    assert herfindahl_index([5, 0, 0], normalised=True) == pytest.approx(1.0)
    assert herfindahl_index(pd.Series([3, 1])) == pytest.approx(0.75**2 + 0.25**2)
    with pytest.raises(ValueError, match="counts"):
        herfindahl_index([0, 0])


def test_calibration_table_bins(sample):
    y, p = sample
    table = calibration_table(y, p, n_bins=5)
    assert table["n"].sum() == len(y)
    assert table["mean_predicted"].is_monotonic_increasing
    assert (table["observed_low"] <= table["observed_rate"]).all()
    assert (table["observed_rate"] <= table["observed_high"]).all()


def test_auc_ci_and_brier(sample):
    y, p = sample
    auc, low, high = roc_auc_ci(y, p, n_boot=50, seed=1)
    assert auc == pytest.approx(roc_auc_score(y, p))
    assert low < auc < high
    assert brier_loss([0, 1], [0.2, 0.6]) == pytest.approx((0.04 + 0.16) / 2)
    with pytest.raises(ValueError, match="y_true"):
        brier_loss([0, 2], [0.1, 0.2])


def test_hosmer_lemeshow_ties_and_unseen_dof():
    y = np.array([0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1])
    p = np.array([0.1] * 6 + [0.3, 0.3, 0.5, 0.5, 0.7, 0.7])  # six tied predictions form one group
    result = hosmer_lemeshow(y, p, n_groups=4, in_sample=False)
    # rank * 4 // 12 with ties at their lowest rank: {0.1 x6}, {0.3, 0.3, 0.5, 0.5}, {0.7, 0.7}
    assert result.table["n"].tolist() == [6, 4, 2]
    assert result.dof == 3  # unseen sample: as many degrees of freedom as groups formed
    # hand computation: group (n, observed, expected)
    groups = [(6, 2, 0.6), (4, 2, 1.6), (2, 1, 1.4)]
    statistic = sum((o - e) ** 2 / (e * (1 - e / n)) for n, o, e in groups)
    assert result.statistic == pytest.approx(statistic)


def test_calibration_summary_hand_case():
    table = calibration_summary({"a": ([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])})
    row = table.loc["a"]
    assert row["mean_predicted"] == pytest.approx(0.25)
    assert row["observed_rate"] == pytest.approx(0.5)
    assert row["relative_gap"] == pytest.approx(-0.5)
    assert row["brier"] == pytest.approx((0.01 + 0.04 + 0.49 + 0.36) / 4)
    assert row["jeffreys_p"] == pytest.approx(stats.beta.cdf(0.25, 2.5, 2.5))
