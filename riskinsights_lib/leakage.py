"""Leakage guard: stop a model fit when a feature knows the answer.

Run before any model is fitted (:func:`fit_scorecard` and :func:`fit_churn_model`
call it by default). For each candidate feature, on the development rows:

* ``univariate_auc``: the larger of AUC and 1 - AUC of the feature alone. Numeric
  features are ranked by their value (missing values at the median); categorical
  ones by their category's out-of-fold, smoothed event rate, so that an id-like
  column with many categories does not look predictive by memorising the rows;
* ``iv``: information value over equal-count bins (plus a missing bin) with
  ``smoothing`` added to every bin's event and non-event counts. A perfect
  separator keeps a large, finite IV, where optimal binning may find no split
  and drop it as "weak";
* ``oot_auc`` and ``auc_drop``: the same univariate AUC on out-of-time rows and
  its fall from development (a feature whose power vanishes out of time was
  often filled in after the outcome on the development rows).

A feature fails when its univariate AUC exceeds ``max_auc`` (0.95 by default)
or the ceiling the data allow (``oracle_auc``, when known: no single feature can
honestly beat the true probabilities). IV above ``warn_iv`` (0.5) and an AUC drop
above ``warn_drop`` (0.10) are warnings. A failing feature stops the fit with a
one-line :class:`LeakageError` naming it, unless it is listed in ``allow``.

>>> report = check_leakage(df, "bad", ["income", "region"])  # doctest: +SKIP
>>> report.table  # one row per feature: AUC, IV, drop, status, reason
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

__all__ = ["LeakageError", "LeakageReport", "check_leakage", "leakage_table", "univariate_auc"]

logger = logging.getLogger(__name__)

#: Default failure threshold on the univariate AUC (max of AUC and 1 - AUC).
MAX_AUC = 0.95
#: Information value above which a feature is flagged for a look.
WARN_IV = 0.5
#: Fall of the univariate AUC from development to out of time that is flagged.
WARN_DROP = 0.10


class LeakageError(ValueError):
    """A feature separates the target too well to be known at decision time."""


@dataclass
class LeakageReport:
    """The guard's table and verdict (see :func:`check_leakage`)."""

    table: pd.DataFrame
    threshold_auc: float
    allowed: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        """Features above the failure threshold and not allowed."""
        return self.table.loc[self.table["status"] == "fail", "feature"].tolist()

    @property
    def warnings(self) -> list[str]:
        """Features with a warning (high IV or a large out-of-time drop)."""
        return self.table.loc[self.table["status"] == "warn", "feature"].tolist()

    def raise_if_failed(self) -> None:
        """Raise a one-line :class:`LeakageError` naming the failing features."""
        if not self.failed:
            return
        rows = self.table.set_index("feature").loc[self.failed]
        named = ", ".join(
            f"{f!r} (univariate AUC {a:.3f})" for f, a in rows["univariate_auc"].items()
        )
        raise LeakageError(
            f"leakage guard: {named} above {self.threshold_auc:.3f}; a feature that separates the "
            "target this well is usually known only after the outcome; drop it or list it in allow=[...]"
        )

    def reading(self) -> str:
        """One sentence for a report."""
        n = len(self.table)
        top = self.table.sort_values("univariate_auc", ascending=False).iloc[0] if n else None
        text = (
            f"Leakage guard: {n} candidate features checked; none above the failure threshold "
            f"(univariate AUC {self.threshold_auc:.3f})"
            if not self.failed
            else f"Leakage guard: {len(self.failed)} feature(s) above the failure threshold: {', '.join(self.failed)}"
        )
        if top is not None:
            text += f"; the strongest single feature is `{top['feature']}` (AUC {top['univariate_auc']:.3f}, IV {top['iv']:.2f})"
        if self.warnings:
            text += f"; flagged for a look (IV > {WARN_IV:g} or an out-of-time drop): {', '.join(self.warnings)}"
        if self.allowed:
            text += f"; allowed by the user: {', '.join(self.allowed)}"
        return text + "."


