"""Charts of the churn notebook. Every helper takes ``ax=None`` and returns the Axes.

Titles state the finding, computed from the data drawn.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import shap
from matplotlib.axes import Axes
from sklearn.metrics import precision_recall_curve, roc_auc_score, roc_curve

from riskinsights_lib.churn.explain import humanise
from riskinsights_lib.churn.gains import gains_curve
from riskinsights_lib.style import PALETTE, format_axis_percent, format_axis_thousands, get_ax

__all__ = [
    "plot_rate_by_group",
    "plot_learning_curve",
    "plot_roc",
    "plot_precision_recall",
    "plot_reliability",
    "plot_gains",
    "plot_lift",
    "plot_confusion",
    "plot_importance",
    "plot_beeswarm",
    "plot_dependence",
    "plot_waterfall",
    "plot_net_benefit",
]


def plot_rate_by_group(table: pd.DataFrame, group: str, *, ax: Axes | None = None) -> Axes:
    """Bars of customers per group and the churn rate on a second axis (from :func:`rate_by_group`)."""
    ax = get_ax(ax)
    labels = table[group].astype(str)
    ax.bar(labels, table["customers"], color=PALETTE[5], label="customers")
    ax.set_ylabel("customers")
    format_axis_thousands(ax)
    twin = ax.twinx()
    twin.plot(labels, table["churn_rate"], color=PALETTE[3], marker="o", label="churn rate")
    twin.set_ylabel("churn rate within 6 months")
    twin.set_ylim(0, max(table["churn_rate"].max() * 1.3, 0.01))
    twin.grid(False)
    format_axis_percent(twin)
    ax.set_xlabel(humanise(group))
    lo, hi = table["churn_rate"].min(), table["churn_rate"].max()
    ax.set_title(f"Churn rate between {lo:.1%} and {hi:.1%} across {humanise(group)}s")
    return ax


def plot_learning_curve(
    history: list[float], best_iteration: int, *, ax: Axes | None = None
) -> Axes:
    """Validation log loss per boosting round, with the early-stopping choice marked."""
    ax = get_ax(ax)
    rounds = np.arange(1, len(history) + 1)
    ax.plot(rounds, history, color=PALETTE[0])
    ax.axvline(
        best_iteration + 1,
        color=PALETTE[3],
        linestyle="--",
        label=f"best: {best_iteration + 1} trees",
    )
    ax.set_xlabel("boosting round (trees)")
    ax.set_ylabel("validation log loss")
    ax.legend()
    ax.set_title(f"Early stopping kept {best_iteration + 1} of {len(history)} trees")
    return ax


def plot_roc(y_true, scores: Mapping[str, np.ndarray], *, ax: Axes | None = None) -> Axes:
    """ROC curves of several scores on the same rows; the first is the model of interest."""
    ax = get_ax(ax, figsize=(5.5, 5))
    aucs = {}
    for i, (name, s) in enumerate(scores.items()):
        fpr, tpr, _ = roc_curve(y_true, s)
        aucs[name] = roc_auc_score(y_true, s)
        ax.plot(fpr, tpr, color=PALETTE[i % len(PALETTE)], label=f"{name} (AUC {aucs[name]:.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="random")
    ax.set_xlabel("false positive rate (stayers flagged)")
    ax.set_ylabel("true positive rate (churners caught)")
    ax.legend(loc="lower right")
    names = list(aucs)
    title = f"{names[0]} reaches AUC {aucs[names[0]]:.3f}"
    if len(names) > 1:
        others = ", ".join(f"{n} {aucs[n]:.3f}" for n in names[1:])
        title += f" ({others})"
    ax.set_title(title)
    return ax


def plot_precision_recall(
    y_true, scores: Mapping[str, np.ndarray], *, ax: Axes | None = None
) -> Axes:
    """Precision-recall curves of several scores, with the churn rate as the random baseline."""
    ax = get_ax(ax, figsize=(5.5, 5))
    for i, (name, s) in enumerate(scores.items()):
        precision, recall, _ = precision_recall_curve(y_true, s)
        ax.plot(recall, precision, color=PALETTE[i % len(PALETTE)], label=name)
    rate = float(np.mean(y_true))
    ax.axhline(rate, color="grey", linestyle=":", label=f"random ({rate:.1%})")
    ax.set_xlabel("recall (share of churners caught)")
    ax.set_ylabel("precision (share of flagged who churn)")
    format_axis_percent(ax)
    format_axis_percent(ax, "x")
    ax.legend()
    ax.set_title("Precision falls as the net widens")
    return ax


def plot_reliability(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Observed vs predicted churn per probability bin (from :func:`reliability_table`)."""
    ax = get_ax(ax, figsize=(5.5, 5))
    top = max(table["mean_predicted"].max(), table["observed_rate"].max()) * 1.05
    ax.plot([0, top], [0, top], color="grey", linestyle=":", label="perfect calibration")
    ax.plot(
        table["mean_predicted"], table["observed_rate"], marker="o", color=PALETTE[0], label="model"
    )
    ax.set_xlabel("mean predicted churn probability")
    ax.set_ylabel("observed churn rate")
    format_axis_percent(ax)
    format_axis_percent(ax, "x")
    ax.legend()
    gap = float(
        np.average(table["observed_rate"] - table["mean_predicted"], weights=table["customers"])
    )
    word = "under" if gap > 0 else "over"
    ax.set_title(
        f"Probabilities {word}state churn by {abs(gap) * 100:.1f} percentage points on average"
    )
    return ax


