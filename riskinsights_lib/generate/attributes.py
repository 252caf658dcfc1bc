"""Customer attributes that change over time (the SCD2 source).

A customer's first row is effective from onboarding; later rows record what
the bank learns: a job loss or a new job (often with a delay, sometimes never),
yearly income reviews that may move a customer between the mass and affluent
segments, and KYC risk re-ratings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskinsights_lib.generate.customers import (
    EMPLOYMENT,
    RISK_RATINGS,
    SEGMENTS,
    CustomerProfile,
    customer_ids,
)
from riskinsights_lib.generate.simulate import MainPath
from riskinsights_lib.generate.timeline import Timeline

__all__ = ["attribute_history", "base_employment"]

_FIELDS = ["segment", "employment_status", "annual_income", "kyc_risk_rating"]


def base_employment(profile: CustomerProfile, path: MainPath, earner: np.ndarray) -> np.ndarray:
    """Employment status index at onboarding (or the start of the history)."""
    first = np.clip(profile.onboard_month, 0, path.jobless.shape[1] - 1)
    jobless = path.jobless[np.arange(profile.n), first]
    return np.where(
        earner & jobless, 2, np.where(earner & (profile.employment == 2), 0, profile.employment)
    )


def _event_days(
    cust: np.ndarray, month: np.ndarray, tl: Timeline, rng: np.random.Generator
) -> np.ndarray:
    return tl.month_starts[month] + (rng.random(len(cust)) * tl.days_in_month[month]).astype(int)


def attribute_history(
    profile: CustomerProfile,
    path: MainPath,
    earner: np.ndarray,
    timeline: Timeline,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The ``customer_attributes`` extract: one row per customer and change date."""
    n, n_months = path.jobless.shape
    emp0 = base_employment(profile, path, earner)
    work_status = np.where(profile.employment == 1, 1, 0)  # status when back in work
    base = pd.DataFrame(
        {
            "cust": np.arange(n),
            "day": profile.onboard_day,
            "segment": profile.segment,
            "employment_status": emp0,
            "annual_income": profile.annual_income,
            "kyc_risk_rating": profile.risk_rating,
        }
    )
    events = []
    onboarded = np.arange(n_months)[None, :] > profile.onboard_month[:, None]
    # job loss / re-employment, recorded with a delay and not always
    change = np.zeros_like(path.jobless)
    change[:, 1:] = path.jobless[:, 1:] != path.jobless[:, :-1]
    cust, month = np.nonzero(change & onboarded & earner[:, None])
    recorded = rng.random(len(cust)) < 0.85
    month = month + rng.integers(0, 3, len(cust))
    ok = recorded & (month < n_months)
    cust, month = cust[ok], month[ok]
    now_jobless = path.jobless[cust, np.minimum(month, n_months - 1)]
    events.append(
        pd.DataFrame(
            {
                "cust": cust,
                "day": _event_days(cust, month, timeline, rng),
                "employment_status": np.where(now_jobless, 2, work_status[cust]),
            }
        )
    )
    # yearly income reviews
    for year in range(0, n_months, 12):
        who = np.flatnonzero(rng.random(n) < 0.25)
        month = np.minimum(year + rng.integers(0, 12, len(who)), n_months - 1)
        ok = month > profile.onboard_month[who]
        who, month = who[ok], month[ok]
        events.append(
            pd.DataFrame(
                {
                    "cust": who,
                    "day": _event_days(who, month, timeline, rng),
                    "income_factor": rng.lognormal(0.03, 0.08, len(who)),
                }
            )
        )
    # KYC re-rating, more often towards high for stressed customers
    who = np.flatnonzero(rng.random(n) < 0.04 * n_months / 12)
    month = rng.integers(0, n_months, len(who))
    ok = month > profile.onboard_month[who]
    who, month = who[ok], month[ok]
    stressed = path.stress[who, month] > 1.5
    rating = np.where(
        stressed & (rng.random(len(who)) < 0.5), 2, rng.choice(3, len(who), p=[0.6, 0.3, 0.1])
    )
    events.append(
        pd.DataFrame(
            {"cust": who, "day": _event_days(who, month, timeline, rng), "kyc_risk_rating": rating}
        )
    )

    ev = pd.concat(events, ignore_index=True)
    ev["order"] = 1
    base["order"] = 0
    allrows = pd.concat([base, ev], ignore_index=True).sort_values(
        ["cust", "day", "order"], kind="stable"
    )
    allrows["income_factor"] = allrows["income_factor"].fillna(1.0)
    allrows["cum_factor"] = allrows.groupby("cust")["income_factor"].cumprod()
    for name in ["segment", "employment_status", "annual_income", "kyc_risk_rating"]:
        allrows[name] = allrows.groupby("cust")[name].ffill()
    allrows["annual_income"] = np.round(allrows["annual_income"] * allrows["cum_factor"], -2)
    seg = allrows["segment"].to_numpy().astype(int)
    inc = allrows["annual_income"].to_numpy()
    seg = np.where((seg == 0) & (inc > 75_000), 1, np.where((seg == 1) & (inc < 45_000), 0, seg))
    out = pd.DataFrame(
        {
            "customer_id": customer_ids(allrows["cust"].to_numpy()),
            "effective_from": allrows["day"].to_numpy("datetime64[D]"),
            "segment": SEGMENTS[seg],
            "employment_status": EMPLOYMENT[allrows["employment_status"].to_numpy().astype(int)],
            "annual_income": inc,
            "kyc_risk_rating": RISK_RATINGS[allrows["kyc_risk_rating"].to_numpy().astype(int)],
        }
    )
    out = out.drop_duplicates(["customer_id", "effective_from"], keep="last")
    # keep only rows where something changed
    changed = out.groupby("customer_id")[_FIELDS].shift().ne(out[_FIELDS]).any(axis=1)
    return out[changed].reset_index(drop=True)
