"""Find where and why an extract cannot be read, in words and without its values.

DuckDB's errors quote the whole offending line (names, e-mails, national ids),
so they are never passed on. These functions read the file themselves and
return one line naming the line number and the problem. :func:`scan_bytes` runs
on every extract (cheap: one pass over the bytes); :func:`diagnose_csv` only
after a reader has failed.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from riskinsights_lib.datamart.contract import CsvDialect
from riskinsights_lib.datamart.errors import ExtractError

__all__ = ["ByteScan", "scan_bytes", "diagnose_csv", "describe_reader_error"]

_CHUNK = 1 << 24


@dataclass(frozen=True)
class ByteScan:
    """What one pass over a file's bytes found: size, digest, whether it ends in a newline."""

    size: int
    sha256: str | None
    ends_with_newline: bool


def scan_bytes(
    path: Path,
    name: str,
    *,
    encoding: str | None,
    digest: bool = False,
    transcode_to: Path | None = None,
) -> ByteScan:
    """One pass over ``path``: size, optional sha256, and (for text, ``encoding`` not None)
    a stop with one line at the first NUL byte or byte sequence invalid in ``encoding``.
    With ``transcode_to`` the text is also written there as UTF-8.

    Cheap: an ASCII block of a UTF-8 file is accepted without decoding, and line numbers
    are counted only when there is something to report."""
    if encoding is None and not digest and transcode_to is None:  # nothing to read for
        return ByteScan(size=path.stat().st_size, sha256=None, ends_with_newline=False)
    sha = hashlib.sha256() if digest else None
    decoder = codecs.getincrementaldecoder(encoding)() if encoding else None
    size, last = 0, b""
    out = open(transcode_to, "wb") if transcode_to is not None else None  # noqa: SIM115
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                if sha is not None:
                    sha.update(chunk)
                if decoder is not None:
                    _check_chunk(path, name, chunk, size, decoder, encoding, out)
                size += len(chunk)
                last = chunk[-1:]
            if decoder is not None:
                _check_chunk(path, name, b"", size, decoder, encoding, out, final=True)
    finally:
        if out is not None:
            out.close()
    return ByteScan(
        size=size, sha256=sha.hexdigest() if sha else None, ends_with_newline=last == b"\n"
    )


def _check_chunk(
    path: Path,
    name: str,
    chunk: bytes,
    offset: int,
    decoder: codecs.IncrementalDecoder,
    encoding: str | None,
    out: object,
    *,
    final: bool = False,
) -> None:
    """Stop at a NUL byte or an invalid byte sequence of ``chunk`` (at ``offset`` in the file)."""
    nul = chunk.find(b"\x00")
    if nul >= 0:  # an invalid sequence before the NUL byte is reported first
        _check_chunk(path, name, chunk[:nul], offset, decoder, encoding, None)
        line = _line_at(path, offset + nul)
        raise ExtractError(f"{name}: line {line}: binary data (a NUL byte): not a text CSV file")
    if out is None and (encoding == "latin-1" or (chunk.isascii() and not decoder.getstate()[0])):
        return
    pending = len(decoder.getstate()[0])
    try:
        text = decoder.decode(chunk, final)
    except UnicodeDecodeError as exc:
        line = _line_at(path, max(offset - pending + exc.start, 0))
        raise ExtractError(
            f"{name}: line {line}: bytes that are not valid {encoding} text; set "
            "etl_star_schema.csv_encoding to the file's encoding (utf-8, latin-1 or cp1252)"
        ) from None
    if out is not None:
        out.write(text.encode("utf-8"))  # type: ignore[attr-defined]


def _line_at(path: Path, offset: int) -> int:
    """The line (1-based) that holds byte ``offset`` of ``path``."""
    lines, done = 1, 0
    with open(path, "rb") as handle:
        while done < offset and (chunk := handle.read(min(_CHUNK, offset - done))):
            lines += chunk.count(b"\n")
            done += len(chunk)
    return lines


def diagnose_csv(path: Path, name: str, dialect: CsvDialect, n_columns: int) -> str | None:
    """The first record of ``path`` that RFC 4180 with ``dialect`` cannot read as
    ``n_columns`` fields, described in one line; None when every record reads."""
    encoding = "utf-8-sig" if dialect.encoding == "utf-8" else dialect.encoding
    with open(path, encoding=encoding, newline="", errors="replace") as handle:
        reader = csv.reader(
            handle,
            delimiter=dialect.delimiter,
            quotechar=dialect.quote,
            doublequote=True,
            strict=True,
        )
        start = 1
        try:
            for row in reader:
                if not row and n_columns > 1:  # a blank line is no record (DuckDB skips it)
                    start = reader.line_num + 1
                    continue
                if len(row) != n_columns:
                    problem = f"{len(row)} fields where the header has {n_columns}"
                    return f"{name}: line {start}: {problem}{_truncated(path, handle, reader)}"
                start = reader.line_num + 1
        except csv.Error as exc:
            text = str(exc)
            if "end of data" in text or "EOF" in text or "newline inside string" in text:
                problem = (
                    "a quoted value that starts on this line is never closed (unbalanced quote)"
                )
            elif "expected after" in text:
                problem = "text after a closing quote (a quote inside a value must be doubled)"
            else:
                problem = "not valid CSV"
            return f"{name}: line {start}: {problem}"
    return None


def _truncated(path: Path, handle: object, reader: object) -> str:
    """A hint when the bad record is the file's last and the file does not end in a newline."""
    try:
        next(reader)  # type: ignore[call-overload]
        return ""
    except StopIteration:
        pass
    except csv.Error:
        return ""
    with open(path, "rb") as raw:
        size = raw.seek(0, 2)
        if size == 0:
            return ""
        raw.seek(size - 1)
        return " (the file ends mid-line: truncated?)" if raw.read(1) != b"\n" else ""


_LINE = re.compile(r"on Line: (\d+)")


def describe_reader_error(name: str, message: str) -> str:
    """One line from a reader's error: its line number and kind, never its quoted text."""
    found = _LINE.search(message)
    where = f"line {found.group(1)}: " if found else ""
    lowered = message.lower()
    if "unterminated quote" in lowered:
        problem = "a quoted value is never closed (unbalanced quote)"
    elif "number of columns" in lowered:
        problem = "a row with the wrong number of fields"
    elif "unicode" in lowered or "encoding" in lowered:
        problem = "bytes that are not valid text in the declared encoding"
    else:
        problem = "cannot be parsed as CSV with the declared dialect"
    return f"{name}: {where}{problem}"
