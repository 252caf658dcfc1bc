"""Publish the datamart to PostgreSQL: staging schema, bulk load, keys, comments, atomic swap.

:func:`publish_datamart` is the one entry point. A publish

1. takes an advisory lock named after the target schema (two publishes of the
   same schema queue instead of interleaving);
2. rebuilds ``<schema>__staging`` from scratch: tables typed from Arrow, rows
   bulk-loaded through the ADBC driver's binary ``COPY``, then primary keys,
   foreign keys, indexes on the facts' foreign keys, the BI views, comments on
   every table and column, the ``publish_table`` inventory, ``SELECT``-only
   grants for the BI reader role and ``ANALYZE``;
3. swaps it in within one transaction: the live tables are locked, the live
   schema is renamed away, staging takes its name, the old one is dropped.
   A BI query sees the old tables or the new ones, never a mix.

Any failure drops the staging schema, leaves the live schema untouched and
raises :class:`PublishError` with one line naming the table and the server's
primary error message; no password is ever part of it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import duckdb
import pandas as pd
import pyarrow as pa
from tqdm.auto import tqdm

from riskinsights_lib.datamart.dictionary import data_dictionary
from riskinsights_lib.datamart.schema import FOREIGN_KEYS, TABLES
from riskinsights_lib.publish import ddl
from riskinsights_lib.publish.errors import PublishError, about
from riskinsights_lib.publish.load import connect_adbc, ingest, server_message
from riskinsights_lib.publish.plan import (
    VIEW_COMMENTS,
    PublishTable,
    publish_plan,
    view_column_comment,
)
from riskinsights_lib.publish.settings import (
    PublishTargetError,
    redact,
    resolve_target,
    schema_name,
)
from riskinsights_lib.publish.swap import swap

__all__ = ["PublishError", "publish_datamart", "INVENTORY_TABLE"]  # PublishError re-exported

log = logging.getLogger(__name__)

INVENTORY_TABLE = "publish_table"
_MAINTENANCE_WORK_MEM = "256MB"


def _connect(url: str):
    import psycopg

    try:
        return psycopg.connect(url, connect_timeout=15, application_name="riskinsights-publish")
    except Exception as exc:
        raise PublishError(
            f"publish: cannot connect to {redact(url)}: {server_message(exc)}"
        ) from None


def _execute_all(pg, statements: list[str], where: str) -> None:
    with about(where):
        for sql in statements:
            pg.execute(sql)


def _label(staging: str, table: str) -> str:
    """How errors name a table: by its published name, ``schema.table``."""
    return f"{staging.removesuffix('__staging')}.{table}"


def _load_table(pg, adbc_con, staging: str, table: PublishTable) -> int:
    """Create one staging table typed from its Arrow stream and bulk-load it; rows loaded."""
    where = _label(staging, table.name)
    with about(where):
        rows = table.open_rows()
        pg.execute(ddl.create_table_sql(staging, table.name, rows.schema))
        pg.commit()
        return ingest(adbc_con, staging, table.name, rows)


def _key_statements(staging: str, plan: list[PublishTable]) -> tuple[list, list, list]:
    """``(table, sql)`` lists: primary keys, the facts' FK indexes, foreign keys."""
    names = {t.name for t in plan}
    pks = [
        (t.name, ddl.primary_key_sql(staging, t.name, t.primary_key)) for t in plan if t.primary_key
    ]
    indexes, fks = [], []
    for (child, col), (parent, parent_col) in FOREIGN_KEYS.items():
        if child in names and parent in names:
            fks.append((child, ddl.foreign_key_sql(staging, child, col, parent, parent_col)))
            if TABLES[child][0] == "fact":
                indexes.append((child, ddl.fk_index_sql(staging, child, col)))
    return pks, indexes, fks


def _build_indexes(pg, url: str, staging: str, indexes: list, workers: int) -> None:
    """Build the FK indexes, ``workers`` sessions side by side (tables already committed)."""
    if workers <= 1:
        for table, sql in indexes:
            _execute_all(pg, [sql], _label(staging, table))
        return

    def build(item: tuple[str, str]) -> None:
        table, sql = item
        con = _connect(url)
        try:
            con.autocommit = True
            _execute_all(
                con,
                [f"SET maintenance_work_mem = '{_MAINTENANCE_WORK_MEM}'", sql],
                _label(staging, table),
            )
        finally:
            _close_quietly(con)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(build, item) for item in indexes]:
            future.result()


