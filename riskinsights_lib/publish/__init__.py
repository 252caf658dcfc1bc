"""Publishing the datamart to PostgreSQL, where the bank's BI tools connect.

DuckDB stays the embedded datamart; a publish copies its star schema, the BI
views and the KPI tables into a PostgreSQL schema for Power BI, Tableau,
Superset or Metabase users (``docs/bi.md``): bulk loaded through Arrow (ADBC),
keyed, commented, swapped in atomically, readable by a ``SELECT``-only role.

Example
-------
>>> import duckdb
>>> from riskinsights_lib.publish import publish_datamart
>>> con = duckdb.connect("outputs/latest/datamart.duckdb", read_only=True)  # doctest: +SKIP
>>> publish_datamart(con, "service:bi", run_id="2025-01-31_063000")  # doctest: +SKIP
"""

from riskinsights_lib.publish.errors import PublishError
from riskinsights_lib.publish.local_server import LocalPostgres, find_pg_bin
from riskinsights_lib.publish.publish import INVENTORY_TABLE, publish_datamart
from riskinsights_lib.publish.settings import (
    PublishTargetError,
    check_target,
    redact,
    resolve_target,
    schema_name,
)

__all__ = [
    "INVENTORY_TABLE",
    "LocalPostgres",
    "PublishError",
    "PublishTargetError",
    "check_target",
    "find_pg_bin",
    "publish_datamart",
    "redact",
    "resolve_target",
    "schema_name",
]
