"""Read the raw extracts as text, file by file, so that nothing is lost.

Every raw file is read with all columns as ``VARCHAR`` (Parquet columns are
cast to text). A :class:`RawFile` holds, per file, an SQL subquery with the
contract's columns as ``raw__<column>``; the rows are never copied as text:
:mod:`riskinsights_lib.datamart.quality` types and judges them straight from
the files and keeps the text of the rows it rejects only. CSV is read as RFC
4180 with the dialect of the parameters and the column names of the header as
:mod:`riskinsights_lib.datamart.extracts` read it (no sniffing: a row with the
wrong number of fields is an error, not a new column).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from riskinsights_lib.datamart.contract import CsvDialect

__all__ = ["RawFile", "csv_reader", "parquet_reader", "source_files", "select_raw", "union_all"]


def sql_path(path: Path) -> str:
    """``path`` as an SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def _char(char: str) -> str:
    return "'" + char.replace("'", "''") + "'"


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


def csv_reader(path: Path, columns: list[str], dialect: CsvDialect) -> str:
    """``read_csv`` of ``path`` as RFC 4180: header skipped, ``columns`` by position, all text.

    No sniffing and no ``null_padding`` (which the parallel scanner refuses with quoted
    line breaks): a row with the wrong number of fields fails the read, and
    :mod:`~riskinsights_lib.datamart.diagnose` names its line. ``path`` is UTF-8 or
    Latin-1 (cp1252 files are transcoded to UTF-8 first).
    """
    names = ", ".join(f"{_char(c)}: 'VARCHAR'" for c in columns)
    encoding = "latin-1" if dialect.encoding == "latin-1" else "utf-8"
    return (
        f"read_csv({sql_path(path)}, header = true, auto_detect = false, "
        f"columns = {{{names}}}, delim = {_char(dialect.delimiter)}, "
        f"quote = {_char(dialect.quote)}, escape = {_char(dialect.quote)}, "
        f"encoding = '{encoding}')"
    )


def parquet_reader(path: Path) -> str:
    """``read_parquet`` of ``path``."""
    return f"read_parquet({sql_path(path)})"


@dataclass(frozen=True)
class RawFile:
    """One raw file: its path relative to the run folder (as in ``truth/dirty_rows.csv``),
    an SQL subquery reading its rows in file order (the contract's columns as text), and
    what its header lacked or added."""

    name: str
    scan: str
    missing_optional: tuple[str, ...] = ()
    extra_columns: tuple[str, ...] = ()
    rows: int = 0
    control: str = "missing"  # "checked" or "missing"
    sums: dict = field(default_factory=dict)


def select_raw(reader: str, present: dict[str, str], contract_columns: list[str]) -> str:
    """Subquery: each contract column as ``raw__<column>`` text; ``present`` maps a contract
    column to its name in the reader (columns absent from the file are NULL)."""

    def quoted(c: str) -> str:
        return '"' + present[c].replace('"', '""') + '"'

    select = ", ".join(
        f'CAST({quoted(c)} AS VARCHAR) AS "raw__{c}"'
        if c in present
        else f'CAST(NULL AS VARCHAR) AS "raw__{c}"'
        for c in contract_columns
    )
    return f"(SELECT {select} FROM {reader})"


def union_all(files: list[RawFile]) -> str:
    """One subquery over every file of a source (for passes that need no row numbers)."""
    return "(" + " UNION ALL ".join(f"SELECT * FROM {f.scan}" for f in files) + ")"