def _is_categorical(s: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def _numeric(s: pd.Series) -> np.ndarray:
    x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(x).all():
        return np.zeros(len(x))
    return np.where(np.isnan(x), np.nanmedian(x), x)


def _category_rates(
    codes: np.ndarray, y: np.ndarray, *, n_codes: int, smoothing: float, prior: float
) -> np.ndarray:
    events = np.bincount(codes, weights=y, minlength=n_codes)
    counts = np.bincount(codes, minlength=n_codes)
    return (events + smoothing * prior) / (counts + smoothing)


def _category_score(
    s: pd.Series, y: np.ndarray, *, folds: int, smoothing: float, seed: int
) -> np.ndarray:
    """Out-of-fold smoothed event rate of each row's category (missing is a category)."""
    codes, uniques = pd.factorize(s.astype(object).where(s.notna(), "__missing__").astype(str))
    prior = float(y.mean())
    fold = np.random.default_rng(seed).integers(0, folds, len(y))
    out = np.empty(len(y))
    for k in range(folds):
        rates = _category_rates(
            codes[fold != k], y[fold != k], n_codes=len(uniques), smoothing=smoothing, prior=prior
        )
        out[fold == k] = rates[codes[fold == k]]
    return out


def univariate_auc(
    values: pd.Series, y: np.ndarray, *, seed: int = 0, smoothing: float = 10.0
) -> float:
    """max(AUC, 1 - AUC) of one feature against the 0/1 target ``y``."""
    y = np.asarray(y, dtype=int)
    if y.min() == y.max():
        return float("nan")
    s = pd.Series(values).reset_index(drop=True)
    score = (
        _category_score(s, y, folds=5, smoothing=smoothing, seed=seed)
        if _is_categorical(s)
        else _numeric(s)
    )
    auc = float(roc_auc_score(y, score))
    return max(auc, 1.0 - auc)


def _bins(s: pd.Series, n_bins: int) -> np.ndarray:
    """Bin code per row: equal-count bins of a number, categories as they are, missing apart."""
    if _is_categorical(s):
        codes, _ = pd.factorize(s.astype(object).where(s.notna(), "__missing__").astype(str))
        return codes
    x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    present = x[~np.isnan(x)]
    if present.size == 0:
        return np.zeros(len(x), dtype=int)
    values = np.unique(present)
    if len(values) <= n_bins:  # a few distinct values: each its own bin
        edges = values[:-1]
    else:  # equal-count bins; a value on an edge falls in the lower bin
        edges = np.unique(np.quantile(present, np.linspace(0, 1, n_bins + 1)[1:-1]))
    idx = np.searchsorted(edges, x, side="left")
    return np.where(np.isnan(x), len(edges) + 1, idx)


def smoothed_iv(
    values: pd.Series, y: np.ndarray, *, n_bins: int = 10, smoothing: float = 0.5
) -> float:
    """Information value over equal-count bins with ``smoothing`` added to every count."""
    y = np.asarray(y, dtype=int)
    codes = _bins(pd.Series(values).reset_index(drop=True), n_bins)
    n_codes = int(codes.max()) + 1
    events = np.bincount(codes, weights=y, minlength=n_codes)
    counts = np.bincount(codes, minlength=n_codes)
    used = counts > 0
    ev = events[used] + smoothing
    ne = counts[used] - events[used] + smoothing
    share_e, share_ne = ev / ev.sum(), ne / ne.sum()
    return float(np.sum((share_ne - share_e) * np.log(share_ne / share_e)))


def leakage_table(
    df: pd.DataFrame,
    target: str,
    features: Sequence[str],
    *,
    oot: pd.DataFrame | None = None,
    n_bins: int = 10,
    smoothing: float = 0.5,
    seed: int = 0,
) -> pd.DataFrame:
    """Per feature: univariate AUC, smoothed IV and (with ``oot``) the out-of-time AUC and drop."""
    y = df[target].to_numpy(dtype=int)
    y_oot = oot[target].to_numpy(dtype=int) if oot is not None and target in oot.columns else None
    rows = []
    for f in features:
        auc = univariate_auc(df[f], y, seed=seed)
        row = {
            "feature": f,
            "univariate_auc": auc,
            "iv": smoothed_iv(df[f], y, n_bins=n_bins, smoothing=smoothing),
            "oot_auc": np.nan,
            "auc_drop": np.nan,
        }
        if y_oot is not None and f in oot.columns and y_oot.min() != y_oot.max():
            row["oot_auc"] = univariate_auc(oot[f], y_oot, seed=seed)
            row["auc_drop"] = auc - row["oot_auc"]
        rows.append(row)
    return pd.DataFrame(rows)


def check_leakage(
    df: pd.DataFrame,
    target: str,
    features: Sequence[str],
    *,
    oot: pd.DataFrame | None = None,
    allow: Sequence[str] = (),
    max_auc: float = MAX_AUC,
    oracle_auc: float | None = None,
    warn_iv: float = WARN_IV,
    warn_drop: float = WARN_DROP,
    seed: int = 0,
    raise_on_fail: bool = True,
) -> LeakageReport:
    """Screen ``features`` for target leakage; raise :class:`LeakageError` on a failure.

    Parameters
    ----------
    df : development rows with ``target`` (0/1) and ``features``.
    oot : optional out-of-time rows (adds the train-vs-out-of-time AUC drop).
    allow : features exempt from failing (known at decision time despite their power).
    max_auc : fail above this univariate AUC.
    oracle_auc : the AUC of the true probabilities, when known; the threshold becomes
        ``min(max_auc, oracle_auc)``.
    warn_iv, warn_drop : warning levels for the smoothed IV and the AUC drop.
    raise_on_fail : False returns the report without raising (for display).
    """
    if target not in df.columns:
        raise ValueError(f"target: column {target!r} not in df")
    unknown = [f for f in allow if f not in features]
    if unknown:
        raise ValueError(f"allow: not among the candidate features: {unknown}")
    if not 0.5 < max_auc <= 1:
        raise ValueError(f"max_auc: expected in (0.5, 1], got {max_auc}")
    threshold = min(max_auc, oracle_auc) if oracle_auc is not None else max_auc
    table = leakage_table(df, target, list(features), oot=oot, seed=seed)
    allowed = set(allow)
    status, reason = [], []
    for r in table.itertuples():
        if r.univariate_auc > threshold:
            status.append("allowed" if r.feature in allowed else "fail")
            reason.append(f"univariate AUC {r.univariate_auc:.3f} > {threshold:.3f}")
        elif r.iv > warn_iv:
            status.append("warn")
            reason.append(f"IV {r.iv:.2f} > {warn_iv:g}: check it is known at decision time")
        elif np.isfinite(r.auc_drop) and r.auc_drop > warn_drop:
            status.append("warn")
            reason.append(f"AUC falls by {r.auc_drop:.3f} out of time")
        else:
            status.append("ok")
            reason.append("")
    table["status"], table["reason"] = status, reason
    table = table.sort_values("univariate_auc", ascending=False, ignore_index=True)
    report = LeakageReport(table=table, threshold_auc=threshold, allowed=sorted(allowed))
    logger.info("leakage guard: %d features, %d failed", len(table), len(report.failed))
    if raise_on_fail:
        report.raise_if_failed()
    return report
