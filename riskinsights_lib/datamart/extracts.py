"""The contract at file level: every extract is checked before any row is judged.

For each file of each source, :func:`inspect_extracts` reads its control file,
checks its bytes (encoding, NUL bytes, size, digest), its header (a required
column missing stops; an optional one missing is recorded; extra columns are
ignored and listed), parses it once as RFC 4180 with the parameters' dialect
while counting rows and summing money columns, and compares those totals with
the control. Anything wrong stops with an :class:`ExtractError` of one line
naming the file, line and column, never a value (DuckDB's own messages quote
whole lines, so they are replaced by :mod:`~riskinsights_lib.datamart.diagnose`).
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from riskinsights_lib.datamart.contract import CONTROL_SUFFIX, CsvDialect
from riskinsights_lib.datamart.controls import check_bytes, check_control, read_control
from riskinsights_lib.datamart.diagnose import describe_reader_error, diagnose_csv, scan_bytes
from riskinsights_lib.datamart.errors import ExtractError
from riskinsights_lib.datamart.load import (
    RawFile,
    csv_reader,
    parquet_reader,
    select_raw,
    source_files,
)
from riskinsights_lib.datamart.sources import SOURCES, Source

__all__ = ["ExtractError", "ExtractsReport", "inspect_extracts", "inspect_file", "read_header"]

log = logging.getLogger(__name__)


@dataclass
class ExtractsReport:
    """What the file-level checks found, over every extract."""

    files: dict[str, list[RawFile]] = field(default_factory=dict)
    controls_checked: int = 0
    controls_missing: int = 0
    controls_failed: int = 0
    missing_optional: dict[str, list[str]] = field(default_factory=dict)
    extra_columns: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Plain JSON-able values (no file contents)."""
        return {
            "controls_checked": self.controls_checked,
            "controls_missing": self.controls_missing,
            "controls_failed": self.controls_failed,
            "missing_optional_columns": self.missing_optional,
            "extra_columns": self.extra_columns,
        }


def read_header(path: Path, name: str, dialect: CsvDialect) -> list[str]:
    """The column names of the CSV header (first record), trimmed and lower-cased."""
    encoding = "utf-8-sig" if dialect.encoding == "utf-8" else dialect.encoding
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=dialect.delimiter, quotechar=dialect.quote)
        try:
            header = next(reader)
        except StopIteration:
            header = []
        except csv.Error:
            raise ExtractError(f"{name}: line 1: the header cannot be parsed as CSV") from None
    names = [h.strip().lower() for h in header]
    if not any(names):
        raise ExtractError(f"{name}: line 1: no header (expected the contract's column names)")
    return names


def _parquet_header(path: Path, name: str) -> list[str]:
    try:
        return list(pq.read_schema(path).names)
    except Exception:  # noqa: BLE001 - any unreadable file gets the same one line
        raise ExtractError(
            f"{name}: not a readable Parquet file (damaged or not Parquet)"
        ) from None


def _match_columns(name: str, header: list[str], source: Source) -> tuple[dict, list, list]:
    """``(present, missing optional, extra)``; a missing required column stops."""
    lowered = [h.strip().lower() for h in header]
    for i, col in enumerate(lowered):
        if col and col in lowered[:i]:
            raise ExtractError(f"{name}: line 1: column {col!r} appears twice in the header")
    present = {c: header[lowered.index(c)] for c in source.column_names if c in lowered}
    extra = [h for h in lowered if h not in source.column_names]
    for col in source.columns:
        if col.name not in present and not col.optional:
            hint = (
                f"; the header has {len(extra)} column(s) the contract does not know (renamed?)"
                if extra
                else ""
            )
            other = [d for d in ";,|\t" if len(header) == 1 and d in header[0]]
            if other:
                hint = f"; the header is one column holding {other[0]!r}: set etl_star_schema.csv_delimiter"
            raise ExtractError(
                f"{name}: line 1: required column {col.name!r} is missing from the header{hint}"
            )
    missing = [c.name for c in source.columns if c.name not in present]
    return present, missing, [e[:40] for e in extra]


def _totals_sql(scan: str, source: Source, present: dict) -> tuple[str, list[str]]:
    money = [c.name for c in source.columns if c.money and c.name in present]
    sums = [
        f"sum(CASE WHEN NOT (contains(v_{i}, '_') OR contains(v_{i}, ',')) "
        f"THEN TRY_CAST(v_{i} AS DECIMAL(38, 2)) END)"
        for i in range(len(money))
    ]
    inner = ", ".join([f'TRIM("raw__{c}") AS v_{i}' for i, c in enumerate(money)] or ["1 AS one"])
    return (
        f"SELECT count(*){''.join(', ' + s for s in sums)} FROM (SELECT {inner} FROM {scan})",
        money,
    )


