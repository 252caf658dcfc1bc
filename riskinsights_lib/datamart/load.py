"""Stage the raw extracts in DuckDB as text, row for row, so that nothing is lost.

Every raw file is read with all columns as ``VARCHAR`` into a temporary table
``raw_<source>``; its ``rowid`` and ``_files_<source>`` give each row's file
(path relative to the run folder, as in ``truth/dirty_rows.csv``) and 1-based
data row within that file. Typing happens later
with ``TRY_CAST`` (see :mod:`riskinsights_lib.datamart.quality`), so a bad value
becomes a quarantined row, never a failed load.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pandas as pd

from riskinsights_lib.datamart.sources import Source

__all__ = ["source_files", "stage_source"]

log = logging.getLogger(__name__)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def source_files(raw_dir: Path, source: str) -> list[Path]:
    """The files of one source: ``<source>.csv|parquet`` or ``<source>/part-*.csv|parquet``."""
    raw_dir = Path(raw_dir)
    files: list[Path] = []
    for ext in ("csv", "parquet"):
        single = raw_dir / f"{source}.{ext}"
        if single.is_file():
            files.append(single)
        folder = raw_dir / source
        if folder.is_dir():
            files.extend(sorted(folder.glob(f"*.{ext}")))
    if not files:
        raise FileNotFoundError(
            f"raw_dir: no {source}.csv, {source}.parquet or {source}/part-* in {raw_dir}"
        )
    if len({f.suffix for f in files}) > 1:
        raise ValueError(f"raw_dir: {source} has both CSV and Parquet files in {raw_dir}")
    return files


def _reader(path: Path) -> str:
    if path.suffix == ".parquet":
        return f"read_parquet({_quote(path)})"
    return (
        f"read_csv({_quote(path)}, header = true, all_varchar = true, null_padding = true, "
        "strict_mode = false, quote = '\"', escape = '\"')"
    )


def stage_source(con: duckdb.DuckDBPyConnection, raw_dir: Path, source: Source) -> int:
    """Read one source into the temp table ``raw_<name>``; return its row count.

    Files are appended one by one in name order; insertion order is preserved,
    so ``rowid`` follows the files' rows and ``_files_<name>`` (``_file_id``,
    ``_file``, ``first_rowid``) turns it into the row number within a file.
    Columns of the contract missing from a file are added as NULL (the row then
    fails its own rules); extra columns are ignored.
    """
    files = source_files(raw_dir, source.name)
    table = f"raw_{source.name}"
    cols = ", ".join(f'"{c}" VARCHAR' for c in source.column_names)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (_file_id INTEGER, {cols})")
    base = Path(raw_dir).resolve().parent
    starts, n = [], 0
    for file_id, path in enumerate(files):
        present = {
            row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {_reader(path)}").fetchall()
        }
        missing = [c for c in source.column_names if c not in present]
        if missing:
            log.warning("%s: columns %s missing from %s", source.name, missing, path.name)
        select = ", ".join(
            f'CAST("{c}" AS VARCHAR)' if c in present else "CAST(NULL AS VARCHAR)"
            for c in source.column_names
        )
        con.execute(f"INSERT INTO {table} SELECT {file_id}, {select} FROM {_reader(path)}")
        starts.append((file_id, path.resolve().relative_to(base).as_posix(), n))
        n = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    con.register("_files_df", pd.DataFrame(starts, columns=["_file_id", "_file", "first_rowid"]))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _files_{source.name} AS SELECT _file_id::INTEGER AS _file_id, "
        "_file::VARCHAR AS _file, first_rowid::BIGINT AS first_rowid FROM _files_df"
    )
    con.unregister("_files_df")
    log.info("staged %s: %s rows from %d file(s)", source.name, f"{n:,}", len(files))
    return int(n)
