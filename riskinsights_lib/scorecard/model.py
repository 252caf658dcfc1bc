"""The scorecard: WoE binning, logistic regression and points, behind one object.

>>> card = fit_scorecard(df, target="bad", features=["income", "region"])  # doctest: +SKIP
>>> card.score(df)           # sum of points, higher = better customer
>>> card.predict_pd(df)      # probability of the event
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.linear_model import LogisticRegression
from tqdm.auto import tqdm

from riskinsights_lib.leakage import LeakageReport, check_leakage
from riskinsights_lib.scorecard.binning import FeatureBinning, fit_feature_binning, is_categorical
from riskinsights_lib.scorecard.points import Scaling
from riskinsights_lib.scorecard.selection import (
    MAX_CHARACTERISTICS,
    fit_logit,
    forward_cv_auc,
    forward_stepwise,
    screen_features,
    variance_inflation,
)

__all__ = ["Scorecard", "fit_scorecard"]

logger = logging.getLogger(__name__)


@dataclass
class Scorecard:
    """A fitted points scorecard (see :func:`fit_scorecard`).

    Scoring uses only plain data (bins, WoE, coefficients, scaling), so the
    saved object, the SQL and the JSON exports all give the same scores.
    """

    target: str
    features: list[str]
    binnings: dict[str, FeatureBinning]
    coef: dict[str, float]
    intercept: float
    scaling: Scaling
    selection: pd.DataFrame
    coefficients: pd.DataFrame
    candidates: list[str] = field(default_factory=list)
    stepwise_steps: pd.DataFrame | None = None
    leakage: LeakageReport | None = None

    # -- transforms -----------------------------------------------------------------
    def _check_columns(self, df: pd.DataFrame) -> None:
        missing = [f for f in self.features if f not in df.columns]
        if missing:
            raise ValueError(f"df: expected the scorecard's feature columns, missing {missing}")

    def bin_indices(self, df: pd.DataFrame) -> pd.DataFrame:
        """Bin number of each row for every scorecard feature."""
        self._check_columns(df)
        return pd.DataFrame(
            {f: self.binnings[f].bin_index(df[f]) for f in self.features}, index=df.index
        )

    def woe(self, df: pd.DataFrame, features: Sequence[str] | None = None) -> pd.DataFrame:
        """WoE of each row for ``features`` (default: the scorecard's)."""
        features = list(features or self.features)
        return pd.DataFrame(
            {f: self.binnings[f].transform(df[f]) for f in features}, index=df.index
        )

    def bin_points(self, feature: str) -> np.ndarray:
        """Points of every bin of one scorecard feature (regular, missing, unseen)."""
        if feature not in self.coef:
            raise ValueError(f"feature: {feature!r} is not in the scorecard")
        fb = self.binnings[feature]
        return self.scaling.bin_points(
            self.coef[feature], np.asarray(fb.woe), self.intercept, len(self.features)
        )

    def points(self, df: pd.DataFrame) -> pd.DataFrame:
        """Points of each row for every scorecard feature (rows sum to the score)."""
        idx = self.bin_indices(df)
        return pd.DataFrame(
            {f: self.bin_points(f)[idx[f].to_numpy()] for f in self.features}, index=df.index
        )

    def score(self, df: pd.DataFrame) -> pd.Series:
        """Score of each row: the sum of its points (higher = better customer)."""
        pts = self.points(df)
        total = np.zeros(len(df))
        for f in self.features:  # fixed order, like the SQL expression
            total = total + pts[f].to_numpy()
        return pd.Series(total, index=df.index, name="score")

    def log_odds(self, df: pd.DataFrame) -> np.ndarray:
        """``logit(PD)`` of each row, derived from the score."""
        return self.scaling.score_to_log_odds(self.score(df).to_numpy())

    def predict_pd(self, df: pd.DataFrame) -> np.ndarray:
        """Probability of the event (default) of each row."""
        return self.scaling.score_to_pd(self.score(df).to_numpy())

    def predict_proba(self, df: pd.DataFrame) -> np.ndarray:
        """scikit-learn style ``(n, 2)`` array: P(non-event), P(event)."""
        p = self.predict_pd(df)
        return np.column_stack([1 - p, p])

    # -- tables ---------------------------------------------------------------------
    @property
    def scorecard_table(self) -> pd.DataFrame:
        """The deliverable: feature, bin, WoE, coefficient and points of every bin."""
        frames = []
        for f in self.features:
            t = (
                self.binnings[f]
                .table[["feature", "bin_index", "bin", "count", "event_rate", "woe"]]
                .copy()
            )
            t["coef"] = self.coef[f]
            t["points"] = self.bin_points(f)
            frames.append(t)
        return pd.concat(frames, ignore_index=True)

    @property
    def binning_tables(self) -> pd.DataFrame:
        """Binning tables of every candidate feature on the development sample."""
        return pd.concat([self.binnings[f].table for f in self.candidates], ignore_index=True)

    @property
    def iv_table(self) -> pd.DataFrame:
        """Information value of every candidate, with its kind, monotonic setting and fate."""
        rows = [
            {
                "feature": f,
                "kind": self.binnings[f].kind,
                "monotonic": self.binnings[f].monotonic_trend or "none",
                "n_bins": self.binnings[f].n_regular,
                "iv": self.binnings[f].iv,
            }
            for f in self.candidates
        ]
        out = pd.DataFrame(rows).merge(
            self.selection[["feature", "strength", "kept", "reason"]], on="feature"
        )
        return out.sort_values("iv", ascending=False, ignore_index=True)

    # -- persistence ----------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the scorecard: JSON for a ``.json`` path (safe to share), else joblib + digest."""
        from riskinsights_lib.scorecard.persist import save_scorecard

        return save_scorecard(self, path)

    @staticmethod
    def load(path: str | os.PathLike, *, trusted: bool = False) -> Scorecard:
        """Read a scorecard from its JSON (safe); a joblib pickle only with ``trusted=True``.

        Unpickling runs code: load a ``.joblib`` file only if you wrote it yourself
        (see :mod:`riskinsights_lib.scorecard.persist`).
        """
        from riskinsights_lib.scorecard.persist import load_scorecard

        return load_scorecard(path, trusted=trusted)

    @staticmethod
    def from_json(text: str) -> Scorecard:
        """Rebuild a scorecard from :meth:`to_json` text; it scores identically."""
        from riskinsights_lib.scorecard.persist import scorecard_from_json

        return scorecard_from_json(text)

    # -- exports (implemented in deploy / reasons) ----------------------------------
    def to_sql(self, table: str, **kwargs) -> str:
        """DuckDB ``SELECT`` scoring ``table`` (see :func:`riskinsights_lib.scorecard.deploy.scorecard_sql`)."""
        from riskinsights_lib.scorecard.deploy import scorecard_sql

        return scorecard_sql(self, table, **kwargs)

    def to_json(self) -> str:
        """The scorecard as JSON text (see :func:`riskinsights_lib.scorecard.deploy.scorecard_json`)."""
        from riskinsights_lib.scorecard.deploy import scorecard_json

        return scorecard_json(self)

    def reason_codes(self, df: pd.DataFrame, n: int = 4, **kwargs) -> pd.DataFrame:
        """Top ``n`` reasons per row (see :func:`riskinsights_lib.scorecard.reasons.reason_codes`)."""
        from riskinsights_lib.scorecard.reasons import reason_codes

        return reason_codes(self, df, n=n, **kwargs)


def _fit_logit(x: pd.DataFrame, y: np.ndarray) -> tuple[LogisticRegression, pd.DataFrame]:
    """Unpenalised logistic regression and its Wald table (coef, std error, z, p)."""
    model = fit_logit(x, y)
    design = np.column_stack([np.ones(len(x)), x.to_numpy()])
    p = model.predict_proba(x.to_numpy())[:, 1]
    info = design.T @ (design * (p * (1 - p))[:, None])
    try:
        se = np.sqrt(np.diag(np.linalg.inv(info)))
    except np.linalg.LinAlgError:
        se = np.full(design.shape[1], np.nan)
    beta = np.r_[model.intercept_, model.coef_.ravel()]
    z = beta / se
    table = pd.DataFrame(
        {
            "term": ["(intercept)", *x.columns],
            "coef": beta,
            "std_error": se,
            "z": z,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
        }
    )
    return model, table


def fit_scorecard(
    df: pd.DataFrame,
    target: str = "default_12m",
    features: Sequence[str] | None = None,
    *,
    categorical: Sequence[str] | None = None,
    monotonic: Mapping[str, str | None] | None = None,
    min_iv: float = 0.02,
    max_correlation: float = 0.7,
    pdo: float = 20.0,
    base_score: float = 600.0,
    base_odds: float = 50.0,
    stepwise: str | None = "cv_auc",
    max_features: int | None = MAX_CHARACTERISTICS,
    min_gain: float = 0.0005,
    min_bin_size: float | None = None,
    max_n_bins: int = 8,
    min_bin_n_event: int | None = None,
    seed: int = 0,
    progress: bool = True,
    leakage_guard: bool = True,
    allow: Sequence[str] = (),
    oot: pd.DataFrame | None = None,
    oracle_auc: float | None = None,
) -> Scorecard:
    """Fit a points scorecard on any DataFrame with a binary target.

    Parameters
    ----------
    df : development sample, one row per observation.
    target : 0/1 column (1 = event, e.g. default).
    features : candidate columns (default: every column but the target).
    categorical : columns binned as categories (default: non-numeric columns).
    monotonic : per feature, the default-rate trend as the feature increases:
        ``"ascending"``, ``"descending"``, ``"auto"`` (monotone, direction from
        the data) or ``None`` (unconstrained). Unlisted numerical features get ``"auto"``.
    min_iv, max_correlation : selection rules (see :mod:`.selection`).
    pdo, base_score, base_odds : score scaling (see :mod:`.points`).
    stepwise : ``"cv_auc"`` (default: forward selection on the 5-fold cross-validated
        AUC), ``"bic"``, ``"aic"`` or ``None`` (keep every screened feature); see
        :mod:`.selection`.
    max_features : most characteristics the selection may enter (default
        :data:`~.selection.MAX_CHARACTERISTICS`, a one-page scorecard).
    min_gain : smallest cross-validated AUC gain for a feature to enter (``cv_auc``).
    min_bin_size : smallest share of rows in a bin; default ``max(1%, 50 rows)``
        capped at 5%, so that a small sample does not fit WoE on a handful of rows.
    max_n_bins : most regular bins per feature.
    min_bin_n_event : fewest events in a regular bin; default ``ceil(1.6 * sqrt(events))``,
        at least 5 (about 20 at 150 events): the WoE of a bin with ``e`` events has a
        standard error near ``1 / sqrt(e)``, and on a small sample fine bins fit noise
        (measured: 0.009 out-of-time AUC lost with 5 at 150 events, benchmarks/README.md).
    seed : the folds of the cross-validated selection; the fit is deterministic for a seed.
    progress : show a progress bar over features.
    leakage_guard : run :func:`riskinsights_lib.leakage.check_leakage` on the candidates
        first; a feature above the threshold stops the fit with a one-line error.
    allow : features the guard lets through (known at decision time despite their power).
    oot : out-of-time rows, for the guard's train-vs-out-of-time AUC drop.
    oracle_auc : AUC of the true probabilities when known (tightens the guard's threshold).
    """
    if target not in df.columns:
        raise ValueError(f"target: column {target!r} not in df")
    if stepwise not in {"cv_auc", "bic", "aic", None}:
        raise ValueError(f"stepwise: expected 'cv_auc', 'bic', 'aic' or None, got {stepwise!r}")
    y = df[target].to_numpy()
    if df[target].isna().any() or not set(np.unique(y).tolist()) <= {0, 1}:
        raise ValueError(f"target: expected a 0/1 column without missing values in {target!r}")
    y = y.astype(int)
    if y.min() == y.max():
        raise ValueError(f"target: {target!r} has a single class; need events and non-events")
    features = list(features) if features is not None else [c for c in df.columns if c != target]
    unknown = [f for f in features if f not in df.columns]
    if unknown:
        raise ValueError(f"features: not columns of df: {unknown}")
    if not features:
        raise ValueError("features: expected at least one feature column")
    categorical = set(categorical or [f for f in features if is_categorical(df[f])])
    monotonic = dict(monotonic or {})
    leakage = (
        check_leakage(df, target, features, oot=oot, allow=allow, oracle_auc=oracle_auc, seed=seed)
        if leakage_guard
        else None
    )
    if min_bin_size is None:
        min_bin_size = min(max(0.01, 50 / len(df)), 0.05)
    if min_bin_n_event is None:
        min_bin_n_event = max(5, int(np.ceil(1.6 * np.sqrt(y.sum()))))
    scaling = Scaling(pdo=pdo, base_score=base_score, base_odds=base_odds)

    binnings: dict[str, FeatureBinning] = {}
    for f in tqdm(features, desc="binning", disable=not progress, leave=False):
        kind = "categorical" if f in categorical else "numerical"
        binnings[f] = fit_feature_binning(
            df[f],
            y,
            name=f,
            kind=kind,
            monotonic_trend=monotonic.get(f, "auto") if kind == "numerical" else None,
            min_bin_size=min_bin_size,
            max_n_bins=max_n_bins,
            min_bin_n_event=min_bin_n_event,
        )
    woe = pd.DataFrame({f: binnings[f].transform(df[f]) for f in features}, index=df.index)
    iv = pd.Series({f: binnings[f].iv for f in features})
    selection = screen_features(woe, iv, min_iv=min_iv, max_correlation=max_correlation)
    kept = selection.loc[selection["kept"], "feature"].tolist()
    if not kept:
        raise ValueError("features: no feature passed the IV and correlation rules (lower min_iv?)")

    steps = None
    if stepwise is not None:
        if stepwise == "cv_auc":
            entered, steps = forward_cv_auc(
                woe[kept], y, max_features=max_features, min_gain=min_gain, seed=seed
            )
            why = f"adds under {min_gain:g} cross-validated AUC beyond the others"
        else:
            entered, steps = forward_stepwise(
                woe[kept], y, criterion=stepwise, max_features=max_features
            )
            why = "adds too little beyond the others"
        capped = max_features is not None and len(entered) >= max_features
        for f in kept:
            if f not in entered:
                selection.loc[selection["feature"] == f, ["kept", "reason"]] = (
                    False,
                    f"not entered by forward selection ({stepwise.upper()}): "
                    + (f"cap of {max_features} characteristics reached" if capped else why),
                )
        kept = entered
        if not kept:
            raise ValueError("features: forward stepwise entered no feature (try stepwise=None)")

    while True:  # drop wrong-sign coefficients one at a time, strongest first
        model, coefficients = _fit_logit(woe[kept], y)
        signs = pd.Series(model.coef_.ravel(), index=kept)
        wrong = signs[signs > 0]
        if wrong.empty or len(kept) == 1:
            break
        worst = wrong.idxmax()
        kept.remove(worst)
        selection.loc[selection["feature"] == worst, ["kept", "reason"]] = (
            False,
            f"coefficient sign reversed in the joint model ({wrong[worst]:+.2f}): collinearity",
        )
        logger.info("dropped %s: wrong-sign coefficient %.3f", worst, wrong[worst])

    vif = variance_inflation(woe[kept])
    coefficients["vif"] = coefficients["term"].map(vif)
    card = Scorecard(
        target=target,
        features=kept,
        binnings=binnings,
        coef={f: float(c) for f, c in zip(kept, model.coef_.ravel(), strict=True)},
        intercept=float(model.intercept_[0]),
        scaling=scaling,
        selection=selection,
        coefficients=coefficients,
        candidates=features,
        stepwise_steps=steps,
        leakage=leakage,
    )
    logger.info("scorecard: %d of %d features kept", len(kept), len(features))
    return card
