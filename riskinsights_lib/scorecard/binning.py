"""Optimal binning with weight of evidence (WoE), one feature at a time.

optbinning finds the bins (monotonic where asked); the fitted bins are then
kept as plain data (:class:`FeatureBinning`) so that Python scoring, the SQL
export and the JSON export all apply one rule, written here once:

* numerical bin ``i`` holds ``splits[i-1] <= x < splits[i]`` (open at both ends);
* categorical bins are groups of category labels (compared as text);
* missing values (NULL / NaN) have their own bin;
* a missing bin with too few rows to estimate, and any category unseen in
  training, get the WoE of the riskiest regular bin (the conservative choice).

WoE follows optbinning's sign: ``ln(share of non-events / share of events)``,
so a higher WoE means a safer bin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from optbinning import OptimalBinning

__all__ = [
    "MONOTONIC_TRENDS",
    "FeatureBinning",
    "fit_feature_binning",
    "is_categorical",
    "as_text",
]

logger = logging.getLogger(__name__)

#: Allowed monotonic settings: the default rate as the feature increases.
MONOTONIC_TRENDS = {
    "ascending": "ascending",
    "descending": "descending",
    "auto": "auto_asc_desc",
    None: None,
}
MISSING_LABEL = "Missing"
OTHER_LABEL = "Other (unseen)"


def _text_of(value: object) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"  # as SQL's CAST(boolean AS VARCHAR)
    return str(value)


def as_text(values: pd.Series) -> pd.Series:
    """Category labels as text, the way SQL ``CAST(x AS VARCHAR)`` writes them; missing stays None."""
    s = pd.Series(values)
    return s.astype(object).where(s.notna(), None).map(lambda v: None if v is None else _text_of(v))


def is_categorical(series: pd.Series) -> bool:
    """True for text, boolean or categorical columns (binned as groups of labels)."""
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def _fmt(value: float) -> str:
    """Readable number: thousands separators for large values, 3-4 significant digits for small."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.4g}"
    return f"{value:.3g}"


