"""Chunk-local inputs of the transaction generator, cut from the whole-bank arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from riskinsights_lib.generate.balances import Habits
from riskinsights_lib.generate.customers import CustomerProfile
from riskinsights_lib.generate.simulate import MainPath
from riskinsights_lib.generate.timeline import Timeline
from riskinsights_lib.generate.transactions import TxInputs

__all__ = ["transaction_inputs"]


def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[D]").astype(np.int64)


def transaction_inputs(
    lo: int,
    hi: int,
    acc: pd.DataFrame,
    bal: pd.DataFrame,
    path: MainPath,
    profile: CustomerProfile,
    habits: Habits,
    activity: np.ndarray,
    tl: Timeline,
    end_day: int,
    churn_close_day: np.ndarray,
    t_idx: np.ndarray,
) -> TxInputs:
    """Inputs of the transaction generator for customers ``lo:hi``.

    ``acc`` and ``bal`` are the chunk's accounts and balance rows; salary credits
    run while a salaried customer is in work and the salary has not moved;
    repayments are the instalments paid in the balances.
    """
    sl = slice(lo, hi)
    nc = hi - lo
    om = profile.onboard_month[sl]
    churn, churn_month = path.churn[sl], path.churn_month[sl]
    live = (t_idx >= om[:, None]) & ((churn != 1) | (churn_month[:, None] == t_idx))
    salaried = np.isin(profile.employment[sl], (0, 1, 3))
    salary_on = live & salaried[:, None] & ~path.jobless[sl] & ~path.moved[sl]
    start_day = _days(np.array([tl.start_date], "datetime64[D]"))[0]
    win_lo = np.maximum(_days(profile.onboard_day[sl]), start_day)
    ccd = churn_close_day[sl]
    win_hi = np.where(np.isnat(ccd), end_day, ccd.astype("datetime64[D]").astype(np.int64))
    cust_local = acc["customer"].to_numpy() - lo
    prod = acc["product"].to_numpy()

    def first_of(product: int) -> np.ndarray:
        idx = np.full(nc, -1, np.int64)
        rows = np.flatnonzero(prod == product)[::-1]  # the first account wins
        idx[cust_local[rows]] = rows
        return idx

    card = first_of(2)
    card_lo = np.full(nc, np.iinfo(np.int64).max)
    card_hi = np.full(nc, end_day)
    has = card >= 0
    card_lo[has] = _days(acc["open_day"].to_numpy()[card[has]])
    close = acc["close_day"].to_numpy("datetime64[D]")[card[has]]
    card_hi[has] = np.where(np.isnat(close), end_day, close.astype(np.int64))
    rep = bal[(bal["instalment_paid"] > 0)]
    return TxInputs(
        counts=activity[sl],
        salary_on=salary_on,
        salary=profile.annual_income[sl] * 0.72 / 12.0,
        irregular=profile.employment[sl] == 1,
        payday=profile.payday[sl],
        habits=habits.take(sl),
        win_lo=win_lo,
        win_hi=win_hi,
        bills_on=live,
        cur=first_of(0),
        sav=first_of(1),
        card=card,
        card_lo=card_lo,
        card_hi=card_hi,
        repay_cust=rep["customer"].to_numpy() - lo,
        repay_month=rep["month"].to_numpy(),
        repay_amount=rep["instalment_paid"].to_numpy(),
        account_ids=pa.array(acc["account_id"].to_numpy()),
    )
