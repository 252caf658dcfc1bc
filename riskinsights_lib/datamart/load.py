"""Stage the raw extracts in DuckDB as text, row for row, so that nothing is lost.

Every raw file is read with all columns as ``VARCHAR`` into a temporary table
``raw_<source>`` with ``_file`` (path relative to the run folder, as in
``truth/dirty_rows.csv``) and ``_row``, the 1-based data row within that file. Typing happens later
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


def _reader(files: list[Path], source: Source) -> str:
    listing = "[" + ", ".join(_quote(f) for f in files) + "]"
    if files[0].suffix == ".parquet":
        return f"read_parquet({listing}, union_by_name = true, filename = true)"
    return (
        f"read_csv({listing}, header = true, all_varchar = true, union_by_name = true, "
        "null_padding = true, strict_mode = false, filename = true, quote = '\"', escape = '\"')"
    )


def stage_source(con: duckdb.DuckDBPyConnection, raw_dir: Path, source: Source) -> int:
    """Read one source into the temp table ``raw_<name>``; return its row count.

    Columns of the contract missing from the file are added as NULL (the
    row then fails its own rules); extra columns are ignored.
    """
    files = source_files(raw_dir, source.name)
    present = {
        row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {_reader(files, source)}").fetchall()
    } - {"filename"}
    select = ", ".join(
        f'CAST("{c}" AS VARCHAR) AS "{c}"' if c in present else f'CAST(NULL AS VARCHAR) AS "{c}"'
        for c in source.column_names
    )
    missing = [c for c in source.column_names if c not in present]
    if missing:
        log.warning("%s: columns %s missing from the raw files", source.name, missing)
    table = f"raw_{source.name}"
    # Insertion order is preserved, so rowid follows the files' row order.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _scan AS SELECT filename AS _path, {select} "
        f"FROM {_reader(files, source)}"
    )
    base = Path(raw_dir).resolve().parent
    relative = {str(f): f.resolve().relative_to(base).as_posix() for f in files}
    con.register(
        "_files", pd.DataFrame({"_path": list(relative), "_file": list(relative.values())})
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT f._file, s.rowid - min(s.rowid) OVER (PARTITION BY s._path) + 1 AS _row,
               {", ".join(f's."{c}"' for c in source.column_names)}
        FROM _scan s JOIN _files f USING (_path)
        ORDER BY f._file, _row
        """
    )
    con.unregister("_files")
    con.execute("DROP TABLE _scan")
    n = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    log.info("staged %s: %s rows from %d file(s)", source.name, f"{n:,}", len(files))
    return int(n)
