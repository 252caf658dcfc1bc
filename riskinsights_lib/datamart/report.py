"""What the 02 notebook shows: quality tables, charts and generated readings.

Query helpers take an open connection and return DataFrames; plot helpers
take a DataFrame and ``ax=None`` and return the Axes; ``reading_*`` helpers
turn the numbers into one short markdown paragraph each.
"""

from __future__ import annotations

import duckdb
import pandas as pd
from matplotlib.axes import Axes

from riskinsights_lib.datamart.build import EtlSummary
from riskinsights_lib.datamart.schema import MART_LABELS
from riskinsights_lib.datamart.sources import REASON_LABELS
from riskinsights_lib.style import PALETTE, format_axis_percent, format_axis_thousands, get_ax

__all__ = [
    "reconciliation_frame",
    "rejects_by_reason",
    "checks_frame",
    "table_sizes",
    "label_rates",
    "plot_rejects",
    "plot_label_rates",
    "reading_reconciliation",
    "reading_checks",
    "reading_tables",
    "reading_label_rates",
    "etl_metrics",
]


def reconciliation_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``etl_reconciliation`` in load order."""
    return con.execute(
        "SELECT source, raw_rows, loaded_rows, rejected_rows, reject_rate, balanced "
        "FROM etl_reconciliation"
    ).df()


def rejects_by_reason(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rejected rows per source (rows) and reason (columns), zeros filled."""
    long = con.execute("SELECT source, reason, count(*) AS n FROM etl_reject GROUP BY ALL").df()
    reasons = list(REASON_LABELS)
    if long.empty:
        return pd.DataFrame(columns=reasons, dtype="int64")
    wide = long.pivot_table(
        index="source", columns="reason", values="n", aggfunc="sum", fill_value=0
    )
    return wide.reindex(columns=[r for r in reasons if r in wide.columns]).astype("int64")


def checks_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``etl_check``: failed checks first."""
    return con.execute(
        "SELECT check_type, check_name, table_name, column_name, failed_rows, passed "
        "FROM etl_check ORDER BY passed, check_type, check_name"
    ).df()


def table_sizes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``etl_table``: kind, grain and rows of every table."""
    return con.execute("SELECT table_name, kind, grain, row_count FROM etl_table").df()


