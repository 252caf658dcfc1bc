"""Charts of the portfolio and transaction sections, in the house style.

Every helper takes a KPI DataFrame (output of ``kpis_*``) and ``ax=None``,
draws one chart, titles it with the finding read from the data and returns
the Axes. Nothing is saved or shown here.
"""

from __future__ import annotations

import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from riskinsights_lib.bi._fmt import change, eur, month_label, num, pct
from riskinsights_lib.style import PALETTE, format_axis_percent, format_axis_thousands, get_ax

__all__ = [
    "plot_customers_by_segment",
    "plot_accounts_by_product",
    "plot_new_closed",
    "plot_balances",
    "plot_utilisation",
    "plot_segment_product",
    "plot_transactions_by_month",
    "plot_channel_mix",
    "plot_top_categories",
    "plot_top_countries",
    "plot_weekday_hour",
]

_WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _check(df: pd.DataFrame, name: str, columns: set[str]) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name}: expected a DataFrame, got {type(df).__name__}")
    missing = columns - set(df.columns)
    if missing:
        raise ValueError(f"{name}: missing columns {sorted(missing)}")


def _label(text: str) -> str:
    return str(text).replace("_", " ")


def _finish(
    ax: Axes,
    title: str,
    xlabel: str,
    ylabel: str,
    *,
    legend: str | None = None,
    outside: bool = False,
) -> Axes:
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend is not None and ax.get_legend_handles_labels()[0]:
        where = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)} if outside else {"loc": "best"}
        ax.legend(title=legend, fontsize="small", **where)
    return ax


def _no_data(ax: Axes, what: str) -> Axes:
    """An empty chart that says so (a KPI table can be empty on a small or clean run)."""
    ax.text(0.5, 0.5, f"No {what} in this run", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"No {what} in this run")
    return ax


def _lines(ax: Axes, wide: pd.DataFrame) -> None:
    for i, col in enumerate(wide.columns):
        ax.plot(wide.index, wide[col], label=_label(col), color=PALETTE[i % len(PALETTE)], lw=2)


