"""Bulk load through Arrow: the ADBC PostgreSQL driver's ingest (binary ``COPY``).

One ADBC connection loads every table of a publish into the staging schema;
each Arrow stream goes to the server as binary ``COPY`` without a row ever
becoming a Python object. Server errors are reduced to one line by
:func:`server_message` (the primary message only, never the ``DETAIL`` that can
quote a row's values).
"""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa

from riskinsights_lib.publish.settings import redact

__all__ = ["connect_adbc", "ingest", "server_message"]


def connect_adbc(url: str) -> Any:
    """An ADBC DB-API connection to ``url`` (libpq URL; password from the environment)."""
    try:
        import adbc_driver_postgresql.dbapi as adbc_pg
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "publish: the ADBC PostgreSQL driver is missing; pip install 'riskinsights[postgres]'"
        ) from exc
    return adbc_pg.connect(url)


def ingest(adbc_con: Any, schema: str, table: str, rows: pa.RecordBatchReader) -> int:
    """Append an Arrow stream to the existing ``schema.table`` and commit; return the rows."""
    with adbc_con.cursor() as cur:
        count = cur.adbc_ingest(table, rows, mode="append", db_schema_name=schema)
    adbc_con.commit()
    return int(count)


def server_message(exc: BaseException) -> str:
    """One redacted line from a psycopg or ADBC error: the server's primary message."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    if primary:
        text = primary
    else:
        text = str(exc)
        found = re.search(r"(?:ERROR|FATAL):\s+(.*)", text)
        if found:
            text = found.group(1)
        text = re.sub(r"^\w+: \[libpq\]\s*", "", text.strip())
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[0] if lines else type(exc).__name__
    line = re.split(r"\s+DETAIL:", line)[0]
    return redact(line)
