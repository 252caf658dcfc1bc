"""What the generator made, summarised for the notebook: counts and distributions only.

Every function aggregates; none returns a name, address, e-mail, phone,
national id, birth date or postcode, so notebook output stays free of personal
data. Raw extracts are scanned with DuckDB as text and cast with ``TRY_CAST``
so that the planted dirty rows do not break the summaries (they are dropped).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from riskinsights_lib.generate.bank import GenerationSummary

__all__ = [
    "row_count_table",
    "snapshot_table",
    "monthly_table",
    "segment_counts",
    "product_holding",
    "balance_by_product",
    "transactions_by_hour",
    "transactions_by_day",
    "channel_counts",
    "truth_calibration",
    "describe_generation",
    "describe_holding",
    "describe_balances",
    "describe_transactions",
    "describe_oracle",
    "planted_counts",
    "describe_planted",
]


def _source(raw_dir: Path, name: str, file_format: str) -> str:
    raw_dir = Path(raw_dir)
    if file_format not in ("csv", "parquet"):
        raise ValueError(f"file_format: expected 'csv' or 'parquet', got {file_format!r}")
    path = (
        raw_dir / "transactions" / f"part-*.{file_format}"
        if name == "transactions"
        else raw_dir / f"{name}.{file_format}"
    )
    if file_format == "csv":
        return f"read_csv('{path.as_posix()}', all_varchar=true, header=true)"
    return f"read_parquet('{path.as_posix()}')"


def _cast(column: str, typ: str, file_format: str) -> str:
    # trim() keeps DuckDB from pushing the cast into the CSV reader, where a dirty value would fail the scan
    inner = f"trim({column})" if file_format == "csv" else column
    return f"try_cast({inner} as {typ})"


def _query(sql: str) -> pd.DataFrame:
    with duckdb.connect() as con:
        return con.execute(sql).df()


def row_count_table(summary: GenerationSummary) -> pd.DataFrame:
    """Rows written per raw extract (genuine plus dirty rows)."""
    return pd.DataFrame(
        {"file": list(summary.rows), "rows": list(summary.rows.values())}
    ).set_index("file")


def snapshot_table(summary: GenerationSummary) -> pd.DataFrame:
    """Per snapshot: population sizes, realised rates, mean true probabilities and oracle AUCs."""
    return pd.DataFrame(summary.snapshots).set_index("snapshot_date")


def monthly_table(summary: GenerationSummary) -> pd.DataFrame:
    """Per month: macro factor, customers, borrowers, new defaults and churn events."""
    frame = pd.DataFrame(summary.monthly)
    frame["month_end"] = pd.to_datetime(frame["month_end"])
    return frame.set_index("month_end")


def segment_counts(raw_dir: Path, file_format: str) -> pd.Series:
    """Customers per segment in their latest attribute row (customers of the KYC extract only)."""
    src = _source(raw_dir, "customer_attributes", file_format)
    known = _source(raw_dir, "customers", file_format)
    df = _query(
        f"""
        with a as (select customer_id, segment, {_cast("effective_from", "date", file_format)} as day from {src}
                   where customer_id in (select customer_id from {known})),
             latest as (select * from a where customer_id is not null and day is not null
                        qualify row_number() over (partition by customer_id order by day desc) = 1)
        select segment, count(*) as customers from latest group by segment order by customers desc
        """
    )
    return df.set_index("segment")["customers"]


def product_holding(raw_dir: Path, file_format: str) -> pd.Series:
    """Share of customers who ever held each product type (plus any credit product)."""
    src = _source(raw_dir, "accounts", file_format)
    df = _query(
        f"""
        with a as (select distinct customer_id, product_type from
                     (select *, {_cast("open_date", "date", file_format)} as day from {src})
                   where account_id is not null and customer_id is not null and day is not null),
             n as (select count(distinct customer_id) as n from a)
        select product_type, count(*) / any_value(n.n) as share from a, n group by product_type
        union all
        select 'any credit product', count(distinct customer_id) / any_value(n.n) from a, n
        where product_type in ('credit_card', 'personal_loan', 'mortgage')
        """
    )
    return df.set_index("product_type")["share"].sort_values(ascending=False)


def balance_by_product(raw_dir: Path, file_format: str, month_end: str) -> pd.DataFrame:
    """Balances at ``month_end`` (ISO date) with the product type, one row per account."""
    bal, acc = _source(raw_dir, "balances", file_format), _source(raw_dir, "accounts", file_format)
    return _query(
        f"""
        with b as (select account_id, {_cast("month_end", "date", file_format)} as month_end,
                          {_cast("balance", "double", file_format)} as balance,
                          {_cast("credit_limit", "double", file_format)} as credit_limit from {bal})
        select a.product_type, b.balance, b.balance / nullif(b.credit_limit, 0) as utilisation
        from b join (select distinct account_id, product_type from {acc}) a using (account_id)
        where b.month_end = date '{month_end}' and b.balance is not null
        """
    )


def _tx(raw_dir: Path, file_format: str, select: str, group: str) -> pd.DataFrame:
    src = _source(raw_dir, "transactions", file_format)
    return _query(
        f"""
        select {select}, count(*) as transactions from
            (select {_cast("ts", "timestamp", file_format)} as ts, channel from {src}
             where transaction_id is not null) t
        where ts is not null group by {group} order by {group}
        """
    )


def transactions_by_hour(raw_dir: Path, file_format: str) -> pd.DataFrame:
    """Transactions per hour of day and channel."""
    return _tx(raw_dir, file_format, "hour(ts) as hour, channel", "hour, channel")


def transactions_by_day(raw_dir: Path, file_format: str) -> pd.DataFrame:
    """Transactions per day of month and channel."""
    return _tx(raw_dir, file_format, "day(ts) as day_of_month, channel", "day_of_month, channel")


def channel_counts(raw_dir: Path, file_format: str) -> pd.Series:
    """Transactions per channel."""
    df = _tx(raw_dir, file_format, "channel", "channel")
    return df.set_index("channel")["transactions"].sort_values(ascending=False)


def truth_calibration(
    truth: pd.DataFrame, prob_col: str, label_col: str, *, n_bins: int = 10
) -> pd.DataFrame:
    """Mean true probability against the realised rate per probability decile."""
    for col in (prob_col, label_col):
        if col not in truth.columns:
            raise ValueError(f"{col!r}: not a column of truth (columns: {list(truth.columns)})")
    ranks = truth[prob_col].rank(method="first")
    bins = pd.qcut(ranks, n_bins, labels=False)
    out = truth.groupby(bins).agg(
        mean_probability=(prob_col, "mean"),
        realised_rate=(label_col, "mean"),
        n=(label_col, "size"),
    )
    out.index.name = "decile"
    return out


def describe_generation(summary: GenerationSummary) -> str:
    """A short markdown reading of what was generated."""
    months = len(summary.monthly)
    per_cm = summary.n_transactions / max(summary.n_customers * months, 1)
    return (
        f"The bank has **{summary.n_customers:,} customers** with **{summary.n_accounts:,} accounts** "
        f"and **{summary.n_transactions:,} transactions** over {months} months "
        f"({per_cm:.1f} per customer and month), generated in {summary.seconds:.0f} s. "
        f"{summary.anomaly_rate:.2%} of the transactions are planted anomalies."
    )


def describe_oracle(summary: GenerationSummary) -> str:
    """A short markdown reading of the rates and oracle AUCs."""
    snaps = summary.snapshots
    first, last = snaps[0], snaps[-1]
    drift = last["default_rate"] / first["default_rate"] - 1 if first["default_rate"] else np.nan
    return (
        f"At the development snapshot ({first['snapshot_date']}) **{first['default_rate']:.1%}** of "
        f"{first['n_default_population']:,} borrowers default within 12 months and **{first['churn_rate']:.1%}** of "
        f"{first['n_churn_population']:,} active customers churn within 6 months. Knowing the full hidden "
        f"state, the best possible ranking reaches an AUC of **{first['oracle_auc_default']:.3f}** for default "
        f"and **{first['oracle_auc_churn']:.3f}** for churn: the ceiling for the model notebooks, well below 1 "
        f"because future shocks (job loss, competitor offers) cannot be foreseen. At the out-of-time snapshot "
        f"({last['snapshot_date']}) the downturn moves the default rate by {drift:+.0%} "
        f"to {last['default_rate']:.1%}."
    )


def describe_holding(segments: pd.Series, holding: pd.Series) -> str:
    """A short markdown reading of segments and product holding."""
    seg_share = segments / segments.sum()
    credit = float(holding.get("any credit product", np.nan))
    return (
        f"**{seg_share.iloc[0]:.0%}** of customers are in the {seg_share.index[0].replace('_', ' ')} segment. "
        f"{holding.get('current_account', np.nan):.0%} hold a current account and **{credit:.0%} a credit "
        f"product** (card {holding.get('credit_card', np.nan):.0%}, personal loan "
        f"{holding.get('personal_loan', np.nan):.0%}, mortgage {holding.get('mortgage', np.nan):.0%}): "
        f"the borrowers behind the default model."
    )


def describe_balances(balances: pd.DataFrame) -> str:
    """A short markdown reading of balances and card utilisation."""
    med = balances.groupby("product_type")["balance"].median()
    cards = balances.loc[balances["product_type"] == "credit_card", "utilisation"].dropna()
    high = float((cards > 0.8).mean()) if len(cards) else float("nan")
    overdrawn = float(
        (balances.loc[balances["product_type"] == "current_account", "balance"] < 0).mean()
    )
    return (
        f"Median month-end balances: mortgage EUR {med.get('mortgage', np.nan):,.0f}, personal loan "
        f"EUR {med.get('personal_loan', np.nan):,.0f}, savings EUR {med.get('savings', np.nan):,.0f}, current "
        f"account EUR {med.get('current_account', np.nan):,.0f}. {overdrawn:.1%} of current accounts are "
        f"overdrawn and {high:.1%} of credit cards are used above 80% of their limit: stressed customers show "
        f"up here before they miss a payment."
    )


def describe_transactions(by_hour: pd.DataFrame, by_day: pd.DataFrame) -> str:
    """A short markdown reading of the daily and monthly rhythm of transactions."""
    spend = by_hour[by_hour["channel"].isin(["card_present", "card_online"])]
    hours = spend.groupby("hour")["transactions"].sum()
    night = float(hours[hours.index < 6].sum() / max(hours.sum(), 1))
    salary = by_day[by_day["channel"] == "salary_credit"].set_index("day_of_month")["transactions"]
    top_days = ", ".join(str(int(d)) for d in salary.nlargest(3).index) if len(salary) else "n/a"
    return (
        f"Card spending peaks at **{int(hours.idxmax())}:00** and only {night:.1%} happens between midnight "
        f"and 06:00. Salary credits cluster on days {top_days} of the month (pay days, moved forward "
        f"before weekends), and spending follows them."
    )


def planted_counts(truth_dir: Path) -> tuple[pd.Series, pd.DataFrame]:
    """Planted anomalies per type, and dirty rows per source and defect (from ``truth/``)."""
    truth_dir = Path(truth_dir)
    anomalies = pd.read_csv(truth_dir / "anomalies.csv")
    dirty = pd.read_csv(truth_dir / "dirty_rows.csv")
    by_type = anomalies["anomaly_type"].value_counts().rename("transactions")
    by_source = dirty.pivot_table(
        index="source", columns="defect", values="row_number", aggfunc="count", fill_value=0
    )
    return by_type, by_source


def describe_planted(
    by_type: pd.Series, by_source: pd.DataFrame, summary: GenerationSummary
) -> str:
    """A short markdown reading of the planted anomalies and dirty rows."""
    return (
        f"**{int(by_type.sum()):,} anomalous transactions** are planted ({summary.anomaly_rate:.2%} of all), "
        f"{len(by_type)} types from {int(by_type.min()):,} to {int(by_type.max()):,} each; the anomaly notebook "
        f"is scored against them. **{int(by_source.to_numpy().sum()):,} dirty rows** are added across "
        f"{len(by_source)} sources and {by_source.shape[1]} defect kinds; the ETL must quarantine exactly these."
    )
