"""Model-agnostic metrics shared by the scoring, churn and anomaly notebooks.

Names follow scikit-learn: ``*_score`` is higher-better, ``*_loss`` lower-better,
``y_true`` comes before ``y_score``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import roc_auc_score

__all__ = [
    "bootstrap_ci",
    "roc_auc_ci",
    "gini_score",
    "ks_score",
    "brier_loss",
    "psi",
    "psi_from_shares",
    "ks_table",
    "calibration_table",
    "HosmerLemeshowResult",
    "hosmer_lemeshow",
    "binomial_test_pd",
    "jeffreys_test_pd",
    "traffic_light",
    "herfindahl_index",
    "discrimination_table",
    "calibration_summary",
]


def _check_binary(y_true: np.ndarray, name: str = "y_true") -> np.ndarray:
    y = np.asarray(y_true)
    values = set(np.unique(y).tolist())
    if not values <= {0, 1}:  # True/False compare equal to 1/0
        raise ValueError(f"{name}: expected a binary 0/1 target, got values {sorted(values)[:5]}")
    return y.astype(int)


def bootstrap_ci(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: np.ndarray,
    y_score: np.ndarray,
    *,
    n_boot: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Point estimate and percentile bootstrap interval of ``metric(y_true, y_score)``.

    Resamples rows with replacement; resamples with a single class are skipped.
    Returns ``(estimate, low, high)``.
    """
    y = _check_binary(y_true)
    s = np.asarray(y_score, dtype=float)
    if len(y) != len(s):
        raise ValueError(f"y_score: expected {len(y)} values like y_true, got {len(s)}")
    rng = np.random.default_rng(seed)
    estimate = float(metric(y, s))
    stats = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        if y[idx].min() == y[idx].max():
            continue
        stats.append(metric(y[idx], s[idx]))
    if not stats:
        return estimate, float("nan"), float("nan")
    low, high = np.quantile(stats, [alpha / 2, 1 - alpha / 2])
    return estimate, float(low), float(high)


def roc_auc_ci(
    y_true: np.ndarray, y_score: np.ndarray, *, n_boot: int = 200, seed: int = 0
) -> tuple[float, float, float]:
    """ROC AUC with a 95% percentile bootstrap interval: ``(auc, low, high)``."""
    return bootstrap_ci(roc_auc_score, y_true, y_score, n_boot=n_boot, seed=seed)


