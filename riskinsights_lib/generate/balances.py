"""Monthly balances: how the latent state shows up in account data.

Stress raises card utilisation and drains current and savings balances;
disengagement drains them too; the delinquency bucket becomes days past due
and missed or partial instalments. Each manifestation carries its own noise,
so no single column reveals the latent state, but their history does.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from riskinsights_lib.generate.simulate import MainPath
from riskinsights_lib.generate.timeline import Timeline

__all__ = ["Habits", "draw_habits", "balances_frame", "account_month_rows"]


@dataclass
class Habits:
    """Static per-customer behaviour (index = customer row)."""

    util_base: np.ndarray  # logit of the usual card utilisation
    current_base: np.ndarray  # log multiple of monthly income usually held in the current account
    savings_base: np.ndarray  # usual savings (EUR)
    dpd_offset: np.ndarray  # days between the due date and the month end (1-29)
    activity: np.ndarray  # mean customer-initiated transactions per month
    hour: np.ndarray  # usual hour of day
    channel_cum: (
        np.ndarray
    )  # (n, 3) cumulative probabilities of card_present, card_online, atm (rest transfer)
    categories: np.ndarray  # (n, 5) favourite merchant category indices
    countries: np.ndarray  # (n, 3) usual foreign country indices
    amount_scale: np.ndarray  # multiplier of the category's median amount
    bills: np.ndarray  # (n, 3) monthly bill amounts (0 = no such bill)
    bill_day: np.ndarray

    def take(self, index: slice | np.ndarray) -> Habits:
        """The habits of a subset of customers."""
        return replace(self, **{f.name: getattr(self, f.name)[index] for f in fields(self)})


def draw_habits(
    income: np.ndarray,
    activity_mean: float,
    rng: np.random.Generator,
    *,
    category_shares: np.ndarray,
    country_weights: np.ndarray,
) -> Habits:
    """Draw the habits of ``len(income)`` customers."""
    n = len(income)
    probs = rng.dirichlet([5.5, 2.5, 0.8, 1.2], n)
    cats = np.stack([rng.choice(len(category_shares), n, p=category_shares) for _ in range(5)], 1)
    w = country_weights / country_weights.sum()
    countries = np.stack([rng.choice(len(w), n, p=w) for _ in range(3)], 1)
    bills = np.stack(
        [
            np.where(rng.random(n) < 0.85, np.round(rng.lognormal(np.log(95), 0.35, n), 2), 0.0),
            np.where(rng.random(n) < 0.8, np.round(rng.lognormal(np.log(45), 0.3, n), 2), 0.0),
            np.where(rng.random(n) < 0.5, np.round(rng.lognormal(np.log(60), 0.5, n), 2), 0.0),
        ],
        1,
    )
    return Habits(
        util_base=rng.normal(-1.3, 0.25, n),
        current_base=rng.normal(0.0, 0.2, n),
        savings_base=income * rng.lognormal(np.log(0.25), 0.7, n),
        dpd_offset=rng.integers(1, 30, n),
        activity=activity_mean * rng.lognormal(-0.011, 0.15, n),
        hour=np.clip(rng.normal(14.0, 2.5, n), 9, 20),
        channel_cum=np.cumsum(probs[:, :3], axis=1),
        categories=cats,
        countries=countries,
        amount_scale=(income / 40_000.0) ** 0.35 * rng.lognormal(0.0, 0.25, n),
        bills=bills,
        bill_day=rng.integers(1, 29, n),
    )


def account_month_rows(accounts: pd.DataFrame, timeline: Timeline) -> tuple[np.ndarray, np.ndarray]:
    """Row index into ``accounts`` and month index of every balance row (one per open month end)."""
    first = np.datetime64(timeline.start_date, "M")
    om = (accounts["open_day"].to_numpy("datetime64[D]").astype("datetime64[M]") - first).astype(
        int
    )
    close = accounts["close_day"].to_numpy("datetime64[D]")
    cm = np.where(
        np.isnat(close), timeline.n_months - 1, (close.astype("datetime64[M]") - first).astype(int)
    )
    om = np.maximum(om, 0)
    counts = np.maximum(cm - om + 1, 0)
    rows = np.repeat(np.arange(len(accounts)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return rows, om[rows] + offsets


def _paid(due: np.ndarray, prev: np.ndarray, now: np.ndarray) -> np.ndarray:
    prev = prev.astype(int)
    now = now.astype(int)
    return np.select(
        [now >= 4, now > prev, (now == 0) & (prev > 0)],
        [0.0, 0.0, due * (prev + 1)],
        due,
    )


def balances_frame(
    accounts: pd.DataFrame,
    path: MainPath,
    income: np.ndarray,
    habits: Habits,
    timeline: Timeline,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Balance rows of ``accounts`` (any subset; ``account_id`` column required).

    Returns ``account_id, month_end, balance, credit_limit, instalment_due,
    instalment_paid, days_past_due`` plus ``customer`` and ``month`` (indices,
    dropped before writing).
    """
    rows, month = account_month_rows(accounts, timeline)
    acc = accounts.iloc[rows]
    cust = acc["customer"].to_numpy()
    prod = acc["product"].to_numpy()
    k = len(rows)
    stress = path.stress[cust, month].astype(float)
    diseng = np.maximum(path.diseng[cust, month].astype(float), -1.5)
    dpd_now = path.dpd[cust, month]
    dpd_prev = np.where(month > 0, path.dpd[cust, np.maximum(month - 1, 0)], 0)
    months_def = path.months_default[cust, month]
    close = acc["close_day"].to_numpy("datetime64[D]")
    me = timeline.month_ends[month]
    closing = ~np.isnat(close) & (close <= me)
    limit = acc["credit_limit"].to_numpy(float)
    eps = rng.standard_normal(k)

    monthly_net = income[cust] / 12.0 * 0.72
    # what is left of the month's income, and overdraft use when stress is high
    current = monthly_net * np.exp(
        habits.current_base[cust] - 0.8 * stress - 0.7 * diseng + 0.15 * eps - 0.7
    )
    overdrawn = 1.0 / (1.0 + np.exp(-(2.5 * (stress - 1.2) + 0.3 * rng.standard_normal(k))))
    current = current - np.where(limit > 0, limit * overdrawn, 0.0)
    savings = habits.savings_base[cust] * np.exp(-0.6 * stress - 0.7 * diseng + 0.1 * eps)
    util = 1.0 / (1.0 + np.exp(-(habits.util_base[cust] + 1.3 * stress + 0.15 * eps)))
    card = np.minimum(limit * np.minimum(util + 0.06 * np.minimum(dpd_now, 4), 1.08), 50_000)

    # outstanding loan balance by the annuity schedule
    principal = acc["principal"].to_numpy(float)
    r = acc["interest_rate"].to_numpy(float) / 12.0
    inst = acc["instalment"].to_numpy(float)
    opened_m = (
        acc["open_day"].to_numpy("datetime64[D]").astype("datetime64[M]")
        - np.datetime64(timeline.start_date, "M")
    ).astype(int)
    paid_n = np.maximum(month - opened_m, 0).astype(float)
    with np.errstate(invalid="ignore", over="ignore"):
        growth = (1.0 + r) ** paid_n
        loan = np.maximum(principal * growth - inst * (growth - 1.0) / np.where(r > 0, r, 1.0), 0.0)

    balance = np.select([prod == 0, prod == 1, prod == 2], [current, savings, card], loan)
    balance = np.where(closing & (prod <= 1), 0.0, balance)
    balance = np.where(closing & (prod >= 3) & (dpd_now < 4), 0.0, balance)

    card_due = np.where(card > 0, np.maximum(np.minimum(card, 25.0), 0.03 * card), 0.0)
    due = np.select([prod == 2, prod >= 3], [card_due, np.where(paid_n > 0, inst, 0.0)], np.nan)
    paid = _paid(np.nan_to_num(due), dpd_prev, dpd_now)
    transactor = (prod == 2) & (dpd_now == 0) & (util < 0.45) & (rng.random(k) < 0.6)
    paid = np.where(transactor, np.maximum(paid, card * rng.uniform(0.3, 1.0, k)), paid)
    paid = np.where(prod >= 2, np.round(paid, 2), np.nan)
    offset = habits.dpd_offset[cust]
    dpd_days = np.where(
        dpd_now >= 4,
        90 + 30 * (np.maximum(months_def, 1) - 1) + offset,
        30 * (dpd_now.astype(int) - 1) + offset,
    )
    dpd_days = np.where((prod >= 2) & (dpd_now > 0), dpd_days, 0)
    return pd.DataFrame(
        {
            "account_id": acc["account_id"].to_numpy(),
            "month_end": me,
            "balance": np.round(balance, 2),
            "credit_limit": np.where(np.isin(prod, (0, 2)), limit, np.nan),
            "instalment_due": np.where(prod >= 2, np.round(np.nan_to_num(due), 2), np.nan),
            "instalment_paid": paid,
            "days_past_due": dpd_days.astype(np.int64),
            "customer": cust,
            "month": month,
        }
    )
