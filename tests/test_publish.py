"""Publishing to a real PostgreSQL server started by the tests (``postgres_server`` fixture).

The tiny run's datamart is published once; the tests compare it with DuckDB
(rows, money to the cent, the BI views), check keys, indexes and comments, the
read-only role, idempotence, a failing publish and the atomicity of the swap.
"""

from __future__ import annotations

import os
import shutil
import threading
import time

import duckdb
import pytest

from riskinsights_lib import bi
from riskinsights_lib.datamart.schema import DIMENSIONS, FACTS, FOREIGN_KEYS, TABLES
from riskinsights_lib.publish import INVENTORY_TABLE, PublishError, publish_datamart

psycopg = pytest.importorskip("psycopg")

SCHEMA = "riskinsights"
ROLE = "riskinsights_bi"
#: (table, money column) pairs compared to the cent.
MONEY = [
    ("fact_transaction", "amount"),
    ("fact_account_month", "balance"),
    ("fact_account_month", "credit_limit"),
    ("dim_account", "credit_limit"),
]


@pytest.fixture(scope="module")
def pg_env(postgres_server):
    """The server's PG* variables (password in PGPASSWORD only) set for the module."""
    saved = {k: os.environ.get(k) for k in postgres_server.env()}
    os.environ.update(postgres_server.env())
    yield postgres_server
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def duck(tiny_run):
    con = duckdb.connect(str(tiny_run.datamart), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def kpis(duck):
    return bi.compute_kpis(duck, top_n=5)


@pytest.fixture(scope="module")
def published(pg_env, duck, kpis, tiny_run):
    """The tiny run published once with the server URL (no password in it)."""
    return publish_datamart(
        duck, pg_env.url, run_id=tiny_run.root.name, kpis=kpis, schema=SCHEMA, progress=False
    )


def _pg(server, **kwargs):
    return psycopg.connect(server.url, autocommit=True, **kwargs)


def _fingerprint(server, schema: str = SCHEMA) -> dict:
    """Contents (md5 of the sorted rows) and catalog (columns, constraints, comments)."""
    with _pg(server) as pg:
        tables = [
            r[0]
            for r in pg.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", (schema,)
            )
        ]
        out = {}
        for t in tables:
            out[t] = pg.execute(
                f'SELECT count(*), md5(string_agg(x::text, \'|\' ORDER BY x::text)) FROM "{schema}"."{t}" x'
            ).fetchone()
        out["_columns"] = pg.execute(
            "SELECT table_name, column_name, data_type, col_description("
            "(quote_ident(table_schema) || '.' || quote_ident(table_name))::regclass, ordinal_position) "
            "FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, ordinal_position",
            (schema,),
        ).fetchall()
        out["_constraints"] = pg.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = %s::regnamespace ORDER BY 1, 2",
            (schema,),
        ).fetchall()
        out["_indexes"] = pg.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s ORDER BY 1", (schema,)
        ).fetchall()
    return out


def test_rows_and_money_equal_duckdb(published, pg_env, duck, kpis):
    with _pg(pg_env) as pg:
        for table in DIMENSIONS + FACTS:
            want = duck.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            got = pg.execute(f"SELECT count(*) FROM {SCHEMA}.{table}").fetchone()[0]
            assert got == want > 0, table
        for table, col in MONEY:
            want = duck.execute(f"SELECT sum(round({col} * 100)::HUGEINT) FROM {table}").fetchone()[
                0
            ]
            got = pg.execute(
                f"SELECT sum(round({col}::numeric * 100)) FROM {SCHEMA}.{table}"
            ).fetchone()[0]
            assert int(got) == int(want), f"{table}.{col}"
        for name, frame in kpis.items():
            assert pg.execute(f"SELECT count(*) FROM {SCHEMA}.{name}").fetchone()[0] == len(frame)
        inventory = dict(
            pg.execute(f"SELECT table_name, row_count FROM {SCHEMA}.{INVENTORY_TABLE}")
        )
    assert inventory == dict(zip(published["table"], published["rows"], strict=True))