@dataclass
class FeatureBinning:
    """The fitted bins of one feature, as plain data.

    Attributes
    ----------
    name : the column name.
    kind : ``"numerical"`` or ``"categorical"``.
    splits : numerical cut points (bin ``i`` is ``[splits[i-1], splits[i])``).
    groups : categorical bins, each a list of category labels (text).
    woe : WoE of each regular bin, then the missing bin, then (categorical) unseen.
    labels : one label per entry of ``woe``.
    table : the binning table on the fitting sample.
    monotonic_trend : the constraint asked for (``None`` = unconstrained).
    """

    name: str
    kind: str
    splits: list[float] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)
    woe: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    table: pd.DataFrame | None = None
    monotonic_trend: str | None = None

    @property
    def n_regular(self) -> int:
        """Number of regular (non-missing, non-unseen) bins."""
        return len(self.splits) + 1 if self.kind == "numerical" else len(self.groups)

    @property
    def missing_index(self) -> int:
        return self.n_regular

    @property
    def other_index(self) -> int | None:
        return self.n_regular + 1 if self.kind == "categorical" else None

    @property
    def iv(self) -> float:
        """Information value on the fitting sample."""
        return float(self.table["iv"].sum()) if self.table is not None else float("nan")

    def bin_index(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Bin number of each value (regular bins, then missing, then unseen)."""
        s = pd.Series(values)
        if self.kind == "numerical":
            x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            idx = np.searchsorted(np.asarray(self.splits, dtype=float), x, side="right")
            return np.where(np.isnan(x), self.missing_index, idx).astype(int)
        lookup = {cat: i for i, group in enumerate(self.groups) for cat in group}
        missing = s.isna().to_numpy()
        text = as_text(s)
        idx = text.map(lookup).to_numpy(dtype=float, na_value=np.nan)
        idx = np.where(np.isnan(idx), self.other_index, idx)
        return np.where(missing, self.missing_index, idx).astype(int)

    def transform(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """WoE of each value."""
        return np.asarray(self.woe, dtype=float)[self.bin_index(values)]

    def words(self, index: int) -> str:
        """Plain-words description of bin ``index`` (for reason codes)."""
        if index == self.missing_index:
            return "not available"
        if self.kind == "categorical":
            if index == self.other_index:
                return "a category not seen in development"
            return "one of " + ", ".join(self.groups[index])
        lo = self.splits[index - 1] if index > 0 else None
        hi = self.splits[index] if index < len(self.splits) else None
        if lo is None and hi is None:
            return "any value"
        if lo is None:
            return f"below {_fmt(hi)}"
        if hi is None:
            return f"{_fmt(lo)} or more"
        return f"from {_fmt(lo)} to under {_fmt(hi)}"


def _labels(kind: str, splits: list[float], groups: list[list[str]]) -> list[str]:
    if kind == "categorical":
        return ["[" + ", ".join(g) + "]" for g in groups]
    edges = [-np.inf, *splits, np.inf]
    return [f"[{_fmt(a)}, {_fmt(b)})" for a, b in zip(edges[:-1], edges[1:], strict=True)]


def _woe_from_counts(n_event: np.ndarray, n_nonevent: np.ndarray) -> np.ndarray:
    total_e, total_ne = max(n_event.sum(), 1), max(n_nonevent.sum(), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        woe = np.log((n_nonevent / total_ne) / (n_event / total_e))
    return woe


def fit_feature_binning(
    x: pd.Series,
    y: np.ndarray,
    *,
    name: str | None = None,
    kind: str | None = None,
    monotonic_trend: str | None = "auto",
    min_bin_size: float = 0.01,
    max_n_bins: int | None = 8,
    min_bin_n_event: int | None = 5,
    min_missing: int = 30,
) -> FeatureBinning:
    """Fit optimal bins of one feature against a binary target.

    Parameters
    ----------
    x : the feature values (NaN/None are missing).
    y : the 0/1 target (1 = event, e.g. default).
    name : the feature name (defaults to ``x.name``).
    kind : ``"numerical"`` or ``"categorical"``; inferred from the dtype when None.
    monotonic_trend : the default rate as ``x`` increases: ``"ascending"``,
        ``"descending"``, ``"auto"`` (monotone, direction from the data) or
        ``None`` (unconstrained). Ignored for categorical features, whose
        groups are ordered by default rate.
    min_bin_size : smallest share of rows in a regular bin.
    max_n_bins : most regular bins.
    min_bin_n_event : fewest events (defaults) in a regular bin, so that every
        WoE rests on a handful of defaults rather than one or two.
    min_missing : fewest missing rows (with both classes) to estimate the
        missing bin's own WoE; below that it gets the riskiest bin's WoE.
    """
    name = name or str(x.name)
    if monotonic_trend not in MONOTONIC_TRENDS:
        raise ValueError(
            f"monotonic[{name!r}]: expected one of {sorted(map(str, MONOTONIC_TRENDS))}, "
            f"got {monotonic_trend!r}"
        )
    kind = kind or ("categorical" if is_categorical(x) else "numerical")
    if kind not in {"numerical", "categorical"}:
        raise ValueError(f"kind: expected 'numerical' or 'categorical', got {kind!r}")
    y = np.asarray(y, dtype=int)
    s = pd.Series(x).reset_index(drop=True)
    if kind == "numerical":
        values = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        trend = MONOTONIC_TRENDS[monotonic_trend]
    else:
        values = as_text(s)
        values = np.asarray(values, dtype=object)
        trend = None
    optb = OptimalBinning(
        name=name,
        dtype=kind,
        monotonic_trend=trend if kind == "numerical" else "auto",
        min_prebin_size=min_bin_size,  # let the pre-binning isolate small groups too (e.g. arrears)
        min_bin_size=min_bin_size,
        max_n_bins=max_n_bins,
        min_bin_n_event=min_bin_n_event,
    )
    optb.fit(values, y)
    if kind == "numerical":
        splits = [float(v) for v in optb.splits]
        groups: list[list[str]] = []
    else:
        splits = []
        groups = [[str(c) for c in np.asarray(g).tolist()] for g in optb.splits]
    fb = FeatureBinning(
        name=name, kind=kind, splits=splits, groups=groups, monotonic_trend=monotonic_trend
    )
    # Counts by our own bin rule, so the table describes exactly what scoring does.
    fb.woe = [0.0] * (fb.n_regular + (2 if kind == "categorical" else 1))
    idx = fb.bin_index(s)
    n_bins = len(fb.woe)
    n = np.bincount(idx, minlength=n_bins)
    n_event = np.bincount(idx, weights=y, minlength=n_bins)
    n_nonevent = n - n_event
    woe = _woe_from_counts(n_event, n_nonevent)
    regular = slice(0, fb.n_regular)
    finite = np.isfinite(woe[regular])
    if not finite.all():  # a regular bin without events or non-events: cap at the observed range
        lo, hi = np.nanmin(woe[regular][finite]), np.nanmax(woe[regular][finite])
        woe[regular] = np.where(np.isnan(woe[regular]), 0.0, np.clip(woe[regular], lo, hi))
    riskiest = float(np.min(woe[regular]))
    notes = [""] * n_bins
    m = fb.missing_index
    if n[m] < min_missing or n_event[m] == 0 or n_nonevent[m] == 0:
        woe[m] = riskiest
        notes[m] = f"{int(n[m])} rows: riskiest bin's WoE (conservative)"
    if fb.other_index is not None:
        woe[fb.other_index] = riskiest
        notes[fb.other_index] = "unseen categories: riskiest bin's WoE (conservative)"
    fb.woe = [float(v) for v in woe]
    fb.labels = (
        _labels(kind, splits, groups)
        + [MISSING_LABEL]
        + ([OTHER_LABEL] if kind == "categorical" else [])
    )
    total_e, total_ne = max(n_event.sum(), 1), max(n_nonevent.sum(), 1)
    table = pd.DataFrame(
        {
            "feature": name,
            "bin_index": np.arange(n_bins),
            "bin": fb.labels,
            "count": n.astype(int),
            "count_share": n / max(n.sum(), 1),
            "n_nonevent": n_nonevent.astype(int),
            "n_event": n_event.astype(int),
            "event_rate": np.divide(n_event, n, out=np.full(n_bins, np.nan), where=n > 0),
            "woe": woe,
            "note": notes,
        }
    )
    table["iv"] = (n_nonevent / total_ne - n_event / total_e) * woe
    fb.table = table
    logger.debug("binned %s: %d bins, IV %.3f", name, fb.n_regular, fb.iv)
    return fb
