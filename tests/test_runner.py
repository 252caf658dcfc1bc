"""The runner on a tiny notebook set: success, parallel, failure and partial re-runs."""

import json
from pathlib import Path

import pytest
from tiny_project import make_project, notebook, run

from riskinsights_lib.manifest import validate_run


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """A notebook folder 01 -> 02 -> {03, 04}, a params file and an empty outputs root."""
    return make_project(tmp_path, monkeypatch)


def _run(project, *extra) -> int:
    return run(project, *extra)


def _only_run(outputs: Path) -> Path:
    runs = [p for p in outputs.iterdir() if p.is_dir() and not p.is_symlink()]
    assert len(runs) == 1
    return runs[0]


@pytest.mark.slow
def test_success_writes_reports_run_json_and_latest(project):
    assert _run(project, "--jobs", "2") == 0
    run_dir = _only_run(project["outputs"])
    run = json.loads((run_dir / "run.json").read_text())
    assert set(run) >= {
        "run_id",
        "params_file",
        "params",
        "git_commit",
        "started",
        "finished",
        "status",
        "versions",
        "inputs",
        "notebooks",
    }
    validate_run(run)
    assert run["status"] == "ok" and run["run_id"] == run_dir.name
    assert [nb["name"] for nb in run["notebooks"]] == [
        "01_alpha",
        "02_beta",
        "03_gamma",
        "04_delta",
    ]
    assert all(nb["status"] == "ok" and nb["seconds"] > 0 for nb in run["notebooks"])
    assert run["notebooks"][0]["metrics"] == {"rows": 2, "seed_seen": 7}  # injected from params
    assert run["notebooks"][3]["metrics"]["by_type"] == {"a": 1}
    assert run["inputs"]["x.csv"]["rows"] == 2 and len(run["inputs"]["x.csv"]["sha256"]) == 64
    for nb in run["notebooks"]:
        page = (run_dir / nb["html"]).read_text()
        assert 'class="ri-toc"' in page and run_dir.name in page and "Time per section" in page
    index = (run_dir / "index.html").read_text()
    assert all(f'href="reports/{n}.html"' in index for n in ("01_alpha", "04_delta"))
    assert (project["outputs"] / "latest").resolve() == run_dir.resolve()


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_failing_notebook_stops_keeps_traceback_and_exits_nonzero(project, capsys, jobs):
    notebook(
        project["books"],
        "02_beta",
        "raise ValueError('planned failure in beta')",
        depends_on=["01_alpha"],
    )
    assert _run(project, "--jobs", jobs) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "run_all: 02_beta failed: ValueError: planned failure in beta"
    run_dir = _only_run(project["outputs"])
    run = json.loads((run_dir / "run.json").read_text())
    validate_run(run)
    assert run["status"] == "failed"
    assert [nb["status"] for nb in run["notebooks"]] == ["ok", "failed", "skipped", "skipped"]
    assert "planned failure in beta" in (run_dir / "reports" / "02_beta.html").read_text()
    assert "failed" in (run_dir / "index.html").read_text()
    assert not (project["outputs"] / "latest").exists()


@pytest.mark.slow
def test_only_and_from_rerun_against_an_existing_run(project):
    assert _run(project) == 0
    run_dir = _only_run(project["outputs"])
    stamp = (run_dir / "raw" / "x.csv").stat().st_mtime_ns
    first = json.loads((run_dir / "run.json").read_text())
    assert _run(project, "--only", "04", "--run-dir", str(run_dir)) == 0
    assert _run(project, "--from", "03") == 0  # without --run-dir: outputs/latest
    assert (run_dir / "raw" / "x.csv").stat().st_mtime_ns == stamp  # data not regenerated
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "ok" and len(run["previous_runs"]) == 2
    assert run["notebooks"][0]["seconds"] == first["notebooks"][0]["seconds"]
    assert _only_run(project["outputs"]) == run_dir


def test_bad_selection_and_missing_run_exit_2(project, capsys):
    assert _run(project, "--only", "09") == 2
    assert "--only" in capsys.readouterr().err
    assert _run(project, "--from", "03") == 2  # no latest run yet
    assert "--run-dir" in capsys.readouterr().err
    assert _run(project, "--jobs", "0") == 2
    assert not project["outputs"].exists()


def test_run_schema_rejects_a_malformed_run():
    with pytest.raises(ValueError, match="run.json: notebooks/0/status"):
        validate_run(
            {
                "run_id": "r",
                "params_file": "p",
                "params": {"run": {}},
                "git_commit": "x",
                "started": "s",
                "finished": None,
                "status": "ok",
                "versions": {},
                "inputs": {},
                "notebooks": [
                    {"name": "01_a", "status": "great", "seconds": 1, "html": None, "metrics": {}}
                ],
            }
        )