def _views(pg, staging: str) -> None:
    text = resources.files("riskinsights_lib.publish").joinpath("sql/bi_views.sql").read_text()
    with about(_label(staging, "bi_* views")):
        pg.execute(f"SET LOCAL search_path TO {ddl.quote_ident(staging)}")
        code = "\n".join(ln.split("--")[0] for ln in text.splitlines())
        for statement in (part.strip() for part in code.split(";")):
            if statement:
                pg.execute(statement)
        descriptions = data_dictionary()
        for view, comment in VIEW_COMMENTS.items():
            columns = pg.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s ORDER BY ordinal_position",
                (staging, view),
            ).fetchall()
            comments = {c: view_column_comment(descriptions, c) for (c,) in columns}
            for sql in ddl.comment_sql(
                staging, view, table_comment=comment, column_comments=comments, kind="VIEW"
            ):
                pg.execute(sql)


def _inventory(pg, adbc_con, staging: str, plan, counts: Mapping[str, int], run_id: str) -> None:
    frame = pa.table(
        {
            "table_name": [t.name for t in plan],
            "kind": [t.kind for t in plan],
            "description": [t.comment for t in plan],
            "row_count": pa.array([counts[t.name] for t in plan], pa.int64()),
            "run_id": [run_id] * len(plan),
        }
    )
    table = PublishTable(
        name=INVENTORY_TABLE,
        kind="meta",
        comment="meta: one row per published table (kind, description, rows, run)",
        primary_key=("table_name",),
        open_rows=lambda: pa.RecordBatchReader.from_batches(frame.schema, frame.to_batches()),
        column_comments={
            "table_name": "Published table",
            "kind": "dimension, fact or kpi",
            "description": "What the table holds",
            "row_count": "Rows published [rows]",
            "run_id": "Run whose datamart was published",
        },
    )
    _load_table(pg, adbc_con, staging, table)
    plan.append(table)


def _reader_role(pg, staging: str, role: str) -> None:
    if not role:
        return
    with about(f"role {role}"):
        if pg.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
            pg.execute(f"CREATE ROLE {ddl.quote_ident(role)} NOLOGIN")
        pg.execute(f"GRANT USAGE ON SCHEMA {ddl.quote_ident(staging)} TO {ddl.quote_ident(role)}")
        pg.execute(
            f"GRANT SELECT ON ALL TABLES IN SCHEMA {ddl.quote_ident(staging)} "
            f"TO {ddl.quote_ident(role)}"
        )


def _lock_key(schema: str) -> str:
    return f"riskinsights.publish:{schema}"


def publish_datamart(
    con: duckdb.DuckDBPyConnection,
    target: str,
    *,
    run_id: str,
    kpis: Mapping[str, pd.DataFrame] | None = None,
    schema: str = "riskinsights",
    reader_role: str = "riskinsights_bi",
    lock_timeout_s: float = 60.0,
    index_workers: int = 2,
    progress: bool = True,
) -> pd.DataFrame:
    """Publish the datamart's star schema, BI views and KPI tables to a PostgreSQL schema.

    Parameters
    ----------
    con : DuckDB connection to the run's datamart (read only is enough).
    target : the ``bi_reporting.publish`` setting: ``"env"``, ``"env:NAME"``,
        ``"service:NAME"`` or a ``postgresql://`` URL without password
        (see :mod:`riskinsights_lib.publish.settings`).
    run_id : the run whose datamart this is (recorded in ``publish_table``).
    kpis : KPI table name -> frame, as returned by ``bi.compute_kpis``.
    schema : target schema; ``{run_id}`` in it is replaced by the run id.
    reader_role : role granted ``USAGE`` and ``SELECT`` only (created ``NOLOGIN`` when
        missing; ``""`` grants nothing).
    lock_timeout_s : longest wait for running BI queries before the swap gives up.
    index_workers : server sessions that build the facts' FK indexes side by side
        (1 = one after another in the publish session).

    Returns
    -------
    DataFrame ``schema, table, kind, rows, seconds``, one row per published table.

    Raises
    ------
    PublishError : one line naming the table and the server error; the live
        schema is left as it was.
    """
    try:
        url = resolve_target(target)
        schema = schema_name(schema, run_id)
    except PublishTargetError as exc:
        raise PublishError(str(exc)) from None
    staging = f"{schema}__staging"
    plan = publish_plan(con, kpis=kpis)
    start = time.perf_counter()
    pg = _connect(url)
    try:
        with about(f"{schema} (advisory lock)"):
            pg.execute("SELECT pg_advisory_lock(hashtext(%s))", (_lock_key(schema),))
            # Keys and indexes are built after the load: sort them in memory, not on disk.
            pg.execute(f"SET maintenance_work_mem = '{_MAINTENANCE_WORK_MEM}'")
            pg.commit()
        summary = _build_staging(
            pg, url, staging, plan, run_id, reader_role, index_workers, progress
        )
        comment = (
            f"RiskInsights datamart of run {run_id}, published "
            f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC"
        )
        with about(f"{schema} (swap)"):
            swap(pg, schema, staging, comment, lock_timeout_s)
    except BaseException:
        _drop_quietly(pg, staging)
        raise
    finally:
        _close_quietly(pg)
    summary.insert(0, "schema", schema)
    log.info(
        "published %d tables to %s in %.1fs", len(summary), schema, time.perf_counter() - start
    )
    return summary


