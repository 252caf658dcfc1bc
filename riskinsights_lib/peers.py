"""Peers: what a user would pick instead of our models, fitted on the same rows.

Four off-the-shelf alternatives, each with its library's defaults, on any
DataFrame with a binary target and named feature columns:

* ``logistic``: plain logistic regression (scikit-learn defaults) on standardised
  numeric features with median imputation and one-hot categorical features
  (missing as its own level, unseen categories ignored);
* ``optbinning``: optbinning's standard recipe, a default ``BinningProcess`` and a
  ``Scorecard`` over a default ``LogisticRegression``;
* ``xgboost`` and ``lightgbm``: gradient boosting with library defaults and
  native categorical support.

:func:`peer_table` scores every model on the same rows with one set of
bootstrap resamples, so the intervals and the paired differences to our model
are comparable; :func:`peer_reading` says in one sentence where ours stands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

__all__ = ["PEERS", "PEER_LABELS", "Peer", "fit_peers", "peer_table", "best_peer", "peer_reading"]

logger = logging.getLogger(__name__)

PEERS = ("logistic", "optbinning", "xgboost", "lightgbm")
PEER_LABELS = {
    "logistic": "plain logistic regression",
    "optbinning": "optbinning default scorecard",
    "xgboost": "XGBoost (defaults)",
    "lightgbm": "LightGBM (defaults)",
}
_MISSING = "__missing__"


@dataclass
class Peer:
    """A fitted peer: its name, a readable label and a function from rows to probabilities."""

    name: str
    label: str
    model: object
    _predict: Callable[[pd.DataFrame], np.ndarray]

    def predict_pd(self, df: pd.DataFrame) -> np.ndarray:
        """Probability of the event for each row."""
        return np.asarray(self._predict(df), dtype=float)


def _is_categorical(s: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def _text(s: pd.Series) -> np.ndarray:
    return s.astype(object).where(s.notna(), _MISSING).astype(str).to_numpy(dtype=object)


def _numbers(df: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.to_numeric(df[c], errors="coerce").astype(float) for c in cols}, index=df.index
    )


def _fit_logistic(train, y, numeric, categorical, seed):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    def frame(df):
        out = _numbers(df, numeric)
        for c in categorical:
            out[c] = _text(df[c])
        return out

    prep = ColumnTransformer(
        [
            (
                "numeric",
                make_pipeline(
                    SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
                ),
                list(numeric),
            ),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), list(categorical)),
        ]
    )
    pipe = Pipeline(
        [("prepare", prep), ("logistic", LogisticRegression(max_iter=5000, random_state=seed))]
    )
    pipe.fit(frame(train), y)
    return pipe, lambda df: pipe.predict_proba(frame(df))[:, 1]


def _fit_optbinning(train, y, numeric, categorical, seed):
    from optbinning import BinningProcess, Scorecard
    from sklearn.linear_model import LogisticRegression

    features = [*numeric, *categorical]

    def frame(df):
        out = _numbers(df, numeric)
        for c in categorical:
            out[c] = (
                df[c]
                .astype(object)
                .where(df[c].notna(), np.nan)
                .map(lambda v: v if v is np.nan else str(v))
            )
        return out[features]

    bp = BinningProcess(variable_names=features, categorical_variables=list(categorical) or None)
    card = Scorecard(binning_process=bp, estimator=LogisticRegression(random_state=seed))
    card.fit(frame(train), y)
    return card, lambda df: card.predict_proba(frame(df))[:, 1]


def _category_frame(train, numeric, categorical):
    levels = {c: sorted(set(_text(train[c]))) for c in categorical}

    def frame(df):
        out = _numbers(df, numeric)
        for c in categorical:
            out[c] = pd.Categorical(_text(df[c]), categories=levels[c])
        return out[[*numeric, *categorical]]

    return frame


def _fit_xgboost(train, y, numeric, categorical, seed):
    from xgboost import XGBClassifier

    frame = _category_frame(train, numeric, categorical)
    model = XGBClassifier(enable_categorical=True, random_state=seed, n_jobs=2)
    model.fit(frame(train), y)
    return model, lambda df: model.predict_proba(frame(df))[:, 1]


def _fit_lightgbm(train, y, numeric, categorical, seed):
    from lightgbm import LGBMClassifier

    frame = _category_frame(train, numeric, categorical)
    model = LGBMClassifier(random_state=seed, n_jobs=2, verbose=-1)
    model.fit(frame(train), y)
    return model, lambda df: model.predict_proba(frame(df))[:, 1]


_FITTERS = {
    "logistic": _fit_logistic,
    "optbinning": _fit_optbinning,
    "xgboost": _fit_xgboost,
    "lightgbm": _fit_lightgbm,
}


def fit_peers(
    df: pd.DataFrame,
    target: str,
    features: Sequence[str],
    *,
    categorical: Sequence[str] | None = None,
    peers: Sequence[str] = PEERS,
    seed: int = 0,
) -> dict[str, Peer]:
    """Fit every peer on ``df`` (training rows) against the 0/1 ``target``.

    Parameters
    ----------
    features : candidate columns, the same our model was offered.
    categorical : columns treated as categories (default: text and boolean columns).
    peers : which of :data:`PEERS` to fit.
    seed : random state of the models that take one.
    """
    if target not in df.columns:
        raise ValueError(f"target: column {target!r} not in df")
    unknown = [p for p in peers if p not in _FITTERS]
    if unknown:
        raise ValueError(f"peers: expected names among {list(PEERS)}, got {unknown}")
    missing = [f for f in features if f not in df.columns]
    if missing:
        raise ValueError(f"features: not columns of df: {missing[:5]}")
    cats = (
        list(categorical)
        if categorical is not None
        else [f for f in features if _is_categorical(df[f])]
    )
    numeric = [f for f in features if f not in cats]
    y = df[target].to_numpy(dtype=int)
    out = {}
    for name in peers:
        model, predict = _FITTERS[name](df, y, numeric, cats, seed)
        out[name] = Peer(name=name, label=PEER_LABELS[name], model=model, _predict=predict)
        logger.info("fitted peer %s", name)
    return out


def peer_table(
    y_true: np.ndarray | pd.Series,
    scores: Mapping[str, np.ndarray],
    *,
    ours: str,
    oracle: str | None = None,
    n_boot: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """AUC of every model on the same rows, with shared-resample bootstrap intervals.

    Returns one row per model (``ours`` first, then peers by AUC, the oracle last):
    ``auc``, ``auc_low``/``auc_high`` (95% percentile interval), ``ours_minus`` (our
    AUC minus this model's, with ``diff_low``/``diff_high`` from the same resamples)
    and ``role`` ("ours", "peer" or "oracle").
    """
    y = np.asarray(y_true, dtype=int)
    if ours not in scores:
        raise ValueError(f"ours: {ours!r} is not among the scored models {list(scores)}")
    s = {k: np.asarray(v, dtype=float) for k, v in scores.items()}
    rng = np.random.default_rng(seed)
    boot = {k: [] for k in s}
    for _ in range(int(n_boot)):
        idx = rng.integers(0, len(y), len(y))
        if y[idx].min() == y[idx].max():
            continue
        for k, v in s.items():
            boot[k].append(roc_auc_score(y[idx], v[idx]))
    boot = {k: np.asarray(v) for k, v in boot.items()}
    rows = []
    for k, v in s.items():
        diff = boot[ours] - boot[k]
        rows.append(
            {
                "model": k,
                "role": "ours" if k == ours else "oracle" if k == oracle else "peer",
                "auc": float(roc_auc_score(y, v)),
                "auc_low": float(np.quantile(boot[k], 0.025)) if len(boot[k]) else np.nan,
                "auc_high": float(np.quantile(boot[k], 0.975)) if len(boot[k]) else np.nan,
                "ours_minus": float(roc_auc_score(y, s[ours]) - roc_auc_score(y, v)),
                "diff_low": float(np.quantile(diff, 0.025)) if len(diff) else np.nan,
                "diff_high": float(np.quantile(diff, 0.975)) if len(diff) else np.nan,
            }
        )
    table = pd.DataFrame(rows)
    order = table["role"].map({"ours": 0, "peer": 1, "oracle": 2})
    table = table.assign(_o=order).sort_values(["_o", "auc"], ascending=[True, False])
    return table.drop(columns="_o").reset_index(drop=True)


def best_peer(table: pd.DataFrame) -> tuple[str, float]:
    """Name and AUC of the strongest peer in a :func:`peer_table`."""
    peers = table[table["role"] == "peer"]
    if peers.empty:
        raise ValueError("table: no peer rows")
    row = peers.loc[peers["auc"].idxmax()]
    return str(row["model"]), float(row["auc"])


def peer_reading(table: pd.DataFrame, *, sample: str = "out of time") -> str:
    """One honest sentence: where our model stands against the best peer (and the ceiling)."""
    ours = table[table["role"] == "ours"].iloc[0]
    name, auc = best_peer(table)
    row = table[table["model"] == name].iloc[0]
    diff, lo, hi = row["ours_minus"], row["diff_low"], row["diff_high"]
    label = PEER_LABELS.get(name, name)
    if lo > 0:
        verdict = f"ahead of the best peer, {label} ({auc:.3f}), by {diff:+.3f} (95% interval {lo:+.3f} to {hi:+.3f})"
    elif hi < 0:
        verdict = f"behind the best peer, {label} ({auc:.3f}), by {diff:+.3f} (95% interval {lo:+.3f} to {hi:+.3f}): it loses here"
    else:
        side = "ahead of" if diff >= 0 else "behind"
        verdict = (
            f"{side} the best peer, {label} ({auc:.3f}), by {diff:+.3f}, within sampling error "
            f"(95% interval of the difference {lo:+.3f} to {hi:+.3f})"
        )
    text = f"{sample.capitalize()}, our {ours['model']} (AUC {ours['auc']:.3f}) is {verdict}."
    oracle = table[table["role"] == "oracle"]
    if not oracle.empty:
        o = oracle.iloc[0]["auc"]
        text += f" The ceiling (the true probabilities) is {o:.3f}; ours reaches {ours['auc'] / o:.1%} of it."
    return text
