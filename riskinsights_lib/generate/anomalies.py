"""Planted anomalies: fraud-like transactions with a known type.

Four types, about ``rate`` of all transactions in total:

- ``amount_spike``: a card payment 3-40 times the customer's usual amount for
  its merchant category (the category median times the customer's
  ``amount_scale``): about 20% moderate (3-5x), the rest 5-40x, capped at
  ``SPIKE_CAP`` EUR;
- ``cnp_burst``: 3-8 small card-not-present payments within one hour;
- ``new_country``: a card payment in a foreign country the customer never used;
- ``night_atm``: an ATM withdrawal between 01:00 and 04:00.

Spikes, new countries and night withdrawals alter existing customer-initiated
transactions; bursts are added only in months where the customer already
transacts, so planting never changes whether a customer is dormant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtr

from riskinsights_lib.generate.reference import (
    ATM_MCC,
    CNP_BURST_MCCS,
    COUNTRY_TABLE,
    MERCHANT_MCCS,
    MERCHANT_MEDIANS,
)
from riskinsights_lib.generate.txcolumns import TxColumns

if TYPE_CHECKING:
    from riskinsights_lib.generate.transactions import TxInputs

__all__ = ["ANOMALY_TYPES", "SPIKE_CAP", "plant_anomalies", "spike_multiples"]

ANOMALY_TYPES = np.array(["amount_spike", "cnp_burst", "new_country", "night_atm"])
_SHARES = {"amount_spike": 0.3, "cnp_burst": 0.25, "new_country": 0.2, "night_atm": 0.25}
SPIKE_CAP = 10_000.0  # EUR: the largest planted card payment (unless 3x the habit is more)
_MODERATE_SHARE = 0.2  # share of spikes 3-5x the usual amount; the rest are 5-40x


def spike_multiples(z: np.ndarray) -> np.ndarray:
    """Map standard-normal draws to spike multiples of the customer's usual amount.

    The normal quantile ``u`` of each draw is spread log-uniformly: ``u`` below
    ``_MODERATE_SHARE`` gives 3-5x (moderate, hard to tell from a big purchase),
    the rest 5-40x (clearly unusual; median about 11x). Taking normal draws keeps
    the random stream identical to the earlier lognormal multiplier, so nothing
    else in the simulation moves.
    """
    u = ndtr(np.asarray(z, float))
    low = 3.0 * (5.0 / 3.0) ** (u / _MODERATE_SHARE)
    high = 5.0 * 8.0 ** ((u - _MODERATE_SHARE) / (1.0 - _MODERATE_SHARE))
    return np.where(u < _MODERATE_SHARE, low, high)


def _pick(candidates: np.ndarray, n: int, used: np.ndarray) -> np.ndarray:
    free = candidates[~used[candidates]]
    chosen = free[:n]
    used[chosen] = True
    return chosen


def plant_anomalies(
    ci: TxColumns, inp: TxInputs, rng: np.random.Generator, *, rate: float, n_total: int
) -> tuple[TxColumns, np.ndarray]:
    """Alter and add transactions; return the columns and an anomaly code per row (-1 = normal).

    Parameters
    ----------
    ci : the chunk's customer-initiated transactions.
    inp : the chunk inputs (accounts and habits).
    rate : target share of anomalous rows among ``n_total`` (all the chunk's rows).
    """
    if not 0 <= rate < 1:
        raise ValueError(f"anomaly_rate: expected a share in [0, 1), got {rate}")
    k = len(ci)
    code = np.full(k, -1, np.int8)
    target = int(round(rate * n_total))
    if target == 0 or k == 0:
        return ci, code
    ci = ci.take(np.arange(k))  # a copy we may alter
    used = np.zeros(k, bool)
    perm = rng.permutation(k)
    counts = {name: int(round(share * target)) for name, share in _SHARES.items()}

    # amount spike: a multiple of the customer's usual amount for the category
    rows = _pick(perm[ci.channel[perm] <= 1], counts["amount_spike"], used)
    order = np.argsort(MERCHANT_MCCS)
    cat = order[np.searchsorted(MERCHANT_MCCS, ci.mcc[rows], sorter=order)]
    usual = MERCHANT_MEDIANS[cat] * inp.habits.amount_scale[ci.cust[rows]]
    spiked = usual * spike_multiples(rng.standard_normal(len(rows)))
    ci.amount[rows] = np.round(np.minimum(spiked, np.maximum(SPIKE_CAP, 3.0 * usual)), 2)
    code[rows] = 0

    # new country: first-ever foreign country, one per customer
    cand = perm[(ci.channel[perm] <= 1) & (ci.mcc[perm] >= 0)]
    _, first = np.unique(ci.cust[cand], return_index=True)
    cand = cand[np.sort(first)]
    rows = _pick(cand, counts["new_country"], used)
    usual = inp.habits.countries[ci.cust[rows]]
    new = rng.integers(1, len(COUNTRY_TABLE), len(rows))
    for _ in range(8):
        clash = (new[:, None] == usual).any(axis=1)
        new = np.where(clash, rng.integers(1, len(COUNTRY_TABLE), len(rows)), new)
    ok = ~(new[:, None] == usual).any(axis=1)
    used[rows[~ok]] = False
    rows, new = rows[ok], new[ok]
    ci.country[rows] = new
    ci.channel[rows] = 0
    code[rows] = 2

    # night ATM withdrawal from the current account
    cust_cur = inp.cur[ci.cust]
    rows = _pick(perm[(ci.channel[perm] <= 2) & (cust_cur[perm] >= 0)], counts["night_atm"], used)
    ci.channel[rows] = 2
    ci.mcc[rows] = ATM_MCC
    ci.country[rows] = 0
    ci.account[rows] = cust_cur[rows]
    ci.amount[rows] = 20.0 * rng.integers(5, 26, len(rows))
    ci.secs[rows] = rng.integers(1 * 3600, 4 * 3600, len(rows))
    code[rows] = 3

    # card-not-present bursts on a day the customer already transacts
    n_burst_rows = counts["cnp_burst"]
    sizes = []
    while sum(sizes) < n_burst_rows:
        sizes.append(int(rng.integers(3, 9)))
    anchors = _pick(perm[np.isin(ci.channel[perm], (0, 1, 2))], len(sizes), used)
    sizes = np.array(sizes[: len(anchors)], dtype=int)
    if len(anchors):
        src = np.repeat(anchors, sizes)
        m = len(src)
        base = np.repeat(rng.integers(8 * 3600, 22 * 3600, len(anchors)), sizes)
        offsets = np.concatenate([np.sort(rng.integers(0, 3600, size)) for size in sizes])
        cust = ci.cust[src]
        on_card = (
            (inp.card[cust] >= 0)
            & (ci.day[src] >= inp.card_lo[cust])
            & (ci.day[src] <= inp.card_hi[cust])
        )
        burst = TxColumns(
            cust=cust,
            day=ci.day[src],
            secs=(base + offsets).astype(np.int64),
            amount=np.round(rng.uniform(0.99, 29.99, m), 2),
            credit=np.zeros(m, bool),
            channel=np.full(m, 1, np.int8),
            mcc=CNP_BURST_MCCS[rng.integers(0, len(CNP_BURST_MCCS), m)],
            country=np.where(rng.random(m) < 0.6, 0, inp.habits.countries[cust, 0]),
            account=np.where(on_card, inp.card[cust], ci.account[src]),
        )
        ci = TxColumns.concat([ci, burst])
        code = np.concatenate([code, np.full(m, 1, np.int8)])
    return ci, code