def test_bi_views_match_duckdb(published, pg_env, tiny_run):
    duck = duckdb.connect(str(tiny_run.datamart), read_only=True)
    bi.ensure_views(duck)
    with _pg(pg_env) as pg:
        for view in ["bi_product", "bi_account", "bi_customer_version", "bi_account_month"]:
            want = duck.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
            assert pg.execute(f"SELECT count(*) FROM {SCHEMA}.{view}").fetchone()[0] == want
        query = (
            "SELECT count(*), sum(weekday * 100 + hour), count(*) FILTER (WHERE customer_initiated),"
            " count(DISTINCT category_group) FROM {}bi_transaction"
        )
        want = duck.execute(query.format("")).fetchone()
        got = pg.execute(query.format(f"{SCHEMA}.")).fetchone()
    duck.close()
    assert tuple(int(v) for v in got) == tuple(int(v) for v in want)


def test_keys_indexes_and_comments(published, pg_env):
    fp = _fingerprint(pg_env)
    constraints = {(rel.split(".")[-1], name) for rel, name, _ in fp["_constraints"]}
    for table in DIMENSIONS + FACTS:
        assert (table, f"{table}_pkey") in constraints, table
    for child, col in FOREIGN_KEYS:
        assert (child, f"{child}_{col}_fkey") in constraints, (child, col)
    indexes = {name for name, _ in fp["_indexes"]}
    for child, col in FOREIGN_KEYS:
        if TABLES[child][0] == "fact":
            assert f"{child}_{col}_idx" in indexes
    uncommented = [(t, c) for t, c, _, comment in fp["_columns"] if not comment]
    assert uncommented == []
    with _pg(pg_env) as pg:
        comment = pg.execute(
            f"SELECT obj_description('{SCHEMA}.fact_transaction'::regclass, 'pg_class')"
        ).fetchone()[0]
        amount = pg.execute(
            f"SELECT col_description('{SCHEMA}.fact_transaction'::regclass, 11)"
        ).fetchone()[0]
    assert "one row per transaction" in comment and "[EUR]" in amount


def test_reader_role_can_select_but_not_write(published, pg_env):
    with _pg(pg_env) as pg:
        pg.execute("DROP ROLE IF EXISTS alice")
        pg.execute("CREATE ROLE alice LOGIN PASSWORD 'alice-pw-123'")
        pg.execute(f"GRANT {ROLE} TO alice")
    url = f"postgresql://alice@127.0.0.1:{pg_env.port}/postgres"
    with psycopg.connect(url, password="alice-pw-123", autocommit=True) as alice:
        assert alice.execute(f"SELECT count(*) FROM {SCHEMA}.fact_transaction").fetchone()[0] > 0
        assert alice.execute(f"SELECT count(*) FROM {SCHEMA}.bi_transaction").fetchone()[0] > 0
        for sql in [
            f"INSERT INTO {SCHEMA}.dim_channel (channel_key) VALUES (999)",
            f"UPDATE {SCHEMA}.fact_transaction SET amount = 0",
            f"DELETE FROM {SCHEMA}.dim_product",
            f"TRUNCATE {SCHEMA}.kpi_balances",
            f"CREATE TABLE {SCHEMA}.mine (x int)",
            f"DROP TABLE {SCHEMA}.kpi_balances",
        ]:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                alice.execute(sql)


def test_publishing_twice_gives_the_same_tables(published, pg_env, duck, kpis, tiny_run):
    before = _fingerprint(pg_env)
    again = publish_datamart(
        duck, "env", run_id=tiny_run.root.name, kpis=kpis, schema=SCHEMA, progress=False
    )
    assert _fingerprint(pg_env) == before
    assert list(again["rows"]) == list(published["rows"])
    assert set(again["schema"]) == {SCHEMA}


