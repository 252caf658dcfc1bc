"""Score every transaction with several detectors in one chunked pass, timing each.

Reading a large mart once and handing each chunk to every detector keeps the
memory at one chunk of features plus one score column per detector.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from riskinsights_lib.anomaly._base import _iter_frames, _n_rows

__all__ = ["score_detectors"]

log = logging.getLogger(__name__)


def score_detectors(
    detectors: Mapping[str, Any],
    data: Any,
    *,
    chunk_size: int = 100_000,
    keep: Sequence[str] = (),
    progress: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score ``data`` chunk by chunk with every detector.

    Parameters
    ----------
    detectors : name -> fitted detector (anything with ``score(X)``).
    data : a DataFrame, a DuckDB relation or an iterable of DataFrames.
    chunk_size : rows per chunk.
    keep : source columns carried next to the scores (ids, timestamp, ...).

    Returns
    -------
    scores : DataFrame with the ``keep`` columns and one score column per detector.
    timing : one row per detector with ``rows``, ``seconds`` (its scoring time only)
        and ``rows_per_s``, plus a ``total`` row for the whole pass (reading included).
    """
    if not detectors:
        raise ValueError("detectors: expected at least one detector")
    if int(chunk_size) <= 0:
        raise ValueError(f"chunk_size: expected a positive number of rows, got {chunk_size}")
    keep = list(keep)
    spent = dict.fromkeys(detectors, 0.0)
    parts = []
    start = time.perf_counter()
    bar = tqdm(total=_n_rows(data), disable=not progress, desc="scoring", unit="rows")
    try:
        for frame in _iter_frames(data, int(chunk_size)):
            missing = [c for c in keep if c not in frame.columns]
            if missing:
                raise KeyError(f"keep: columns {missing} are not in the data")
            part = frame[keep].reset_index(drop=True).copy()
            for name, det in detectors.items():
                t0 = time.perf_counter()
                part[name] = det.score(frame)
                spent[name] += time.perf_counter() - t0
            parts.append(part)
            bar.update(len(frame))
    finally:
        bar.close()
    total = time.perf_counter() - start
    scores = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*keep, *detectors])
    )
    n = len(scores)
    rows = [{"detector": k, "rows": n, "seconds": v} for k, v in spent.items()]
    rows.append({"detector": "total", "rows": n, "seconds": total})
    timing = pd.DataFrame(rows)
    timing["rows_per_s"] = np.where(
        timing["seconds"] > 0, n / timing["seconds"].clip(lower=1e-12), np.nan
    )
    log.info("scored %d rows with %d detectors in %.1f s", n, len(detectors), total)
    return scores, timing
