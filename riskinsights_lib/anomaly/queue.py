"""The analysts' review queue: alerts de-duplicated to one entry per customer and day.

Analysts review customers, not rows: three flagged card-not-present payments
by one customer within an hour are one case. :func:`review_queue` takes the
top ``k`` transactions (or a given flag) and groups them by customer and
calendar day, keeping the transactions, the highest score and its reasons.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from riskinsights_lib.anomaly.evaluate import top_k_mask

__all__ = ["review_queue"]


def review_queue(
    scored: pd.DataFrame,
    *,
    k: int | None = None,
    flagged: np.ndarray | pd.Series | None = None,
    score_col: str = "score",
    customer_col: str = "customer_id",
    ts_col: str = "ts",
    id_col: str = "transaction_id",
    reasons_col: str | None = "reasons",
    carry: Sequence[str] = (),
) -> pd.DataFrame:
    """One queue entry per customer and day, ranked by the day's highest score.

    Parameters
    ----------
    scored : one row per transaction with at least the id, customer, timestamp and score.
    k : flag the ``k`` highest scores (the review capacity) ...
    flagged : ... or pass a boolean flag per row instead.
    reasons_col : column holding each transaction's reasons (kept for the top one); None to skip.
    carry : further columns to list per entry (values joined in score order, e.g. ``channel``).

    Returns
    -------
    DataFrame with ``queue_rank``, customer, ``day``, ``n_transactions``,
    ``max_score``, ``transaction_ids`` (highest score first), ``first_ts``,
    ``last_ts``, the reasons of the top transaction and the ``carry`` columns.
    """
    needed = [score_col, customer_col, ts_col, id_col, *carry] + (
        [reasons_col] if reasons_col else []
    )
    missing = [c for c in needed if c not in scored.columns]
    if missing:
        raise KeyError(f"scored: missing columns {missing}")
    if (k is None) == (flagged is None):
        raise ValueError("k, flagged: pass exactly one of them")
    if flagged is None:
        mask = top_k_mask(scored[score_col].to_numpy(), int(k))
    else:
        mask = np.asarray(flagged, dtype=bool)
        if len(mask) != len(scored):
            raise ValueError(f"flagged: expected {len(scored)} flags, got {len(mask)}")
    alerts = scored.loc[mask].copy()
    alerts["day"] = pd.to_datetime(alerts[ts_col]).dt.normalize()
    alerts = alerts.sort_values([score_col, id_col], ascending=[False, True], kind="stable")
    groups = alerts.groupby([customer_col, "day"], sort=False)
    out = groups.agg(
        n_transactions=(id_col, "size"),
        max_score=(score_col, "max"),
        transaction_ids=(id_col, lambda s: ", ".join(map(str, s))),
        first_ts=(ts_col, "min"),
        last_ts=(ts_col, "max"),
    )
    if reasons_col:
        out["top_reasons"] = groups[reasons_col].first()
    for col in carry:
        out[col] = groups[col].agg(lambda s: ", ".join(map(str, s)))
    out = out.reset_index().sort_values(
        ["max_score", customer_col], ascending=[False, True], kind="stable"
    )
    out.insert(0, "queue_rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)
