"""The runner on a tiny notebook set: success, parallel, failure and partial re-runs."""

import json
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from riskinsights_lib.manifest import validate_run
from riskinsights_lib.runner import main

RECORD = "from riskinsights_lib.record import record_metrics\n"
CI_PARAMS = Path(__file__).resolve().parents[1] / "params" / "ci.yaml"


def _notebook(folder: Path, name: str, body: str, depends_on=(), params: str = "") -> None:
    cells = [
        new_markdown_cell(f"# {name}\nA tiny notebook for the runner tests."),
        new_code_cell(f'run_dir: str = "scratch"\nseed: int = 1\n{params}'),
        new_markdown_cell("## 1. Work"),
        new_code_cell(body),
    ]
    cells[1].metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["riskinsights"] = {"depends_on": list(depends_on)}
    nbformat.write(nb, folder / f"{name}.ipynb")


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """A notebook folder 01 -> 02 -> {03, 04}, a params file and an empty outputs root."""
    books = tmp_path / "notebooks"
    books.mkdir()
    _notebook(
        books,
        "01_alpha",
        "from pathlib import Path\n(Path(run_dir) / 'raw').mkdir(parents=True, exist_ok=True)\n"
        "(Path(run_dir) / 'raw' / 'x.csv').write_text('a\\n1\\n2\\n')\n"
        + RECORD
        + "record_metrics(run_dir, '01_alpha', {'rows': 2, 'seed_seen': seed})",
    )
    _notebook(
        books,
        "02_beta",
        "from pathlib import Path\nassert (Path(run_dir) / 'raw' / 'x.csv').exists()\n"
        + RECORD
        + "record_metrics(run_dir, '02_beta', {'ok': True})",
        depends_on=["01_alpha"],
    )
    for name in ("03_gamma", "04_delta"):
        _notebook(
            books,
            name,
            RECORD + f"record_metrics(run_dir, '{name}', {{'score': 0.5, 'by_type': {{'a': 1}}}})",
            depends_on=["02_beta"],
        )
    params = tmp_path / "p.yaml"
    data = yaml.safe_load(CI_PARAMS.read_text())
    data["run"]["seed"] = 7
    params.write_text(yaml.safe_dump(data))
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("RISKINSIGHTS_OUTPUTS", str(outputs))
    monkeypatch.setenv("RISKINSIGHTS_PSEUDONYM_KEY", "tiny-project-test-key")
    return {"books": books, "params": params, "outputs": outputs}


def _run(project, *extra) -> int:
    return main(["--params", str(project["params"]), "--notebooks", str(project["books"]), *extra])


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
    _notebook(
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