def _variant(tiny_run, tmp_path, name: str, sql: list[str]) -> duckdb.DuckDBPyConnection:
    """A changed copy of the tiny datamart, opened read only."""
    path = tmp_path / f"{name}.duckdb"
    shutil.copy(tiny_run.datamart, path)
    with duckdb.connect(str(path)) as con:
        for statement in sql:
            con.execute(statement)
    return duckdb.connect(str(path), read_only=True)


def test_failing_publish_keeps_the_previous_tables(published, pg_env, tiny_run, tmp_path):
    before = _fingerprint(pg_env)
    broken = _variant(
        tiny_run, tmp_path, "dup", ["INSERT INTO dim_product SELECT * FROM dim_product LIMIT 1"]
    )
    with pytest.raises(PublishError) as err:
        publish_datamart(broken, "env", run_id="broken", schema=SCHEMA, progress=False)
    broken.close()
    message = str(err.value)
    assert message.startswith(f"publish {SCHEMA}.dim_product: could not create unique index")
    assert "\n" not in message and pg_env.password not in message
    assert _fingerprint(pg_env) == before
    with _pg(pg_env) as pg:
        left = pg.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"{SCHEMA}__%",)
        )
        assert left.fetchall() == []


def test_wrong_password_fails_in_one_line(published, pg_env, duck, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "wrong-Secret-987")
    with pytest.raises(PublishError) as err:
        publish_datamart(duck, "env", run_id="x", schema=SCHEMA, progress=False)
    message = str(err.value)
    assert "password authentication failed" in message
    assert "wrong-Secret-987" not in message and "\n" not in message


def _reader(server, stop: threading.Event, seen: list, errors: list, *, split: bool) -> None:
    """Read facts, a dimension and the inventory again and again.

    ``split=False``: one statement. ``split=True``: one REPEATABLE READ transaction of
    three statements (a BI tool that fetches tables one by one within a refresh).
    """
    parts = [
        f"SELECT count(*), min(run_id) FROM {SCHEMA}.fact_transaction",
        f"SELECT min(run_id) FROM {SCHEMA}.dim_account",
        f"SELECT row_count, run_id FROM {SCHEMA}.{INVENTORY_TABLE} "
        "WHERE table_name = 'fact_transaction'",
    ]
    single = (
        f"SELECT (SELECT count(*) FROM {SCHEMA}.fact_transaction),"
        f" (SELECT min(run_id) FROM {SCHEMA}.fact_transaction),"
        f" (SELECT min(run_id) FROM {SCHEMA}.dim_account),"
        f" (SELECT row_count FROM {SCHEMA}.{INVENTORY_TABLE} WHERE table_name = 'fact_transaction'),"
        f" (SELECT min(run_id) FROM {SCHEMA}.{INVENTORY_TABLE})"
    )
    with _pg(server) as pg:
        if split:
            pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        while not stop.is_set():
            try:
                if not split:
                    seen.append(pg.execute(single).fetchone())
                    time.sleep(0.02)
                    continue
                with pg.transaction():
                    n, run_fact = pg.execute(parts[0]).fetchone()
                    time.sleep(0.01)
                    (run_dim,) = pg.execute(parts[1]).fetchone()
                    rows, run_meta = pg.execute(parts[2]).fetchone()
                seen.append((n, run_fact, run_dim, rows, run_meta))
            except psycopg.Error as exc:
                errors.append(type(exc).__name__)
            time.sleep(0.02)  # a BI tool's think time between queries


