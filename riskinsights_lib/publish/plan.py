"""What a publish writes: the star schema, the KPI tables and their metadata, as Arrow streams.

:func:`publish_plan` lists the tables in load order (dimensions before the
facts that reference them, then the KPI tables), each with its kind, primary
key, table comment, column comments from the data dictionary and a function
that opens its rows as an Arrow ``RecordBatchReader``: the datamart's tables
stream straight out of DuckDB (no pandas round trip), KPI frames are converted
once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa

from riskinsights_lib.publish.ddl import arrow_for_postgres, quote_ident

__all__ = [
    "PublishTable",
    "publish_plan",
    "frame_to_arrow",
    "column_comments",
    "view_column_comment",
    "VIEW_COMMENTS",
]

BATCH_ROWS = 200_000

#: The BI views (``sql/bi_views.sql``) and what each holds.
VIEW_COMMENTS = {
    "bi_product": "view: product type and family (credit or deposit)",
    "bi_account": "view: one row per account with its product (unknown member left out)",
    "bi_customer_version": "view: customer versions (SCD2), valid_from <= day <= valid_to",
    "bi_account_month": "view: account x month end with the segment in force and the dpd bucket",
    "bi_transaction": "view: one row per transaction with channel, category and country",
}


#: View columns computed by the views (others keep their star-schema description).
VIEW_COLUMNS = {
    "month": "First day of the transaction's calendar month [date]",
    "weekday": "ISO weekday of the transaction, 1 = Monday [code]",
    "hour": "Hour of the day of the transaction, 0-23 [hour]",
    "value": "Absolute amount of the transaction (money in and out) [EUR]",
    "customer_initiated": "Money out through a card, ATM or transfer (data contract) [flag]",
    "has_merchant": "The transaction has a merchant category [flag]",
    "has_country": "The transaction has a merchant country [flag]",
    "is_open": "The account is open at the month end [flag]",
    "segment": "Customer segment of the version in force at the date (SCD2) [code]",
    "dpd_bucket": "Days-past-due bucket: current, 1-29, 30-59, 60-89, 90+ [code]",
}


@dataclass(frozen=True)
class PublishTable:
    """One table of a publish and how to read its rows."""

    name: str
    kind: str
    comment: str
    primary_key: tuple[str, ...]
    open_rows: Callable[[], pa.RecordBatchReader] = field(repr=False)
    column_comments: Mapping[str, str] = field(default_factory=dict, repr=False)


def _to_wire(reader: pa.RecordBatchReader) -> pa.RecordBatchReader:
    wire = arrow_for_postgres(reader.schema)
    if wire.equals(reader.schema):
        return reader
    return pa.RecordBatchReader.from_batches(wire, (b.cast(wire) for b in reader))


def _duckdb_reader(
    con: duckdb.DuckDBPyConnection, table: str
) -> Callable[[], pa.RecordBatchReader]:
    def open_rows() -> pa.RecordBatchReader:
        query = f"SELECT * FROM {quote_ident(table)}"
        relation = con.sql(query)
        if hasattr(relation, "to_arrow_reader"):  # DuckDB >= 1.4
            return _to_wire(relation.to_arrow_reader(BATCH_ROWS))
        return _to_wire(relation.fetch_arrow_reader(BATCH_ROWS))

    return open_rows


def frame_to_arrow(frame: pd.DataFrame) -> pa.Table:
    """A KPI frame as Arrow, with midnight-only datetime columns turned back into dates."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, name in enumerate(table.column_names):
        s = frame[name]
        if pd.api.types.is_datetime64_any_dtype(s):
            values = s.dropna()
            if values.empty or (values == values.dt.normalize()).all():
                table = table.set_column(i, name, table.column(i).cast(pa.date32()))
    return table.cast(arrow_for_postgres(table.schema))


def _frame_reader(frame: pd.DataFrame) -> Callable[[], pa.RecordBatchReader]:
    def open_rows() -> pa.RecordBatchReader:  # converted when loaded, so errors name the table
        table = frame_to_arrow(frame)
        return pa.RecordBatchReader.from_batches(table.schema, table.to_batches())

    return open_rows


def column_comments(descriptions: pd.DataFrame, table: str) -> dict[str, str]:
    """``column -> "description [unit]"`` for one table of a ``table, column, description, unit`` frame."""
    rows = descriptions[descriptions["table"] == table]
    out = {}
    for col, text, unit in zip(rows["column"], rows["description"], rows["unit"], strict=True):
        unit = "" if pd.isna(unit) else str(unit)
        out[str(col)] = f"{text} [{unit}]" if unit else str(text)
    return out


def view_column_comment(descriptions: pd.DataFrame, column: str) -> str:
    """Comment of a BI view column: its own text, else the star schema's description of it."""
    if column in VIEW_COLUMNS:
        return VIEW_COLUMNS[column]
    star = descriptions[descriptions["table"].str.startswith(("dim_", "fact_"))]
    for table in star["table"].unique():
        found = column_comments(star, table).get(column)
        if found:
            return found
    return ""


def _table_comments(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE NOT temporary AND comment IS NOT NULL"
    ).fetchall()
    return {name: comment for name, comment in rows if comment}


def publish_plan(
    con: duckdb.DuckDBPyConnection,
    *,
    kpis: Mapping[str, pd.DataFrame] | None = None,
) -> list[PublishTable]:
    """The tables of a publish in load order: dimensions, facts, then KPI tables.

    Parameters
    ----------
    con : connection to the datamart (read only is enough).
    kpis : KPI table name -> frame (``bi.compute_kpis``); ``None`` publishes the star schema only.
    """
    from riskinsights_lib.bi.kpi_dictionary import KPI_TABLE_DESCRIPTIONS, export_descriptions
    from riskinsights_lib.datamart.schema import DIMENSIONS, FACTS, TABLES

    kpis = dict(kpis or {})
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    missing = [t for t in DIMENSIONS + FACTS if t not in present]
    if missing:
        raise ValueError(f"con: the datamart lacks the star-schema tables {missing}")
    descriptions = export_descriptions(kpis)
    comments = _table_comments(con)
    plan = [
        PublishTable(
            name=t,
            kind=TABLES[t][0],
            comment=comments.get(t, f"{TABLES[t][0]}; grain: {TABLES[t][1]}"),
            primary_key=TABLES[t][2],
            open_rows=_duckdb_reader(con, t),
            column_comments=column_comments(descriptions, t),
        )
        for t in DIMENSIONS + FACTS
    ]
    for name, frame in kpis.items():
        plan.append(
            PublishTable(
                name=name,
                kind="kpi",
                comment="KPI: " + KPI_TABLE_DESCRIPTIONS.get(name, name),
                primary_key=(),
                open_rows=_frame_reader(frame),
                column_comments=column_comments(descriptions, name),
            )
        )
    return plan