def plot_gains(y_true, scores: Mapping[str, np.ndarray], *, ax: Axes | None = None) -> Axes:
    """Cumulative gains: share of churners caught vs share of customers contacted."""
    ax = get_ax(ax, figsize=(5.5, 5))
    y = np.asarray(y_true).astype(int)
    for i, (name, s) in enumerate(scores.items()):
        g = gains_curve(y, s)
        ax.plot(
            g["share_contacted"], g["share_captured"], color=PALETTE[i % len(PALETTE)], label=name
        )
    rate = y.mean()
    ax.plot([0, rate, 1], [0, 1, 1], color="grey", linestyle="--", label="perfect")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="random")
    first = next(iter(scores.values()))
    g = gains_curve(y, first)
    at20 = float(np.interp(0.2, g["share_contacted"], g["share_captured"]))
    ax.set_xlabel("share of customers contacted (riskiest first)")
    ax.set_ylabel("share of churners caught")
    format_axis_percent(ax)
    format_axis_percent(ax, "x")
    ax.legend(loc="lower right")
    ax.set_title(f"Calling the riskiest 20% reaches {at20:.0%} of churners")
    return ax


def plot_lift(deciles: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Lift per decile (bars) and cumulative lift (line), from :func:`decile_table`."""
    ax = get_ax(ax)
    ax.bar(deciles["decile"], deciles["lift"], color=PALETTE[0], label="lift in decile")
    ax.plot(
        deciles["decile"],
        deciles["cumulative_lift"],
        color=PALETTE[1],
        marker="o",
        label="cumulative lift",
    )
    ax.axhline(1.0, color="grey", linestyle=":", label="random")
    ax.set_xticks(deciles["decile"])
    ax.set_xlabel("decile of churn probability (1 = riskiest)")
    ax.set_ylabel("lift (x average churn rate)")
    ax.legend()
    ax.set_title(f"The riskiest decile churns at {deciles['lift'].iloc[0]:.1f}x the average rate")
    return ax


def plot_confusion(table: pd.DataFrame, *, cutoff: float, ax: Axes | None = None) -> Axes:
    """Heatmap of a confusion table (from :func:`confusion_table`), counts with thousands separators."""
    ax = get_ax(ax, figsize=(5, 4))
    values = table.to_numpy()
    ax.imshow(values, cmap="Blues")
    for (i, j), v in np.ndenumerate(values):
        ax.text(
            j,
            i,
            f"{v:,}",
            ha="center",
            va="center",
            color="black" if v < values.max() / 2 else "white",
        )
    ax.set_xticks(range(values.shape[1]), table.columns)
    ax.set_yticks(range(values.shape[0]), table.index)
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    ax.grid(False)
    caught = values[1, 1] / max(values[1].sum(), 1)
    ax.set_title(f"At cut-off {cutoff:.2f} the model flags {caught:.0%} of churners")
    return ax


def plot_importance(importance: pd.DataFrame, *, top: int = 15, ax: Axes | None = None) -> Axes:
    """Mean |SHAP| per feature (from :func:`global_importance`), largest on top."""
    head = importance.head(top).iloc[::-1]
    ax = get_ax(ax, figsize=(8, max(3, 0.35 * len(head) + 1)))
    ax.barh([humanise(f) for f in head["feature"]], head["mean_abs_shap"], color=PALETTE[0])
    ax.set_xlabel("mean |SHAP value| (log-odds of churn)")
    lead = importance.iloc[0]
    ax.set_title(
        f"{humanise(lead['feature'])} drives {lead['share']:.0%} of the model's attributions"
    )
    return ax


def plot_beeswarm(
    explanation: shap.Explanation, *, max_display: int = 12, ax: Axes | None = None
) -> Axes:
    """SHAP beeswarm: each dot a customer, colour the feature value (categoricals by code)."""
    ax = get_ax(ax, figsize=(9, max(4, 0.4 * max_display + 1)))
    named = shap.Explanation(
        values=explanation.values,
        base_values=explanation.base_values,
        data=explanation.data,
        feature_names=[humanise(f) for f in explanation.feature_names],
    )
    shap.plots.beeswarm(named, max_display=max_display, ax=ax, show=False, plot_size=None)
    ax.set_xlabel("SHAP value (log-odds of churn; right = riskier)")
    ax.set_title("High and low feature values push churn risk in opposite directions")
    return ax


def plot_dependence(explanation: shap.Explanation, feature: str, *, ax: Axes | None = None) -> Axes:
    """SHAP value of one feature against its value (a strip per category for text features)."""
    ax = get_ax(ax, figsize=(5.5, 4))
    names = list(explanation.feature_names)
    if feature not in names:
        raise ValueError(f"feature: {feature!r} is not explained")
    j = names.index(feature)
    sv = np.asarray(explanation.values)[:, j]
    raw = pd.Series(np.asarray(explanation.display_data, dtype=object)[:, j])
    numeric = pd.to_numeric(raw, errors="coerce")
    if numeric.notna().sum() == raw.notna().sum() and raw.notna().any():
        ax.scatter(numeric, sv, s=8, alpha=0.4, color=PALETTE[0])
        if numeric.isna().any():
            ax.scatter(
                np.full(int(numeric.isna().sum()), np.nanmin(numeric)), sv[numeric.isna().to_numpy()],
                s=8, alpha=0.4, color=PALETTE[3], label="missing (drawn at the minimum)",
            )  # fmt: skip
            ax.legend()
        ax.set_xlabel(humanise(feature))
        if np.nanmax(np.abs(numeric)) >= 1000:
            format_axis_thousands(ax, "x")
    else:
        labels = raw.fillna("missing").astype(str)
        cats = sorted(labels.unique())
        rng = np.random.default_rng(0)
        for i, c in enumerate(cats):
            mask = (labels == c).to_numpy()
            ax.scatter(
                i + rng.uniform(-0.2, 0.2, mask.sum()),
                sv[mask],
                s=8,
                alpha=0.4,
                color=PALETTE[i % 8],
            )
        ax.set_xticks(range(len(cats)), cats, rotation=30, ha="right")
        ax.set_xlabel(humanise(feature))
    ax.axhline(0, color="grey", linestyle=":")
    ax.set_ylabel("SHAP value (log-odds)")
    known = numeric.notna().to_numpy()
    if known.sum() > 2 and known.sum() == raw.notna().sum() and np.std(numeric[known]) > 0:
        corr = float(np.corrcoef(numeric[known], sv[known])[0, 1])
        trend = "rises" if corr > 0.1 else "falls" if corr < -0.1 else "shows no simple trend"
        ax.set_title(f"Churn risk {trend} with {humanise(feature)}")
    else:
        ax.set_title(f"Churn risk by {humanise(feature)}")
    return ax


def plot_waterfall(
    explanation: shap.Explanation,
    row: int,
    *,
    label: str = "",
    max_display: int = 8,
    ax: Axes | None = None,
) -> Axes:
    """Why one customer scores high: SHAP contributions from the expected value to their log-odds."""
    ax = get_ax(ax, figsize=(8, 0.45 * (max_display + 2) + 1))
    values = np.asarray(explanation.values)[row]
    raw = np.asarray(explanation.display_data, dtype=object)[row]
    names = list(explanation.feature_names)
    order = np.argsort(-np.abs(values), kind="stable")
    shown, rest = order[: max_display - 1], order[max_display - 1 :]
    labels = []
    for j in shown:
        v = raw[j]
        text = (
            "missing"
            if v is None or (isinstance(v, float) and np.isnan(v))
            else (f"{v:,.4g}" if isinstance(v, (int, float, np.number)) else str(v))
        )
        labels.append(f"{humanise(names[j])} = {text}")
    contrib = list(values[shown])
    if len(rest):
        labels.append(f"{len(rest)} other features")
        contrib.append(float(values[rest].sum()))
    base = float(np.ravel(explanation.base_values)[row])
    start = base
    for i, c in enumerate(contrib):
        colour = PALETTE[3] if c > 0 else PALETTE[0]
        ax.barh(len(contrib) - 1 - i, c, left=start, color=colour)
        ax.text(
            start + c,
            len(contrib) - 1 - i,
            f" {c:+.2f}",
            va="center",
            ha="left" if c > 0 else "right",
            fontsize=9,
        )
        start += c
    ax.set_yticks(range(len(contrib)), labels[::-1])
    ax.axvline(base, color="grey", linestyle=":")
    prob, base_prob = 1 / (1 + np.exp(-start)), 1 / (1 + np.exp(-base))
    ax.set_xlabel(f"log-odds of churn (average customer {base:.2f} = {base_prob:.1%})")
    who = f"Customer {label}" if label else "This customer"
    ax.set_title(f"{who}: churn probability {prob:.0%} (red raises risk)")
    return ax


def plot_net_benefit(table: pd.DataFrame, k: int, *, ax: Axes | None = None) -> Axes:
    """Expected (and, when known, realised) net benefit of contacting the top k (from :func:`targeting_table`)."""
    ax = get_ax(ax)
    k_axis = np.r_[0, table["rank"].to_numpy()]
    ax.plot(
        k_axis, np.r_[0.0, table["cum_net_benefit"]], color=PALETTE[0], label="expected (model)"
    )
    if "cum_realised_benefit" in table.columns:
        ax.plot(
            k_axis, np.r_[0.0, table["cum_realised_benefit"]], color=PALETTE[1],
            linestyle="--", label="realised (observed churn, hindsight)",
        )  # fmt: skip
    best = float(np.r_[0.0, table["cum_net_benefit"]][k])
    ax.axvline(k, color=PALETTE[3], linestyle=":", label=f"best k = {k:,}")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("customers contacted, highest expected loss first (k)")
    ax.set_ylabel("net benefit (EUR)")
    format_axis_thousands(ax)
    format_axis_thousands(ax, "x")
    ax.legend()
    ax.set_title(f"Contacting the top {k:,} customers is worth EUR {best:,.0f} in expectation")
    return ax