def inspect_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    name: str,
    source: Source,
    *,
    dialect: CsvDialect,
    require_controls: bool,
    work_dir: Path,
) -> RawFile:
    """Check one extract against the contract and its control; return it as a :class:`RawFile`."""
    control = read_control(path)
    if control is None and require_controls:
        raise ExtractError(
            f"{name}: no control file {path.name}{CONTROL_SUFFIX} "
            "(etl_star_schema.require_controls is true)"
        )
    is_csv = path.suffix == ".csv"
    if path.stat().st_size == 0:
        raise ExtractError(f"{name}: empty file (0 bytes): expected a header line")
    if control is not None:
        check_bytes(name, control, size=path.stat().st_size)
    read_path = path
    if is_csv and dialect.encoding == "cp1252":
        read_path = work_dir / f"{len(list(work_dir.iterdir()))}.csv"
    scan = scan_bytes(
        path,
        name,
        encoding=dialect.encoding if is_csv else None,
        digest=bool(control and control.sha256),
        transcode_to=read_path if read_path != path else None,
    )
    if control is not None:
        check_bytes(name, control, size=scan.size, sha256=scan.sha256)
    if is_csv:
        utf8 = CsvDialect(
            "utf-8" if read_path != path else dialect.encoding, dialect.delimiter, dialect.quote
        )
        header = read_header(read_path, name, utf8)
        present, missing, extra = _match_columns(name, header, source)
        positional = [h if h in present else f"_extra_{i}" for i, h in enumerate(header)]
        reader = csv_reader(read_path, positional, utf8)
        present = {c: c for c in present}
    else:
        header = _parquet_header(path, name)
        present, missing, extra = _match_columns(name, header, source)
        reader = parquet_reader(path)
    raw_scan = select_raw(reader, present, source.column_names)
    sql, money = _totals_sql(raw_scan, source, present)
    try:
        row = con.execute(sql).fetchall()[0]
    except duckdb.Error as exc:
        message = str(exc)
        del exc  # DuckDB's text quotes the offending line: it must not travel further
        found = diagnose_csv(read_path, name, utf8, len(header)) if is_csv else None
        raise ExtractError(found or describe_reader_error(name, message)) from None
    rows = int(row[0])
    sums: dict[str, Decimal | None] = dict(zip(money, row[1:], strict=True))
    if control is not None:
        check_control(name, control, rows=rows, sums=sums)
    if rows == 0 and not source.may_be_empty:
        raise ExtractError(f"{name}: header only, no data rows ({source.name} cannot be empty)")
    if missing:
        log.warning("%s: optional columns %s missing (loaded as empty)", name, missing)
    if extra:
        log.info("%s: extra columns ignored: %s", name, extra)
    return RawFile(
        name,
        raw_scan,
        missing_optional=tuple(missing),
        extra_columns=tuple(extra),
        rows=rows,
        control="checked" if control is not None else "missing",
        sums={k: str(v) for k, v in sums.items()},
    )


def inspect_extracts(
    con: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    *,
    dialect: CsvDialect,
    require_controls: bool,
    work_dir: Path,
) -> ExtractsReport:
    """Check every extract of every source (:func:`inspect_file`), in load order."""
    raw_dir = Path(raw_dir)
    base = raw_dir.resolve().parent
    work_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    report = ExtractsReport()
    problems: list[str] = []
    for source in SOURCES:
        files = []
        for path in source_files(raw_dir, source.name):
            name = path.resolve().relative_to(base).as_posix()
            try:
                raw = inspect_file(
                    con,
                    path,
                    name,
                    source,
                    dialect=dialect,
                    require_controls=require_controls,
                    work_dir=work_dir,
                )
            except ExtractError as exc:  # check every file, then stop on the first problem
                problems.append(str(exc))
                report.controls_failed += "control mismatch" in str(exc)
                continue
            files.append(raw)
            report.controls_checked += raw.control == "checked"
            report.controls_missing += raw.control == "missing"
            if raw.missing_optional:
                report.missing_optional[name] = list(raw.missing_optional)
            if raw.extra_columns:
                report.extra_columns[name] = list(raw.extra_columns)
        report.files[source.name] = files
    if problems:
        more = (
            f" (and {len(problems) - 1} more problem(s) in other files)"
            if len(problems) > 1
            else ""
        )
        error = ExtractError(problems[0] + more)
        error.report = report  # type: ignore[attr-defined]
        error.problems = problems  # type: ignore[attr-defined]
        raise error
    if report.controls_missing:
        log.warning("%d extract(s) without a control file", report.controls_missing)
    return report
