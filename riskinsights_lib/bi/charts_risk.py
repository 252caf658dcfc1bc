"""Charts of the credit-risk, customer and data-quality sections, in the house style.

Same contract as :mod:`riskinsights_lib.bi.charts`: a KPI DataFrame and
``ax=None`` in, the Axes out, the finding in the title.
"""

from __future__ import annotations

import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from riskinsights_lib.bi._fmt import month_label, num, pct, pp
from riskinsights_lib.bi._sql import DPD_BUCKETS
from riskinsights_lib.bi.charts import _check, _finish, _label, _lines, _no_data
from riskinsights_lib.bi.kpis_customer import TENURE_BANDS
from riskinsights_lib.style import PALETTE, format_axis_percent, format_axis_thousands, get_ax

__all__ = [
    "plot_delinquency",
    "plot_roll_rates",
    "plot_vintages",
    "plot_default_rates",
    "plot_default_by_product",
    "plot_churn",
    "plot_product_holding",
    "plot_activity",
    "plot_reconciliation",
    "plot_rejects",
]

_BUCKET_COLOURS = dict(
    zip(DPD_BUCKETS[1:], [PALETTE[6], PALETTE[1], PALETTE[3], PALETTE[7]], strict=True)
)


def plot_delinquency(delinquency: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Share of open credit accounts in each arrears bucket over month ends (stacked)."""
    _check(delinquency, "delinquency", {"month_end", "dpd_bucket", "share_accounts"})
    ax = get_ax(ax)
    if delinquency.empty:
        return _no_data(ax, "open credit accounts")
    wide = (
        delinquency.pivot_table(
            index="month_end", columns="dpd_bucket", values="share_accounts", aggfunc="sum"
        )
        .reindex(columns=DPD_BUCKETS[1:])
        .fillna(0)
        .sort_index()
    )
    x = pd.to_datetime(wide.index)
    ax.stackplot(
        x,
        wide.T.to_numpy(),
        labels=wide.columns,
        colors=[_BUCKET_COLOURS[c] for c in wide.columns],
        alpha=0.9,
    )
    arrears = wide.sum(axis=1)
    title = (
        f"{pct(arrears.iloc[-1])} of credit accounts in arrears in {month_label(wide.index[-1])}, "
        f"{pct(wide['90+'].iloc[-1])} at 90+ days"
    )
    ax.set_ylim(bottom=0)
    format_axis_percent(ax)
    return _finish(ax, title, "Month end", "Open credit accounts (%)", legend="Days past due")


def plot_roll_rates(matrix: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Heat map of the roll-rate matrix (output of ``roll_rate_matrix``), rows in percent."""
    if not isinstance(matrix, pd.DataFrame):
        raise TypeError(
            f"matrix: expected a DataFrame (roll_rate_matrix), got {type(matrix).__name__}"
        )
    ax = get_ax(ax, figsize=(7, 4.5))
    if matrix.empty:
        return _no_data(ax, "month-to-month transitions")
    sns.heatmap(
        matrix,
        ax=ax,
        annot=True,
        fmt=".1%",
        cmap="cividis",
        vmin=0,
        vmax=1,
        cbar_kws={"label": "Share of the from-bucket", "format": "{x:.0%}"},
    )
    cure = (
        matrix.loc["30-59", "current"]
        if {"30-59"} <= set(matrix.index) and "current" in matrix.columns
        else None
    )
    worsen = (
        matrix.loc["60-89", "90+"] if "60-89" in matrix.index and "90+" in matrix.columns else None
    )
    bits = []
    if worsen is not None:
        bits.append(f"{pct(worsen)} of 60-89 accounts roll to 90+ next month")
    if cure is not None:
        bits.append(f"{pct(cure)} of 30-59 cure")
    title = "; ".join(bits) if bits else "Month-to-month roll rates between delinquency buckets"
    ax.tick_params(axis="y", rotation=0)
    return _finish(ax, title, "Bucket next month", "Bucket this month")


def plot_vintages(vintages: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Cumulative default rate by months on book, one line per origination quarter."""
    _check(vintages, "vintages", {"vintage", "months_on_book", "cum_default_rate"})
    ax = get_ax(ax)
    if vintages.empty:
        return _no_data(ax, "credit accounts originated inside the history")
    wide = vintages.pivot_table(
        index="months_on_book", columns="vintage", values="cum_default_rate"
    ).sort_index()
    _lines(ax, wide)
    if wide.empty:
        title = "No credit accounts originated inside the history"
    else:
        mob = int(wide.dropna(how="all").index.max())
        common = wide.dropna(axis=1).index.max() if not wide.dropna(axis=1).empty else None
        at = min(12, mob) if common is None else min(12, int(common))
        row = wide.loc[at].dropna()
        title = (
            f"At {at} months on book cumulative defaults range {pct(row.min())}-{pct(row.max())} "
            f"across {row.size} vintages"
        )
    ax.set_ylim(bottom=0)
    format_axis_percent(ax)
    return _finish(ax, title, "Months on book", "Cumulative default rate (%)", legend="Vintage")


def plot_default_rates(default_by_segment: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """12-month default rate by segment per month-end cohort."""
    _check(
        default_by_segment,
        "default_by_segment",
        {"cohort_month_end", "segment", "n_defaults", "n_accounts"},
    )
    ax = get_ax(ax)
    if default_by_segment.empty:
        return _no_data(ax, "cohorts with a full 12-month outcome")
    g = default_by_segment.groupby(["cohort_month_end", "segment"])[
        ["n_defaults", "n_accounts"]
    ].sum()
    wide = (g["n_defaults"] / g["n_accounts"]).unstack("segment").sort_index()
    _lines(ax, wide)
    delta = (wide.iloc[-1] - wide.iloc[0]).dropna()
    if delta.empty:
        title = "12-month default rate by segment"
    else:
        seg = delta.abs().idxmax()
        title = (
            f"{_label(seg).capitalize()} default rate moved most: {pp(delta[seg])} across cohorts"
        )
    ax.set_ylim(bottom=0)
    format_axis_percent(ax)
    return _finish(ax, title, "Cohort month end", "12-month default rate (%)", legend="Segment")


def plot_default_by_product(default_by_product: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """12-month default rate by product, pooled over cohorts."""
    _check(default_by_product, "default_by_product", {"product_type", "n_defaults", "n_accounts"})
    ax = get_ax(ax)
    if default_by_product.empty:
        return _no_data(ax, "cohorts with a full 12-month outcome")
    g = default_by_product.groupby("product_type")[["n_defaults", "n_accounts"]].sum()
    rate = (g["n_defaults"] / g["n_accounts"]).sort_values()
    ax.barh([_label(p) for p in rate.index], rate.to_numpy(), color=PALETTE[3])
    for y, (p, r) in enumerate(rate.items()):
        ax.annotate(
            f"{pct(r)}  (n={num(g.loc[p, 'n_accounts'])})",
            (r, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    title = (
        f"{_label(rate.idxmax()).capitalize()} defaults most: {pct(rate.max())} within 12 months"
    )
    format_axis_percent(ax, axis="x")
    ax.set_xlim(0, rate.max() * 1.35 if rate.max() > 0 else 1)
    return _finish(
        ax, title, "12-month default rate (%), account-months pooled over cohorts", "Product"
    )


def plot_churn(churn: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """6-month churn rate by tenure band and segment (pooled over snapshots)."""
    _check(churn, "churn", {"segment", "tenure_band", "n_churned", "n_customers"})
    ax = get_ax(ax)
    if churn.empty:
        return _no_data(ax, "churn mart rows")
    g = churn.groupby(["tenure_band", "segment"])[["n_churned", "n_customers"]].sum().reset_index()
    g["segment"] = g["segment"].map(_label)
    g["churn_rate"] = g["n_churned"] / g["n_customers"]
    order = [b for b in TENURE_BANDS if b in set(g["tenure_band"])]
    sns.barplot(
        data=g,
        x="tenure_band",
        y="churn_rate",
        hue="segment",
        order=order,
        ax=ax,
        palette=PALETTE[: g["segment"].nunique()],
    )
    band = g.groupby("tenure_band")[["n_churned", "n_customers"]].sum()
    rate = band["n_churned"] / band["n_customers"]
    title = f"Churn is highest at tenure {rate.idxmax()} ({pct(rate.max())}) and lowest at {rate.idxmin()} ({pct(rate.min())})"
    format_axis_percent(ax)
    return _finish(ax, title, "Tenure at the snapshot", "6-month churn rate (%)", legend="Segment")


def plot_product_holding(holding: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Customers by number of product types held at the latest month end, by segment."""
    _check(holding, "holding", {"month_end", "segment", "n_products", "n_customers"})
    ax = get_ax(ax)
    if holding.empty:
        return _no_data(ax, "customers with an open account")
    last = holding[holding["month_end"] == holding["month_end"].max()]
    share = last.assign(
        share=last["n_customers"] / last.groupby("segment")["n_customers"].transform("sum"),
        segment=last["segment"].map(_label),
    )
    sns.barplot(
        data=share,
        x="n_products",
        y="share",
        hue="segment",
        ax=ax,
        palette=PALETTE[: share["segment"].nunique()],
    )
    n = last.groupby("n_products")["n_customers"].sum()
    title = f"{pct(n[n.index >= 2].sum() / n.sum())} of customers hold two or more product types"
    format_axis_percent(ax)
    return _finish(
        ax, title, "Product types held", "Customers in the segment (%)", legend="Segment"
    )


def plot_activity(activity: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Share of customers who transact each month and monthly attrition."""
    _check(activity, "activity", {"month_end", "active_share", "attrition_rate"})
    ax = get_ax(ax)
    if activity.empty:
        return _no_data(ax, "customers with an open account")
    wide = (
        activity.set_index("month_end")
        .sort_index()[["active_share", "attrition_rate"]]
        .astype(float)
    )
    wide.columns = ["made a transaction themselves", "left the bank (attrition)"]
    _lines(ax, wide)
    a = wide.iloc[:, 0].dropna()
    title = (
        f"{pct(a.iloc[-1])} of customers made a transaction themselves in "
        f"{month_label(a.index[-1])}; mean monthly attrition {pct(wide.iloc[:, 1].mean(), 2)}"
    )
    ax.set_ylim(0, 1)
    format_axis_percent(ax)
    return _finish(ax, title, "Month end", "Customers with an open account (%)", legend="")


def plot_reconciliation(recon: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Reject rate per source, annotated with raw and rejected rows."""
    _check(recon, "recon", {"source", "raw_rows", "rejected_rows", "unexplained_rows"})
    ax = get_ax(ax)
    if recon.empty:
        return _no_data(ax, "reconciled sources")
    d = recon.assign(
        rate=recon["rejected_rows"] / recon["raw_rows"].where(recon["raw_rows"] > 0)
    ).sort_values("rate")
    ax.barh(d["source"].astype(str), d["rate"].fillna(0), color=PALETTE[0])
    for y, row in enumerate(d.itertuples()):
        ax.annotate(
            f"{num(row.rejected_rows)} of {num(row.raw_rows)}",
            (row.rate or 0, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    ok = int((recon["unexplained_rows"] == 0).sum())
    title = f"{ok} of {len(recon)} sources reconcile; at most {pct(d['rate'].max(), 2)} of a source rejected"
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.2%}"))
    ax.set_xlim(0, max(d["rate"].max() * 1.5, 0.001))
    return _finish(ax, title, "Rows rejected (% of raw rows)", "Source")


def plot_rejects(rejects: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Quarantined rows by reason, stacked by source."""
    _check(rejects, "rejects", {"source", "reason", "n_rows"})
    ax = get_ax(ax)
    if rejects.empty:
        return _no_data(ax, "rejected rows")
    wide = rejects.pivot_table(
        index="reason", columns="source", values="n_rows", aggfunc="sum", fill_value=0
    )
    wide = wide.loc[wide.sum(axis=1).sort_values().index]
    wide.index = [_label(i) for i in wide.index]
    wide.plot.barh(stacked=True, ax=ax, color=PALETTE[: wide.shape[1]], width=0.8)
    total = wide.sum(axis=1)
    title = (
        f"{total.idxmax().capitalize()} is the main reject reason ({num(total.max())} of {num(total.sum())} rows)"
        if len(total)
        else "No rows were rejected"
    )
    format_axis_thousands(ax, axis="x")
    return _finish(ax, title, "Rejected rows", "Reason", legend="Source", outside=True)
