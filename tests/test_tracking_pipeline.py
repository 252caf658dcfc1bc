"""MLflow tracking end to end: the real notebooks at CI scale, twice with ``--jobs 2`` on a
fresh embedded store, and a real ``mlflow server`` started on a free localhost port.

Budget: one full CI-scale run and one re-run of 04-06 (about 4 minutes on 2 idle cores),
plus one server start.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import joblib
import numpy as np
import pandas as pd
import pytest

from riskinsights_lib.manifest import validate_run
from riskinsights_lib.runner import main
from riskinsights_lib.tracking.models import (
    ANOMALY_MODEL,
    CHURN_MODEL,
    SCORECARD_MODEL,
    settings,
    track_scorecard,
)
from riskinsights_lib.tracking.pyfunc import model_input
from riskinsights_lib.tracking.store import client_for

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CI = str(ROOT / "params" / "ci.yaml")
MODEL_NOTEBOOKS = ("04_default_scoring", "05_churn_prediction", "06_anomaly_exploration")
OOT = "2023-12-31"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Outputs root with a full CI-scale run and a re-run of 04-06, both ``--jobs 2``."""
    out = tmp_path_factory.mktemp("tracked_outputs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISKINSIGHTS_OUTPUTS", str(out))
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.delenv("MPLBACKEND", raising=False)  # the kernels draw inline, as in a real run
        assert not (out / "mlflow.db").exists()
        assert main(["--params", CI, "--jobs", "2", "--run-dir", str(out / "first")]) == 0
        shutil.copytree(out / "first", out / "second", ignore=shutil.ignore_patterns("run.json"))
        argv = ["--params", CI, "--jobs", "2", "--only", "04,05,06", "--run-dir"]
        assert main([*argv, str(out / "second")]) == 0
    runs = {n: json.loads((out / n / "run.json").read_text()) for n in ("first", "second")}
    return out, runs


def _client(out: Path):
    client = client_for(f"sqlite:///{out / 'mlflow.db'}")
    return client, client.get_experiment_by_name("riskinsights").experiment_id


