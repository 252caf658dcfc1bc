"""Raw extracts into Spark with their row numbers: every contract column as text.

A reject must name its file and row number, so each raw row keeps its 1-based
position in its file (header not counted), as the DuckDB build's ``rowid`` does.
Spark keeps no file order by itself, so the position is made explicit:

- CSV: each file is read on its own with ``multiLine`` (a quoted field may hold
  a line break, as DuckDB allows), which makes the file one non-splittable
  input split, hence ONE partition read in file order; the row number is then
  ``monotonically_increasing_id() + 1`` (in partition 0 the id is the position).
  The one-partition property is asserted, never assumed. Big extracts are
  split into part files (as 01 writes them); the parts are read in parallel.
- Parquet: the hidden column ``_metadata.row_index`` is the row's position in
  its file, however Spark splits the file.

Columns are matched by header name as DuckDB does; an optional contract column
missing from a file is NULL (a failed contract check), extra columns are ignored.
"""

from __future__ import annotations

import logging
from pathlib import Path

from riskinsights_lib.datamart.contract import CsvDialect
from riskinsights_lib.datamart.extracts import read_header
from riskinsights_lib.datamart.load import source_files
from riskinsights_lib.datamart.sources import Source

__all__ = ["CSV_OPTIONS", "csv_options", "read_raw_file", "read_source"]

log = logging.getLogger(__name__)

#: Spark's names of the contract's encodings.
_ENCODINGS = {"utf-8": "UTF-8", "latin-1": "ISO-8859-1", "cp1252": "windows-1252"}

#: How Spark reads an RFC 4180 extract of the contract (the dialect adds delimiter, quote
#: and encoding): one header row, a quote doubled inside a quoted value, empty = NULL.
CSV_OPTIONS: dict[str, str] = {
    "header": "true",
    "multiLine": "true",
    "inferSchema": "false",
    "mode": "PERMISSIVE",
    "enforceSchema": "true",
    "ignoreLeadingWhiteSpace": "false",
    "ignoreTrailingWhiteSpace": "false",
}


def csv_options(dialect: CsvDialect | None = None) -> dict[str, str]:
    """Spark CSV options for ``dialect`` (the parameters' encoding, delimiter and quote)."""
    d = dialect or CsvDialect()
    return CSV_OPTIONS | {
        "sep": d.delimiter,
        "quote": d.quote,
        "escape": d.quote,
        "encoding": _ENCODINGS[d.encoding],
    }


def _with_contract_columns(df, source: Source, path: Path, header: list[str]):
    """Contract columns as ``raw__<column>`` text; ``header`` names ``df``'s columns in order
    (trimmed, lower-cased, as the file-level checks read them)."""
    from pyspark.sql import functions as F

    present: dict[str, str] = {}
    for name, col in zip(header, df.columns, strict=True):
        present.setdefault(name.strip().lower(), col)
    missing = [c for c in source.column_names if c.lower() not in present]
    if missing:
        log.warning("%s: columns %s missing from %s", source.name, missing, path.name)
    return [
        (
            F.col(f"`{present[c.lower()]}`").cast("string")
            if c.lower() in present
            else F.lit(None).cast("string")
        ).alias(f"raw__{c}")
        for c in source.column_names
    ]


def read_raw_file(spark, path: Path, source: Source, *, file_name: str, file_no: int, dialect=None):
    """One raw file as a DataFrame: ``_file``, ``_file_no``, ``_row`` (1-based) and
    ``raw__<column>`` (text) for every contract column of ``source``.

    A CSV header is read once on the driver with the shared
    :func:`~riskinsights_lib.datamart.extracts.read_header`; the file's columns are then
    taken by position, as the DuckDB build reads them (no schema inference job)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    if path.suffix == ".parquet":
        df = spark.read.parquet(str(path))
        header = list(df.columns)
        row = F.col("_metadata.row_index") + 1
    else:
        header = read_header(path, file_name, dialect or CsvDialect())
        schema = StructType([StructField(f"_c{i}", StringType()) for i in range(len(header))])
        df = spark.read.options(**csv_options(dialect)).schema(schema).csv(str(path))
        n_parts = df.rdd.getNumPartitions()
        if n_parts != 1:  # the row number below needs the whole file in one partition
            raise RuntimeError(f"{file_name}: read in {n_parts} partitions, expected 1")
        row = F.monotonically_increasing_id() + 1
    return df.select(
        F.lit(file_name).alias("_file"),
        F.lit(file_no).cast("int").alias("_file_no"),
        row.cast("long").alias("_row"),
        *_with_contract_columns(df, source, path, header),
    )


def read_source(spark, raw_dir: Path, source: Source, dialect: CsvDialect | None = None):
    """Every file of ``source`` (name order), unioned; file names relative to the run
    folder as in ``etl_reject.file``. Returns ``(DataFrame, [file names])``."""
    raw_dir = Path(raw_dir)
    base = raw_dir.resolve().parent
    frames, names = [], []
    for i, path in enumerate(source_files(raw_dir, source.name)):
        name = path.resolve().relative_to(base).as_posix()
        frames.append(
            read_raw_file(spark, path, source, file_name=name, file_no=i, dialect=dialect)
        )
        names.append(name)
    df = frames[0]
    for other in frames[1:]:
        df = df.unionByName(other)
    return df, names
