"""Detector features: the mart's columns plus a few derived ones, never from the future.

``mart_transaction_features`` (built by 02) already measures each transaction
against the customer's earlier transactions. This module adds what a detector
needs on top, from the mart's own columns:

* channel indicators (``channel_atm``, ``channel_card_online``, ...): the
  channel as numbers, row by row;
* ``prior_share_same_channel``: the share of the customer's earlier
  transactions made in this channel (low = a channel the customer rarely uses);
* ``prior_share_night``: the share of the customer's earlier transactions made
  at night (low = night activity is new for this customer).

The two shares use SQL windows over the customer's rows ordered by
``(ts, transaction_id)`` that end one row before the current one, so they only
see the past; they are NULL for a customer's first transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from riskinsights_lib.anomaly.data import _ident

__all__ = [
    "CHANNELS",
    "KEY_COLUMNS",
    "NIGHT_HOURS",
    "derived_features_sql",
    "feature_summary",
    "model_features",
]

#: Channels of the raw data contract (docs/data_contract.md).
CHANNELS = ("card_present", "card_online", "atm", "transfer", "direct_debit", "salary_credit")

#: Columns that identify or describe a transaction but are not detector inputs.
KEY_COLUMNS = (
    "transaction_id",
    "customer_id",
    "account_id",
    "ts",
    "channel",
    "merchant_country",
    "mcc",
    "run_id",
    "direction",
)

#: Night = these local hours (start inclusive, end exclusive): 00:00 to 05:59.
NIGHT_HOURS = (0, 6)


def derived_features_sql(
    table: str,
    *,
    channels: Sequence[str] = CHANNELS,
    night_hours: tuple[int, int] = NIGHT_HOURS,
    customer_col: str = "customer_id",
    ts_col: str = "ts",
    id_col: str = "transaction_id",
    channel_col: str = "channel",
) -> str:
    """SQL selecting every column of ``table`` plus the derived features (see module doc)."""
    t, cust, ts, tid, ch = (
        _ident(v, a)
        for v, a in (
            (table, "table"),
            (customer_col, "customer_col"),
            (ts_col, "ts_col"),
            (id_col, "id_col"),
            (channel_col, "channel_col"),
        )
    )
    start, end = (int(h) for h in night_hours)
    if not 0 <= start < end <= 24:
        raise ValueError(f"night_hours: expected 0 <= start < end <= 24, got {night_hours}")
    onehot = ",\n  ".join(
        f"cast({ch} = '{_ident(c, 'channels')}' as double) as channel_{c}" for c in channels
    )
    past = f"order by {ts}, {tid} rows between unbounded preceding and 1 preceding"
    night = f"cast(hour({ts}) >= {start} and hour({ts}) < {end} as double)"
    return f"""
select
  t.*,
  {onehot},
  count(*) over (partition by {cust}, {ch} {past})
    / nullif(count(*) over (partition by {cust} {past}), 0) as prior_share_same_channel,
  avg({night}) over (partition by {cust} {past}) as prior_share_night
from {t} as t
""".strip()


def model_features(
    columns: Iterable[str], *, exclude: Iterable[str] = KEY_COLUMNS, drop: Iterable[str] = ()
) -> list[str]:
    """Detector inputs: ``columns`` without keys/descriptors (``exclude``) and without ``drop``."""
    skip = set(exclude) | set(drop)
    return [c for c in columns if c not in skip]


def feature_summary(X: pd.DataFrame, features: Sequence[str]) -> pd.DataFrame:
    """Per feature: median, 1st and 99th percentile, share missing and share non-zero."""
    rows = []
    for col in features:
        v = pd.to_numeric(X[col], errors="coerce").astype(float)
        present = v.dropna()
        q = np.quantile(present, [0.01, 0.5, 0.99]) if len(present) else [np.nan] * 3
        rows.append(
            {
                "feature": col,
                "median": q[1],
                "p01": q[0],
                "p99": q[2],
                "share_missing": float(v.isna().mean()),
                "share_nonzero": float((present != 0).mean()) if len(present) else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("feature")