def test_two_parallel_runs_make_two_parent_runs_with_three_children_each(two_runs):
    out, runs = two_runs
    client, exp = _client(out)
    parents = client.search_runs([exp], "tags.`riskinsights.kind` = 'run_all'")
    assert sorted(p.info.run_name for p in parents) == ["first", "second"]
    assert {p.info.status for p in parents} == {"FINISHED"}
    for parent in parents:
        assert parent.data.tags["riskinsights.params_file"] == CI
        children = client.search_runs([exp], f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'")
        assert sorted(c.data.tags["riskinsights.notebook"] for c in children) == list(
            MODEL_NOTEBOOKS
        )
        assert runs[parent.info.run_name]["tracking"]["parent_run_id"] == parent.info.run_id


def test_run_json_and_index_record_the_registry(two_runs):
    out, runs = two_runs
    client, _ = _client(out)
    for name, run in runs.items():
        validate_run(run)
        index = (out / name / "index.html").read_text()
        for nb in run["notebooks"]:
            if nb["name"] not in MODEL_NOTEBOOKS:
                assert "tracking" not in nb
                continue
            t = nb["tracking"]
            assert t["model_name"] in (SCORECARD_MODEL, CHURN_MODEL, ANOMALY_MODEL)
            assert t["model_version"] == ("1" if name == "first" else "2")
            assert t["alias"] in ("champion", "challenger") and t["reason"]
            version = client.get_model_version(t["model_name"], t["model_version"])
            assert version.run_id == t["mlflow_run_id"]
            assert f"{t['model_name']} v{t['model_version']}" in index


def test_aliases_in_the_registry_follow_the_decisions(two_runs):
    out, runs = two_runs
    client, _ = _client(out)
    second = {nb["name"]: nb["tracking"] for nb in runs["second"]["notebooks"] if "tracking" in nb}
    first = {nb["name"]: nb["tracking"] for nb in runs["first"]["notebooks"] if "tracking" in nb}
    for name, t in second.items():
        record = json.loads((out / "second" / "tracking" / f"{name}.json").read_text())
        if first[name]["alias"] == "champion":  # the second run was compared with it
            assert record["champion_version"] == "1" and record["champion"] is not None
        holder = client.get_model_version_by_alias(t["model_name"], t["alias"])
        assert str(holder.version) == "2"


def test_figures_parameters_report_and_charts_are_logged(two_runs):
    out, runs = two_runs
    client, _ = _client(out)
    for nb in runs["first"]["notebooks"]:
        if nb["name"] not in MODEL_NOTEBOOKS:
            continue
        run = client.get_run(nb["tracking"]["mlflow_run_id"])
        scalars = {
            k: float(v)
            for k, v in nb["metrics"].items()
            if isinstance(v, int | float) and v is not None
        }
        for key, value in scalars.items():
            assert run.data.metrics[key] == pytest.approx(value), key
        assert run.data.params["seed"] == "42"
        assert len(run.data.params["data.training_sha256"]) == 64
        paths = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert {"report", "charts"} <= paths
        assert client.list_artifacts(run.info.run_id, "charts")


def _oot(run: Path, table: str) -> pd.DataFrame:
    with duckdb.connect(str(run / "datamart.duckdb"), read_only=True) as con:
        df = con.sql(f"SELECT * FROM {table} WHERE snapshot_date = DATE '{OOT}'").df()
    return df


def test_logged_models_predict_what_the_notebooks_predicted(two_runs):
    import mlflow

    out, runs = two_runs
    first = out / "first"
    for name in MODEL_NOTEBOOKS:  # the notebook compared its own predictions with the reload
        record = json.loads((first / "tracking" / f"{name}.json").read_text())
        assert record["round_trip_max_abs_diff"] == 0.0 and record["n_eval"] > 100
    mlflow.set_tracking_uri(f"sqlite:///{out / 'mlflow.db'}")
    mlflow.set_registry_uri(f"sqlite:///{out / 'mlflow.db'}")
    from riskinsights_lib.churn.model import ChurnModel
    from riskinsights_lib.scorecard.model import Scorecard

    cases = {
        SCORECARD_MODEL: (
            _oot(first, "mart_default").dropna(subset=["default_12m"]),
            Scorecard.load(first / "models" / "default" / "scorecard.json").predict_pd,
        ),
        CHURN_MODEL: (
            _oot(first, "mart_churn"),
            lambda df: ChurnModel.load(first / "models" / "churn").churn_probability(df).to_numpy(),
        ),
    }
    for model_name, (rows, saved_predict) in cases.items():
        model = mlflow.pyfunc.load_model(f"models:/{model_name}/1")
        got = model.predict(model_input(rows, model.metadata.get_input_schema()))
        np.testing.assert_array_equal(np.asarray(got), saved_predict(rows))
        if model_name == SCORECARD_MODEL:
            details = model.predict(
                model_input(rows.head(20), model.metadata.get_input_schema()),
                params={"output": "details"},
            )
            assert {"pd", "score", "grade", "reason_1"} <= set(details.columns)
            card = model.unwrap_python_model().card
            np.testing.assert_allclose(details["score"], card.score(rows.head(20)))
    detector = joblib.load(first / "models" / "anomaly" / "detector.joblib")
    anomaly = mlflow.pyfunc.load_model(f"models:/{ANOMALY_MODEL}/1")
    schema = anomaly.metadata.get_input_schema()
    rows = pd.DataFrame(
        np.random.default_rng(0).normal(size=(50, len(schema.input_names()))),
        columns=schema.input_names(),
    )
    np.testing.assert_array_equal(anomaly.predict(rows), detector.score(rows))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def mlflow_server(tmp_path):
    """A real ``mlflow server`` on a free 127.0.0.1 port with a temporary SQLite store."""
    port = _free_port()
    cmd = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
        "--artifacts-destination", str(tmp_path / "artifacts"),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "mlflow server did not become healthy in 120 s"
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server and its workers, by the server's PID
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_tracking_against_a_real_mlflow_server(two_runs, mlflow_server, monkeypatch, tmp_path):
    import mlflow

    out, _ = two_runs
    first = out / "first"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    monkeypatch.setenv("RISKINSIGHTS_OUTPUTS", str(tmp_path))
    from riskinsights_lib.scorecard.model import Scorecard

    card = Scorecard.load(first / "models" / "default" / "scorecard.json")
    oot = _oot(first, "mart_default").dropna(subset=["default_12m"]).astype({"default_12m": int})
    run_dir = tmp_path / "server_run"
    tracked = track_scorecard(
        run_dir,
        card,
        first / "models" / "default",
        eval_rows=oot,
        target="default_12m",
        bar={"bar": True},
        training=oot,
        tracking=settings(compare_last=3),
    )
    record = tracked.record
    assert record["tracking_uri"] == mlflow_server and record["model_version"] == "1"
    assert record["alias"] == "champion" and record["round_trip_max_abs_diff"] == 0.0
    assert not (tmp_path / "mlflow.db").exists()  # nothing went to an embedded store
    client = client_for(mlflow_server)
    assert str(client.get_model_version_by_alias(SCORECARD_MODEL, "champion").version) == "1"
    model = mlflow.pyfunc.load_model(f"models:/{SCORECARD_MODEL}@champion")
    got = model.predict(model_input(oot, model.metadata.get_input_schema()))
    np.testing.assert_array_equal(got, card.predict_pd(oot))
    assert list(tracked.history["version"]) == ["1"]
