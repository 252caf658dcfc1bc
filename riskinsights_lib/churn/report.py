"""Sentences for the churn notebook's readings, generated from the numbers.

Each helper takes figures and returns Markdown text; the notebook displays it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "describe_population",
    "describe_discrimination",
    "describe_baseline",
    "describe_calibration",
    "describe_stability",
    "describe_deciles",
    "describe_cutoff",
    "describe_importance",
    "describe_targeting",
    "ORACLE_SHARE_TARGET",
]

#: Quality bar: out-of-time AUC at least this share of the oracle AUC.
ORACLE_SHARE_TARGET = 0.95


def _ci(low: float, high: float) -> str:
    return f"95% CI {low:.3f}-{high:.3f}"


def describe_population(table: pd.DataFrame, group: str) -> str:
    """One line per snapshot: customers and churn rate (table from ``rate_by_group``)."""
    parts = [
        f"{row[group]}: {int(row['customers']):,} customers, {row['churn_rate']:.1%} churn"
        for _, row in table.iterrows()
    ]
    drift = table["churn_rate"].iloc[-1] - table["churn_rate"].iloc[0]
    direction = "higher" if drift > 0 else "lower"
    return (
        "Active customers and 6-month churn by snapshot: "
        + "; ".join(parts)
        + f". The out-of-time snapshot churns {abs(drift) * 100:.1f} percentage points {direction} "
        "than development."
    )


def describe_discrimination(
    test_auc: tuple[float, float, float],
    oot_auc: tuple[float, float, float],
    oracle_auc: float,
    *,
    target_share: float = ORACLE_SHARE_TARGET,
) -> str:
    """ROC AUC on test and out of time against the oracle, with the quality-bar verdict."""
    share = oot_auc[0] / oracle_auc if oracle_auc and not np.isnan(oracle_auc) else float("nan")
    drop = test_auc[0] - oot_auc[0]
    verdict = (
        f"meets the quality bar of {target_share:.0%}"
        if share >= target_share
        else f"falls short of the quality bar of {target_share:.0%}"
    )
    return (
        f"XGBoost reaches ROC AUC {test_auc[0]:.3f} ({_ci(*test_auc[1:])}) on the held-out test rows "
        f"and {oot_auc[0]:.3f} ({_ci(*oot_auc[1:])}) out of time, a change of {-drop:+.3f}. "
        f"The oracle, scoring the same out-of-time customers with their true churn probability, "
        f"reaches {oracle_auc:.3f}: the model recovers {share:.1%} of it and {verdict}."
    )


def describe_baseline(
    xgb_auc: float,
    baseline_auc: float,
    diff: tuple[float, float, float],
    *,
    n_train_events: int | None = None,
) -> str:
    """XGBoost against the logistic baseline out of time, with a paired bootstrap interval.

    ``diff`` is ``(xgb - baseline, low, high)`` from ``paired_auc_difference``;
    ``n_train_events`` (churners in the training rows) is quoted when the
    baseline is ahead, as the usual reason trees lose to a linear model.
    """
    d, low, high = diff
    if d >= 0:
        head = (
            f"XGBoost beats the logistic baseline out of time "
            f"({xgb_auc:.3f} vs {baseline_auc:.3f}, {d:+.3f})"
        )
    else:
        head = (
            f"The logistic baseline is ahead of XGBoost out of time "
            f"({baseline_auc:.3f} vs {xgb_auc:.3f}, XGBoost {d:+.3f})"
        )
    if low <= 0 <= high:
        tail = (
            f"; the paired bootstrap interval of the difference ({low:+.3f} to {high:+.3f}) "
            "includes zero, so the two rank customers equally well within sampling noise"
        )
    else:
        tail = f"; the paired bootstrap interval ({low:+.3f} to {high:+.3f}) excludes zero"
    text = head + tail + "."
    if d < 0:
        events = f" with {n_train_events:,} churners to learn from" if n_train_events else ""
        text += (
            " Why not: where the churn signal is close to additive and monotone on the log-odds "
            f"scale, trees{events} pay in variance for flexibility the data do not need, while the "
            "regularised linear model does not. The XGBoost model is kept for its SHAP "
            "explanations; the baseline is the benchmark it must match at the next review."
        )
    return text


def describe_calibration(brier: float, base_rate: float, table: pd.DataFrame) -> str:
    """Brier score against the no-skill reference and the largest calibration gap."""
    reference = base_rate * (1 - base_rate)
    gap = (table["observed_rate"] - table["mean_predicted"]).abs()
    worst = table.loc[gap.idxmax()]
    skill = 1 - brier / reference if reference > 0 else float("nan")
    return (
        f"Out-of-time Brier score {brier:.4f} against {reference:.4f} for always predicting the churn "
        f"rate ({skill:.0%} skill). The largest gap between predicted and observed churn is "
        f"{gap.max() * 100:.1f} percentage points, in the bin predicting {worst['mean_predicted']:.1%} "
        f"(observed {worst['observed_rate']:.1%})."
    )


def describe_stability(score_psi: float) -> str:
    """Population stability of the scores between development test rows and out of time."""
    if score_psi < 0.10:
        band = "stable, under 0.10"
    elif score_psi < 0.25:
        band = "watch, 0.10-0.25"
    else:
        band = "shifted, above 0.25"
    return (
        f"Score stability: the PSI of the out-of-time probabilities against the test rows is "
        f"{score_psi:.3f} ({band})."
    )


def describe_deciles(
    deciles: pd.DataFrame, pr_auc: tuple[float, float, float], base_rate: float
) -> str:
    """Top-decile lift, capture in the top three deciles and PR AUC."""
    top = deciles.iloc[0]
    capture3 = deciles["cumulative_capture"].iloc[min(2, len(deciles) - 1)]
    return (
        f"The riskiest decile churns at {top['churn_rate']:.1%}, {top['lift']:.1f}x the average "
        f"{base_rate:.1%}; the top three deciles hold {capture3:.0%} of all churners. "
        f"PR AUC {pr_auc[0]:.3f} ({_ci(*pr_auc[1:])}) against {base_rate:.3f} for random ranking."
    )


def describe_cutoff(confusion: pd.DataFrame, cutoff: float) -> str:
    """Flags, catches and false alarms at the cut-off."""
    v = confusion.to_numpy()
    flagged = v[:, 1].sum()
    caught = v[1, 1]
    precision = caught / flagged if flagged else float("nan")
    recall = caught / v[1].sum() if v[1].sum() else float("nan")
    return (
        f"At cut-off {cutoff:.2f} the model flags {flagged:,} customers, of whom {caught:,} churn "
        f"(precision {precision:.0%}); it catches {recall:.0%} of the {v[1].sum():,} churners. "
        "A fixed probability cut-off ignores value and contact cost; the targeting section below "
        "chooses how many to call from those instead."
    )


def describe_importance(importance: pd.DataFrame, n: int = 3) -> str:
    """The leading features and their share of attributions."""
    head = importance.head(n)
    parts = [
        f"{f.replace('_', ' ')} ({s:.0%})"
        for f, s in zip(head["feature"], head["share"], strict=True)
    ]
    return (
        f"The {n} features with the largest mean |SHAP| are "
        + ", ".join(parts)
        + f", together {head['share'].sum():.0%} of all attributions."
    )


def describe_targeting(
    table: pd.DataFrame, k: int, benefit: float, *, save_rate: float, contact_cost: float
) -> str:
    """Best k, its expected benefit and (when known) what it would have realised."""
    n = len(table)
    text = (
        f"With a contact cost of {contact_cost:,.2f} and a save rate of {save_rate:.0%}, contacting the "
        f"top {k:,} of {n:,} customers by expected loss ({k / n:.1%}) maximises the expected net "
        f"benefit at {benefit:,.0f}."
    )
    if k == 0:
        text += " No contact pays for itself at these settings."
    elif "cum_realised_benefit" in table.columns:
        realised = float(table["cum_realised_benefit"].iloc[k - 1])
        churners = float(table["observed_churn"].iloc[:k].mean())
        text += (
            f" In hindsight, with the observed churn of these customers, that campaign would have "
            f"earned {realised:,.0f} ({churners:.0%} of those called did churn)."
        )
    return text
