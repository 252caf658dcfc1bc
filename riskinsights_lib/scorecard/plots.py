"""Charts of the scorecard validation. Each takes ``ax=None`` and returns the Axes."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter
from sklearn.metrics import roc_auc_score, roc_curve

from riskinsights_lib.style import PALETTE, format_axis_percent, format_axis_thousands, get_ax

__all__ = [
    "plot_target_by_snapshot",
    "plot_iv",
    "plot_feature_bins",
    "plot_roc",
    "plot_ks",
    "plot_score_distribution",
    "plot_reliability",
    "plot_grades",
    "plot_psi_series",
    "plot_learning_curve",
]


def plot_target_by_snapshot(summary: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Rows (bars) and default rate (line) per snapshot; ``summary`` from :func:`target_summary`."""
    ax = get_ax(ax)
    labels = summary["snapshot"].astype(str)
    ax.bar(labels, summary["n"], color=PALETTE[5], label="rows")
    ax.set_ylabel("customers")
    format_axis_thousands(ax)
    twin = ax.twinx()
    twin.plot(labels, summary["default_rate"], color=PALETTE[3], marker="o", label="default rate")
    twin.set_ylabel("12-month default rate")
    twin.set_ylim(0, summary["default_rate"].max() * 1.3)
    format_axis_percent(twin)
    twin.grid(False)
    lo, hi = summary["default_rate"].min(), summary["default_rate"].max()
    ax.set_title(f"Default rate moves between {lo:.1%} and {hi:.1%} across snapshots")
    ax.set_xlabel("snapshot (month end)")
    return ax


def plot_iv(iv_table: pd.DataFrame, *, min_iv: float = 0.02, ax: Axes | None = None) -> Axes:
    """Information value per candidate feature, kept vs dropped."""
    t = iv_table.sort_values("iv")
    ax = get_ax(ax, figsize=(9, max(3, 0.3 * len(t))))
    colors = [PALETTE[0] if k else "#BBBBBB" for k in t["kept"]]
    ax.barh(t["feature"], t["iv"], color=colors)
    ax.axvline(min_iv, color=PALETTE[3], ls="--", lw=1, label=f"min IV {min_iv:g}")
    ax.set_xlabel("information value (development train)")
    ax.set_title(f"{int(t['kept'].sum())} of {len(t)} candidate features kept (blue)")
    ax.legend(loc="lower right")
    return ax


