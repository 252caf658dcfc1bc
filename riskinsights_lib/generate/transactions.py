"""Transactions of one chunk of customers, vectorised, with planted anomalies.

The simulation fixes how many customer-initiated transactions each customer
makes each month (so dormancy in the data is exactly the simulated state);
this module turns those counts into timestamped card, ATM and transfer
payments following each customer's habits, and adds salary credits and direct
debits (bills, loan and card repayments).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from riskinsights_lib.generate.anomalies import ANOMALY_TYPES, plant_anomalies
from riskinsights_lib.generate.balances import Habits
from riskinsights_lib.generate.reference import (
    ATM_MCC,
    BILL_MCCS,
    COUNTRY_TABLE,
    LOAN_DD_MCC,
    MERCHANT_MCCS,
    MERCHANT_MEDIANS,
    MERCHANT_SHARES,
)
from riskinsights_lib.generate.timeline import Timeline
from riskinsights_lib.generate.txcolumns import TxColumns

__all__ = [
    "CHANNELS",
    "TxInputs",
    "TxColumns",
    "transactions_chunk",
    "number_transactions",
    "transaction_ids",
]

CHANNELS = np.array(
    ["card_present", "card_online", "atm", "transfer", "direct_debit", "salary_credit"]
)
_FAV_P = np.cumsum([0.35, 0.25, 0.18, 0.12, 0.10])
_NO_DAY = np.iinfo(np.int64).max


@dataclass
class TxInputs:
    """Everything one chunk needs (customer arrays are chunk-local, index 0..nc-1)."""

    counts: np.ndarray  # (nc, T) customer-initiated transactions per month
    salary_on: np.ndarray  # (nc, T) salary or pension credited this month
    salary: np.ndarray  # (nc,) monthly net salary
    irregular: np.ndarray  # (nc,) self-employed: irregular amounts
    payday: np.ndarray
    habits: Habits
    win_lo: np.ndarray  # (nc,) first day (int days since epoch) the customer can transact
    win_hi: np.ndarray  # (nc,) last day
    bills_on: np.ndarray  # (nc, T) direct debits for bills run this month
    cur: np.ndarray  # (nc,) index into account_ids of the current account, -1 if none
    sav: np.ndarray
    card: np.ndarray
    card_lo: np.ndarray  # card open day (int days), _NO_DAY if none
    card_hi: np.ndarray  # card last day
    repay_cust: np.ndarray  # loan/card repayments: chunk customer, month, amount
    repay_month: np.ndarray
    repay_amount: np.ndarray
    account_ids: pa.Array  # ids of the chunk's accounts


def _month_days(tl: Timeline) -> tuple[np.ndarray, np.ndarray]:
    return tl.month_starts.astype("datetime64[D]").astype(np.int64), tl.days_in_month


def _spending_days(
    mon: np.ndarray, cust: np.ndarray, inp: TxInputs, tl: Timeline, rng: np.random.Generator
) -> np.ndarray:
    """Day (0-based within the month) of each spending transaction: weekends, month ends, after payday."""
    weights = tl.day_weights()
    dim = tl.days_in_month[mon]
    day = (rng.random(len(mon)) * dim).astype(np.int64)
    for _ in range(3):  # rejection sampling on the day weights
        reject = rng.random(len(mon)) * weights.max() > weights[mon, day]
        day = np.where(reject, (rng.random(len(mon)) * dim).astype(np.int64), day)
    after_pay = rng.random(len(mon)) < 0.22
    pay = np.minimum(inp.payday[cust], dim) - 1 + rng.geometric(0.45, len(mon)) - 1
    return np.where(after_pay, np.minimum(pay, dim - 1), day)


def _customer_initiated(inp: TxInputs, tl: Timeline, rng: np.random.Generator) -> TxColumns:
    nc, n_months = inp.counts.shape
    rep = np.repeat(np.arange(nc * n_months), inp.counts.ravel())
    cust, mon = rep // n_months, rep % n_months
    k = len(rep)
    h = inp.habits
    start, _ = _month_days(tl)
    day = start[mon] + _spending_days(mon, cust, inp, tl, rng)
    day = np.clip(day, inp.win_lo[cust], inp.win_hi[cust])
    u = rng.random(k)
    channel = (
        (u >= h.channel_cum[cust, 0]).astype(np.int8)
        + (u >= h.channel_cum[cust, 1])
        + (u >= h.channel_cum[cust, 2])
    )
    hour = np.clip(np.round(rng.normal(h.hour[cust], 3.2)), 6, 23)
    night = rng.random(k) < np.where(channel == 2, 0.012, 0.015)
    hour = np.where(night, rng.integers(0, 6, k), hour)
    secs = (hour * 3600 + rng.integers(0, 3600, k)).astype(np.int64)
    # merchant category: a customer's favourites, sometimes anything
    fav = np.searchsorted(_FAV_P, rng.random(k) * _FAV_P[-1], side="right")
    cat = np.where(
        rng.random(k) < 0.12,
        rng.choice(len(MERCHANT_SHARES), k, p=MERCHANT_SHARES),
        h.categories[cust, np.minimum(fav, 4)],
    )
    december = (tl.month_starts.astype("datetime64[M]").astype(int) % 12 == 11)[mon]
    card_amt = (
        MERCHANT_MEDIANS[cat]
        * h.amount_scale[cust]
        * rng.lognormal(0.0, 0.6, k)
        * np.where(december, 1.12, 1.0)
    )
    atm_amt = 20.0 * np.clip(np.round(rng.lognormal(np.log(4.0), 0.6, k)), 1, 40)
    tr_amt = 120.0 * h.amount_scale[cust] * rng.lognormal(0.0, 0.9, k)
    amount = np.select([channel <= 1, channel == 2], [card_amt, atm_amt], tr_amt)
    mcc = np.select([channel <= 1, channel == 2], [MERCHANT_MCCS[cat], ATM_MCC], -1)
    foreign_p = np.select([channel == 0, channel == 1, channel == 2], [0.05, 0.22, 0.03], 0.0)
    pick = np.searchsorted([0.6, 0.9], rng.random(k), side="right")
    country = np.where(rng.random(k) < foreign_p, h.countries[cust, pick], 0)
    country = np.where(channel == 3, -1, country)
    # accounts: card payments on the credit card or the current account's debit card
    card_open = (inp.card[cust] >= 0) & (day >= inp.card_lo[cust]) & (day <= inp.card_hi[cust])
    has_cur = inp.cur[cust] >= 0
    use_card = card_open & ((rng.random(k) < 0.4) | ~has_cur) & (channel <= 2)
    to_savings = (channel == 3) & (inp.sav[cust] >= 0) & ((rng.random(k) < 0.15) | ~has_cur)
    account = np.select(
        [use_card, to_savings, has_cur],
        [inp.card[cust], inp.sav[cust], inp.cur[cust]],
        inp.sav[cust],
    )
    no_card = (channel <= 2) & ~use_card & ~has_cur  # savings-only customers can only transfer
    channel = np.where(no_card, 3, channel)
    mcc = np.where(no_card, -1, mcc)
    country = np.where(no_card, -1, country)
    amount = np.where(no_card, tr_amt, amount)
    return TxColumns(
        cust=cust,
        day=day,
        secs=secs,
        amount=np.maximum(np.round(amount, 2), 0.5),
        credit=np.zeros(k, bool),
        channel=channel.astype(np.int8),
        mcc=mcc,
        country=country,
        account=account,
    )


def _scheduled(inp: TxInputs, tl: Timeline, rng: np.random.Generator) -> TxColumns:
    """Salary credits and direct debits (not customer-initiated)."""
    start, dim = _month_days(tl)
    deposit = np.where(inp.cur >= 0, inp.cur, inp.sav)
    parts = []
    # salary credits on the pay day (moved to the Friday before a weekend)
    cust, mon = np.nonzero(inp.salary_on)
    day = start[mon] + np.minimum(inp.payday[cust], dim[mon]) - 1
    weekday = (day - 4) % 7
    day = day - np.where(weekday == 5, 1, 0) - np.where(weekday == 6, 2, 0)
    amt = inp.salary[cust] * np.where(
        inp.irregular[cust],
        rng.lognormal(0.0, 0.3, len(cust)),
        1.0 + rng.normal(0, 0.01, len(cust)),
    )
    parts.append((cust, day, amt, np.ones(len(cust), bool), 5, -1, -1))
    # bills: one direct debit per bill per month
    h = inp.habits
    for j in range(h.bills.shape[1]):
        cust, mon = np.nonzero(inp.bills_on & (h.bills[:, j] > 0)[:, None])
        day = start[mon] + np.minimum(h.bill_day[cust] + j * 3, dim[mon]) - 1
        winter = np.isin(tl.month_starts.astype("datetime64[M]").astype(int) % 12, (0, 1, 10, 11))[
            mon
        ]
        amt = h.bills[cust, j] * np.where(
            j == 0,
            np.where(winter, 1.3, 0.9) * rng.lognormal(0, 0.12, len(cust)),
            1.0 + rng.normal(0, 0.02, len(cust)),
        )
        parts.append((cust, day, amt, np.zeros(len(cust), bool), 4, int(BILL_MCCS[j]), 0))
    # loan, mortgage and card repayments
    cust, mon = inp.repay_cust, inp.repay_month
    day = start[mon] + np.minimum(inp.payday[cust] + 2, dim[mon]) - 1
    parts.append((cust, day, inp.repay_amount, np.zeros(len(cust), bool), 4, LOAN_DD_MCC, 0))
    cols = []
    for cust, day, amt, credit, channel, mcc, country in parts:
        n = len(cust)
        keep = (day >= inp.win_lo[cust]) & (day <= inp.win_hi[cust]) & (amt > 0)
        secs = rng.integers(3 * 3600, 7 * 3600, n)
        cols.append(
            TxColumns(
                cust=cust[keep],
                day=day[keep].astype(np.int64),
                secs=secs[keep].astype(np.int64),
                amount=np.round(amt[keep], 2),
                credit=credit[keep],
                channel=np.full(keep.sum(), channel, np.int8),
                mcc=np.full(keep.sum(), mcc),
                country=np.full(keep.sum(), country),
                account=deposit[cust[keep]],
            )
        )
    return TxColumns.concat(cols)


def transaction_ids(first: int, n: int) -> pa.Array:
    """``T`` + 11-digit sequence numbers ``first .. first + n - 1``."""
    digits = pc.utf8_lpad(
        pc.cast(pa.array(np.arange(first, first + n, dtype=np.int64)), pa.string()), 11, "0"
    )
    return pc.binary_join_element_wise("T", digits, "")


def transactions_chunk(
    inp: TxInputs, tl: Timeline, rng: np.random.Generator, *, anomaly_rate: float
) -> tuple[pa.Table, pa.Table, np.ndarray]:
    """One chunk's transactions sorted by time, its anomaly labels and the chunk-customer of each row.

    Returns ``(transactions, anomalies, customer)``. The transactions have no
    ``transaction_id`` yet and ``anomalies`` has ``row, anomaly_type`` (row = 0-based
    position in the chunk): chunks are made in parallel and numbered in order by
    :func:`number_transactions` when written.
    """
    ci = _customer_initiated(inp, tl, rng)
    sched = _scheduled(inp, tl, rng)
    cols, anomaly = plant_anomalies(ci, inp, rng, rate=anomaly_rate, n_total=len(ci) + len(sched))
    cols = TxColumns.concat([cols, sched])
    anomaly = np.concatenate([anomaly, np.full(len(sched), -1, np.int8)])
    ts = cols.day * 86_400 + cols.secs
    order = np.lexsort((cols.cust, ts))
    mcc = cols.mcc[order]
    country = cols.country[order]
    codes = pa.array(COUNTRY_TABLE["country_code"].to_numpy())
    table = pa.table(
        {
            "account_id": inp.account_ids.take(pa.array(cols.account[order])),
            "ts": pa.array(ts[order], pa.timestamp("s")),
            "amount": pa.array(cols.amount[order], pa.float64()),
            "direction": pa.array(["D", "C"]).take(pa.array(cols.credit[order].astype(np.int8))),
            "channel": pa.array(CHANNELS).take(pa.array(cols.channel[order].astype(np.int32))),
            "mcc": pa.array(mcc, pa.int64(), mask=mcc < 0),
            "merchant_country": codes.take(pa.array(np.maximum(country, 0), mask=country < 0)),
        }
    )
    a = anomaly[order]
    hit = np.nonzero(a >= 0)[0]
    anomalies = pa.table({"row": pa.array(hit), "anomaly_type": pa.array(ANOMALY_TYPES[a[hit]])})
    return table, anomalies, cols.cust[order]


def number_transactions(
    table: pa.Table, anomalies: pa.Table, first_id: int
) -> tuple[pa.Table, pa.Table]:
    """Give a chunk's rows the ids ``first_id ..`` (first column) and its anomalies their ids."""
    ids = transaction_ids(first_id, table.num_rows)
    labelled = pa.table(
        {"transaction_id": ids.take(anomalies["row"]), "anomaly_type": anomalies["anomaly_type"]}
    )
    return table.add_column(0, "transaction_id", ids), labelled