def _build_staging(
    pg, url: str, staging: str, plan, run_id: str, role: str, workers: int, progress: bool
):
    """Step 2 of :func:`publish_datamart`: the complete staging schema, committed."""
    q = ddl.quote_ident
    _execute_all(
        pg, [f"DROP SCHEMA IF EXISTS {q(staging)} CASCADE", f"CREATE SCHEMA {q(staging)}"], staging
    )
    pg.commit()
    summary = _load_all(pg, url, staging, plan, run_id, progress)
    _finish_staging(pg, url, staging, plan, role, workers)
    return summary


def _load_all(pg, url: str, staging: str, plan, run_id: str, progress: bool) -> pd.DataFrame:
    """Bulk-load every table and the inventory; ``table, kind, rows, seconds``."""
    rows, counts = [], {}
    with about(_label(staging, "(ADBC connection)")):
        adbc_con = connect_adbc(url)
    try:
        for table in tqdm(plan, desc="publish", leave=False, disable=not progress):
            t0 = time.perf_counter()
            counts[table.name] = _load_table(pg, adbc_con, staging, table)
            seconds = time.perf_counter() - t0
            rows.append((table.name, table.kind, counts[table.name], seconds))
            log.info("loaded %s: %s rows in %.2fs", table.name, f"{counts[table.name]:,}", seconds)
        _inventory(pg, adbc_con, staging, plan, counts, run_id)
    finally:
        adbc_con.close()
    return pd.DataFrame(rows, columns=["table", "kind", "rows", "seconds"])


def _finish_staging(pg, url: str, staging: str, plan, role: str, workers: int) -> None:
    """Keys, FK indexes, foreign keys, views, comments, grants; then ``ANALYZE``."""
    t0 = time.perf_counter()
    pks, indexes, fks = _key_statements(staging, plan)
    for table, sql in pks:
        _execute_all(pg, [sql], _label(staging, table))
    pg.commit()
    _build_indexes(pg, url, staging, indexes, workers)
    for table, sql in fks:
        _execute_all(pg, [sql], _label(staging, table))
    log.info("keys, foreign keys and indexes in %.2fs", time.perf_counter() - t0)
    _views(pg, staging)
    for t in plan:
        comments = ddl.comment_sql(
            staging, t.name, table_comment=t.comment, column_comments=t.column_comments
        )
        _execute_all(pg, comments, _label(staging, t.name))
    _reader_role(pg, staging, role)
    pg.commit()
    t0 = time.perf_counter()
    pg.autocommit = True
    try:
        q = ddl.quote_ident
        for t in plan:
            _execute_all(pg, [f"ANALYZE {q(staging)}.{q(t.name)}"], _label(staging, t.name))
    finally:
        pg.autocommit = False
    log.info("analyzed in %.2fs", time.perf_counter() - t0)


def _drop_quietly(pg, staging: str) -> None:
    try:
        pg.rollback()
        pg.autocommit = True
        pg.execute(f"DROP SCHEMA IF EXISTS {ddl.quote_ident(staging)} CASCADE")
    except Exception as exc:  # the original error matters more than the clean-up
        log.warning("could not drop %s: %s", staging, server_message(exc))


def _close_quietly(pg) -> None:
    try:
        pg.close()  # also releases the advisory lock
    except Exception as exc:
        log.warning("closing the publish connection: %s", server_message(exc))
