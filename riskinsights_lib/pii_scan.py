"""Scan a run's outputs for personal values of its raw layer (privacy by design, checked).

Everything a run leaves for readers is searched: ``run.json``, ``index.html``,
the executed notebooks, the HTML reports, the exports (CSV and Parquet cell by
cell), logs, the datamart's text columns, plus any captured console text. The
values searched are the personal fields of ``raw/customers.csv`` (names,
address, e-mail, phone, national id, postcode, birth date) and any secret
given (the pseudonym key).

Text is matched token-wise, not by raw substring: a value leaks when its
tokens appear in the text contiguously (so ``Mark`` inside ``Markdown`` or a
run of base64 image data is not a hit). Embedded images (long base64 runs) are
skipped, since they cannot carry a value made of words, digits and separators.
Names are searched as full names (first and last name side by side, either
order): a lone first or last name is also an ordinary word ("April", "Early")
and identifies nobody. In tables, a birth date counts only in a column named
for it, since any date column holds dates that are also someone's birthday.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

__all__ = ["PERSONAL_COLUMNS", "ScanResult", "planted_values", "scan_text", "scan_run"]

PERSONAL_COLUMNS = (
    "address",
    "email",
    "phone",
    "national_id",
    "postcode",
    "birth_date",
)
_TOKEN = re.compile(r"[0-9A-Za-zÀ-ÿ@._+'-]+")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/=\\\n]{200,}")
_TEXT_SUFFIXES = {".json", ".html", ".ipynb", ".log", ".txt", ".md", ".sql", ".csv", ".yaml"}
_DATES = frozenset({"birth_date"})
_SKIP_DIRS = {"raw", "truth"}  # the raw layer holds personal data by design; truth is synthetic


@dataclass
class ScanResult:
    """What was scanned and what was found (``hits``: (where, kind of value) pairs, never values)."""

    files: int = 0
    bytes: int = 0
    cells: int = 0
    values: int = 0
    hits: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, other: ScanResult) -> ScanResult:
        self.files += other.files
        self.bytes += other.bytes
        self.cells += other.cells
        self.hits += other.hits
        return self


def _tokens(text: str) -> list[str]:
    return [t.strip(".'-") for t in _TOKEN.findall(text)]


def planted_values(customers_csv: Path, *, min_length: int = 4) -> dict[str, str]:
    """Personal values of a raw customers file: value -> its column (values under ``min_length`` dropped)."""
    frame = pd.read_csv(customers_csv, dtype=str, keep_default_na=False, encoding_errors="replace")
    values: dict[str, str] = {}
    if {"first_name", "last_name"} <= set(frame.columns):
        for first, last in zip(frame["first_name"], frame["last_name"], strict=True):
            if first.strip() and last.strip():
                values.setdefault(f"{first.strip()} {last.strip()}", "full_name")
                values.setdefault(f"{last.strip()}, {first.strip()}", "full_name")
    for column in PERSONAL_COLUMNS:
        if column in frame.columns:
            for value in frame[column]:
                value = value.strip()
                if len(value) >= min_length:
                    values.setdefault(value, column)
    return values


class _Matcher:
    """Token-sequence matching of many values at once."""

    def __init__(self, values: dict[str, str]):
        self.kind = {}
        self.single: set[str] = set()
        self.multi: dict[tuple[str, ...], str] = {}
        for value, kind in values.items():
            tokens = tuple(t for t in _tokens(value) if t)
            if not tokens:
                continue
            if len(tokens) == 1:
                self.single.add(tokens[0])
                self.kind[tokens[0]] = kind
            else:
                self.multi[tokens] = kind

    def find(self, text: str, *, skip: frozenset[str] = frozenset()) -> list[str]:
        """Kinds of the values found in ``text`` (kinds in ``skip`` not searched)."""
        tokens = _tokens(_BASE64_RUN.sub(" ", text))
        found = [self.kind[t] for t in set(tokens) & self.single if self.kind[t] not in skip]
        if self.multi:
            pairs = set(zip(tokens, tokens[1:], strict=False))
            seq = f" {' '.join(tokens)} "
            found += [
                kind
                for value, kind in self.multi.items()
                if kind not in skip
                and all(p in pairs for p in zip(value, value[1:], strict=False))
                and f" {' '.join(value)} " in seq
            ]
        return found


def scan_text(text: str, values: dict[str, str] | _Matcher) -> list[str]:
    """Kinds of personal value found in one text (empty when clean)."""
    matcher = values if isinstance(values, _Matcher) else _Matcher(values)
    return matcher.find(text)


def _scan_table(frame: pd.DataFrame, where: str, matcher: _Matcher) -> ScanResult:
    result = ScanResult()
    for column in frame.columns:
        cells = frame[column].dropna().astype(str)
        result.cells += len(cells)
        text = "\n".join(set(cells))
        skip = frozenset() if "birth" in str(column).lower() else _DATES
        result.hits += [(f"{where}:{column}", kind) for kind in matcher.find(text, skip=skip)]
    return result


def _scan_file(path: Path, where: str, matcher: _Matcher) -> ScanResult:
    size = path.stat().st_size
    result = ScanResult(files=1, bytes=size)
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        strings = [
            n
            for n, t in zip(table.column_names, table.schema.types, strict=True)
            if "string" in str(t)
        ]
        return result.merge(_scan_table(table.select(strings).to_pandas(), where, matcher))
    if path.suffix == ".duckdb":
        return result.merge(_scan_duckdb(path, where, matcher))
    if path.suffix == ".csv":
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
            frame = None  # not a clean table: scanned as text below
        if frame is not None:
            return result.merge(_scan_table(frame, where, matcher))
    text = path.read_bytes().decode("utf-8", errors="replace")
    result.hits += [(where, kind) for kind in matcher.find(text)]
    return result


def _scan_duckdb(path: Path, where: str, matcher: _Matcher) -> ScanResult:
    result = ScanResult()
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR' ORDER BY table_name, column_name"
        ).fetchall()
        for table, column in columns:
            frame = con.execute(f'SELECT DISTINCT "{column}" AS v FROM "{table}"').df()
            result.merge(_scan_table(frame, f"{where}:{table}", matcher))
    return result


def scan_run(
    run_dir: Path, values: dict[str, str], *, extra_texts: Iterable[tuple[str, str]] = ()
) -> ScanResult:
    """Scan every output of ``run_dir`` (not ``raw/`` or ``truth/``) and ``extra_texts`` (name, text).

    Returns counts of files, bytes and table cells scanned and the hits as
    (where, kind of value) pairs; the values themselves are never returned.
    """
    matcher = _Matcher(values)
    result = ScanResult(values=len(values))
    run_dir = Path(run_dir)
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(run_dir)
        if rel.parts[0] in _SKIP_DIRS or path.name == ".lock":
            continue
        if path.suffix in _TEXT_SUFFIXES | {".parquet", ".duckdb"} or rel.parts[0] == "logs":
            result.merge(_scan_file(path, str(rel), matcher))
    for name, text in extra_texts:
        result.files += 1
        result.bytes += len(text.encode("utf-8"))
        result.hits += [(name, kind) for kind in matcher.find(text)]
    return result
