"""Detector features: the mart's columns plus derived ones, never from the future.

``mart_transaction_features`` (built by 02) measures each transaction against
the customer's earlier transactions. :func:`derived_features_sql` adds, from
the mart's own columns and with windows that end one row before the current
one (ordered by ``(ts, transaction_id)``; RANGE windows exclude rows with the
same timestamp), so that every value is known at the time of the transaction:

* channel indicators ``channel_<name>``;
* ``night_initiated``: a customer-initiated transaction (ATM, card, transfer)
  at night. The mart's ``is_night`` also flags the batch postings of salary
  credits and direct debits in the early hours, which say nothing about fraud;
* ``prior_share_night_initiated``: the share of the customer's earlier
  customer-initiated transactions made at night;
* ``log_amount_to_median`` and ``log_amount_to_channel_median``: the amount
  against the customer's median (the mart's ratio) and against the median of the
  customer's last 50 transactions in the same channel, on a log scale;
* ``n_prev_1h_same_channel``: the customer's transactions in the same channel
  in the previous hour (a burst of online payments);
* ``log_seconds_since_prev``: the gap to the previous transaction, log scale;
* ``prior_share_same_channel``, ``prior_share_foreign``: how much of the
  customer's history is in this channel / abroad;
* ``rarity_country`` and ``rarity_hour_in_channel``: bank-wide, how rare the
  merchant country is among all earlier transactions, and this hour of day
  among the channel's earlier transactions (``-log`` of a smoothed share).

* ``log_amount_to_category_habit`` (per-channel amount habit): a card payment
  against the customer's own card payments, after allowing for the kind of shop.
  Each card payment's log amount is first taken relative to the bank-wide median
  of its merchant category over the previous ``category_window`` card payments in
  that category (a TV costs more than a coffee everywhere); the feature is that
  relative amount minus its median over the customer's previous ``habit_window``
  card payments. NULL for other channels.

Minimum history. A habit measured on too little history is no habit: one earlier
payment at night does not make "100% of the customer's payments at night". Every
customer-history feature (the shares of earlier transactions, the amount ratios,
first use of a country or category) is NULL (or 0 for the first-use flags)
until the customer has ``min_history`` earlier transactions of the kind it
compares with (earlier initiated transactions for the night share, earlier
transactions in the channel for the channel habit, earlier card payments for the
category habit). The other features (velocity, channel, hour and country rarity)
still score those transactions.

Values the past cannot give (a customer's first transaction) are NULL; the
detectors fill them with the fit sample's medians, so they add nothing to a score
and never become a reason.
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
    "CHANNEL_HABIT_WINDOW",
    "CARD_CHANNELS",
    "MIN_HISTORY",
    "CONTEXT_COLUMNS",
    "DETECTOR_FEATURES",
    "INITIATED_CHANNELS",
    "RULE_COLUMN",
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

#: Mart columns kept next to the detector features: ids for the queue, and the
#: context the reasons quote (country, category, the customer's median amount)
#: plus the rule's column.
CONTEXT_COLUMNS = (
    "transaction_id",
    "customer_id",
    "ts",
    "channel",
    "merchant_country",
    "mcc",
    "amount",
    "prior_median_amount",
    "amount_to_median",
    "amount_robust_z",
)

#: Channels a customer initiates (docs/data_contract.md); the others are scheduled postings.
INITIATED_CHANNELS = ("atm", "card_present", "card_online", "transfer")

#: The simple rule's column: the amount's robust z-score against the customer's history.
RULE_COLUMN = "amount_robust_z"

#: The Isolation Forest's inputs: customer-relative amount, time, velocity and
#: novelty features plus the channels where fraud happens. Chosen on a CI-scale
#: bank (seed 42) from the mart's and the derived columns; raw amounts, counts of
#: history and calendar fields were left out because they flag big spenders,
#: new customers and weekdays rather than unusual behaviour.
DETECTOR_FEATURES = (
    "log_amount_to_median",
    "log_amount_to_channel_median",
    "night_initiated",
    "prior_share_night_initiated",
    "n_prev_1h",
    "n_prev_1h_same_channel",
    "log_seconds_since_prev",
    "is_new_country",
    "is_foreign",
    "prior_share_foreign",
    "log_amount_to_category_habit",
    "rarity_country",
    "rarity_hour_in_channel",
    "channel_atm",
    "channel_card_online",
)

#: Night = these local hours (start inclusive, end exclusive): 00:00 to 05:59, as in the mart.
NIGHT_HOURS = (0, 6)

#: Transactions of the customer's same-channel history behind the channel median.
CHANNEL_HABIT_WINDOW = 50

#: Card channels: the category habit compares a card payment with these only.
CARD_CHANNELS = ("card_present", "card_online")

#: Earlier transactions (of the kind compared with) a habit needs before it counts.
MIN_HISTORY = 10

#: Earlier card payments of a merchant category behind its bank-wide typical amount.
CATEGORY_WINDOW = 2000


def derived_features_sql(
    table: str,
    *,
    channels: Sequence[str] = CHANNELS,
    initiated: Sequence[str] = INITIATED_CHANNELS,
    night_hours: tuple[int, int] = NIGHT_HOURS,
    habit_window: int = CHANNEL_HABIT_WINDOW,
    min_history: int = MIN_HISTORY,
    card_channels: Sequence[str] = CARD_CHANNELS,
    category_window: int = CATEGORY_WINDOW,
) -> str:
    """SQL selecting every column of ``table`` plus the derived features (see module doc).

    ``table`` needs ``transaction_id, customer_id, ts, channel, merchant_country, mcc,
    amount, amount_to_median, seconds_since_prev, is_foreign, is_new_country, is_new_mcc,
    n_prior``. ``min_history`` (at least 1) gates the customer-history features.
    """
    t = _ident(table, "table")
    start, end = (int(h) for h in night_hours)
    if not 0 <= start < end <= 24:
        raise ValueError(f"night_hours: expected 0 <= start < end <= 24, got {night_hours}")
    if int(habit_window) < 1:
        raise ValueError(f"habit_window: expected at least 1 transaction, got {habit_window}")
    if int(min_history) < 1:
        raise ValueError(f"min_history: expected at least 1 earlier transaction, got {min_history}")
    if int(category_window) < 1:
        raise ValueError(f"category_window: expected at least 1 transaction, got {category_window}")
    h = int(min_history)
    onehot = ",\n  ".join(
        f"cast(channel = '{_ident(c, 'channels')}' as double) as channel_{c}" for c in channels
    )
    init = "(" + ", ".join(f"'{_ident(c, 'initiated')}'" for c in initiated) + ")"
    cards = "(" + ", ".join(f"'{_ident(c, 'card_channels')}'" for c in card_channels) + ")"
    night = f"(hour(ts) >= {start} and hour(ts) < {end})"
    return f"""
