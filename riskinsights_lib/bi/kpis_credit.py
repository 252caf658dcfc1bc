"""Credit-risk KPIs: delinquency buckets, roll rates, vintage curves and default rates.

Delinquency is measured on open credit accounts (cards, loans, mortgages) at
month ends, in the buckets ``current, 1-29, 30-59, 60-89, 90+`` days past due.
A default is the first month end at ``default_dpd`` (90) or more days past due,
the definition the scorecard's label uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import pandas as pd

from riskinsights_lib.bi._sql import DPD_BUCKETS, query

__all__ = [
    "DPD_BUCKETS",
    "delinquency_buckets",
    "roll_rates",
    "roll_rate_matrix",
    "vintage_curves",
    "default_rates",
]

_DEFAULT_GROUPS = ("segment", "product_type")


def _check_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return value


def delinquency_buckets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Open credit accounts per delinquency bucket at each month end.

    Returns
    -------
    DataFrame with ``month_end, dpd_bucket, n_accounts, balance, share_accounts``;
    ``share_accounts`` sums to 1 within a month end. Buckets with no account in
    a month are absent (treat as zero).
    """
    return query(con, "credit_delinquency")


def roll_rates(
    con: duckdb.DuckDBPyConnection, *, first_month_end: dt.date | str | None = None
) -> pd.DataFrame:
    """Month-to-month transitions between delinquency buckets, pooled over month pairs.

    Parameters
    ----------
    con : connection to the datamart.
    first_month_end : only transitions starting at this month end or later
        (default: the whole history).

    Returns
    -------
    Long DataFrame ``from_bucket, to_bucket, n_accounts, rate``; ``to_bucket`` is
    a bucket or ``closed`` (no open row the month after); rates of one
    ``from_bucket`` sum to 1.
    """
    start = pd.Timestamp(first_month_end or "1900-01-01").date()
    return query(con, "credit_roll_rates", {"first_month_end": start})


def roll_rate_matrix(rates: pd.DataFrame, *, value: str = "rate") -> pd.DataFrame:
    """Pivot :func:`roll_rates` output into a from x to matrix in bucket order.

    Parameters
    ----------
    rates : output of :func:`roll_rates`.
    value : ``"rate"`` (row shares) or ``"n_accounts"`` (counts).
    """
    if value not in ("rate", "n_accounts"):
        raise ValueError(f"value: expected 'rate' or 'n_accounts', got {value!r}")
    missing = {"from_bucket", "to_bucket", value} - set(rates.columns)
    if missing:
        raise ValueError(f"rates: missing columns {sorted(missing)}")
    matrix = rates.pivot_table(
        index="from_bucket", columns="to_bucket", values=value, aggfunc="sum", fill_value=0
    )
    rows = [b for b in DPD_BUCKETS if b in matrix.index]
    cols = [b for b in [*DPD_BUCKETS, "closed"] if b in matrix.columns]
    return matrix.reindex(index=rows, columns=cols, fill_value=0).rename_axis(
        index="from_bucket", columns="to_bucket"
    )


def vintage_curves(con: duckdb.DuckDBPyConnection, *, default_dpd: int = 90) -> pd.DataFrame:
    """Cumulative default rate by months on book, one curve per origination quarter.

    Only credit accounts opened inside the observed history are used (older
    accounts' early months are unseen), and each curve stops at the months on
    book that every account of its vintage has reached, so the curves are
    non-decreasing and never mix complete and incomplete exposure.

    Returns
    -------
    DataFrame with ``vintage, months_on_book, n_accounts, n_defaulted, cum_default_rate``.
    """
    _check_positive_int(default_dpd, "default_dpd")
    return query(con, "credit_vintages", {"default_dpd": default_dpd})


def default_rates(
    con: duckdb.DuckDBPyConnection,
    *,
    by: Sequence[str] = _DEFAULT_GROUPS,
    horizon_months: int = 12,
    default_dpd: int = 90,
) -> pd.DataFrame:
    """Observed default rate of performing credit accounts per month-end cohort.

    A cohort is every open credit account under ``default_dpd`` days past due
    at a month end that has ``horizon_months`` of outcome after it; an account
    defaults when it reaches ``default_dpd`` or more within that window.

    Parameters
    ----------
    con : connection to the datamart.
    by : grouping columns, any of ``segment`` (in force at the cohort date) and
        ``product_type``; empty for the whole portfolio.
    horizon_months : outcome window in months.
    default_dpd : days past due that define a default.

    Returns
    -------
    DataFrame with ``cohort_month_end, *by, n_accounts, n_defaults, default_rate``.
    """
    by = list(by)
    unknown = set(by) - set(_DEFAULT_GROUPS)
    if unknown or len(set(by)) != len(by):
        raise ValueError(f"by: expected distinct names among {list(_DEFAULT_GROUPS)}, got {by}")
    _check_positive_int(horizon_months, "horizon_months")
    _check_positive_int(default_dpd, "default_dpd")
    cols = ", ".join(f"c.{c}" for c in by) if by else "'all' AS portfolio"
    out = query(
        con,
        "credit_default_rates",
        {"horizon": horizon_months, "default_dpd": default_dpd},
        identifiers={"group_cols": cols},
    )
    return out.drop(columns="portfolio", errors="ignore")