def test_swap_is_atomic_for_concurrent_readers(published, pg_env, duck, tiny_run, tmp_path):
    variant = _variant(
        tiny_run,
        tmp_path,
        "b",
        [
            "DELETE FROM fact_transaction WHERE hash(transaction_id) % 2 = 0",
            "UPDATE fact_transaction SET run_id = 'run_b'",
            "UPDATE dim_account SET run_id = 'run_b'",
        ],
    )
    runs = {"a": (duck, tiny_run.root.name), "b": (variant, "run_b")}
    stop, seen, errors = threading.Event(), [], []
    readers = [
        threading.Thread(target=_reader, args=(pg_env, stop, seen, errors), kwargs={"split": s})
        for s in (False, True)
    ]
    for thread in readers:
        thread.start()
    try:
        for name in ["b", "a", "b", "a"]:
            con, run_id = runs[name]
            publish_datamart(con, "env", run_id=run_id, schema=SCHEMA, progress=False)
            time.sleep(0.2)
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=30)
        variant.close()
    assert len(seen) > 20
    mixed = [row for row in seen if not (row[0] == row[3] and row[1] == row[2] == row[4])]
    assert mixed == []
    assert {row[1] for row in seen} == {tiny_run.root.name, "run_b"}
    assert errors == []
    print(f"readings {len(seen)}, reader errors {errors}")


def test_swap_gives_up_on_a_table_held_too_long(published, pg_env, duck, tiny_run):
    before = _fingerprint(pg_env)
    with _pg(pg_env) as holder:
        holder.execute("BEGIN")
        holder.execute(f"SELECT count(*) FROM {SCHEMA}.dim_product")  # holds it until COMMIT
        start = time.perf_counter()
        with pytest.raises(PublishError) as err:
            publish_datamart(
                duck,
                "env",
                run_id=tiny_run.root.name,
                schema=SCHEMA,
                lock_timeout_s=2,
                progress=False,
            )
        waited = time.perf_counter() - start
        holder.execute("COMMIT")
    assert str(err.value).startswith(f"publish {SCHEMA} (swap): the live tables stayed in use")
    assert waited < 60
    assert _fingerprint(pg_env) == before


def test_a_kpi_frame_that_cannot_be_typed_names_its_table(published, pg_env, duck, kpis):
    import pandas as pd

    before = _fingerprint(pg_env)
    bad = dict(kpis, kpi_balances=pd.DataFrame({"balance": [1, "two", 3.0]}))
    with pytest.raises(PublishError, match=rf"^publish {SCHEMA}\.kpi_balances: "):
        publish_datamart(duck, "env", run_id="x", kpis=bad, schema=SCHEMA, progress=False)
    assert _fingerprint(pg_env) == before


def test_service_file_and_url_in_environment(published, pg_env, duck, tmp_path, monkeypatch):
    """``service:NAME`` reads a libpq service file; ``env:NAME`` a URL kept in a variable."""
    service = tmp_path / "pg_service.conf"
    service.write_text(
        f"[ri_test]\nhost=127.0.0.1\nport={pg_env.port}\nuser={pg_env.user}\ndbname=postgres\n",
        encoding="utf-8",
    )
    for key in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PGSERVICEFILE", str(service))
    summary = publish_datamart(
        duck, "service:ri_test", run_id="svc", schema="ri_svc", progress=False
    )
    assert set(summary["schema"]) == {"ri_svc"}
    monkeypatch.delenv("PGPASSWORD")
    url = f"postgresql://{pg_env.user}:{pg_env.password}@127.0.0.1:{pg_env.port}/postgres"
    monkeypatch.setenv("RI_TEST_URL", url)
    publish_datamart(duck, "env:RI_TEST_URL", run_id="url", schema="ri_url", progress=False)
    with _pg(pg_env, password=pg_env.password) as pg:
        runs = pg.execute(
            "SELECT (SELECT min(run_id) FROM ri_svc.publish_table),"
            " (SELECT min(run_id) FROM ri_url.publish_table)"
        ).fetchone()
        pg.execute("DROP SCHEMA ri_svc CASCADE")
        pg.execute("DROP SCHEMA ri_url CASCADE")
    assert runs == ("svc", "url")