def gini_score(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """Gini coefficient (accuracy ratio) = 2 * AUC - 1."""
    return float(2 * roc_auc_score(_check_binary(y_true), y_score) - 1)


def ks_score(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between the score CDFs of the classes."""
    y = _check_binary(y_true)
    s = np.asarray(y_score, dtype=float)
    order = np.argsort(s, kind="mergesort")
    s, y = s[order], y[order]
    n_pos, n_neg = y.sum(), len(y) - y.sum()
    if n_pos == 0 or n_neg == 0:
        raise ValueError("y_true: expected both classes to compute KS")
    cum_pos = np.cumsum(y) / n_pos
    cum_neg = np.cumsum(1 - y) / n_neg
    last_of_value = np.r_[s[1:] != s[:-1], True]  # evaluate only between distinct scores
    return float(np.max(np.abs(cum_pos - cum_neg)[last_of_value]))


def brier_loss(y_true: np.ndarray, y_prob: np.ndarray) -> float:
    """Mean squared error of predicted probabilities (lower is better)."""
    y = _check_binary(y_true)
    p = np.asarray(y_prob, dtype=float)
    return float(np.mean((p - y) ** 2))


def psi(
    expected: np.ndarray | pd.Series,
    actual: np.ndarray | pd.Series,
    *,
    bins: int | np.ndarray = 10,
    eps: float = 1e-4,
) -> float:
    """Population stability index of ``actual`` against ``expected``.

    ``bins`` is a number of quantile bins of ``expected`` or explicit edges.
    Rules of thumb: < 0.10 stable, 0.10-0.25 watch, > 0.25 shifted.
    """
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if np.ndim(bins) == 0:
        edges = np.unique(np.quantile(e[~np.isnan(e)], np.linspace(0, 1, int(bins) + 1)))
    else:
        edges = np.asarray(bins, dtype=float)
    edges[0], edges[-1] = -np.inf, np.inf
    e_share = np.histogram(e, edges)[0] / max(len(e), 1)
    a_share = np.histogram(a, edges)[0] / max(len(a), 1)
    e_share, a_share = np.clip(e_share, eps, None), np.clip(a_share, eps, None)
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))


def psi_from_shares(
    expected_share: np.ndarray, actual_share: np.ndarray, *, eps: float = 1e-4
) -> float:
    """PSI of two distributions over the same bins, given as shares (each summing to 1).

    Empty bins are floored at ``eps`` so that the logarithm stays finite.
    """
    e = np.clip(np.asarray(expected_share, dtype=float), eps, None)
    a = np.clip(np.asarray(actual_share, dtype=float), eps, None)
    if e.shape != a.shape:
        raise ValueError(
            f"actual_share: expected {e.shape[0]} bins like expected_share, got {a.shape}"
        )
    return float(np.sum((a - e) * np.log(a / e)))


def _equal_groups(y_score: np.ndarray, n_groups: int, *, descending: bool) -> np.ndarray:
    """Group index 0..n_groups-1 of each row by rank of ``y_score`` (ties kept in one group)."""
    s = np.asarray(y_score, dtype=float)
    key = -s if descending else s
    ranks = stats.rankdata(key, method="min") - 1  # ties share the lowest rank
    return np.minimum((ranks * n_groups) // len(s), n_groups - 1).astype(int)


def ks_table(y_true: np.ndarray, y_score: np.ndarray, *, n_groups: int = 10) -> pd.DataFrame:
    """Gains/KS table: rows grouped by ``y_score`` from riskiest (highest) to safest.

    Columns: group, score range, rows, positives (bads), negatives, positive rate,
    cumulative shares of positives and negatives captured, and their gap (KS).
    The KS statistic is the largest ``ks`` value when no score ties cross groups.
    """
    y = _check_binary(y_true)
    s = np.asarray(y_score, dtype=float)
    if n_groups < 2:
        raise ValueError(f"n_groups: expected at least 2, got {n_groups}")
    frame = pd.DataFrame({"y": y, "s": s, "group": _equal_groups(s, n_groups, descending=True) + 1})
    out = frame.groupby("group").agg(
        score_min=("s", "min"), score_max=("s", "max"), n=("y", "size"), n_pos=("y", "sum")
    )
    out["n_neg"] = out["n"] - out["n_pos"]
    out["pos_rate"] = out["n_pos"] / out["n"]
    out["cum_pos_share"] = out["n_pos"].cumsum() / max(y.sum(), 1)
    out["cum_neg_share"] = out["n_neg"].cumsum() / max(len(y) - y.sum(), 1)
    out["ks"] = out["cum_pos_share"] - out["cum_neg_share"]
    return out.reset_index()


def calibration_table(
    y_true: np.ndarray, y_prob: np.ndarray, *, n_bins: int = 10, alpha: float = 0.05
) -> pd.DataFrame:
    """Reliability table: predicted vs observed rate in ``n_bins`` equal-count bins of ``y_prob``.

    Each row carries a Jeffreys ``1 - alpha`` interval of the observed rate, so a
    reader sees whether the gap to the prediction is larger than the noise.
    """
    y = _check_binary(y_true)
    p = np.asarray(y_prob, dtype=float)
    if len(p) != len(y):
        raise ValueError(f"y_prob: expected {len(y)} values like y_true, got {len(p)}")
    frame = pd.DataFrame({"y": y, "p": p, "bin": _equal_groups(p, n_bins, descending=False) + 1})
    out = frame.groupby("bin").agg(
        n=("y", "size"), n_pos=("y", "sum"), mean_predicted=("p", "mean")
    )
    out["observed_rate"] = out["n_pos"] / out["n"]
    a, b = out["n_pos"] + 0.5, out["n"] - out["n_pos"] + 0.5
    # Jeffreys interval, with the usual boundary fix: 0 events -> lower 0, all events -> upper 1
    out["observed_low"] = np.where(out["n_pos"] == 0, 0.0, stats.beta.ppf(alpha / 2, a, b))
    out["observed_high"] = np.where(
        out["n_pos"] == out["n"], 1.0, stats.beta.ppf(1 - alpha / 2, a, b)
    )
    return out.reset_index()


@dataclass(frozen=True)
class HosmerLemeshowResult:
    """Hosmer-Lemeshow goodness-of-fit test: statistic, p-value, degrees of freedom, group table."""

    statistic: float
    p_value: float
    dof: int
    table: pd.DataFrame


def hosmer_lemeshow(
    y_true: np.ndarray,
    y_prob: np.ndarray,
    *,
    n_groups: int = 10,
    in_sample: bool = True,
    dof: int | None = None,
) -> HosmerLemeshowResult:
    """Hosmer-Lemeshow test of calibration over ``n_groups`` equal-count groups of ``y_prob``.

    ``HL = sum_g (O_g - E_g)^2 / (E_g (1 - E_g / n_g))`` with ``E_g`` the sum of
    predicted probabilities in group ``g``; chi-squared with ``dof`` degrees of
    freedom: groups - 2 on the fitting sample (``in_sample=True``), groups on a
    sample the model never saw (``in_sample=False``), or ``dof`` when given.
    Tied predictions stay in one group, so fewer than ``n_groups`` groups may
    form; the degrees of freedom follow the groups formed. A small p-value says
    the predictions and the outcomes disagree by more than chance.
    """
    y = _check_binary(y_true)
    p = np.asarray(y_prob, dtype=float)
    if len(p) != len(y):
        raise ValueError(f"y_prob: expected {len(y)} values like y_true, got {len(p)}")
    if n_groups < 3:
        raise ValueError(f"n_groups: expected at least 3, got {n_groups}")
    frame = pd.DataFrame(
        {"y": y, "p": p, "group": _equal_groups(p, n_groups, descending=False) + 1}
    )
    table = frame.groupby("group").agg(
        n=("y", "size"), observed=("y", "sum"), expected=("p", "sum")
    )
    e, o, n = table["expected"], table["observed"], table["n"]
    table["contribution"] = (o - e) ** 2 / (e * (1 - e / n))
    statistic = float(table["contribution"].sum())
    k = len(table)
    dof = (k - 2 if in_sample else k) if dof is None else int(dof)
    if dof < 1:
        raise ValueError(f"dof: expected at least 1, got {dof}")
    return HosmerLemeshowResult(
        statistic, float(stats.chi2.sf(statistic, dof)), dof, table.reset_index()
    )


def binomial_test_pd(
    n_defaults: int | np.ndarray, n: int | np.ndarray, pd_: float | np.ndarray
) -> np.ndarray:
    """One-sided binomial test that a grade's PD is not underestimated.

    Returns ``P(X >= n_defaults)`` for ``X ~ Binomial(n, pd_)``: a small value
    means more defaults than the PD explains (independent defaults assumed).
    """
    d, n_, p = np.asarray(n_defaults), np.asarray(n), np.asarray(pd_, dtype=float)
    if np.any(d > n_) or np.any(d < 0):
        raise ValueError("n_defaults: expected between 0 and n")
    return np.asarray(stats.binom.sf(d - 1, n_, p), dtype=float)


def jeffreys_test_pd(
    n_defaults: int | np.ndarray, n: int | np.ndarray, pd_: float | np.ndarray
) -> np.ndarray:
    """Jeffreys test of a grade's PD (the supervisors' per-grade back-test).

    The observed default rate gets the Jeffreys posterior ``Beta(D + 1/2, N - D + 1/2)``;
    the p-value is its CDF at the predicted PD, i.e. the posterior probability
    that the true rate is at most the PD. A small value means the PD is too low.
    """
    d, n_, p = np.asarray(n_defaults), np.asarray(n), np.asarray(pd_, dtype=float)
    if np.any(d > n_) or np.any(d < 0):
        raise ValueError("n_defaults: expected between 0 and n")
    return np.asarray(stats.beta.cdf(p, d + 0.5, n_ - d + 0.5), dtype=float)


def traffic_light(
    p_value: float | np.ndarray, *, amber: float = 0.05, red: float = 0.01
) -> np.ndarray:
    """Green/amber/red reading of a test p-value: red below ``red``, amber below ``amber``."""
    if not 0 < red < amber < 1:
        raise ValueError(f"amber, red: expected 0 < red < amber < 1, got red={red}, amber={amber}")
    p = np.atleast_1d(np.asarray(p_value, dtype=float))
    return np.where(p < red, "red", np.where(p < amber, "amber", "green"))


def herfindahl_index(counts: np.ndarray | pd.Series, *, normalised: bool = False) -> float:
    """Concentration of a rating scale: the sum of squared grade shares.

    ``normalised=True`` gives the supervisory form ``1 + ln(H) / ln(K)``, 0 when
    the K grades hold equal shares and 1 when one grade holds everyone.
    """
    c = np.asarray(counts, dtype=float)
    if c.ndim != 1 or len(c) == 0 or np.any(c < 0) or c.sum() == 0:
        raise ValueError("counts: expected non-negative counts per grade with a positive total")
    h = float(np.sum((c / c.sum()) ** 2))
    if not normalised:
        return h
    k = len(c)
    return 1.0 if k == 1 else float(1 + np.log(h) / np.log(k))


def discrimination_table(
    scored: Mapping[str, tuple[np.ndarray, np.ndarray]], *, n_boot: int = 200, seed: int = 0
) -> pd.DataFrame:
    """AUC with bootstrap 95% interval, Gini and KS for several samples.

    ``scored`` maps a sample name to ``(y_true, y_score)`` (higher score = more
    likely positive). Returns one row per sample, indexed by name.
    """
    rows = {}
    for name, (y, s) in scored.items():
        y = _check_binary(y, f"scored[{name!r}]")
        auc, low, high = roc_auc_ci(y, s, n_boot=n_boot, seed=seed)
        rows[name] = {
            "n": len(y),
            "positives": int(y.sum()),
            "positive_rate": float(y.mean()),
            "auc": auc,
            "auc_low": low,
            "auc_high": high,
            "gini": 2 * auc - 1,
            "ks": ks_score(y, s),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def calibration_summary(scored: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """Mean predicted vs observed rate per sample, with the Brier score and a Jeffreys test.

    ``scored`` maps a sample name to ``(y_true, y_prob)``. ``relative_gap`` is
    ``mean_predicted / observed_rate - 1``; ``jeffreys_p`` tests the whole sample
    as one grade (small = more events than predicted).
    """
    rows = {}
    for name, (y, p) in scored.items():
        y = _check_binary(y, f"scored[{name!r}]")
        p = np.asarray(p, dtype=float)
        rows[name] = {
            "n": len(y),
            "mean_predicted": float(p.mean()),
            "observed_rate": float(y.mean()),
            "relative_gap": float(p.mean() / y.mean() - 1) if y.mean() > 0 else float("nan"),
            "brier": brier_loss(y, p),
            "jeffreys_p": float(jeffreys_test_pd(int(y.sum()), len(y), float(p.mean()))),
        }
    return pd.DataFrame.from_dict(rows, orient="index")
