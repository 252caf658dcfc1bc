"""The Spark build's ``datamart.duckdb``: one DuckDB view per Parquet table.

03-06 open ``<run>/datamart.duckdb`` whichever engine built it. After a Spark
build that file holds no data, only a view per table over
``<run>/tables/<table>/`` (absolute paths: keep the run folder where it was
built, or rebuild the views with :func:`write_views`), each commented with its
grain as the DuckDB build comments its tables.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from riskinsights_lib.datamart.schema import TABLES

__all__ = ["write_views", "view_sql"]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def view_sql(table: str, folder: Path, columns: list[str] | None = None) -> str:
    """``CREATE VIEW`` reading every Parquet file of ``folder`` (Hive partitions included)."""
    partitioned = any(p.is_dir() for p in folder.iterdir())
    pattern = folder / ("*/*.parquet" if partitioned else "*.parquet")
    select = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    hive = ", hive_partitioning = true" if partitioned else ", hive_partitioning = false"
    return (
        f"CREATE OR REPLACE VIEW {table} AS SELECT {select} "
        f"FROM read_parquet({_quote(str(folder.resolve() / pattern.relative_to(folder)))}{hive})"
    )


def write_views(
    db_path: str | os.PathLike,
    tables_dir: str | os.PathLike,
    *,
    run_id: str,
    columns: dict[str, list[str]],
) -> None:
    """(Re)create ``db_path`` with a view per table of ``tables_dir``.

    ``columns`` gives each table's contract columns in order (a partitioned
    table's partition column is left out)."""
    db_path, tables_dir = Path(db_path), Path(tables_dir)
    tmp = db_path.with_name(db_path.name + ".building")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for table, (kind, grain, key) in TABLES.items():
            con.execute(view_sql(table, tables_dir / table, columns.get(table)))
            comment = f"{kind}; grain: {grain}; key: {', '.join(key)}; run {run_id}"
            con.execute(f"COMMENT ON VIEW {table} IS {_quote(comment)}")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, db_path)
    Path(str(db_path) + ".wal").unlink(missing_ok=True)
