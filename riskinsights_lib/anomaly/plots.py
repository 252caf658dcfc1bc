"""Charts of the anomaly notebook: detector comparison, score distributions, budget curve, timeline.

Every helper takes ``ax=None`` (or ``axes=None``) and returns what it drew;
none of them saves or shows. Titles state the finding when it can be computed.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from riskinsights_lib.anomaly.evaluate import NORMAL
from riskinsights_lib.anomaly.narrative import detector_label
from riskinsights_lib.style import PALETTE, format_axis_percent, format_axis_thousands, get_ax

__all__ = [
    "plot_detector_comparison",
    "plot_score_distributions",
    "plot_budget_curve",
    "plot_customer_timeline",
    "plot_throughput",
]


def plot_detector_comparison(
    table: pd.DataFrame, *, k: int, axes: np.ndarray | None = None
) -> Figure:
    """PR AUC and recall@k per detector, overall and per anomaly type (two panels).

    ``table`` is the output of :func:`~riskinsights_lib.anomaly.evaluate.evaluate_detectors`.
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=False)
    else:
        fig = axes[0].figure
    detectors = list(dict.fromkeys(table["detector"]))
    segments = list(dict.fromkeys(table["segment"]))
    width = 0.8 / len(detectors)
    x = np.arange(len(segments))
    for ax, col, label in (
        (axes[0], "pr_auc", "PR AUC"),
        (axes[1], "recall_at_k", f"Recall in the top {k:,}"),
    ):
        for i, det in enumerate(detectors):
            sub = table[table["detector"] == det].set_index("segment").reindex(segments)
            ax.bar(
                x + (i - (len(detectors) - 1) / 2) * width,
                sub[col],
                width,
                label=det,
                color=PALETTE[i % len(PALETTE)],
            )
        ax.set_xticks(x, [s.replace("_", " ") for s in segments], rotation=20)
        ax.set_ylabel(label)
        ax.set_xlabel("anomaly type")
        if col == "recall_at_k":
            format_axis_percent(ax)
    overall = table[table["segment"] == "overall"].set_index("detector")["pr_auc"]
    best = overall.idxmax()
    label = detector_label(best)
    axes[0].set_title(
        f"{label[0].upper() + label[1:]} has the highest PR AUC overall ({overall[best]:.2f})"
    )
    axes[1].set_title(f"Share of each type caught in the top {k:,} alerts")
    axes[0].legend(title="detector")
    if fig.get_layout_engine() is None:  # the house style lays figures out itself
        fig.tight_layout()
    return fig


def plot_score_distributions(
    scores: np.ndarray | pd.Series,
    anomaly_type: pd.Series,
    *,
    bins: int = 60,
    clip: tuple[float, float] | None = None,
    ax: Axes | None = None,
    detector: str = "Isolation Forest",
) -> Axes:
    """Density of the score for normal transactions and for each planted type.

    With ``clip=(q_low, q_high)``, scores outside those quantiles of all scores
    are drawn at the edges, so a few extreme values (e.g. of an unbounded
    z-score) do not flatten the picture; the title then says so.
    """
    ax = get_ax(ax)
    s = np.asarray(scores, dtype=float)
    lo, hi = np.quantile(s, clip) if clip is not None else (np.min(s), np.max(s))
    s = np.clip(s, lo, hi)
    t = pd.Series(anomaly_type).astype("string").fillna(NORMAL).to_numpy()
    edges = np.linspace(lo, hi, bins + 1) if hi > lo else bins
    kinds = [NORMAL] + sorted(set(t) - {NORMAL})
    for i, kind in enumerate(kinds):
        vals = s[t == kind]
        if len(vals) == 0:
            continue
        ax.hist(
            vals,
            bins=edges,
            density=True,
            histtype="step" if kind != NORMAL else "stepfilled",
            alpha=0.35 if kind == NORMAL else 1.0,
            linewidth=2,
            color=PALETTE[i % len(PALETTE)],
            label=f"{kind.replace('_', ' ')} (n={len(vals):,})",
        )
    med = {k: float(np.median(s[t == k])) for k in kinds if (t == k).any()}
    lowest = min((k for k in kinds if k != NORMAL), key=lambda k: med[k], default=None)
    title = detector
    if lowest is not None:
        title += f": {lowest.replace('_', ' ')} overlaps normal the most"
    ax.set_title(title)
    ax.set_xlabel(
        "anomaly score (higher = more unusual)"
        + (f"; clipped to [{lo:,.3g}, {hi:,.3g}]" if clip is not None else "")
    )
    ax.set_ylabel("density")
    ax.legend(fontsize=9)
    return ax


