"""Shared machinery of the anomaly detectors: feature matrices, chunked scoring, flags.

Every detector in this package scores a DataFrame of numeric features (higher =
more unusual), fills missing values with the medians of its fit sample, and can
score a large source chunk by chunk through :meth:`_Detector.score_chunked`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

__all__: list[str] = []

log = logging.getLogger(__name__)


def _check_frame(X: Any, name: str = "X") -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            f"{name}: expected a pandas DataFrame of numeric features, got {type(X).__name__}"
        )
    return X


def _select_features(X: pd.DataFrame, features: Sequence[str] | None, name: str = "X") -> list[str]:
    """The feature columns to use: ``features`` or every numeric/bool column of ``X``."""
    if features is None:
        cols = [
            c
            for c in X.columns
            if pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c])
        ]
    else:
        cols = list(features)
        missing = [c for c in cols if c not in X.columns]
        if missing:
            raise KeyError(f"{name}: missing feature columns {missing}")
    if not cols:
        raise ValueError(f"{name}: expected at least one numeric feature column")
    return cols


def _as_matrix(
    X: pd.DataFrame, features: Sequence[str], fill: np.ndarray, name: str = "X"
) -> np.ndarray:
    """Float matrix of ``features`` with missing/infinite values replaced by ``fill``."""
    missing = [c for c in features if c not in X.columns]
    if missing:
        raise KeyError(f"{name}: missing feature columns {missing}")
    m = X[list(features)].to_numpy(dtype=float, na_value=np.nan, copy=True)
    bad = ~np.isfinite(m)
    if bad.any():
        m[bad] = np.broadcast_to(fill, m.shape)[bad]
    return m


def _fill_values(X: pd.DataFrame, features: Sequence[str]) -> np.ndarray:
    """Per-feature medians of the fit sample (0 where a column is all missing)."""
    m = X[list(features)].to_numpy(dtype=float, na_value=np.nan)
    m = np.where(np.isfinite(m), m, np.nan)
    with np.errstate(all="ignore"):
        med = np.nanmedian(m, axis=0) if len(m) else np.zeros(len(features))
    return np.where(np.isfinite(med), med, 0.0)


def _iter_frames(data: Any, chunk_size: int) -> Iterator[pd.DataFrame]:
    """Yield DataFrames from a DataFrame, a DuckDB relation or an iterable of frames."""
    if isinstance(data, pd.DataFrame):
        for start in range(0, len(data), chunk_size):
            yield data.iloc[start : start + chunk_size]
        return
    if hasattr(data, "to_arrow_reader"):  # DuckDB relation
        for batch in data.to_arrow_reader(chunk_size):
            yield batch.to_pandas()
        return
    if isinstance(data, Iterable):
        for item in data:
            if hasattr(item, "to_pandas") and not isinstance(item, pd.DataFrame):
                item = item.to_pandas()
            yield _check_frame(item, "data")
        return
    raise TypeError(
        f"data: expected a DataFrame, a DuckDB relation or an iterable of DataFrames, got {type(data).__name__}"
    )


def _n_rows(data: Any) -> int | None:
    if isinstance(data, pd.DataFrame):
        return len(data)
    shape = getattr(data, "shape", None)
    if shape is not None and not isinstance(data, Iterator):
        try:
            return int(shape[0])
        except (TypeError, IndexError):
            return None
    return None


class _Detector:
    """Base class: feature handling, chunked scoring and flagging for every detector."""

    feature_names_: list[str]
    fill_values_: np.ndarray
    threshold_: float

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        _check_frame(X)
        return _as_matrix(X, self.feature_names_, self.fill_values_)

    def _score_matrix(self, m: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit_threshold(self, m: np.ndarray, contamination: float) -> None:
        if not 0 < contamination < 0.5:
            raise ValueError(f"contamination: expected a share in (0, 0.5), got {contamination}")
        self.contamination = float(contamination)
        self.threshold_ = float(np.quantile(self._score_matrix(m), 1 - contamination))

    @property
    def reference_(self) -> pd.Series:
        """Typical value of each feature (median of the fit sample)."""
        return pd.Series(self.fill_values_, index=self.feature_names_, name="reference")

    def score(self, X: pd.DataFrame) -> np.ndarray:
        """Anomaly score of each row of ``X`` (higher = more unusual)."""
        if len(X) == 0:
            return np.empty(0)
        return self._score_matrix(self._matrix(X))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Boolean flags: score above the contamination threshold of the fit sample."""
        return self.score(X) > self.threshold_

    def score_chunked(
        self,
        data: Any,
        *,
        chunk_size: int = 100_000,
        progress: bool = True,
        keep: Sequence[str] = (),
        desc: str | None = None,
    ) -> pd.DataFrame:
        """Score a large source chunk by chunk, holding one chunk of features at a time.

        Parameters
        ----------
        data : a DataFrame, a DuckDB relation (streamed through an Arrow reader) or
            an iterable of DataFrames.
        chunk_size : rows per chunk.
        progress : show a tqdm progress bar.
        keep : columns of the source to carry next to the score (e.g. ids).

        Returns
        -------
        DataFrame with the ``keep`` columns and ``score``, in source order.
        """
        if int(chunk_size) <= 0:
            raise ValueError(f"chunk_size: expected a positive number of rows, got {chunk_size}")
        keep = list(keep)
        parts: list[pd.DataFrame] = []
        bar = tqdm(
            total=_n_rows(data), disable=not progress, desc=desc or type(self).__name__, unit="rows"
        )
        try:
            for frame in _iter_frames(data, int(chunk_size)):
                missing = [c for c in keep if c not in frame.columns]
                if missing:
                    raise KeyError(f"keep: columns {missing} are not in the data")
                part = frame[keep].reset_index(drop=True).copy()
                part["score"] = self.score(frame)
                parts.append(part)
                bar.update(len(frame))
        finally:
            bar.close()
        if not parts:
            return pd.DataFrame({**{c: [] for c in keep}, "score": np.empty(0)})
        out = pd.concat(parts, ignore_index=True)
        log.info("%s scored %d rows in %d chunks", type(self).__name__, len(out), len(parts))
        return out

    def explain(
        self, X: pd.DataFrame, n: int = 3, *, phrases: Any = None, groups: Any = None
    ) -> pd.DataFrame:
        """Top ``n`` reasons per row; see :func:`riskinsights_lib.anomaly.explain.explain_rows`."""
        from riskinsights_lib.anomaly.explain import explain_rows

        return explain_rows(self, X, n=n, phrases=phrases, groups=groups)
