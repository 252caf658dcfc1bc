"""Reasons in words for the columns of ``mart_transaction_features``.

Each phrase maker takes ``(value, reference, row)`` (``reference`` is the fit
sample's median; ``row`` holds the transaction's other columns, so a phrase
can name the country or the time) and returns what an analyst can act on,
e.g. "6.2x the customer's median amount (EUR 41)", "first transaction ever in
BR", "02:14 at night". Columns without a phrase fall back to
``name = value (typical reference)``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

__all__ = ["MART_PHRASES", "MART_REASON_GROUPS", "duration_words"]


def _get(row: pd.Series, col: str, default: object = None) -> object:
    value = row.get(col, default)
    return default if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def duration_words(seconds: float) -> str:
    """``75`` -> ``"1 min"``, ``5400`` -> ``"1.5 h"``, ``200000`` -> ``"2.3 days"``."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _clock(row: pd.Series) -> str | None:
    ts = _get(row, "ts")
    return pd.Timestamp(ts).strftime("%H:%M") if ts is not None else None


def _ratio(v: float, ref: float, row: pd.Series) -> str:
    med = _get(row, "prior_median_amount")
    tail = f" (EUR {med:,.0f})" if med is not None else ""
    if pd.isna(v):
        return "no amount history for this customer yet"
    return f"{v:.1f}x the customer's median amount{tail}"


def _robust_z(v: float, ref: float, row: pd.Series) -> str:
    if pd.isna(v):
        return "no amount history for this customer yet"
    side = "above" if v >= 0 else "below"
    return f"amount {abs(v):.1f} robust SDs {side} the customer's usual"


def _amount(v: float, ref: float, row: pd.Series) -> str:
    amount = _get(row, "amount", v)
    return f"amount EUR {amount:,.2f} (typical transaction EUR {ref:,.0f})"


def _log_amount(v: float, ref: float, row: pd.Series) -> str:
    import math

    amount = _get(row, "amount", math.expm1(v))
    return f"amount EUR {amount:,.2f} (typical transaction EUR {math.expm1(ref):,.0f})"


def _new_country(v: float, ref: float, row: pd.Series) -> str:
    country = _get(row, "merchant_country", "this country")
    return (
        f"first transaction ever in {country}"
        if v >= 0.5
        else f"a country the customer has used before ({country})"
    )


def _new_mcc(v: float, ref: float, row: pd.Series) -> str:
    mcc = _get(row, "mcc", "this category")
    return (
        f"first transaction ever in merchant category {mcc}"
        if v >= 0.5
        else f"a usual merchant category ({mcc})"
    )


def _foreign(v: float, ref: float, row: pd.Series) -> str:
    country = _get(row, "merchant_country", "abroad")
    return f"abroad ({country})" if v >= 0.5 else "at home"


def _night(v: float, ref: float, row: pd.Series) -> str:
    clock = _clock(row)
    if v >= 0.5:
        return f"{clock} at night" if clock else "at night"
    return f"at {clock}" if clock else "in the daytime"


def _hour(v: float, ref: float, row: pd.Series) -> str:
    clock = _clock(row) or f"{int(v):02d}:00"
    return f"{clock} at night" if v < 6 else f"at {clock} (unusual hour)"


def _count(window: str) -> Callable[[float, float, pd.Series], str]:
    def phrase(v: float, ref: float, row: pd.Series) -> str:
        return f"{int(v)} earlier transaction{'s' if int(v) != 1 else ''} in the previous {window}"

    return phrase


def _sum(window: str) -> Callable[[float, float, pd.Series], str]:
    def phrase(v: float, ref: float, row: pd.Series) -> str:
        return f"EUR {v:,.0f} spent in the previous {window}"

    return phrase


def _since_prev(v: float, ref: float, row: pd.Series) -> str:
    if pd.isna(v):
        return "the customer's first transaction"
    return f"{duration_words(v)} after the previous transaction (typical {duration_words(ref)})"


def _n_prior(v: float, ref: float, row: pd.Series) -> str:
    return (
        f"only {int(v)} earlier transactions on record"
        if v < ref
        else f"{int(v):,} earlier transactions on record"
    )


def _channel(name: str) -> Callable[[float, float, pd.Series], str]:
    label = name.replace("_", " ")

    def phrase(v: float, ref: float, row: pd.Series) -> str:
        return f"via {label}" if v >= 0.5 else f"not via {label}"

    return phrase


def _share_channel(v: float, ref: float, row: pd.Series) -> str:
    channel = str(_get(row, "channel", "this channel")).replace("_", " ")
    if pd.isna(v):
        return "no channel history for this customer yet"
    return (
        f"{channel} is only {v:.0%} of the customer's earlier transactions"
        if v < ref
        else f"{channel} is {v:.0%} of the customer's earlier transactions"
    )


def _share_night(v: float, ref: float, row: pd.Series) -> str:
    if pd.isna(v):
        return "no history of night activity yet"
    return f"{v:.0%} of the customer's earlier transactions were at night"


def _weekday(v: float, ref: float, row: pd.Series) -> str:
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    return f"on a {days[int(v) - 1]}" if 1 <= v <= 7 else f"weekday {v:.0f}"


def _debit(v: float, ref: float, row: pd.Series) -> str:
    return "money out (debit)" if v >= 0.5 else "money in (credit)"


