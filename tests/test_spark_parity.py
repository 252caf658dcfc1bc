"""The Spark build equals the DuckDB build, table by table, from the same raw files.

Two banks: the hand-made bad-row fixture (one bad row per source and reason,
built by both engines) and the generated ``tiny_run`` bank (400 customers, ~26k
transactions; smaller than the CI-scale bank of 3,000 customers so that the
suite stays within the CI budget on 2 shared cores: a Spark build is dominated
by per-stage overhead, not by rows). Equal means: same columns and types, same
row counts, same rows (money and counts exactly, other floats within 1e-9
relative), same rejects with the same reasons, same check results, same marts.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from riskinsights_lib.datamart.fixtures import SNAPSHOTS
from riskinsights_lib.datamart.parity import compare_datamarts
from riskinsights_lib.datamart.quality import RejectRateError
from riskinsights_lib.datamart.schema import TABLES

#: Pseudonym keys of the dirty_mart and tiny_run fixtures (tests/conftest.py).
KEY = "test-pseudonym-key"
TINY_KEY = "riskinsights-demo-key"


def _spark_build(raw_dir, out_dir, run_id: str, key: str, **kwargs):
    from riskinsights_lib.datamart.engine import build

    return build(
        "spark",
        raw_dir,
        out_dir / "datamart.duckdb",
        spark_master="local[2]",
        run_id=run_id,
        snapshots=SNAPSHOTS,
        pseudonym_key=key,
        progress=False,
        **kwargs,
    )


@pytest.fixture(scope="module")
def spark_dirty(spark, dirty_raw, tmp_path_factory):
    """(folder, EtlSummary): the bad-row fixture built with Spark."""
    root, _ = dirty_raw
    out = tmp_path_factory.mktemp("spark_dirty")
    return out, _spark_build(root / "raw", out, "dirty_run", KEY, max_reject_rate=0.5)


def _assert_equal(db_a, db_b) -> None:
    diffs = compare_datamarts(db_a, db_b)
    assert [d.table for d in diffs] == list(TABLES)
    problems = {d.table: d.problems for d in diffs if not d.equal}
    assert not problems, problems
    assert all(d.rows_a > 0 for d in diffs)


def test_bad_row_fixture_gives_the_same_datamart(dirty_mart, spark_dirty):
    root, _, duck_summary = dirty_mart
    out, spark_summary = spark_dirty
    _assert_equal(root / "datamart.duckdb", out / "datamart.duckdb")
    assert spark_summary.sources == duck_summary.sources
    assert spark_summary.rejects_by_reason == duck_summary.rejects_by_reason
    assert spark_summary.failed_checks == duck_summary.failed_checks == []
    assert spark_summary.n_checks == duck_summary.n_checks
    assert spark_summary.table_rows == duck_summary.table_rows
    assert spark_summary.history_end == duck_summary.history_end


def test_each_bad_row_is_quarantined_by_spark_with_its_reason(dirty_raw, spark_dirty):
    _, expected = dirty_raw
    out, _ = spark_dirty
    with duckdb.connect(str(out / "datamart.duckdb"), read_only=True) as con:
        got = con.execute(
            "SELECT source, file, row_number, reason FROM etl_reject ORDER BY ALL"
        ).df()
    want = expected.sort_values(["source", "file", "row_number", "reason"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_generated_bank_gives_the_same_datamart(spark, tiny_run, tmp_path):
    from riskinsights_lib.privacy import pseudonym_key

    summary = _spark_build(tiny_run.raw, tmp_path, tiny_run.root.name, pseudonym_key(TINY_KEY))
    _assert_equal(tiny_run.datamart, tmp_path / "datamart.duckdb")
    assert summary.checks_failed == 0
    assert sum(v["rejected_rows"] for v in summary.sources.values()) > 0


def test_transactions_are_partitioned_by_month(spark_dirty):
    out, _ = spark_dirty
    folder = out / "tables" / "fact_transaction"
    months = sorted(p.name for p in folder.iterdir() if p.is_dir())
    assert months and all(m.startswith("tx_month=20") for m in months)
    with duckdb.connect() as con:
        wrong = con.execute(
            f"SELECT count(*) FROM read_parquet('{folder}/*/*.parquet', hive_partitioning = true) "
            "WHERE strftime(ts, '%Y-%m') <> tx_month"
        ).fetchall()[0][0]
    assert wrong == 0


def test_later_notebooks_see_views_with_grains(spark_dirty):
    from riskinsights_lib.bi.exports import datamart_tables, table_comments

    out, _ = spark_dirty
    with duckdb.connect(str(out / "datamart.duckdb"), read_only=True) as con:
        tables = datamart_tables(con)
        comments = table_comments(con)
        kinds = dict(
            con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall()
        )
    assert set(tables) == {t for t in TABLES if t.startswith(("dim_", "fact_"))}
    assert all(kinds[t] == "VIEW" for t in TABLES)
    assert comments["fact_transaction"].startswith("fact; grain: one row per transaction")


def test_a_reject_rate_above_the_limit_stops_the_spark_build(spark, dirty_raw, tmp_path):
    root, _ = dirty_raw
    with pytest.raises(RejectRateError, match=r"^customers: .* above max_reject_rate"):
        _spark_build(root / "raw", tmp_path, "r", KEY, max_reject_rate=0.0)
    assert not (tmp_path / "datamart.duckdb").exists()
    assert not any(tmp_path.iterdir()), "a failed build left files behind"
