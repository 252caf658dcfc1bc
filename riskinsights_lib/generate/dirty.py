"""Dirty rows: a small, known set of defective rows added to each raw source.

Each dirty row is a copy of a genuine row with exactly one defect, written
right after it; genuine rows are never altered. The list (source, file, row
number, key as written, defect) goes to ``truth/dirty_rows.csv`` so that the
ETL's quarantine can be checked row by row. See docs/data_contract.md.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskinsights_lib.generate.writer import TableWriter, cast_to_text, write_table

__all__ = ["DEFECTS", "DirtySpec", "DIRTY_SPECS", "add_dirty_rows", "string_columns", "DirtyWriter"]

DEFECTS = (
    "missing_key",
    "unparseable_value",
    "orphan_foreign_key",
    "out_of_range",
    "future_date",
    "duplicate_id",
)


@dataclass(frozen=True)
class DirtySpec:
    """Where each defect goes in one source."""

    source: str
    key: tuple[str, ...]
    defects: tuple[str, ...]
    fresh_prefix: str | None = None  # single-key sources: prefix of fresh unique ids
    fresh_width: int = 0
    fresh_base: int = 0
    fk: str | None = None
    orphan_prefix: str = ""
    orphan_base: int = 0
    orphan_width: int = 0
    date_col: str = ""
    unparseable_col: str = ""
    unparseable_values: tuple[str, ...] = ()
    range_col: str = ""


DIRTY_SPECS: dict[str, DirtySpec] = {
    "customers": DirtySpec(
        "customers",
        ("customer_id",),
        ("missing_key", "unparseable_value", "future_date", "duplicate_id"),
        fresh_prefix="C",
        fresh_width=7,
        fresh_base=9_500_000,
        date_col="onboarding_date",
        unparseable_col="birth_date",
        unparseable_values=("1985-02-30", "31/12/1979", "19xx-05-01"),
    ),
    "customer_attributes": DirtySpec(
        "customer_attributes",
        ("customer_id", "effective_from"),
        ("missing_key", "unparseable_value", "orphan_foreign_key", "out_of_range", "future_date"),
        fk="customer_id",
        orphan_prefix="C",
        orphan_base=9_000_000,
        orphan_width=7,
        date_col="effective_from",
        unparseable_col="annual_income",
        unparseable_values=("45,000x", "12,3x", "n/a EUR"),
        range_col="annual_income",
    ),
    "accounts": DirtySpec(
        "accounts",
        ("account_id",),
        (
            "missing_key",
            "unparseable_value",
            "orphan_foreign_key",
            "out_of_range",
            "future_date",
            "duplicate_id",
        ),
        fresh_prefix="A",
        fresh_width=8,
        fresh_base=95_000_000,
        fk="customer_id",
        orphan_prefix="C",
        orphan_base=9_000_000,
        orphan_width=7,
        date_col="open_date",
        unparseable_col="open_date",
        unparseable_values=("2023-02-30", "31/02/2023", "2023-13-01"),
        range_col="credit_limit",
    ),
    "balances": DirtySpec(
        "balances",
        ("account_id", "month_end"),
        (
            "missing_key",
            "unparseable_value",
            "orphan_foreign_key",
            "out_of_range",
            "future_date",
            "duplicate_id",
        ),
        fk="account_id",
        orphan_prefix="A",
        orphan_base=90_000_000,
        orphan_width=8,
        date_col="month_end",
        unparseable_col="balance",
        unparseable_values=("1.234,5x", "12,3x", "--"),
        range_col="days_past_due",
    ),
    "transactions": DirtySpec(
        "transactions",
        ("transaction_id",),
        (
            "missing_key",
            "unparseable_value",
            "orphan_foreign_key",
            "out_of_range",
            "future_date",
            "duplicate_id",
        ),
        fresh_prefix="T",
        fresh_width=11,
        fresh_base=95_000_000_000,
        fk="account_id",
        orphan_prefix="A",
        orphan_base=90_000_000,
        orphan_width=8,
        date_col="ts",
        unparseable_col="amount",
        unparseable_values=("12,3x", "1.234,56", "EUR 40"),
        range_col="amount",
    ),
}


def string_columns(spec: DirtySpec, file_format: str) -> list[str]:
    """Columns written as text so that CSV can carry the unparseable values."""
    return [spec.unparseable_col] if file_format == "csv" else []


def _ids(prefix: str, base: int, width: int, start: int, n: int) -> list[str]:
    return [f"{prefix}{base + start + j:0{width}d}" for j in range(n)]


def _negate(value: object) -> float:
    number = float(value) if value is not None else 0.0
    return -250.0 if np.isnan(number) or number == 0 else -abs(number)


def add_dirty_rows(
    table: pa.Table,
    spec: DirtySpec,
    rng: np.random.Generator,
    *,
    rate: float,
    file_format: str,
    end_date: dt.date,
    counter: int = 0,
) -> tuple[pa.Table, pd.DataFrame, int]:
    """Add dirty copies to ``table`` (already in its written schema).

    Parameters
    ----------
    table : genuine rows of one file or chunk.
    spec : the source's defect plan.
    rate : share of rows to add; at least one per applicable defect when the table has rows.
    file_format : ``"csv"`` or ``"parquet"`` (no unparseable values in typed Parquet).
    end_date : the last day of the history (future dates lie after it).
    counter : running number used to make fresh and orphan ids unique over chunks.

    Returns
    -------
    The table with dirty rows in place, a frame ``row_number, record_key, defect``
    (``row_number`` 0-based in this table) and the updated counter.
    """
    if not 0 <= rate < 1:
        raise ValueError(f"dirty_row_rate: expected a share in [0, 1), got {rate}")
    n = table.num_rows
    defects = [d for d in spec.defects if file_format == "csv" or d != "unparseable_value"]
    n_dirty = 0 if n == 0 or rate == 0 else max(len(defects), int(round(rate * n)))
    n_dirty = min(n_dirty, n)
    if n_dirty == 0:
        return table, pd.DataFrame(columns=["row_number", "record_key", "defect"]), counter
    src = np.sort(rng.choice(n, n_dirty, replace=False))
    kinds = np.array(defects)[rng.permutation(np.resize(np.arange(len(defects)), n_dirty))]
    rows = table.take(pa.array(src)).to_pylist()
    future = [end_date + dt.timedelta(days=int(d)) for d in rng.integers(20, 400, n_dirty)]
    for j, (row, kind) in enumerate(zip(rows, kinds, strict=True)):
        if spec.fresh_prefix and kind not in ("missing_key", "duplicate_id"):
            row[spec.key[0]] = _ids(
                spec.fresh_prefix, spec.fresh_base, spec.fresh_width, counter + j, 1
            )[0]
        if kind == "missing_key":
            row[spec.key[0]] = None
        elif kind == "unparseable_value":
            row[spec.unparseable_col] = spec.unparseable_values[j % len(spec.unparseable_values)]
        elif kind == "orphan_foreign_key":
            row[spec.fk] = _ids(
                spec.orphan_prefix, spec.orphan_base, spec.orphan_width, counter + j, 1
            )[0]
        elif kind == "out_of_range":
            row[spec.range_col] = (
                -int(rng.integers(1, 30))
                if spec.range_col == "days_past_due"
                else _negate(row[spec.range_col])
            )
        elif kind == "future_date":
            day = future[j]
            if spec.date_col == "month_end":
                day = (pd.Timestamp(day) + pd.offsets.MonthEnd(0)).date()
            if spec.date_col == "ts":
                day = dt.datetime.combine(
                    day, dt.time(int(rng.integers(8, 20)), int(rng.integers(0, 60)))
                )
            row[spec.date_col] = day
            if "close_date" in row:
                row["close_date"] = None
    text = [f.name for f in table.schema if pa.types.is_string(f.type)]
    for row in rows:
        for name in text:
            if row[name] is not None and not isinstance(row[name], str):
                row[name] = str(row[name])
    dirty = pa.Table.from_pylist(rows, schema=table.schema)
    keys = [dirty.column(k).cast(pa.string()) for k in spec.key]
    record_key = keys[0] if len(keys) == 1 else pc.binary_join_element_wise(*keys, "|")
    listed = pd.DataFrame(
        {
            "row_number": src + np.arange(1, n_dirty + 1),
            "record_key": pc.fill_null(record_key, "").to_pylist(),
            "defect": kinds,
        }
    )
    return _interleave(table, dirty, src), listed, counter + n_dirty


def _interleave(table: pa.Table, extra: pa.Table, after: np.ndarray) -> pa.Table:
    """``table`` with row ``i`` of ``extra`` right after row ``after[i]`` (sorted, unique).

    Built from zero-copy slices: a gather of the whole table would cost more than
    everything else the dirty rows need."""
    pieces, start = [], 0
    for i, row in enumerate(after.tolist()):
        pieces += [table.slice(start, row + 1 - start), extra.slice(i, 1)]
        start = row + 1
    pieces.append(table.slice(start))
    return pa.concat_tables(pieces).combine_chunks()


class DirtyWriter:
    """Write extracts with their dirty rows and keep the listing for ``truth/dirty_rows.csv``.

    Parameters
    ----------
    run_dir : the run folder (listed file paths are relative to it).
    file_format : ``"csv"`` or ``"parquet"``.
    rng : random generator of the dirty rows.
    rate : share of rows added per source.
    end_date : last day of the history.
    """

    def __init__(
        self,
        run_dir: Path,
        file_format: str,
        rng: np.random.Generator,
        *,
        rate: float,
        end_date: dt.date,
    ) -> None:
        self.run_dir = Path(run_dir)
        self.file_format = file_format
        self._io: ThreadPoolExecutor | None = None
        self._pending: deque[Future] = deque()
        self.rng = rng
        self.rate = rate
        self.end_date = end_date
        self._listed: list[pd.DataFrame] = []

    def write(
        self,
        source: str,
        table: pa.Table,
        path: Path,
        writer: TableWriter | None = None,
        counter: int = 0,
        offset: int = 0,
    ) -> tuple[int, int]:
        """Add dirty rows to ``table`` and write it (whole, or appended to ``writer`` after ``offset`` rows).

        Returns the rows written and the updated fresh-id counter.
        """
        spec = DIRTY_SPECS[source]
        table = cast_to_text(table, string_columns(spec, self.file_format))
        table, listed, counter = add_dirty_rows(
            table,
            spec,
            self.rng,
            rate=self.rate,
            file_format=self.file_format,
            end_date=self.end_date,
            counter=counter,
        )
        if len(listed):
            listed.insert(0, "file", str(Path(path).relative_to(self.run_dir)))
            listed.insert(0, "source", source)
            listed["row_number"] = listed["row_number"] + offset + 1
            self._listed.append(listed)
        if writer is None:
            self._run(write_table, table, path, self.file_format)
        else:
            self._run(writer.write, table)
        return table.num_rows, counter

    @contextmanager
    def in_background(self) -> Iterator[None]:
        """Within the block, files are written by one background thread, in the order asked
        (so appends stay in order), while the caller prepares the next tables."""
        with ThreadPoolExecutor(max_workers=1) as io:
            self._io = io
            try:
                yield
                self.flush()
            finally:
                self._io = None

    def flush(self) -> None:
        """Wait for every write asked so far (and raise its error, if any)."""
        while self._pending:
            self._pending.popleft().result()

    def _run(self, fn: Callable[..., object], *args: object) -> None:
        if self._io is None:
            fn(*args)
            return
        while len(self._pending) >= 2:  # bounds the tables held in memory
            self._pending.popleft().result()
        self._pending.append(self._io.submit(fn, *args))

    def listing(self) -> pd.DataFrame:
        """All dirty rows written so far: ``source, file, row_number, record_key, defect``."""
        if not self._listed:
            return pd.DataFrame(columns=["source", "file", "row_number", "record_key", "defect"])
        return pd.concat(self._listed, ignore_index=True)