def label_rates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rows and label rate per model mart and snapshot (labelled rows only in the rate)."""
    parts = []
    for mart, label in MART_LABELS.items():
        parts.append(
            con.execute(
                f"SELECT '{mart}' AS mart, '{label}' AS label, snapshot_date, count(*) AS rows, "
                f"count({label}) AS labelled, avg({label}) AS label_rate "
                f"FROM {mart} GROUP BY snapshot_date ORDER BY snapshot_date"
            ).df()
        )
    return pd.concat(parts, ignore_index=True)


def plot_rejects(rejects: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Stacked bars of rejected rows per source, coloured by reason."""
    ax = get_ax(ax)
    if rejects.empty or rejects.to_numpy().sum() == 0:
        ax.set_title("No raw row was rejected")
        ax.set_axis_off()
        return ax
    frame = rejects.loc[rejects.sum(axis=1).sort_values().index]
    left = pd.Series(0, index=frame.index, dtype="float64")
    for i, reason in enumerate(frame.columns):
        ax.barh(
            frame.index,
            frame[reason],
            left=left,
            color=PALETTE[i % len(PALETTE)],
            label=REASON_LABELS.get(reason, reason),
        )
        left += frame[reason]
    total = int(frame.to_numpy().sum())
    top = frame.sum().idxmax()
    ax.set_title(f"{total:,} raw rows quarantined; most often: {REASON_LABELS.get(top, top)}")
    ax.set_xlabel("rejected rows")
    format_axis_thousands(ax, "x")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_label_rates(rates: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Label rate per snapshot, one line per mart."""
    ax = get_ax(ax)
    for i, (label, part) in enumerate(rates.groupby("label", sort=False)):
        ax.plot(
            pd.to_datetime(part["snapshot_date"]),
            part["label_rate"],
            marker="o",
            color=PALETTE[i],
            label=label,
        )
        for x, y in zip(pd.to_datetime(part["snapshot_date"]), part["label_rate"], strict=True):
            ax.annotate(
                f"{y:.1%}",
                (x, y),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=8,
            )
    ends = rates.groupby("label", sort=False)["label_rate"].agg(["first", "last"])
    ax.set_title(
        "Label rate from first to last snapshot: "
        + ", ".join(f"{k} {v['first']:.1%} -> {v['last']:.1%}" for k, v in ends.iterrows())
    )
    dates = sorted(pd.to_datetime(rates["snapshot_date"]).unique())
    ax.set_xticks(dates, [f"{pd.Timestamp(d):%Y-%m-%d}" for d in dates])
    ax.set_xlabel("snapshot date")
    ax.set_ylabel("label rate (share of mart rows)")
    ax.set_ylim(0, max(0.05, float(rates["label_rate"].max()) * 1.3))
    format_axis_percent(ax)
    ax.legend()
    return ax


def reading_reconciliation(recon: pd.DataFrame, rejects: pd.DataFrame) -> str:
    """One paragraph: rows in, loaded, rejected, balanced, the main reasons."""
    raw, loaded, rejected = (
        int(recon[c].sum()) for c in ("raw_rows", "loaded_rows", "rejected_rows")
    )
    balanced = bool(recon["balanced"].all())
    worst = recon.sort_values("reject_rate", ascending=False).iloc[0]
    text = (
        f"Of **{raw:,}** raw rows, **{loaded:,}** were loaded and **{rejected:,}** "
        f"({rejected / raw:.2%}) quarantined in `etl_reject`; "
        + (
            "raw = loaded + rejected holds for every source."
            if balanced
            else "**raw = loaded + rejected does NOT hold for every source.**"
        )
        + f" The highest reject rate is {worst['reject_rate']:.2%} ({worst['source']})"
    )
    if not rejects.empty and rejects.to_numpy().sum():
        by_reason = rejects.sum().sort_values(ascending=False)
        parts = [f"{REASON_LABELS.get(r, r)} {int(n):,}" for r, n in by_reason.items() if n]
        text += "; reasons: " + ", ".join(parts) + "."
    else:
        text += "."
    return text


def reading_checks(checks: pd.DataFrame) -> str:
    """One paragraph: how many checks passed, which failed."""
    failed = checks[~checks["passed"]]
    kinds = ", ".join(sorted(checks["check_type"].unique()))
    if failed.empty:
        return f"All **{len(checks)}** data-quality checks passed ({kinds})."
    names = ", ".join(
        f"`{n}` ({int(r):,} rows)"
        for n, r in zip(failed["check_name"], failed["failed_rows"], strict=True)
    )
    return f"**{len(failed)} of {len(checks)}** checks failed: {names}. Investigate before using the marts."


def reading_tables(sizes: pd.DataFrame, summary: EtlSummary) -> str:
    """One paragraph: table sizes and build time."""
    rows = sizes.set_index("table_name")["row_count"]
    return (
        f"The datamart holds {int((sizes['kind'] == 'dimension').sum())} dimensions and "
        f"{int((sizes['kind'] == 'fact').sum())} facts: {int(rows['fact_transaction']):,} transactions, "
        f"{int(rows['fact_account_month']):,} account-months, {int(rows['dim_customer']) - 1:,} customer "
        f"versions; the model marts have {int(rows['mart_default']):,} (default), "
        f"{int(rows['mart_churn']):,} (churn) and {int(rows['mart_transaction_features']):,} "
        f"(transaction) rows. Built in {summary.seconds:.1f} s; history ends {summary.history_end}."
    )


def reading_label_rates(rates: pd.DataFrame) -> str:
    """One paragraph: label rates at the first and last snapshot of each mart."""
    parts = []
    for label, part in rates.groupby("label", sort=False):
        first, last = part.iloc[0], part.iloc[-1]
        parts.append(
            f"`{label}` is {first['label_rate']:.1%} at {pd.Timestamp(first['snapshot_date']):%Y-%m-%d} "
            f"({int(first['rows']):,} rows) and {last['label_rate']:.1%} at "
            f"{pd.Timestamp(last['snapshot_date']):%Y-%m-%d} ({int(last['rows']):,} rows)"
        )
    text = "; ".join(parts) + "."
    unknown = int((rates["rows"] - rates["labelled"]).sum())
    if unknown:
        text += (
            f" {unknown:,} rows have no label yet: the history ends inside their outcome window."
        )
    else:
        text += " Every label is known: each snapshot has its whole outcome window in the history."
    return text


def controls_frame(summary: EtlSummary) -> pd.DataFrame:
    """One row: extracts checked against their control file, without one, and failed."""
    return pd.DataFrame(
        [
            {
                "controls checked": summary.controls_checked,
                "controls missing": summary.controls_missing,
                "controls failed": summary.controls_failed,
                "files missing optional columns": len(summary.missing_optional_columns),
                "files with extra columns": len(summary.extra_columns),
            }
        ]
    )


def reading_controls(summary: EtlSummary) -> str:
    """One paragraph on the control totals and the headers of the extracts."""
    n = summary.controls_checked + summary.controls_missing
    text = (
        f"{summary.controls_checked:,} of {n:,} extracts matched their control file "
        "(row count and money sums) before any row was loaded."
    )
    if summary.controls_missing:
        text += (
            f" **Warning: {summary.controls_missing:,} extract(s) came without a control file**, "
            "so a cut or changed file could not be detected (set "
            "`etl_star_schema.require_controls: true` to stop instead)."
        )
    for name, cols in summary.missing_optional_columns.items():
        text += f" **{name} lacks optional column(s) {', '.join(cols)}** (a failed check)."
    for name, cols in summary.extra_columns.items():
        text += f" {name} has extra column(s) {', '.join(cols)}, ignored."
    return text


def extract_failure_metrics(error: Exception) -> dict:
    """What 02 records when an extract stops it: the control counts over the files checked
    and the number of problems (the error's one line goes to run.json by the runner)."""
    found = getattr(error, "report", None)
    counts = (
        {k: v for k, v in found.as_dict().items() if k.startswith("controls_")} if found else {}
    )
    return counts | {"extract_problems": len(getattr(error, "problems", [error]))}


def etl_metrics(summary: EtlSummary) -> dict:
    """The headline figures recorded for ``run.json``: per source rows and the failed checks."""
    per_source = summary.sources
    return {
        "raw_rows": {s: v["raw_rows"] for s, v in per_source.items()},
        "loaded_rows": {s: v["loaded_rows"] for s, v in per_source.items()},
        "rejected_rows": {s: v["rejected_rows"] for s, v in per_source.items()},
        "rejected_rows_total": sum(v["rejected_rows"] for v in per_source.values()),
        "checks_failed": summary.checks_failed,
        "failed_checks": summary.failed_checks,
        "n_checks": summary.n_checks,
        "history_end": summary.history_end.isoformat(),
        "history_start": summary.history_start.isoformat() if summary.history_start else None,
        "controls_checked": summary.controls_checked,
        "controls_missing": summary.controls_missing,
        "controls_failed": summary.controls_failed,
        "missing_optional_columns": summary.missing_optional_columns,
        "extra_columns": summary.extra_columns,
        "etl_seconds": summary.seconds,
        "table_rows": summary.table_rows,
    }
