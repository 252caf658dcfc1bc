"""Feature selection for a WoE scorecard, with a stated reason for every feature.

Order of the rules: (1) information value at least ``min_iv``; (2) of two WoE
features correlated above ``max_correlation``, keep the one with the higher IV;
(3) after the joint fit, drop features whose coefficient has the wrong sign
(a WoE coefficient must be negative on the default log-odds: a safer bin
cannot raise the PD), which is collinearity showing through.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["screen_features", "iv_strength"]


def iv_strength(iv: float) -> str:
    """Conventional reading of an information value."""
    if iv < 0.02:
        return "unpredictive"
    if iv < 0.1:
        return "weak"
    if iv < 0.3:
        return "medium"
    if iv < 0.5:
        return "strong"
    return "very strong (check for leakage)"


def screen_features(
    woe: pd.DataFrame, iv: pd.Series, *, min_iv: float = 0.02, max_correlation: float = 0.7
) -> pd.DataFrame:
    """Apply the IV and correlation rules; one row per feature with ``kept`` and ``reason``.

    Parameters
    ----------
    woe : WoE-transformed development sample, one column per candidate feature.
    iv : information value per feature (index = feature names).
    min_iv : drop features below this IV.
    max_correlation : drop the weaker of two features whose WoE correlate above this (absolute).
    """
    if not 0 < max_correlation <= 1:
        raise ValueError(f"max_correlation: expected in (0, 1], got {max_correlation}")
    if min_iv < 0:
        raise ValueError(f"min_iv: expected >= 0, got {min_iv}")
    missing = [f for f in woe.columns if f not in iv.index]
    if missing:
        raise ValueError(f"iv: expected a value for every WoE column, missing {missing[:3]}")
    order = iv.loc[list(woe.columns)].sort_values(ascending=False)
    corr = woe.corr().abs().fillna(0.0)
    kept: list[str] = []
    rows = []
    for feature, value in order.items():
        reason = ""
        if woe[feature].nunique() < 2:
            reason = "a single bin: no split found"
        elif value < min_iv:
            reason = f"low IV ({value:.3f} < {min_iv:g})"
        else:
            partners = [
                (k, corr.loc[feature, k]) for k in kept if corr.loc[feature, k] > max_correlation
            ]
            if partners:
                k, r = max(partners, key=lambda t: t[1])
                reason = (
                    f"correlated with {k} (|r| = {r:.2f} > {max_correlation:g}, higher IV kept)"
                )
        if not reason:
            kept.append(feature)
        rows.append(
            {
                "feature": feature,
                "iv": float(value),
                "strength": iv_strength(float(value)),
                "kept": not reason,
                "reason": reason or "kept",
            }
        )
    return pd.DataFrame(rows)
