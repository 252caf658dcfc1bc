"""03 publishes through its parameters, and a failed publish fails the notebook in one line.

Both run notebook 03 the way ``run_all.py`` does (``runner.execute_one``) on the
tiny run's datamart against the real server of the ``postgres_server`` fixture.
"""

from __future__ import annotations

import json
import shutil

import pytest

from riskinsights_lib.runner import execute_one

psycopg = pytest.importorskip("psycopg")

NOTEBOOK = "notebooks/03_bi_reporting.ipynb"


def _run_03(tiny_run, tmp_path, **params) -> dict:
    """Execute 03 on a copy of the tiny run's datamart (the shared run folder stays untouched)."""
    run = tmp_path / "run_nb"
    run.mkdir()
    shutil.copy(tiny_run.datamart, run / tiny_run.datamart.name)
    parameters = {"run_dir": str(run), "export_formats": ["parquet"], **params}
    return execute_one(
        NOTEBOOK,
        str(tmp_path / "03.ipynb"),
        str(tmp_path / "03.html"),
        parameters,
        False,
        {},
        "notebooks",
    )


def test_03_publishes_and_records_it(postgres_server, tiny_run, tmp_path, monkeypatch):
    for key, value in postgres_server.env().items():
        monkeypatch.setenv(key, value)
    result = _run_03(tiny_run, tmp_path, publish="env", publish_schema="nb_{run_id}")
    assert result["status"] == "ok", result["error"]
    metrics = json.loads((tmp_path / "run_nb" / "metrics" / "03_bi_reporting.json").read_text())
    schema = "nb_run_nb"
    with psycopg.connect(postgres_server.url, autocommit=True) as pg:
        published = pg.execute(f"SELECT sum(row_count) FROM {schema}.publish_table").fetchone()[0]
    assert metrics["publish_rows"] == published > 0
    assert metrics["publish_tables"] == 30  # 7 dimensions, 2 facts, 21 KPI tables


def test_03_fails_in_one_line_without_the_password(
    postgres_server, tiny_run, tmp_path, monkeypatch
):
    for key, value in postgres_server.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PGPASSWORD", "Not-The-Password-42")
    result = _run_03(tiny_run, tmp_path, publish=postgres_server.url)
    assert result["status"] == "failed"
    error = result["error"]
    assert error.startswith("PublishError: publish: cannot connect to postgresql://")
    assert "password authentication failed" in error
    assert "\n" not in error and "Not-The-Password-42" not in error
