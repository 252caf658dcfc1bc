"""Accounts and products: who holds what, opened and closed when.

Holdings and contractual terms are drawn before the simulation (they are part
of a customer's static context); closures that the simulation causes
(churners closing everything, charge-off six months after default) are applied
afterwards by :func:`apply_closures`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskinsights_lib.generate.customers import CustomerProfile
from riskinsights_lib.generate.timeline import Timeline

__all__ = [
    "PRODUCTS",
    "CREDIT_PRODUCTS",
    "CHARGE_OFF_MONTHS",
    "draw_accounts",
    "open_schedule",
    "apply_closures",
    "account_ids",
]

PRODUCTS = np.array(["current_account", "savings", "credit_card", "personal_loan", "mortgage"])
CREDIT_PRODUCTS = (2, 3, 4)
CHARGE_OFF_MONTHS = 6
_DAY = np.timedelta64(1, "D")


def account_ids(index: np.ndarray) -> np.ndarray:
    """Natural account ids ``A00000001`` ... for 0-based row indices."""
    return np.char.add("A", np.char.zfill((np.asarray(index) + 1).astype(str), 8))


def _annuity(principal: np.ndarray, rate: np.ndarray, term: np.ndarray) -> np.ndarray:
    r = rate / 12.0
    return principal * r / (1.0 - (1.0 + r) ** (-term))


def draw_accounts(
    profile: CustomerProfile, timeline: Timeline, rng: np.random.Generator
) -> pd.DataFrame:
    """Draw every customer's accounts with open dates and contractual terms.

    Returns one row per account (sorted by customer, then product) with columns
    ``customer, product, open_day, close_day, credit_limit, principal,
    interest_rate, term_months, instalment``; ``close_day`` is the scheduled
    maturity (NaT if none within the history).
    """
    n = profile.n
    start = np.datetime64(timeline.start_date, "D")
    end = np.datetime64(timeline.end_date, "D")
    history_days = int((end - start).astype(int))
    seg, emp, age, inc = profile.segment, profile.employment, profile.age, profile.annual_income
    onboard = profile.onboard_day
    before = onboard < start

    has_current = rng.random(n) < 0.97
    has_savings = (rng.random(n) < np.array([0.35, 0.7, 0.85, 0.5])[seg]) | ~has_current
    p_card = np.select(
        [emp == 4, emp == 3, emp == 2, seg == 1, seg == 2], [0.15, 0.25, 0.2, 0.6, 0.65], 0.46
    )
    p_loan = np.select([emp == 4, emp == 3, emp == 2], [0.04, 0.06, 0.06], 0.2)
    working = (emp <= 1) & (age >= 25) & (age <= 62)
    p_mort = np.where(working, np.where(seg >= 1, 0.45, 0.30), 0.02)
    holds = np.stack(
        [
            has_current,
            has_savings,
            rng.random(n) < p_card,
            rng.random(n) < p_loan,
            rng.random(n) < p_mort,
        ],
        1,
    )
    cust, prod = np.nonzero(holds)
    m = len(cust)
    ob = onboard[cust]
    since = np.maximum((start - ob).astype(int), 0)
    u = rng.random(m)
    in_history = rng.random(m) < np.select(
        [prod == 2, prod == 3, prod == 4], [0.15, 0.2, 0.05], 0.0
    )

    term = np.select(
        [prod == 3, prod == 4],
        [rng.choice([24, 36, 48, 60, 72, 84], m), rng.choice([240, 300, 360], m)],
        0,
    )
    # days before the start at which pre-history products opened
    back = np.select(
        [prod == 0, prod == 1, prod == 2, prod == 3, prod == 4],
        [
            since,
            u * since,
            u * since,
            u * np.minimum(since, (term - 1) * 30.4),
            u * np.minimum(since, 15 * 365),
        ],
    ).astype(int)
    open_day = np.where(before[cust], start - 1 - back, ob)
    open_day = np.where(before[cust] & (prod == 0), ob, open_day)
    open_day = np.maximum(open_day, ob)
    late = in_history & (prod >= 2)
    open_late = np.where(
        before[cust], start + (u * history_days).astype(int), ob + (u * 120).astype(int)
    )
    open_day = np.where(late, np.maximum(open_late, ob), open_day)
    # credit products of customers onboarded during the history open shortly after onboarding
    fresh = ~before[cust] & (prod >= 2)
    open_day = np.where(fresh & ~late, ob + rng.integers(0, 60, m), open_day).astype(
        "datetime64[D]"
    )

    income = inc[cust]
    limit = np.select(
        [prod == 2, prod == 0],
        [
            np.clip(np.round(income * rng.uniform(0.05, 0.2, m), -2), 500, 25_000),
            np.where(rng.random(m) < 0.35, np.clip(np.round(income * 0.03, -2), 250, 5_000), 0.0),
        ],
        np.nan,
    )
    risk_price = 0.012 * (profile.z[cust] + rng.normal(0, 1.5, m))
    rate = np.select(
        [prod == 1, prod == 2, prod == 3, prod == 4],
        [
            np.round(rng.uniform(0.005, 0.025, m), 4),
            np.round(rng.choice([0.199, 0.219, 0.229], m), 4),
            np.round(np.clip(0.075 + risk_price, 0.045, 0.16), 4),
            np.round(np.clip(0.038 + risk_price / 3, 0.025, 0.06), 4),
        ],
        np.nan,
    )
    principal = np.select(
        [prod == 3, prod == 4],
        [
            np.clip(np.round(income * rng.uniform(0.1, 0.5, m), -2), 2_000, 50_000),
            np.round(income * rng.uniform(2.5, 4.0, m), -3),
        ],
        np.nan,
    )
    instalment = np.where(
        prod >= 3, np.round(_annuity(principal, rate, np.maximum(term, 1)), 2), np.nan
    )
    months_open = term.astype("timedelta64[M]")
    maturity = (open_day.astype("datetime64[M]") + months_open).astype("datetime64[D]") + (
        open_day - open_day.astype("datetime64[M]").astype("datetime64[D]")
    )
    close_day = np.where((prod >= 3) & (maturity <= end), maturity, np.datetime64("NaT"))
    frame = pd.DataFrame(
        {
            "customer": cust,
            "product": prod,
            "open_day": open_day,
            "close_day": close_day.astype("datetime64[D]"),
            "credit_limit": limit,
            "principal": principal,
            "interest_rate": rate,
            "term_months": np.where(prod >= 3, term, -1),
            "instalment": instalment,
        }
    )
    return frame[frame["open_day"] <= end - 15 * _DAY].reset_index(drop=True)


def open_schedule(
    accounts: pd.DataFrame, n_customers: int, timeline: Timeline, *, credit_only: bool
) -> np.ndarray:
    """(n_customers, n_months) bool: the customer holds an open account at each month end."""
    me = timeline.month_ends
    acc = accounts[accounts["product"].isin(CREDIT_PRODUCTS)] if credit_only else accounts
    open_d = acc["open_day"].to_numpy("datetime64[D]")
    close_d = acc["close_day"].to_numpy("datetime64[D]")
    is_open = (open_d[:, None] <= me[None, :]) & (
        np.isnat(close_d)[:, None] | (close_d[:, None] > me[None, :])
    )
    out = np.zeros((n_customers, len(me)), bool)
    np.logical_or.at(out, acc["customer"].to_numpy(), is_open)
    return out


def apply_closures(
    accounts: pd.DataFrame,
    *,
    churn_close_day: np.ndarray,
    default_month: np.ndarray,
    timeline: Timeline,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Close accounts as the simulation dictates and drop those that never opened.

    Parameters
    ----------
    churn_close_day : per customer, the day a closing churner closed everything (NaT if not).
    default_month : per customer, month index of the first 90+ dpd (-1 if none); credit
        accounts are charged off ``CHARGE_OFF_MONTHS`` later and no new credit is granted.
    """
    acc = accounts.copy()
    cust = acc["customer"].to_numpy()
    credit = acc["product"].isin(CREDIT_PRODUCTS).to_numpy()
    close = acc["close_day"].to_numpy("datetime64[D]")
    open_d = acc["open_day"].to_numpy("datetime64[D]")
    churn_day = churn_close_day[cust]
    keep = np.isnat(churn_day) | (open_d <= churn_day)
    close = np.where(
        ~np.isnat(churn_day) & (np.isnat(close) | (close > churn_day)), churn_day, close
    )
    dm = default_month[cust]
    defaulted = credit & (dm >= 0)
    keep &= ~(defaulted & (open_d > timeline.month_ends[np.maximum(dm, 0)]))
    co_month = dm + CHARGE_OFF_MONTHS
    co_ok = defaulted & (co_month < timeline.n_months)
    co_day = timeline.month_ends[np.clip(co_month, 0, timeline.n_months - 1)] - rng.integers(
        0, 10, len(acc)
    )
    close = np.where(co_ok & (np.isnat(close) | (close > co_day)), co_day, close)
    close = np.where(~np.isnat(close) & (close < open_d), open_d, close)
    acc["close_day"] = close.astype("datetime64[D]")
    return acc[keep].reset_index(drop=True)