def plot_customers_by_segment(customers: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Customers with an open account by segment over month ends."""
    _check(customers, "customers", {"month_end", "segment", "n_customers"})
    ax = get_ax(ax)
    if customers.empty:
        return _no_data(ax, "customers with an open account")
    wide = customers.pivot_table(
        index="month_end", columns="segment", values="n_customers", aggfunc="sum", fill_value=0
    ).sort_index()
    _lines(ax, wide)
    growth = wide.iloc[-1] / wide.iloc[0].where(wide.iloc[0] > 0) - 1
    top = growth.abs().idxmax() if growth.notna().any() else wide.columns[0]
    total = wide.sum(axis=1)
    title = (
        f"{num(total.iloc[-1])} customers ({change(total.iloc[0], total.iloc[-1])}); "
        f"{_label(top)} moved most ({growth[top]:+.0%})"
    )
    format_axis_thousands(ax)
    return _finish(ax, title, "Month end", "Customers with an open account", legend="Segment")


def plot_accounts_by_product(accounts: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Open accounts by product over month ends."""
    _check(accounts, "accounts", {"month_end", "product_type", "n_accounts"})
    ax = get_ax(ax)
    if accounts.empty:
        return _no_data(ax, "open accounts")
    wide = accounts.pivot_table(
        index="month_end", columns="product_type", values="n_accounts", aggfunc="sum"
    ).sort_index()
    _lines(ax, wide)
    last = wide.iloc[-1]
    title = (
        f"{_label(last.idxmax()).capitalize()} is the largest book: {num(last.max())} open accounts"
    )
    format_axis_thousands(ax)
    return _finish(ax, title, "Month end", "Open accounts", legend="Product")


def plot_new_closed(accounts: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Accounts opened and closed per month (all products)."""
    _check(accounts, "accounts", {"month_end", "n_new", "n_closed"})
    ax = get_ax(ax)
    if accounts.empty:
        return _no_data(ax, "accounts")
    flows = accounts.groupby("month_end")[["n_new", "n_closed"]].sum().sort_index()
    x = pd.to_datetime(flows.index)
    width = pd.Timedelta(days=12)
    ax.bar(x - width / 2, flows["n_new"], width=width, color=PALETTE[2], label="opened")
    ax.bar(x + width / 2, flows["n_closed"], width=width, color=PALETTE[3], label="closed")
    net = int(flows["n_new"].sum() - flows["n_closed"].sum())
    title = f"Net {net:+,} accounts: {num(flows['n_new'].sum())} opened, {num(flows['n_closed'].sum())} closed"
    format_axis_thousands(ax)
    return _finish(ax, title, "Month end", "Accounts per month", legend="")


def plot_balances(balances: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Deposit and loan balances over month ends (EUR millions)."""
    _check(balances, "balances", {"month_end", "deposit_balance", "loan_balance"})
    ax = get_ax(ax)
    if balances.empty:
        return _no_data(ax, "balances")
    b = balances.set_index("month_end").sort_index()[["deposit_balance", "loan_balance"]] / 1e6
    b.columns = ["deposits", "loans"]
    _lines(ax, b)
    ratio = b["loans"].iloc[-1] / b["deposits"].iloc[-1] if b["deposits"].iloc[-1] else float("nan")
    title = (
        f"Deposits {eur(b['deposits'].iloc[-1] * 1e6)} fund loans of "
        f"{eur(b['loans'].iloc[-1] * 1e6)} (loan-to-deposit {ratio:.0%})"
    )
    ax.set_ylim(bottom=0)
    format_axis_thousands(ax)
    ax.yaxis.set_major_formatter(lambda v, _p: f"{v:,.1f}")
    return _finish(ax, title, "Month end", "Balance (EUR m)", legend="")


def plot_utilisation(utilisation: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Credit-limit utilisation (balance-weighted and mean per account) over month ends."""
    _check(
        utilisation,
        "utilisation",
        {"month_end", "total_balance", "total_limit", "n_accounts", "mean_utilisation"},
    )
    ax = get_ax(ax)
    if utilisation.empty:
        return _no_data(ax, "credit cards")
    g = utilisation.assign(w=utilisation["mean_utilisation"] * utilisation["n_accounts"])
    g = (
        g.groupby("month_end")[["total_balance", "total_limit", "w", "n_accounts"]]
        .sum()
        .sort_index()
    )
    wide = pd.DataFrame(
        {
            "balance-weighted": g["total_balance"] / g["total_limit"],
            "mean per account": g["w"] / g["n_accounts"],
        }
    )
    _lines(ax, wide)
    u = wide["balance-weighted"]
    title = f"Card limits {pct(u.iloc[-1])} utilised in {month_label(u.index[-1])} (from {pct(u.iloc[0])})"
    ax.set_ylim(bottom=0)
    format_axis_percent(ax)
    return _finish(ax, title, "Month end", "Utilisation (% of limit)", legend="")


def plot_segment_product(
    segment_product: pd.DataFrame, ax: Axes | None = None, *, value: str = "balance"
) -> Axes:
    """Heat map of the latest month end by segment x product: balances (EUR m) or accounts.

    Parameters
    ----------
    segment_product : output of ``portfolio_by_segment_product``.
    ax : axes to draw on (a new figure when None).
    value : ``"balance"`` (EUR millions) or ``"n_accounts"``.
    """
    if value not in ("balance", "n_accounts"):
        raise ValueError(f"value: expected 'balance' or 'n_accounts', got {value!r}")
    _check(segment_product, "segment_product", {"month_end", "segment", "product_type", value})
    ax = get_ax(ax, figsize=(9, 3.8))
    if segment_product.empty:
        return _no_data(ax, "open accounts")
    last = segment_product[segment_product["month_end"] == segment_product["month_end"].max()]
    grid = last.pivot_table(
        index="segment", columns="product_type", values=value, aggfunc="sum", fill_value=0
    )
    grid.index = [_label(i) for i in grid.index]
    grid.columns = [_label(c) for c in grid.columns]
    scale, unit, fmt = (
        (1e6, "Balance (EUR m)", ",.1f") if value == "balance" else (1, "Open accounts", ",.0f")
    )
    sns.heatmap(grid / scale, ax=ax, annot=True, fmt=fmt, cmap="cividis", cbar_kws={"label": unit})
    seg, prod = grid.stack().idxmax()
    top = grid.loc[seg, prod]
    if value == "balance" and "product_family" in last.columns:
        family = last.loc[last["product_type"].map(_label) == prod, "product_family"].iloc[0]
        same = last.loc[last["product_family"] == family, value].sum()
        of = "loan" if family == "credit" else "deposit"
        title = (
            f"{seg.capitalize()} {prod}s are the largest block: {eur(top)}, "
            f"{pct(top / same)} of {of} balances in {month_label(last['month_end'].iloc[0])}"
        )
    else:
        what = eur(top) if value == "balance" else f"{num(top)} accounts"
        title = (
            f"{seg.capitalize()} {prod}s are the largest block: {what}, "
            f"{pct(top / grid.to_numpy().sum())} of the total in {month_label(last['month_end'].iloc[0])}"
        )
    ax.tick_params(axis="y", rotation=0)
    return _finish(ax, title, "Product", "Segment")


def plot_transactions_by_month(by_month: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Transactions per month by direction."""
    _check(by_month, "by_month", {"month", "direction", "n_transactions"})
    ax = get_ax(ax)
    if by_month.empty:
        return _no_data(ax, "transactions")
    wide = by_month.pivot_table(
        index="month", columns="direction", values="n_transactions", aggfunc="sum", fill_value=0
    ).sort_index()
    wide = wide.rename(columns={"D": "debit (out)", "C": "credit (in)"})
    _lines(ax, wide)
    total = wide.sum(axis=1)
    title = f"Busiest month {month_label(total.idxmax())}: {num(total.max())} transactions"
    ax.set_ylim(bottom=0)
    format_axis_thousands(ax)
    return _finish(ax, title, "Month", "Transactions per month", legend="Direction")


def plot_channel_mix(by_channel: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Share of transaction count and value by channel over the history."""
    _check(by_channel, "by_channel", {"channel", "n_transactions", "value"})
    ax = get_ax(ax)
    if by_channel.empty:
        return _no_data(ax, "transactions")
    g = by_channel.groupby("channel")[["n_transactions", "value"]].sum()
    share = (g / g.sum()).sort_values("value")
    share.index = [_label(i) for i in share.index]
    share.columns = ["count", "value"]
    share.plot.barh(ax=ax, color=PALETTE[:2], width=0.8)
    top = share["value"].idxmax()
    title = f"{top.capitalize()} carries {pct(share['value'].max())} of value and {pct(share.loc[top, 'count'])} of count"
    format_axis_percent(ax, axis="x")
    return _finish(ax, title, "Share of all transactions (%)", "Channel", legend="Share of")


def plot_top_categories(by_category: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Merchant spend by category group (top groups and 'other'), EUR."""
    _check(by_category, "by_category", {"category_group", "value", "share_value"})
    ax = get_ax(ax)
    if by_category.empty:
        return _no_data(ax, "merchant transactions")
    d = by_category.iloc[::-1]
    ax.barh([_label(c) for c in d["category_group"]], d["value"], color=PALETTE[0])
    top = by_category.iloc[0]
    title = f"{_label(top['category_group']).capitalize()} leads merchant spend with {pct(top['share_value'])}"
    format_axis_thousands(ax, axis="x")
    return _finish(ax, title, "Merchant spend (EUR)", "Category group")


def plot_top_countries(by_country: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Merchant transactions by merchant country (top countries and 'other')."""
    _check(by_country, "by_country", {"country_code", "n_transactions", "share_transactions"})
    ax = get_ax(ax)
    if by_country.empty:
        return _no_data(ax, "merchant transactions")
    d = by_country.iloc[::-1]
    ax.barh(d["country_code"].astype(str), d["n_transactions"], color=PALETTE[5])
    top = by_country.iloc[0]
    title = f"{top['country_code']} merchants take {pct(top['share_transactions'])} of merchant transactions"
    format_axis_thousands(ax, axis="x")
    return _finish(ax, title, "Merchant transactions", "Merchant country")


def plot_weekday_hour(weekday_hour: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Heat map of customer-initiated transactions by weekday and hour of day."""
    _check(weekday_hour, "weekday_hour", {"weekday", "hour", "n_transactions"})
    ax = get_ax(ax, figsize=(11, 3.8))
    if weekday_hour.empty:
        return _no_data(ax, "customer-initiated transactions")
    grid = (
        weekday_hour.pivot_table(
            index="weekday", columns="hour", values="n_transactions", aggfunc="sum"
        )
        .reindex(index=range(1, 8), columns=range(24))
        .fillna(0)
    )
    sns.heatmap(
        grid,
        ax=ax,
        cmap="cividis",
        cbar_kws={"label": "Customer-initiated transactions", "format": "{x:,.0f}"},
        yticklabels=_WEEKDAYS,
    )
    wd, hr = grid.stack().idxmax()
    title = f"Customers transact most on {_WEEKDAYS[int(wd) - 1]} at {int(hr):02d}:00"
    ax.tick_params(axis="y", rotation=0)
    return _finish(ax, title, "Hour of day", "Weekday")