def plot_feature_bins(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """One feature's bins: share of rows (bars) and default rate (line over the regular bins,
    separate markers for the missing/unseen bins)."""
    ax = get_ax(ax)
    t = table[table["count"] > 0].reset_index(drop=True)
    labels = t["bin"].astype(str)
    special = t["bin"].isin(["Missing", "Other (unseen)"]).to_numpy()
    ax.bar(
        labels,
        t["count_share"],
        color=[PALETTE[7] if s else PALETTE[5] for s in special],
        alpha=0.8,
    )
    ax.set_ylabel("share of rows")
    format_axis_percent(ax)
    twin = ax.twinx()
    x = np.arange(len(t))
    twin.plot(x[~special], t.loc[~special, "event_rate"], color=PALETTE[3], marker="o")
    twin.plot(x[special], t.loc[special, "event_rate"], color=PALETTE[3], marker="D", lw=0)
    twin.set_ylabel("default rate")
    twin.set_ylim(0, None)
    format_axis_percent(twin)
    twin.grid(False)
    ax.tick_params(axis="x", rotation=30)
    ax.set_title(
        f"{t['feature'].iloc[0]}: default rate from {t['event_rate'].min():.1%} to {t['event_rate'].max():.1%}"
    )
    return ax


def plot_roc(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """ROC curves; ``curves`` maps a label to ``(y_true, y_score)`` with higher score = riskier."""
    ax = get_ax(ax, figsize=(6, 5.5))
    aucs = {}
    for i, (label, (y, s)) in enumerate(curves.items()):
        fpr, tpr, _ = roc_curve(y, s)
        aucs[label] = roc_auc_score(y, s)
        ax.plot(fpr, tpr, color=PALETTE[i % len(PALETTE)], label=f"{label} (AUC {aucs[label]:.3f})")
    ax.plot([0, 1], [0, 1], color="#999999", ls=":", lw=1)
    ax.set_xlabel("false positive rate (non-defaulters declined)")
    ax.set_ylabel("true positive rate (defaulters caught)")
    first, last = next(iter(aucs)), list(aucs)[-1]
    ax.set_title(title or f"AUC {aucs[last]:.3f} on {last} against {aucs[first]:.3f} on {first}")
    ax.legend(loc="lower right")
    return ax


def plot_ks(y_true: np.ndarray, score: np.ndarray, *, ax: Axes | None = None) -> Axes:
    """Cumulative score distributions of defaulters and non-defaulters, with the KS gap."""
    ax = get_ax(ax)
    y = np.asarray(y_true, dtype=int)
    s = np.asarray(score, dtype=float)
    grid = np.unique(s)
    bad = np.searchsorted(np.sort(s[y == 1]), grid, side="right") / max((y == 1).sum(), 1)
    good = np.searchsorted(np.sort(s[y == 0]), grid, side="right") / max((y == 0).sum(), 1)
    gap = bad - good
    i = int(np.argmax(np.abs(gap)))
    ax.plot(grid, bad, color=PALETTE[3], label="defaulters")
    ax.plot(grid, good, color=PALETTE[0], label="non-defaulters")
    ax.vlines(grid[i], good[i], bad[i], color="#000000", lw=2, label=f"KS = {abs(gap[i]):.3f}")
    ax.set_xlabel("score (points)")
    ax.set_ylabel("cumulative share below score")
    format_axis_percent(ax)
    ax.set_title(f"KS {abs(gap[i]):.3f}: widest gap at a score of {grid[i]:,.0f}")
    ax.legend(loc="lower right")
    return ax


def plot_score_distribution(samples: Mapping[str, np.ndarray], *, ax: Axes | None = None) -> Axes:
    """Score histograms of several samples on one axis (shares, so sizes may differ)."""
    ax = get_ax(ax)
    values = np.concatenate([np.asarray(v, dtype=float) for v in samples.values()])
    bins = np.linspace(np.quantile(values, 0.005), np.quantile(values, 0.995), 40)
    for i, (label, v) in enumerate(samples.items()):
        w = np.full(len(v), 1 / max(len(v), 1))
        ax.hist(
            v,
            bins=bins,
            weights=w,
            histtype="step",
            lw=1.8,
            color=PALETTE[i % len(PALETTE)],
            label=label,
        )
    ax.set_xlabel("score (points)")
    ax.set_ylabel("share of customers")
    format_axis_percent(ax)
    means = {k: float(np.mean(v)) for k, v in samples.items()}
    ax.set_title("Mean score " + ", ".join(f"{k} {m:,.0f}" for k, m in means.items()))
    ax.legend()
    return ax


def plot_reliability(table: pd.DataFrame, *, label: str = "", ax: Axes | None = None) -> Axes:
    """Reliability curve from :func:`riskinsights_lib.evaluation.calibration_table`."""
    ax = get_ax(ax, figsize=(6, 5.5))
    hi = float(max(table["mean_predicted"].max(), table["observed_high"].max()))
    ax.plot([0, hi], [0, hi], color="#999999", ls=":", lw=1, label="perfect calibration")
    ax.errorbar(
        table["mean_predicted"],
        table["observed_rate"],
        yerr=[
            table["observed_rate"] - table["observed_low"],
            table["observed_high"] - table["observed_rate"],
        ],
        fmt="o-",
        color=PALETTE[0],
        capsize=3,
        label=f"{label} observed (95% Jeffreys)".strip(),
    )
    ax.set_xlabel("mean predicted PD")
    ax.set_ylabel("observed default rate")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ratio = table["n_pos"].sum() / (table["mean_predicted"] @ table["n"])
    ax.set_title(f"{label + ': ' if label else ''}observed defaults {ratio:.2f}x the predicted")
    ax.legend(loc="upper left")
    return ax


def plot_grades(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Mean PD vs observed default rate per grade (log scale), bars coloured by traffic light."""
    ax = get_ax(ax)
    colours = {"green": PALETTE[2], "amber": PALETTE[1], "red": PALETTE[3], "": "#CCCCCC"}
    x = np.arange(len(table))
    ax.bar(
        x,
        table["observed_dr"].fillna(0),
        color=[colours[c] for c in table["traffic_light"]],
        label="observed DR",
    )
    ax.plot(
        x,
        table["mean_pd"],
        color="#000000",
        marker="_",
        ms=20,
        lw=0,
        mew=2,
        label="mean predicted PD",
    )
    ax.set_yscale("log")
    ax.set_xticks(x, table["grade"])
    ax.set_xlabel("grade (G1 = safest); bar colour = Jeffreys traffic light")
    ax.set_ylabel("default rate (log scale)")
    counts = table["traffic_light"].value_counts()
    ax.set_title(
        f"{counts.get('green', 0)} green, {counts.get('amber', 0)} amber, {counts.get('red', 0)} red grades"
    )
    ax.legend(loc="upper left")
    return ax


def plot_psi_series(series: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Score PSI per sample with the 0.10 / 0.25 alert levels."""
    ax = get_ax(ax)
    ax.plot(series["sample"].astype(str), series["psi"], marker="o", color=PALETTE[0])
    ax.axhline(0.10, color=PALETTE[1], ls="--", lw=1, label="watch 0.10")
    ax.axhline(0.25, color=PALETTE[3], ls="--", lw=1, label="shifted 0.25")
    ax.set_ylim(0, max(0.3, float(series["psi"].max()) * 1.2))
    ax.set_xlabel("sample")
    ax.set_ylabel("PSI of the score vs development")
    worst = series.loc[series["psi"].idxmax()]
    ax.set_title(f"Largest score PSI {worst['psi']:.3f} ({worst['sample']}): {worst['status']}")
    ax.legend(loc="upper left")
    return ax


def plot_learning_curve(
    curve: pd.DataFrame, *, ceiling: float | None = None, ax: Axes | None = None
) -> Axes:
    """AUC against training rows, one line per ``auc_*`` column, with the oracle ceiling."""
    ax = get_ax(ax)
    cols = [c for c in curve.columns if c.startswith("auc_")]
    for i, c in enumerate(cols):
        ax.plot(
            curve["n"],
            curve[c],
            marker="o",
            color=PALETTE[i % len(PALETTE)],
            label=c.removeprefix("auc_"),
        )
    if ceiling is not None:
        ax.axhline(ceiling, color="#000000", ls="--", lw=1, label=f"oracle AUC {ceiling:.3f}")
        ax.axhline(0.95 * ceiling, color="#777777", ls=":", lw=1, label="95% of the oracle")
    ax.set_xlabel("training rows")
    ax.set_ylabel("ROC AUC")
    format_axis_thousands(ax, "x")
    last = curve.iloc[-1]
    ax.set_title(
        f"AUC {curve[cols[-1]].iloc[0]:.3f} -> {last[cols[-1]]:.3f} from {int(curve['n'].iloc[0]):,} "
        f"to {int(last['n']):,} training rows ({cols[-1].removeprefix('auc_')})"
    )
    ax.legend(loc="lower right")
    return ax