with categorised as (
  select
    t.*,
    channel in {cards} as _is_card,
    case when channel in {cards} then
      ln(greatest(amount, 0.01))
      - median(ln(greatest(amount, 0.01))) over (
          partition by mcc, channel in {cards} order by ts, transaction_id
          rows between {int(category_window)} preceding and 1 preceding)
    end as _category_rel
  from {t} as t
)
select
  t.* exclude (_is_card, _category_rel) replace (
    case when n_prior >= {h} then is_new_country else 0 end as is_new_country,
    case when n_prior >= {h} then is_new_mcc else 0 end as is_new_mcc
  ),
  {onehot},
  cast({night} and channel in {init} as double) as night_initiated,
  case when count(case when channel in {init} then 1 end) over cust_past >= {h} then
    avg(case when channel in {init} then cast({night} as double) end) over cust_past
  end as prior_share_night_initiated,
  case when amount_to_median is not null and n_prior >= {h}
    then ln(greatest(amount_to_median, 1e-3)) end as log_amount_to_median,
  case when count(*) over chan_past >= {h} then
    ln(greatest(amount, 0.01) / nullif(median(amount) over chan_habit, 0))
  end as log_amount_to_channel_median,
  case when _is_card and count(_category_rel) over card_past >= {h} then
    _category_rel - median(_category_rel) over card_habit
  end as log_amount_to_category_habit,
  count(*) over (partition by customer_id, channel order by ts
                 range between interval 1 hour preceding and current row exclude group)
    as n_prev_1h_same_channel,
  ln(1 + seconds_since_prev) as log_seconds_since_prev,
  case when count(*) over cust_past >= {h} then
    count(*) over chan_past / count(*) over cust_past
  end as prior_share_same_channel,
  case when count(*) over cust_past >= {h} then
    avg(cast(is_foreign as double)) over cust_past
  end as prior_share_foreign,
  -ln((count(*) over (partition by merchant_country order by ts, transaction_id
                      rows between unbounded preceding and 1 preceding) + 1)
      / row_number() over (order by ts, transaction_id)) as rarity_country,
  -ln((count(*) over (partition by channel, hour(ts) order by ts, transaction_id
                      rows between unbounded preceding and 1 preceding) + 1)
      / (count(*) over chan_all_past + 1)) as rarity_hour_in_channel
from categorised as t
window
  cust_past as (partition by customer_id order by ts, transaction_id
                rows between unbounded preceding and 1 preceding),
  chan_past as (partition by customer_id, channel order by ts, transaction_id
                rows between unbounded preceding and 1 preceding),
  chan_habit as (partition by customer_id, channel order by ts, transaction_id
                 rows between {int(habit_window)} preceding and 1 preceding),
  card_past as (partition by customer_id, _is_card order by ts, transaction_id
                rows between unbounded preceding and 1 preceding),
  card_habit as (partition by customer_id, _is_card order by ts, transaction_id
                 rows between {int(habit_window)} preceding and 1 preceding),
  chan_all_past as (partition by channel order by ts, transaction_id
                    rows between unbounded preceding and 1 preceding)
""".strip()


def model_features(
    columns: Iterable[str], *, exclude: Iterable[str] = KEY_COLUMNS, drop: Iterable[str] = ()
) -> list[str]:
    """Every candidate input: ``columns`` without keys/descriptors (``exclude``) and ``drop``."""
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
