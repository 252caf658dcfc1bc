"""Run the BI queries kept as ``.sql`` files beside this module.

Every KPI query reads a small set of temporary ``bi_*`` views (see
``sql/views.sql``) instead of the datamart tables directly, so that the
datamart's physical column names are mapped to the report's vocabulary in one
place. The views are created on the caller's connection (temporary objects
work on a read-only connection too) and cost nothing until queried.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib import resources
from typing import Any

import duckdb
import pandas as pd

__all__ = ["DPD_BUCKETS", "ensure_views", "query", "read_sql"]

log = logging.getLogger(__name__)

#: Delinquency buckets in report order (days past due at the month end).
DPD_BUCKETS = ["current", "1-29", "30-59", "60-89", "90+"]

_VIEWS_FLAG = "__riskinsights_bi_views"


@cache
def read_sql(name: str) -> str:
    """Return the text of ``sql/<name>.sql`` shipped with the package."""
    path = resources.files("riskinsights_lib.bi").joinpath("sql", f"{name}.sql")
    if not path.is_file():
        raise ValueError(f"name: no BI query called {name!r}")
    return path.read_text(encoding="utf-8")


def _check_connection(con: object) -> duckdb.DuckDBPyConnection:
    if not isinstance(con, duckdb.DuckDBPyConnection):
        raise TypeError(f"con: expected a DuckDB connection, got {type(con).__name__}")
    return con


def ensure_views(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Create the ``bi_*`` temporary views on ``con`` (idempotent) and return it."""
    con = _check_connection(con)
    exists = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE temporary AND view_name = ?", [_VIEWS_FLAG]
    ).fetchall()[0][0]
    if not exists:
        for statement in _statements(read_sql("views")):
            con.execute(statement)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {_VIEWS_FLAG} AS SELECT 1 AS ok")
        log.debug("BI views created")
    return con


def _statements(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def query(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: dict[str, Any] | None = None,
    *,
    identifiers: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Run the named query against the BI views.

    ``params`` fill ``$name`` placeholders (bound by DuckDB, never pasted);
    ``identifiers`` fill ``{name}`` placeholders with column lists that the
    caller has checked against a whitelist.
    """
    ensure_views(con)
    text = read_sql(name)
    if identifiers:
        text = text.format(**identifiers)
    return con.execute(text, params or {}).df()
