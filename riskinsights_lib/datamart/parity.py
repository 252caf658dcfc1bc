"""Compare two built datamarts table by table (e.g. the DuckDB and the Spark build).

:func:`compare_datamarts` opens both ``datamart.duckdb`` files (tables or views,
whichever engine wrote them) and reports, per table of the contract: column
names and types, row counts, and the rows themselves (sorted on every column),
money and counts exactly, other floating-point values within a relative
tolerance. ``run_id`` columns are compared only when the runs share their id.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from riskinsights_lib.datamart.schema import TABLES

__all__ = ["TableDiff", "compare_datamarts", "table_frame", "EXACT_FLOAT_COLUMNS"]

#: Floating-point columns compared exactly: money (amounts, balances, limits) and the
#: values derived from it by additions only. Other DOUBLE columns get the tolerance.
EXACT_FLOAT_COLUMNS = frozenset(
    {
        "amount",
        "signed_amount",
        "balance",
        "credit_limit",
        "instalment_due",
        "instalment_paid",
        "instalment_shortfall",
        "principal",
        "annual_income",
        "interest_rate",
        "credit_balance",
        "loan_balance",
        "current_balance",
        "savings_balance",
        "deposit_balance",
        "instalment_due_now",
        "spend_3m",
        "sum_prev_1h",
        "sum_prev_24h",
        "reject_rate",
    }
)


@dataclass(frozen=True)
class TableDiff:
    """How one table differs between two datamarts (empty ``problems`` = equal)."""

    table: str
    rows_a: int
    rows_b: int
    problems: tuple[str, ...]

    @property
    def equal(self) -> bool:
        return not self.problems


def table_frame(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """Every row of ``table`` sorted on every column (NULLs last): an order both engines share."""
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    order = ", ".join(f'"{c}" NULLS LAST' for c in cols)
    return con.execute(f"SELECT * FROM {table} ORDER BY {order}").df()


def _types(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _column_problem(name: str, a: pd.Series, b: pd.Series, rel_tol: float) -> str | None:
    na, nb = a.isna().to_numpy(), b.isna().to_numpy()
    if (na != nb).any():
        return f"{name}: NULL in {int((na != nb).sum())} rows on one side only"
    if pd.api.types.is_float_dtype(a) and pd.api.types.is_float_dtype(b):
        x, y = a.to_numpy(float)[~na], b.to_numpy(float)[~nb]
        if name in EXACT_FLOAT_COLUMNS:
            bad = int((x != y).sum())
        else:
            bad = int((~np.isclose(x, y, rtol=rel_tol, atol=0.0) & (x != y)).sum())
        return f"{name}: {bad} values differ" if bad else None
    same = [u == v for u, v in zip(a[~na], b[~nb], strict=True)]
    bad = len(same) - sum(bool(s) for s in same)
    return f"{name}: {bad} values differ" if bad else None


def _compare_table(con_a, con_b, table: str, rel_tol: float, same_run: bool) -> TableDiff:
    ta, tb = _types(con_a, table), _types(con_b, table)
    na = con_a.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    nb = con_b.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    problems: list[str] = []
    if ta != tb:
        diff = sorted(set(ta) ^ set(tb))
        problems.append(f"columns or types differ: {diff[:6]}")
    if na != nb:
        problems.append(f"row counts differ: {na:,} vs {nb:,}")
    if problems:
        return TableDiff(table, na, nb, tuple(problems))
    fa, fb = table_frame(con_a, table), table_frame(con_b, table)
    if not same_run:
        fa, fb = (
            fa.drop(columns="run_id", errors="ignore"),
            fb.drop(columns="run_id", errors="ignore"),
        )
    for col in fa.columns:
        problem = _column_problem(col, fa[col], fb[col], rel_tol)
        if problem:
            problems.append(problem)
    return TableDiff(table, na, nb, tuple(problems))


def compare_datamarts(
    db_a: str | os.PathLike,
    db_b: str | os.PathLike,
    *,
    tables: list[str] | None = None,
    rel_tol: float = 1e-9,
) -> list[TableDiff]:
    """Compare every contract table (or ``tables``) of two datamarts.

    ``etl_check`` and ``etl_table`` are compared too; ``rel_tol`` applies to
    floating-point columns outside :data:`EXACT_FLOAT_COLUMNS`.
    """
    if not 0 <= rel_tol < 1 or math.isnan(rel_tol):
        raise ValueError(f"rel_tol: expected a small non-negative number, got {rel_tol}")
    with (
        duckdb.connect(str(db_a), read_only=True) as con_a,
        duckdb.connect(str(db_b), read_only=True) as con_b,
    ):
        run_a = con_a.execute("SELECT any_value(run_id) FROM etl_reconciliation").fetchall()[0][0]
        run_b = con_b.execute("SELECT any_value(run_id) FROM etl_reconciliation").fetchall()[0][0]
        return [
            _compare_table(con_a, con_b, t, rel_tol, run_a == run_b) for t in (tables or TABLES)
        ]
