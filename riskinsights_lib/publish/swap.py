"""The swap: the staging schema replaces the live one in one transaction."""

from __future__ import annotations

import logging
import time

from riskinsights_lib.publish import ddl
from riskinsights_lib.publish.errors import PublishError

__all__ = ["swap"]

log = logging.getLogger(__name__)


def _swap_once(pg, schema: str, staging: str, comment: str, *, timeout_ms: int) -> None:
    """One attempt at the swap transaction (see :func:`swap`)."""
    q = ddl.quote_ident
    previous = f"{schema}__previous"
    with pg.transaction():
        pg.execute(f"SET LOCAL lock_timeout = '{timeout_ms}ms'")
        # Views first: a reader of a view holds it before its tables.
        live = pg.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = %s) "
            "AND relkind IN ('r', 'v') ORDER BY relkind DESC, relname",
            (schema,),
        ).fetchall()
        if live:
            tables = ", ".join(f"{q(schema)}.{q(name)}" for (name,) in live)
            pg.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
        exists = pg.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
        pg.execute(f"DROP SCHEMA IF EXISTS {q(previous)} CASCADE")
        if exists:
            pg.execute(f"ALTER SCHEMA {q(schema)} RENAME TO {q(previous)}")
        pg.execute(f"ALTER SCHEMA {q(staging)} RENAME TO {q(schema)}")
        pg.execute(f"DROP SCHEMA IF EXISTS {q(previous)} CASCADE")
        pg.execute(f"COMMENT ON SCHEMA {q(schema)} IS {ddl.quote_literal(comment)}")


def _attempt_ms(pg) -> int:
    """Lock wait of one swap attempt: half the server's ``deadlock_timeout``, 50-500 ms."""
    value = pg.execute(
        "SELECT setting::int FROM pg_settings WHERE name = 'deadlock_timeout'"
    ).fetchone()
    pg.commit()
    return max(50, min(500, (value[0] if value else 1000) // 2))


def swap(pg, schema: str, staging: str, comment: str, lock_timeout_s: float) -> None:
    """Replace ``schema`` by ``staging`` in one transaction.

    The transaction first locks every live table and view (so running BI
    queries finish on the old tables and new ones wait), then renames the live
    schema away, gives staging its name and drops the old one. Each attempt
    waits for the locks less than the server's deadlock check takes to fire, so
    a BI session that reads several tables in one transaction is never picked
    as a deadlock victim: the attempt gives up, releases what it holds, and
    retries until ``lock_timeout_s`` has passed.
    """
    import psycopg

    timeout_ms = _attempt_ms(pg)
    deadline = time.monotonic() + lock_timeout_s
    attempts = 0
    while True:
        attempts += 1
        try:
            _swap_once(pg, schema, staging, comment, timeout_ms=timeout_ms)
            log.info("swapped %s in (attempt %d)", schema, attempts)
            return
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected):
            if time.monotonic() >= deadline:
                raise PublishError(
                    f"publish {schema} (swap): the live tables stayed in use by other sessions "
                    f"for {lock_timeout_s:.0f}s ({attempts} attempts); the previous tables are kept"
                ) from None
            time.sleep(min(0.05 * attempts, 0.5))
