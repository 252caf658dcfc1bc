"""Business-sense monotonic trends for the default mart's features.

The default rate as each feature rises, with the reason a credit committee
would give. :func:`monotonic_for` turns them into ``fit_scorecard``'s
``monotonic`` argument for the features present; other numerical features get a
monotone trend whose direction the data choose.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["BUSINESS_TRENDS", "monotonic_for", "trends_table"]

#: feature -> (trend of the default rate as the feature increases, why)
BUSINESS_TRENDS: dict[str, tuple[str, str]] = {
    "utilisation_now": ("ascending", "a fuller credit line signals stretched finances"),
    "utilisation_avg_3m": ("ascending", "sustained high use of the limit"),
    "max_dpd_6m": ("ascending", "recent arrears are the strongest warning"),
    "dpd_now": ("ascending", "arrears at the snapshot"),
    "months_in_arrears_6m": ("ascending", "repeated arrears"),
    "missed_instalments_6m": ("ascending", "missed payments"),
    "instalment_to_income": ("ascending", "higher debt service burden"),
    "annual_income": ("descending", "more income absorbs shocks"),
    "tenure_months": ("descending", "longer relationships are better known and steadier"),
    "months_since_first_account": ("descending", "longer credit history"),
    "deposit_balance": ("descending", "savings buffer"),
    "deposit_balance_avg_3m": ("descending", "savings buffer over three months"),
    "savings_balance": ("descending", "savings buffer"),
    "salary_credits_3m": ("descending", "a regular salary into the account"),
    "months_since_salary": ("ascending", "a salary that stopped"),
}


def monotonic_for(features: Sequence[str]) -> dict[str, str]:
    """``{feature: trend}`` for the features that have a business trend."""
    return {f: trend for f, (trend, _) in BUSINESS_TRENDS.items() if f in features}


def trends_table(features: Sequence[str]) -> pd.DataFrame:
    """The trends in force for ``features``, with their reasons (for the report)."""
    return pd.DataFrame(
        [(f, t, why) for f, (t, why) in BUSINESS_TRENDS.items() if f in features],
        columns=["feature", "default rate as the feature rises", "business reason"],
    )
