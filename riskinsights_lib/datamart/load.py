"""Read the raw extracts as text, file by file, so that nothing is lost.

Every raw file is read with all columns as ``VARCHAR`` (Parquet columns are
cast to text). :func:`raw_files` gives, per file, an SQL subquery with the
contract's columns as ``raw__<column>``; the rows are never copied as text:
:mod:`riskinsights_lib.datamart.quality` types and judges them straight from
the files and keeps the text of the rows it rejects only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

from riskinsights_lib.datamart.sources import Source

__all__ = ["RawFile", "raw_files", "source_files", "union_all"]

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


@dataclass(frozen=True)
class RawFile:
    """One raw file: its path relative to the run folder (as in ``truth/dirty_rows.csv``)
    and an SQL subquery reading its rows in file order, the contract's columns as text."""

    name: str
    scan: str


def raw_files(con: duckdb.DuckDBPyConnection, raw_dir: Path, source: Source) -> list[RawFile]:
    """The files of ``source`` in name order, each as a :class:`RawFile`.

    Columns of the contract missing from a file are read as NULL (the row then
    fails its own rules); extra columns are ignored.
    """
    base = Path(raw_dir).resolve().parent
    out = []
    for path in source_files(raw_dir, source.name):
        present = {
            row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {_reader(path)}").fetchall()
        }
        missing = [c for c in source.column_names if c not in present]
        if missing:
            log.warning("%s: columns %s missing from %s", source.name, missing, path.name)
        select = ", ".join(
            f'CAST("{c}" AS VARCHAR) AS "raw__{c}"'
            if c in present
            else f'CAST(NULL AS VARCHAR) AS "raw__{c}"'
            for c in source.column_names
        )
        name = path.resolve().relative_to(base).as_posix()
        out.append(RawFile(name, f"(SELECT {select} FROM {_reader(path)})"))
    return out


def union_all(files: list[RawFile]) -> str:
    """One subquery over every file of a source (for passes that need no row numbers)."""
    return "(" + " UNION ALL ".join(f"SELECT * FROM {f.scan}" for f in files) + ")"
