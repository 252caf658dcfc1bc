"""Opening sentences of each report section, generated from the KPI tables.

Each function takes the DataFrames returned by the ``kpis_*`` and ``quality``
functions and returns two or three Markdown sentences whose every number and
every comparison ("which segment moved most") is read from the data.
"""

from __future__ import annotations

import pandas as pd

from riskinsights_lib.bi._fmt import change, eur, month_label, num, pct, pp

__all__ = [
    "portfolio_narrative",
    "transactions_narrative",
    "credit_narrative",
    "customer_narrative",
    "quality_narrative",
    "export_narrative",
]

_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _require(df: pd.DataFrame, name: str, columns: set[str]) -> None:
    missing = columns - set(df.columns)
    if missing:
        raise ValueError(f"{name}: missing columns {sorted(missing)}")


def _name(value: object) -> str:
    """A code as words: ``small_business`` -> ``small business``."""
    return str(value).replace("_", " ")


def _first_last(df: pd.DataFrame, time_col: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    times = df[time_col].sort_values().unique()
    return df[df[time_col] == times[0]], df[df[time_col] == times[-1]]


def _biggest_mover(
    df: pd.DataFrame, *, time_col: str, group_col: str, num_col: str, den_col: str | None = None
) -> tuple[str, float, float] | None:
    """Group whose value (or num/den rate) changed most between the first and last period."""
    agg = df.groupby([time_col, group_col], observed=True)[
        [num_col] + ([den_col] if den_col else [])
    ].sum()
    value = agg[num_col] / agg[den_col] if den_col else agg[num_col]
    wide = value.unstack(group_col).sort_index()
    if len(wide) < 2:
        return None
    first, last = wide.iloc[0], wide.iloc[-1]
    delta = (last - first) if den_col else (last - first) / first.where(first != 0)
    delta = delta.dropna()
    if delta.empty:
        return None
    group = delta.abs().idxmax()
    return str(group), float(first[group]), float(last[group])


def portfolio_narrative(
    customers: pd.DataFrame, balances: pd.DataFrame, utilisation: pd.DataFrame
) -> str:
    """Growth of the customer base, the segment that moved most, balances and utilisation."""
    _require(customers, "customers", {"month_end", "segment", "n_customers"})
    _require(balances, "balances", {"month_end", "deposit_balance", "loan_balance"})
    _require(utilisation, "utilisation", {"month_end", "total_balance", "total_limit"})
    if customers.empty or balances.empty:
        return "The datamart holds no open accounts, so there is no portfolio to describe."
    total = customers.groupby("month_end")["n_customers"].sum().sort_index()
    text = [
        f"Customers with an open account went from {num(total.iloc[0])} in "
        f"{month_label(total.index[0])} to {num(total.iloc[-1])} in "
        f"{month_label(total.index[-1])} ({change(total.iloc[0], total.iloc[-1])})"
    ]
    mover = _biggest_mover(
        customers, time_col="month_end", group_col="segment", num_col="n_customers"
    )
    if mover:
        seg, a, b = mover
        text[0] += f"; the {_name(seg)} segment moved most ({num(a)} to {num(b)}, {change(a, b)})."
    else:
        text[0] += "."
    bal = balances.sort_values("month_end")
    first, last = bal.iloc[0], bal.iloc[-1]
    text.append(
        f"Deposits stand at {eur(last['deposit_balance'])} ({change(first['deposit_balance'], last['deposit_balance'])}) "
        f"against {eur(last['loan_balance'])} of loans outstanding ({change(first['loan_balance'], last['loan_balance'])})."
    )
    if not utilisation.empty:
        u = utilisation.groupby("month_end")[["total_balance", "total_limit"]].sum().sort_index()
        rate = u["total_balance"] / u["total_limit"]
        text.append(
            f"Credit-card limits are {pct(rate.iloc[-1])} utilised at the latest month end "
            f"({pp(rate.iloc[-1] - rate.iloc[0])} since {month_label(rate.index[0])})."
        )
    return " ".join(text)


def transactions_narrative(
    by_month: pd.DataFrame, by_channel: pd.DataFrame, weekday_hour: pd.DataFrame
) -> str:
    """Volume, the busiest month, the leading channel and the peak hour."""
    _require(by_month, "by_month", {"month", "n_transactions", "value"})
    _require(by_channel, "by_channel", {"channel", "n_transactions", "value"})
    _require(weekday_hour, "weekday_hour", {"weekday", "hour", "n_transactions"})
    if by_month.empty:
        return "The datamart holds no transactions."
    monthly = by_month.groupby("month")[["n_transactions", "value"]].sum().sort_index()
    busiest = monthly["n_transactions"].idxmax()
    channels = by_channel.groupby("channel")["value"].sum()
    top = channels.idxmax()
    peak = weekday_hour.loc[weekday_hour["n_transactions"].idxmax()]
    return (
        f"{num(monthly['n_transactions'].sum())} transactions worth {eur(monthly['value'].sum())} "
        f"were loaded over {len(monthly)} months; the busiest month was {month_label(busiest)} "
        f"({num(monthly.loc[busiest, 'n_transactions'])}). "
        f"{top.replace('_', ' ').capitalize()} carries the largest share of value "
        f"({pct(channels[top] / channels.sum())}). "
        f"Customers themselves transact most on {_WEEKDAYS[int(peak['weekday']) - 1]}s at {int(peak['hour']):02d}:00."
    )


def credit_narrative(
    delinquency: pd.DataFrame, roll: pd.DataFrame, default_by_segment: pd.DataFrame
) -> str:
    """Share in 90+, the key roll rates and the segment whose default rate moved most."""
    _require(delinquency, "delinquency", {"month_end", "dpd_bucket", "n_accounts"})
    _require(roll, "roll", {"from_bucket", "to_bucket", "rate"})
    _require(
        default_by_segment,
        "default_by_segment",
        {"cohort_month_end", "segment", "n_defaults", "n_accounts"},
    )
    if delinquency.empty:
        return "The datamart holds no open credit accounts."
    counts = delinquency.pivot_table(
        index="month_end", columns="dpd_bucket", values="n_accounts", aggfunc="sum", fill_value=0
    ).sort_index()
    share90 = counts.get("90+", 0) / counts.sum(axis=1)
    text = [
        f"{pct(share90.iloc[-1])} of open credit accounts were 90+ days past due in "
        f"{month_label(share90.index[-1])}, against {pct(share90.iloc[0])} in {month_label(share90.index[0])}."
    ]
    rates = roll.set_index(["from_bucket", "to_bucket"])["rate"]
    parts = []
    for src, dst, label in (
        ("current", "1-29", "current accounts fall behind"),
        ("60-89", "90+", "60-89 accounts roll into default"),
    ):
        if (src, dst) in rates.index:
            parts.append(f"{pct(rates[(src, dst)], 2)} of {label}")
    if parts:
        text.append("Each month " + " and ".join(parts) + ".")
    mover = _biggest_mover(
        default_by_segment,
        time_col="cohort_month_end",
        group_col="segment",
        num_col="n_defaults",
        den_col="n_accounts",
    )
    if mover:
        seg, a, b = mover
        text.append(
            f"The {_name(seg)} segment's 12-month default rate moved most: {pct(a)} for the "
            f"{month_label(default_by_segment['cohort_month_end'].min())} cohort to {pct(b)} for "
            f"{month_label(default_by_segment['cohort_month_end'].max())} ({pp(b - a)})."
        )
    return " ".join(text)


def customer_narrative(churn: pd.DataFrame, holding: pd.DataFrame, activity: pd.DataFrame) -> str:
    """Churn by segment, product holding and the activity trend."""
    _require(churn, "churn", {"snapshot_date", "segment", "n_customers", "n_churned"})
    _require(holding, "holding", {"month_end", "n_products", "n_customers"})
    _require(activity, "activity", {"month_end", "active_share"})
    text = []
    if not churn.empty:
        last = churn[churn["snapshot_date"] == churn["snapshot_date"].max()]
        seg = last.groupby("segment")[["n_churned", "n_customers"]].sum()
        rate = seg["n_churned"] / seg["n_customers"]
        overall = seg["n_churned"].sum() / seg["n_customers"].sum()
        text.append(
            f"At the {month_label(last['snapshot_date'].iloc[0])} snapshot {pct(overall)} of active "
            f"customers churned within 6 months, from {pct(rate.min())} ({_name(rate.idxmin())}) to "
            f"{pct(rate.max())} ({_name(rate.idxmax())})."
        )
    if not holding.empty:
        h = holding[holding["month_end"] == holding["month_end"].max()]
        n = h.groupby("n_products")["n_customers"].sum()
        multi = n[n.index >= 2].sum() / n.sum()
        mean = (n.index.to_numpy() * n.to_numpy()).sum() / n.sum()
        text.append(f"{pct(multi)} of customers hold two or more product types (mean {mean:.2f}).")
    act = activity.dropna(subset=["active_share"]).sort_values("month_end")
    if len(act) >= 2:
        a, b = act["active_share"].iloc[0], act["active_share"].iloc[-1]
        trend = "rose" if b > a else "fell" if b < a else "held"
        text.append(
            f"The share of customers who transact themselves in a month {trend} from {pct(a)} to {pct(b)}."
        )
    return " ".join(text) or "The datamart holds no customers."


def quality_narrative(recon: pd.DataFrame, rejects: pd.DataFrame, checks: pd.DataFrame) -> str:
    """Reconciliation status, the main reject reason and failed checks."""
    _require(recon, "recon", {"source", "raw_rows", "rejected_rows", "unexplained_rows"})
    _require(rejects, "rejects", {"source", "reason", "n_rows"})
    _require(checks, "checks", {"n_checks", "n_failed"})
    raw, rej = recon["raw_rows"].sum(), recon["rejected_rows"].sum()
    off = recon.loc[recon["unexplained_rows"] != 0, "source"].tolist()
    text = [
        f"{num(raw)} raw rows from {len(recon)} sources were loaded or quarantined; "
        f"{num(rej)} ({pct(rej / raw if raw else 0, 2)}) were rejected, and "
        + (
            "every source reconciles (raw = loaded + rejected)."
            if not off
            else f"{', '.join(off)} do not reconcile."
        )
    ]
    if not rejects.empty:
        reasons = rejects.groupby("reason")["n_rows"].sum()
        text.append(
            f"The most frequent reject reason is {reasons.idxmax().replace('_', ' ')} ({num(reasons.max())} rows)."
        )
    failed = int(checks["n_failed"].sum())
    text.append(
        f"{failed} of {num(checks['n_checks'].sum())} stored data-quality checks failed."
        if failed
        else f"All {num(checks['n_checks'].sum())} stored data-quality checks passed."
    )
    return " ".join(text)


def export_narrative(manifest: dict, seconds: float) -> str:
    """One sentence on what :func:`~riskinsights_lib.bi.export_bi_bundle` wrote."""
    files = pd.DataFrame(manifest.get("files", []))
    if files.empty:
        return "Nothing was exported."
    data = files[files["kind"] != "metadata"]
    return (
        f"{len(files)} files ({files['bytes'].sum() / 1e6:,.1f} MB) were written to `exports/` in "
        f"{seconds:.1f} s, stamped `{manifest['created_utc']}`: {data['table'].nunique()} tables "
        f"({num(data.drop_duplicates('table')['rows'].sum())} rows) in {', '.join(manifest['formats'])}, "
        f"the data dictionary, the relationships and `manifest.json` (run `{manifest['run_id']}`, "
        f"commit `{str(manifest['git_commit'])[:10]}`)."
    )
