"""Reading transactions from the datamart for fitting, scoring and drill-down.

Functions take an open DuckDB connection and a table (or view) name, so the
notebook decides where data comes from; nothing here reads parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pandas as pd

__all__ = [
    "sample_rows",
    "scoring_relation",
    "count_rows",
    "customer_rows",
    "rows_by_ids",
    "attach_truth",
]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _ident(name: str, arg: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"{arg}: expected a plain SQL identifier, got {name!r}")
    return name


def _select(columns: Sequence[str] | None) -> str:
    return "*" if columns is None else ", ".join(_ident(c, "columns") for c in columns)


def materialise(
    con: duckdb.DuckDBPyConnection, sql: str, name: str, *, columns: Sequence[str] | None = None
) -> int:
    """Run ``sql`` once into a temporary table ``name`` (works on a read-only database).

    Derived features use window functions over every transaction; computing
    them once, rather than in every query of a view, keeps the notebook fast.
    Returns the number of rows.
    """
    con.execute(
        f"create or replace temp table {_ident(name, 'name')} as select {_select(columns)} from ({sql})"
    )
    return count_rows(con, name)


def count_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Number of rows of ``table``."""
    return int(con.execute(f"select count(*) from {_ident(table, 'table')}").fetchall()[0][0])


def sample_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    n: int,
    *,
    seed: int,
    columns: Sequence[str] | None = None,
    key: str = "transaction_id",
) -> pd.DataFrame:
    """A reproducible random sample of ``n`` rows (all rows if fewer).

    Rows are ordered by a hash of ``key`` salted with ``seed``, so the same
    seed draws the same sample whatever the physical order of the table.
    """
    if int(n) < 1:
        raise ValueError(f"n: expected a positive sample size, got {n}")
    sql = (
        f"select {_select(columns)} from {_ident(table, 'table')} "
        f"order by hash(cast({_ident(key, 'key')} as varchar) || '#' || ?) limit ?"
    )
    return con.execute(sql, [str(int(seed)), int(n)]).df()


def scoring_relation(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    order_by: str = "transaction_id",
) -> duckdb.DuckDBPyRelation:
    """A lazy relation over every row, in a fixed order, for ``score_chunked``."""
    return con.sql(
        f"select {_select(columns)} from {_ident(table, 'table')} order by {_ident(order_by, 'order_by')}"
    )


def customer_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    customer_id: str,
    *,
    columns: Sequence[str] | None = None,
    customer_col: str = "customer_id",
    ts_col: str = "ts",
) -> pd.DataFrame:
    """Every row of one customer in time order (the drill-down's features)."""
    sql = (
        f"select {_select(columns)} from {_ident(table, 'table')} "
        f"where {_ident(customer_col, 'customer_col')} = ? order by {_ident(ts_col, 'ts_col')}"
    )
    return con.execute(sql, [str(customer_id)]).df()


def rows_by_ids(
    con: duckdb.DuckDBPyConnection,
    table: str,
    ids: Sequence[str],
    *,
    columns: Sequence[str] | None = None,
    key: str = "transaction_id",
) -> pd.DataFrame:
    """The rows of ``table`` whose ``key`` is in ``ids``, in the order of ``ids``."""
    wanted = pd.DataFrame({"_id": [str(i) for i in ids], "_pos": range(len(ids))})
    name = "_anomaly_wanted_ids"
    con.register(name, wanted)
    try:
        sql = (
            f"select t.* from {_ident(table, 'table')} as t join {name} as w "
            f"on cast(t.{_ident(key, 'key')} as varchar) = w._id order by w._pos"
        )
        out = con.sql(sql).df()
    finally:
        con.unregister(name)
    return out if columns is None else out[list(columns)]


def customer_explanations(
    con: duckdb.DuckDBPyConnection,
    table: str,
    detector: Any,
    customer_id: str,
    *,
    n: int = 3,
    phrases: Mapping[str, Any] | None = None,
    groups: Mapping[str, str] | None = None,
    customer_col: str = "customer_id",
    key: str = "transaction_id",
) -> pd.DataFrame:
    """Every transaction of one customer with its score and reasons (the drill-down)."""
    rows = customer_rows(con, table, customer_id, customer_col=customer_col)
    if rows.empty:
        raise KeyError(f"customer_id: {customer_id!r} has no rows in {table}")
    expl = detector.explain(rows, n=n, phrases=phrases, groups=groups)
    return pd.concat([rows[[key]].reset_index(drop=True), expl.reset_index(drop=True)], axis=1)


def attach_truth(
    scored: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    key: str = "transaction_id",
    type_col: str = "anomaly_type",
) -> pd.DataFrame:
    """Left-join the planted anomaly type onto scored rows (missing = normal).

    Raises when a truth id is duplicated, since the join would then add rows.
    """
    for name, frame, cols in (("scored", scored, [key]), ("truth", truth, [key, type_col])):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise KeyError(f"{name}: missing columns {missing}")
    if truth[key].duplicated().any():
        raise ValueError(f"truth: {key} is not unique")
    out = scored.merge(truth[[key, type_col]], on=key, how="left", validate="many_to_one")
    return out