def plot_budget_curve(curve: pd.DataFrame, *, k: int | None = None, ax: Axes | None = None) -> Axes:
    """Precision and recall against the alert budget (output of ``budget_curve``)."""
    ax = get_ax(ax)
    ax.plot(curve["budget"], curve["precision"], marker="o", color=PALETTE[0], label="precision")
    ax.plot(curve["budget"], curve["recall"], marker="s", color=PALETTE[1], label="recall")
    if k is not None:
        ax.axvline(k, color="grey", linestyle="--", linewidth=1)
        ax.annotate(
            f"review capacity k={k:,}",
            (k, 0.95),
            xytext=(5, 0),
            textcoords="offset points",
            fontsize=9,
        )
    ax.set_xscale("log")
    format_axis_thousands(ax, "x")
    format_axis_percent(ax)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("alert budget (transactions flagged, log scale)")
    ax.set_ylabel("share")
    cross = curve.loc[(curve["recall"] >= curve["precision"]).to_numpy()]
    note = (
        f"; recall passes precision at {int(cross['budget'].iloc[0]):,} alerts"
        if len(cross)
        else ""
    )
    ax.set_title(f"More alerts buy recall at the cost of precision{note}")
    ax.legend()
    return ax


def plot_customer_timeline(
    timeline: pd.DataFrame,
    *,
    ts_col: str = "ts",
    amount_col: str = "amount",
    reasons_col: str | None = "reasons",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """A customer's amounts over time, flagged transactions highlighted (from ``customer_timeline``)."""
    ax = get_ax(ax)
    ts = pd.to_datetime(timeline[ts_col])
    flagged = timeline["flagged"].to_numpy(dtype=bool)
    ax.plot(ts, timeline[amount_col], color="lightgrey", linewidth=1, zorder=1)
    ax.scatter(
        ts[~flagged],
        timeline.loc[~flagged, amount_col],
        s=14,
        color=PALETTE[0],
        label="transaction",
        zorder=2,
    )
    ax.scatter(
        ts[flagged],
        timeline.loc[flagged, amount_col],
        s=60,
        color=PALETTE[3],
        marker="D",
        label="flagged",
        zorder=3,
    )
    ax.set_yscale("symlog", linthresh=10)
    format_axis_thousands(ax)
    ax.set_xlabel("date")
    ax.set_ylabel("amount (EUR, symlog)")
    n_flag = int(flagged.sum())
    ax.set_title(title or f"{len(timeline):,} transactions, {n_flag} flagged")
    if (
        reasons_col
        and reasons_col in timeline.columns
        and flagged.any()
        and "score" in timeline.columns
    ):
        top = timeline.loc[flagged].sort_values("score", ascending=False).iloc[0]
        text = top[reasons_col]
        if isinstance(text, str) and text:
            # point the label into the axes so that it never reaches the title or the labels
            span = (ts.max() - ts.min()) or pd.Timedelta(seconds=1)
            right = (pd.Timestamp(top[ts_col]) - ts.min()) / span > 0.5
            high = top[amount_col] >= timeline[amount_col].median()
            ax.annotate(
                "top: " + text.split(";")[0],
                (pd.Timestamp(top[ts_col]), top[amount_col]),
                xytext=(-10 if right else 10, -12 if high else 12),
                textcoords="offset points",
                ha="right" if right else "left",
                va="top" if high else "bottom",
                fontsize=9,
                arrowprops={"arrowstyle": "-", "color": "grey"},
            )
    ax.legend(loc="upper left")
    return ax


def plot_throughput(bench: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Rows scored per second by size and number of trees (benchmark results)."""
    ax = get_ax(ax)
    for i, (trees, sub) in enumerate(bench.groupby("n_estimators")):
        ax.plot(
            sub["rows"],
            sub["rows_per_s"],
            marker="o",
            color=PALETTE[i % len(PALETTE)],
            label=f"{trees} trees",
        )
    ax.set_xscale("log")
    format_axis_thousands(ax)
    format_axis_thousands(ax, "x")
    ax.set_xlabel("rows scored")
    ax.set_ylabel("rows per second")
    best = bench.loc[bench["rows_per_s"].idxmax()]
    ax.set_title(f"Up to {best['rows_per_s']:,.0f} rows/s ({int(best['n_estimators'])} trees)")
    ax.legend()
    return ax