def _log_ratio(v: float, ref: float, row: pd.Series) -> str:
    import math

    if pd.isna(v):
        return "no amount history for this customer yet"
    return _ratio(math.exp(v), ref, row)


def _log_channel_ratio(v: float, ref: float, row: pd.Series) -> str:
    import math

    channel = str(_get(row, "channel", "same-channel")).replace("_", " ")
    if pd.isna(v):
        return f"no {channel} history for this customer yet"
    return f"{math.exp(v):.1f}x the customer's usual {channel} amount"


def _log_category_habit(v: float, ref: float, row: pd.Series) -> str:
    import math

    if pd.isna(v):
        return "too few earlier card payments to know the customer's habit"
    return f"{math.exp(v):.1f}x what the customer usually pays by card in this kind of shop"


def _night_initiated(v: float, ref: float, row: pd.Series) -> str:
    channel = str(_get(row, "channel", "")).replace("_", " ")
    clock = _clock(row)
    if v >= 0.5:
        return f"{channel} at {clock}, at night".replace(" at None", "").strip()
    return f"{channel} in the daytime".strip()


def _share_night_initiated(v: float, ref: float, row: pd.Series) -> str:
    if pd.isna(v):
        return "no earlier payments or withdrawals to compare the hour with"
    return f"{v:.0%} of the customer's earlier payments and withdrawals were at night"


def _count_same_channel(v: float, ref: float, row: pd.Series) -> str:
    channel = str(_get(row, "channel", "same-channel")).replace("_", " ")
    return (
        f"{int(v)} earlier {channel} transaction{'s' if int(v) != 1 else ''} in the previous hour"
    )


def _log_since_prev(v: float, ref: float, row: pd.Series) -> str:
    import math

    if pd.isna(v):
        return "the customer's first transaction"
    return f"{duration_words(math.expm1(v))} after the previous transaction (typical {duration_words(math.expm1(ref))})"


def _share_foreign(v: float, ref: float, row: pd.Series) -> str:
    if pd.isna(v):
        return "no history abroad to compare with"
    return f"{v:.0%} of the customer's earlier transactions were abroad"


def _rarity_country(v: float, ref: float, row: pd.Series) -> str:
    import math

    country = _get(row, "merchant_country", "this country")
    return f"{country} is rare for the bank ({math.exp(-v):.2%} of earlier transactions)"


def _rarity_hour(v: float, ref: float, row: pd.Series) -> str:
    import math

    channel = str(_get(row, "channel", "this channel")).replace("_", " ")
    clock = _clock(row)
    when = f"around {clock[:2]}:00" if clock else "at this hour"
    return f"{channel} {when} is rare ({math.exp(-v):.1%} of the channel's earlier transactions)"


#: Phrase makers keyed by column of ``mart_transaction_features`` and of
#: :func:`~riskinsights_lib.anomaly.features.derived_features_sql`.
MART_PHRASES: dict[str, Callable[[float, float, pd.Series], str]] = {
    "amount": _amount,
    "log_amount": _log_amount,
    "amount_to_median": _ratio,
    "amount_robust_z": _robust_z,
    "is_new_country": _new_country,
    "is_new_mcc": _new_mcc,
    "is_foreign": _foreign,
    "is_night": _night,
    "hour": _hour,
    "weekday": _weekday,
    "n_prev_1h": _count("hour"),
    "n_prev_24h": _count("24 hours"),
    "sum_prev_1h": _sum("hour"),
    "sum_prev_24h": _sum("24 hours"),
    "seconds_since_prev": _since_prev,
    "n_prior": _n_prior,
    "is_debit": _debit,
    "prior_share_same_channel": _share_channel,
    "log_amount_to_median": _log_ratio,
    "log_amount_to_channel_median": _log_channel_ratio,
    "log_amount_to_category_habit": _log_category_habit,
    "night_initiated": _night_initiated,
    "prior_share_night_initiated": _share_night_initiated,
    "n_prev_1h_same_channel": _count_same_channel,
    "log_seconds_since_prev": _log_since_prev,
    "prior_share_foreign": _share_foreign,
    "rarity_country": _rarity_country,
    "rarity_hour_in_channel": _rarity_hour,
    "prior_share_night": _share_night,
    **{
        f"channel_{c}": _channel(c)
        for c in ("card_present", "card_online", "atm", "transfer", "direct_debit", "salary_credit")
    },
}


#: Features that tell the same story; an explanation names only the strongest of each.
MART_REASON_GROUPS: dict[str, str] = {
    "n_prev_1h": "velocity",
    "n_prev_1h_same_channel": "velocity",
    "n_prev_24h": "velocity",
    "sum_prev_1h": "velocity",
    "sum_prev_24h": "velocity",
    "log_seconds_since_prev": "velocity",
    "seconds_since_prev": "velocity",
    "amount": "amount",
    "log_amount": "amount",
    "amount_to_median": "amount",
    "amount_robust_z": "amount",
    "log_amount_to_median": "amount",
    "log_amount_to_channel_median": "amount",
    "log_amount_to_category_habit": "amount",
    "is_new_country": "country",
    "rarity_country": "country",
    "is_foreign": "country",
    "night_initiated": "hour",
    "is_night": "hour",
    "hour": "hour",
    "rarity_hour_in_channel": "hour",
}
