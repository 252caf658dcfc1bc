"""Control files: the row count and money totals an extract must add up to.

A control file sits beside its extract (``customers.csv.ctl.json`` beside
``customers.csv``), the way a bank's extract trailer does::

    {"format": "riskinsights-control/1", "file": "customers.csv", "rows": 3001,
     "sums": {"amount": "123456.78"}, "bytes": 812345, "sha256": "..."}

``rows`` counts data rows (not the header); ``sums`` holds, per money column,
the exact sum of its values rounded to cents, as a decimal string (values that
are not plain numbers are left out); ``bytes`` and ``sha256`` are optional.
:class:`ControlTotals` computes them while a writer appends Arrow tables (01);
:func:`check_control` compares a control with what 02 found in the file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from riskinsights_lib.datamart.contract import (
    CONTROL_FORMAT,
    CONTROL_SUFFIX,
    MONEY_DECIMALS,
    PLAIN_NUMBER_PATTERN,
)
from riskinsights_lib.datamart.errors import ExtractError

__all__ = [
    "Control",
    "ControlTotals",
    "control_path",
    "read_control",
    "write_control",
    "check_bytes",
    "check_control",
]

_CENT = Decimal(1).scaleb(-MONEY_DECIMALS)


def control_path(extract: Path) -> Path:
    """The control file of ``extract``: its name plus ``.ctl.json``, in the same folder."""
    extract = Path(extract)
    return extract.with_name(extract.name + CONTROL_SUFFIX)


@dataclass(frozen=True)
class Control:
    """What a control file declares about its extract."""

    rows: int
    sums: dict[str, Decimal] = field(default_factory=dict)
    bytes: int | None = None
    sha256: str | None = None


def _bad(ctl: Path, what: str) -> ExtractError:
    return ExtractError(f"{ctl.parent.name}/{ctl.name}: {what}")


def read_control(extract: Path) -> Control | None:
    """The control of ``extract``, or None when it has none; a malformed control stops."""
    ctl = control_path(extract)
    if not ctl.is_file():
        return None
    try:
        data = json.loads(ctl.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", 1)
        raise _bad(ctl, f"line {line}: not a JSON control file") from None
    if not isinstance(data, dict) or data.get("format") != CONTROL_FORMAT:
        raise _bad(ctl, f'key "format": expected "{CONTROL_FORMAT}"')
    rows = data.get("rows")
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
        raise _bad(ctl, 'key "rows": expected a whole number >= 0')
    sums = data.get("sums", {})
    if not isinstance(sums, dict):
        raise _bad(ctl, 'key "sums": expected an object of column -> decimal string')
    parsed = {}
    for column, text in sums.items():
        try:
            parsed[column] = Decimal(str(text))
        except ArithmeticError:
            raise _bad(ctl, f'key "sums.{column}": expected a decimal string') from None
    size, digest = data.get("bytes"), data.get("sha256")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool)):
        raise _bad(ctl, 'key "bytes": expected a whole number')
    if digest is not None and not isinstance(digest, str):
        raise _bad(ctl, 'key "sha256": expected a hex string')
    return Control(rows=rows, sums=parsed, bytes=size, sha256=digest)


def write_control(extract: Path, control: Control) -> Path:
    """Write the control of ``extract`` (to a temporary name, then renamed)."""
    ctl = control_path(extract)
    data: dict[str, object] = {
        "format": CONTROL_FORMAT,
        "file": Path(extract).name,
        "rows": control.rows,
        "sums": {c: f"{v.quantize(_CENT)}" for c, v in sorted(control.sums.items())},
    }
    if control.bytes is not None:
        data["bytes"] = control.bytes
    if control.sha256 is not None:
        data["sha256"] = control.sha256
    tmp = ctl.with_name(ctl.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", "utf-8")
    os.replace(tmp, ctl)
    return ctl


def _cents(values: pa.ChunkedArray | pa.Array) -> int:
    """Sum of ``values`` in cents (each value rounded to cents); text that is not a plain
    number and missing values are left out, as 02 does."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        text = pc.utf8_trim_whitespace(values)
        plain = pc.match_substring_regex(text, f"^{PLAIN_NUMBER_PATTERN}$")
        values = pc.cast(pc.filter(text, pc.fill_null(plain, False)), pa.float64())
    numbers = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
    numbers = numbers[np.isfinite(numbers)]
    if not len(numbers):
        return 0
    # float noise off first (12.345 is 1234.4999... cents), then half away from zero
    scaled = np.round(numbers * 10**MONEY_DECIMALS, 4)
    cents = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)
    return int(cents.astype(np.int64).sum(dtype=np.int64))


class ControlTotals:
    """Row count and money sums of the tables appended to one extract."""

    def __init__(self, money_columns: frozenset[str] | set[str]) -> None:
        self.money_columns = money_columns
        self.rows = 0
        self._cents: dict[str, int] = {}

    def add(self, table: pa.Table) -> None:
        """Count ``table``'s rows and add its money columns."""
        self.rows += table.num_rows
        for name in table.schema.names:
            if name in self.money_columns:
                self._cents[name] = self._cents.get(name, 0) + _cents(table.column(name))

    def control(self, extract: Path | None = None) -> Control:
        """The control of the rows added so far (with the file's byte size when given)."""
        sums = {c: Decimal(v).scaleb(-MONEY_DECIMALS) for c, v in self._cents.items()}
        size = Path(extract).stat().st_size if extract is not None else None
        return Control(rows=self.rows, sums=sums, bytes=size)


def check_bytes(name: str, control: Control, *, size: int, sha256: str | None = None) -> None:
    """Stop with one line when the file ``name`` has not the size or digest of its ``control``
    (checked before the file is parsed: a cut file is named as such)."""
    if control.bytes is not None and control.bytes != size:
        raise ExtractError(
            f"{name}: control mismatch: expected {control.bytes:,} bytes, found {size:,} "
            "(the file was cut or changed after its control was written)"
        )
    if control.sha256 is not None and sha256 is not None and control.sha256.lower() != sha256:
        raise ExtractError(f"{name}: control mismatch: sha256 differs from the control file")


def check_control(
    name: str, control: Control, *, rows: int, sums: dict[str, Decimal | None]
) -> None:
    """Stop with one line when the file ``name`` does not add up to its ``control``."""
    if control.rows != rows:
        raise ExtractError(
            f"{name}: control mismatch: expected {control.rows:,} rows, found {rows:,}"
        )
    for column, expected in sorted(control.sums.items()):
        if column not in sums:
            raise ExtractError(
                f"{name}: control names column {column!r}, which is not a money column of this file"
            )
        found = (sums[column] or Decimal(0)).quantize(_CENT)
        if found != expected.quantize(_CENT):
            raise ExtractError(
                f"{name}: control mismatch: column {column}: expected sum {expected.quantize(_CENT)}, "
                f"found {found}"
            )
