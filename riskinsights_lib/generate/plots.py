"""Charts of the synthetic bank for the 01 notebook (house style, ``ax=None``, no saving)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from riskinsights_lib.style import PALETTE, format_axis_percent, format_axis_thousands, get_ax

__all__ = [
    "plot_counts",
    "plot_shares",
    "plot_balances",
    "plot_events_vs_macro",
    "plot_transactions_by",
    "plot_truth_calibration",
]


def plot_counts(counts: pd.Series, *, title: str, xlabel: str, ax: Axes | None = None) -> Axes:
    """Horizontal bars of counts (e.g. customers per segment)."""
    ax = get_ax(ax)
    counts = counts.sort_values()
    ax.barh(counts.index.astype(str), counts.to_numpy(), color=PALETTE[0])
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    format_axis_thousands(ax, "x")
    return ax


def plot_shares(
    shares: pd.Series, *, title: str, xlabel: str = "Share of customers", ax: Axes | None = None
) -> Axes:
    """Horizontal bars of shares (e.g. product holding)."""
    ax = get_ax(ax)
    shares = shares.sort_values()
    colours = [PALETTE[1] if "any" in str(i) else PALETTE[0] for i in shares.index]
    ax.barh(shares.index.astype(str), shares.to_numpy(), color=colours)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    format_axis_percent(ax, "x")
    return ax


def plot_balances(balances: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Distribution of month-end balances per product (symmetric log scale, EUR)."""
    ax = get_ax(ax)
    products = sorted(balances["product_type"].unique())
    data = [balances.loc[balances["product_type"] == p, "balance"].to_numpy() for p in products]
    ax.boxplot(data, vert=False, showfliers=False, tick_labels=products)
    ax.set_xscale("symlog", linthresh=100)
    ax.set_xlabel("Month-end balance (EUR, symmetric log scale)")
    medians = {p: float(np.median(d)) for p, d in zip(products, data, strict=True) if len(d)}
    top = max(medians, key=medians.get) if medians else ""
    ax.set_title(f"Balances span four orders of magnitude; {top.replace('_', ' ')} is the largest")
    return ax


def plot_events_vs_macro(monthly: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """New defaults and churn events per month against the macro factor."""
    ax = get_ax(ax, figsize=(10, 4.5))
    x = monthly.index
    width = 10
    ax.bar(
        x - pd.Timedelta(days=6),
        monthly["new_defaults"],
        width=width,
        color=PALETTE[3],
        label="New defaults (90+ dpd)",
    )
    ax.bar(
        x + pd.Timedelta(days=6),
        monthly["churn_events"],
        width=width,
        color=PALETTE[0],
        label="Churn events",
    )
    ax.set_ylabel("Customers per month")
    format_axis_thousands(ax)
    twin = ax.twinx()
    twin.plot(x, monthly["macro"], color="black", lw=2, label="Macro stress factor")
    twin.set_ylabel("Macro stress factor (0 = normal)")
    twin.grid(False)
    peak = monthly["macro"].idxmax()
    stressed = monthly["macro"] >= monthly["macro"].median()
    uplift = (
        monthly.loc[stressed, "new_defaults"].mean()
        / max(monthly.loc[~stressed, "new_defaults"].mean(), 1e-9)
        - 1
    )
    ax.set_title(
        f"New defaults run {uplift:+.0%} higher in the stressed months around the {peak:%B %Y} peak"
    )
    handles = ax.get_legend_handles_labels()
    twin_handles = twin.get_legend_handles_labels()
    ax.legend(
        handles[0] + twin_handles[0],
        handles[1] + twin_handles[1],
        loc="upper left",
        fontsize="small",
    )
    ax.set_xlabel("Month end")
    return ax


def plot_transactions_by(
    counts: pd.DataFrame, by: str, *, title: str, xlabel: str, ax: Axes | None = None
) -> Axes:
    """Stacked bars of transactions per ``by`` (hour or day of month) and channel."""
    ax = get_ax(ax)
    table = counts.pivot_table(
        index=by, columns="channel", values="transactions", aggfunc="sum", fill_value=0
    )
    bottom = np.zeros(len(table))
    for i, channel in enumerate(table.columns):
        ax.bar(
            table.index,
            table[channel],
            bottom=bottom,
            color=PALETTE[i % len(PALETTE)],
            label=channel.replace("_", " "),
        )
        bottom += table[channel].to_numpy()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Transactions")
    format_axis_thousands(ax)
    ax.legend(ncol=3, fontsize=8)
    return ax


def plot_truth_calibration(table: pd.DataFrame, *, what: str, ax: Axes | None = None) -> Axes:
    """Realised rate against the mean true probability per decile (the truth is calibrated)."""
    ax = get_ax(ax, figsize=(5, 4.5))
    top = float(max(table["mean_probability"].max(), table["realised_rate"].max()) * 1.05)
    ax.plot([0, top], [0, top], color="grey", ls="--", lw=1, label="Perfect calibration")
    ax.plot(
        table["mean_probability"],
        table["realised_rate"],
        "o-",
        color=PALETTE[0],
        label="Deciles of the true probability",
    )
    ax.set_xlabel(f"Mean true {what} probability (decile)")
    ax.set_ylabel(f"Realised {what} rate")
    format_axis_percent(ax, "x")
    format_axis_percent(ax, "y")
    ax.set_title(f"True {what} probabilities match realised rates")
    ax.legend(loc="upper left")
    return ax
