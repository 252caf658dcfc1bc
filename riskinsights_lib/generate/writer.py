"""Writing raw extracts: CSV (pyarrow's fast writer) or Parquet, in pieces.

A :class:`TableWriter` accepts tables chunk by chunk, so balances and
transactions never need to sit in memory whole. It writes to a temporary name
(``<file>.partial``) and renames the file when it is complete, so a failure
(a full disk) never leaves a truncated extract behind; then it writes the
extract's control file (row count and money sums, docs/data_contract.md).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from riskinsights_lib.datamart.controls import ControlTotals, control_path, write_control
from riskinsights_lib.datamart.sources import MONEY_COLUMNS

__all__ = ["FORMATS", "TableWriter", "write_table", "to_arrow", "cast_to_text"]

FORMATS = ("csv", "parquet")


def to_arrow(frame: pd.DataFrame, schema: dict[str, pa.DataType]) -> pa.Table:
    """A frame as an Arrow table with the given column types (in that order)."""
    arrays = {}
    for name, typ in schema.items():
        values = frame[name]
        if pa.types.is_date32(typ):
            values = values.to_numpy("datetime64[D]")
        arrays[name] = pa.array(values, type=typ, from_pandas=True)
    return pa.table(arrays)


def cast_to_text(table: pa.Table, columns: list[str]) -> pa.Table:
    """Columns ``columns`` as strings (CSV extracts that may carry unparseable values)."""
    for name in columns:
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, pc.cast(table.column(name), pa.string()))
    return table


class TableWriter:
    """Append tables with one schema to a CSV or Parquet file."""

    def __init__(self, path: Path, file_format: str) -> None:
        if file_format not in FORMATS:
            raise ValueError(f"file_format: expected one of {FORMATS}, got {file_format!r}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file_format = file_format
        self.rows = 0
        self._partial = self.path.with_name(self.path.name + ".partial")
        self._totals = ControlTotals(MONEY_COLUMNS)
        self._writer: pcsv.CSVWriter | pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        """Append ``table`` (same schema as the first one)."""
        if self._writer is None:
            self.path.unlink(missing_ok=True)
            control_path(self.path).unlink(missing_ok=True)
            if self.file_format == "csv":
                self._writer = pcsv.CSVWriter(self._partial, table.schema)
            else:
                self._writer = pq.ParquetWriter(self._partial, table.schema, compression="zstd")
        self._writer.write_table(table)
        self._totals.add(table)
        self.rows += table.num_rows

    def close(self, schema: pa.Schema | None = None) -> None:
        """Finish the file: rename it into place and write its control file."""
        if self._writer is None and schema is not None:
            self.write(schema.empty_table())
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._partial.replace(self.path)
            write_control(self.path, self._totals.control(self.path))

    def abort(self) -> None:
        """Drop the unfinished file (nothing is renamed into place)."""
        if self._writer is not None:
            with contextlib.suppress(OSError):
                self._writer.close()
            self._writer = None
        self._partial.unlink(missing_ok=True)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_table(table: pa.Table, path: Path, file_format: str) -> int:
    """Write one whole table; return its row count."""
    with TableWriter(path, file_format) as writer:
        writer.write(table)
    return table.num_rows
