"""Shared fixtures: a hand-made raw layer with every kind of bad row, and a tiny run.

``dirty_raw`` writes a small bank by hand (no generator), then appends one
bad row per reject reason and source, and returns the rows the ETL must
quarantine. ``tiny_run`` generates a tiny bank with the real generator and
builds its datamart once per test session; other stages' tests use it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from riskinsights_lib.datamart.fixtures import SNAPSHOTS, make_clean_raw, write_raw
from riskinsights_lib.paths import RunPaths

KEY = "test-pseudonym-key"


@pytest.fixture(scope="session")
def raw_frames() -> dict[str, pd.DataFrame]:
    """The clean hand-made raw layer as frames."""
    return make_clean_raw()


@pytest.fixture(scope="session")
def dirty_raw(tmp_path_factory, raw_frames):
    """(run folder, expected rejects): hand-made raw CSVs with one bad row per reason."""
    root = tmp_path_factory.mktemp("dirty_run")
    expected = write_raw(raw_frames, root / "raw", dirty=True)
    return root, expected


@pytest.fixture(scope="session")
def dirty_mart(dirty_raw):
    """(run folder, expected rejects, EtlSummary): the hand-made raw layer built once."""
    from riskinsights_lib.datamart import build_datamart

    root, expected = dirty_raw
    summary = build_datamart(
        root / "raw",
        root / "datamart.duckdb",
        run_id="dirty_run",
        snapshots=SNAPSHOTS,
        pseudonym_key=KEY,
        max_reject_rate=0.5,
        progress=False,
    )
    return root, expected, summary


#: Pseudonym key of ``tiny_run`` (the parameter default; the environment variable wins).
TINY_KEY = "riskinsights-demo-key"


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> RunPaths:
    """A tiny generated bank with its datamart built, shared by every stage's tests.

    400 customers, 2023-01 .. 2024-12, the default snapshots, 3 transactions per
    customer-month, seed 7, default anomaly and dirty-row rates; run_id = the
    folder's name; pseudonym key :data:`TINY_KEY` via ``privacy.pseudonym_key``.
    """
    from riskinsights_lib.datamart import build_datamart
    from riskinsights_lib.generate import generate_bank
    from riskinsights_lib.privacy import pseudonym_key

    paths = RunPaths(tmp_path_factory.mktemp("tiny_run")).ensure()
    generate_bank(
        paths.root,
        n_customers=400,
        start_date="2023-01-01",
        n_months=24,
        snapshots=SNAPSHOTS,
        seed=7,
        tx_per_customer_month=3.0,
        anomaly_rate=0.003,
        dirty_row_rate=0.001,
        progress=False,
    )
    build_datamart(
        paths.raw,
        paths.datamart,
        run_id=paths.root.name,
        snapshots=SNAPSHOTS,
        pseudonym_key=pseudonym_key(TINY_KEY),
        progress=False,
    )
    return paths


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server on 127.0.0.1 (initdb + pg_ctl in a temporary folder).

    Started once per session, stopped (and its folder removed) at the end. Under
    root the server runs as the ``postgres`` OS user. Without PostgreSQL binaries
    the tests are skipped, unless ``RISKINSIGHTS_REQUIRE_POSTGRES=1`` (CI) turns that
    into a failure.
    """
    import os

    from riskinsights_lib.publish import LocalPostgres, find_pg_bin

    if find_pg_bin() is None:
        if os.environ.get("RISKINSIGHTS_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL server binaries not found (RISKINSIGHTS_REQUIRE_POSTGRES=1)")
        pytest.skip("PostgreSQL server binaries not found")
    server = LocalPostgres().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def ci_run(tmp_path_factory):
    """A complete CI-scale run folder (``run_all.py --params params/ci.yaml --jobs 2``), built once.

    Set ``RISKINSIGHTS_TEST_CI_RUN`` to an existing complete run folder to reuse it.
    """
    import os
    import subprocess
    import sys
    from pathlib import Path

    reuse = os.environ.get("RISKINSIGHTS_TEST_CI_RUN")
    if reuse:
        return Path(reuse).resolve()
    root = Path(__file__).resolve().parents[1]
    outputs = tmp_path_factory.mktemp("ci_outputs")
    done = subprocess.run(
        [
            sys.executable,
            str(root / "run_all.py"),
            "--params",
            str(root / "params" / "ci.yaml"),
            "--jobs",
            "2",
        ],
        env={**os.environ, "RISKINSIGHTS_OUTPUTS": str(outputs)},
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return (outputs / "latest").resolve()


@pytest.fixture(scope="session")
def served_run(ci_run) -> RunPaths:
    """The CI-scale run (``ci_run``) whose notebooks 04, 05 and 06 saved the models.

    The scoring-service tests serve its ``models/`` and compare the API with what the
    notebooks wrote (04's SQL, 05's targeting list, 06's top transactions).
    """
    return RunPaths(ci_run)


@pytest.fixture(scope="session")
def spark():
    """A local Spark session (2 cores) shared by the Spark tests, stopped at the end.

    Skipped when PySpark or Java is missing (the ``spark`` extra is optional), unless
    ``RISKINSIGHTS_REQUIRE_SPARK=1`` (set by ``.ci/run``), where a missing engine fails."""
    import os
    import shutil

    missing = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing = 'PySpark is not installed (pip install -e ".[spark]")'
    if missing is None and not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        missing = "no Java runtime (Spark needs Java 17)"
    if missing:
        if os.environ.get("RISKINSIGHTS_REQUIRE_SPARK") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    from riskinsights_lib.datamart.spark.session import spark_session

    session = spark_session("local[2]", {"spark.sql.shuffle.partitions": "4"})
    yield session
    session.stop()
