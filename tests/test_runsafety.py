"""Runner faults on the tiny project: lock, stale runs, signals, kill -9, full disk, file modes.

Real processes throughout: the runner runs as a subprocess where a signal is
sent to it, and the test checks through /proc that no worker or kernel
outlives it. Each test is bounded (notebooks sleep at most 120 s and are
stopped within seconds).
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tiny_project import RECORD, make_project, notebook, run

from riskinsights_lib.extracts import RawNotOurs, claim_raw
from riskinsights_lib.locks import RunLock
from riskinsights_lib.manifest import validate_run
from riskinsights_lib.privacy import (
    DEMO_KEY,
    DEMO_NOTICE,
    PseudonymKeyError,
    key_fingerprint,
    resolve_key,
)
from riskinsights_lib.runner import main

ROOT = Path(__file__).resolve().parents[1]
SLEEPY = "import time\ntime.sleep(120)\n" + RECORD


@pytest.fixture()
def project(tmp_path, monkeypatch):
    return make_project(tmp_path, monkeypatch)


def _runs(outputs: Path) -> list[Path]:
    return sorted(p for p in outputs.iterdir() if p.is_dir() and not p.is_symlink())


def _children() -> dict[int, int]:
    """pid -> parent pid of every process on the machine."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry.name)] = int(fields[1])
    return table


def _descendants(pid: int) -> set[int]:
    table, found, frontier = _children(), set(), {pid}
    while frontier:
        frontier = {child for child, parent in table.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _start_sleepy_run(project) -> tuple[subprocess.Popen, Path, set[int]]:
    """The runner as a subprocess with --jobs 2 and two sleeping notebooks in flight."""
    for name in ("03_gamma", "04_delta"):
        notebook(project["books"], name, SLEEPY, depends_on=["02_beta"])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run_all.py"), "--params", str(project["params"])]
        + ["--notebooks", str(project["books"]), "--jobs", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def sleeping() -> Path | None:
        runs = _runs(project["outputs"]) if project["outputs"].exists() else []
        if not runs or not (runs[0] / "run.json").exists():
            return None
        states = {
            nb["name"]: nb["status"]
            for nb in json.loads((runs[0] / "run.json").read_text())["notebooks"]
        }
        return runs[0] if states.get("03_gamma") == states.get("04_delta") == "running" else None

    try:
        run_dir = _wait_for(sleeping, 120, "both sleeping notebooks to start")
    except AssertionError:
        proc.kill()
        raise
    time.sleep(4)  # let the kernels start inside the workers
    family = _descendants(proc.pid)
    assert len(family) >= 4, f"expected 2 workers and 2 kernels, found {len(family)} processes"
    return proc, run_dir, family


def test_second_runner_on_the_same_folder_stops_at_once_naming_the_holder(project, capsys):
    run_dir = project["outputs"] / "shared"
    run_dir.mkdir(parents=True)
    with RunLock(run_dir):
        started = time.monotonic()
        assert run(project, "--run-dir", str(run_dir)) == 2
        assert time.monotonic() - started < 10
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"pid {os.getpid()}" in err[0] and str(run_dir) in err[0], err
    assert "in use by another runner" in err[0] and "started 20" in err[0]
    assert not (run_dir / "run.json").exists()


@pytest.mark.slow
def test_stale_running_run_is_marked_interrupted_and_files_are_owner_only(project, capsys):
    stale = project["outputs"] / "2020-01-01_000000"
    stale.mkdir(parents=True)
    (stale / "run.json").write_text(
        json.dumps({"status": "running", "notebooks": [{"name": "01_alpha", "status": "running"}]})
    )
    assert run(project) == 0
    assert "marked 2020-01-01_000000 interrupted" in capsys.readouterr().out
    old = json.loads((stale / "run.json").read_text())
    assert old["status"] == "interrupted" and old["notebooks"][0]["status"] == "interrupted"
    run_dir = next(p for p in _runs(project["outputs"]) if p != stale)
    assert stat.S_IMODE(run_dir.stat().st_mode) == 0o700
    written = [p for p in run_dir.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"run.json", "index.html", "x.csv", "02_beta.html"}
    loose = [str(p) for p in written if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert not loose, f"readable by others: {loose}"
    assert not list(run_dir.rglob("*.part.ipynb"))
    run_json = json.loads((run_dir / "run.json").read_text())
    validate_run(run_json)
    assert run_json["pseudonym_key"]["source"] == "environment"
    assert "tiny-project-test-key" not in (run_dir / "run.json").read_text()


@pytest.mark.slow
def test_sigterm_stops_workers_and_kernels_and_records_interrupted(project):
    proc, run_dir, family = _start_sleepy_run(project)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err.strip().splitlines()[-1]
    _wait_for(lambda: not _alive(family), 20, f"processes {_alive(family)} to end")
    run_json = json.loads((run_dir / "run.json").read_text())
    validate_run(run_json)
    assert run_json["status"] == "interrupted" and run_json["interrupted"] == "SIGTERM"
    states = [nb["status"] for nb in run_json["notebooks"]]
    assert states == ["ok", "ok", "interrupted", "interrupted"]


@pytest.mark.slow
def test_kill_9_workers_notice_and_next_start_marks_the_run_interrupted(project, capsys):
    proc, run_dir, family = _start_sleepy_run(project)
    proc.kill()
    proc.communicate(timeout=30)
    _wait_for(lambda: not _alive(family), 20, f"orphaned processes {_alive(family)} to end")
    assert json.loads((run_dir / "run.json").read_text())["status"] == "running"
    assert run(project) == 0  # any later start
    assert f"marked {run_dir.name} interrupted" in capsys.readouterr().out
    run_json = json.loads((run_dir / "run.json").read_text())
    validate_run(run_json)
    assert run_json["status"] == "interrupted" and "runner stopped" in run_json["interrupted"]


@pytest.fixture()
def small_disk(tmp_path):
    """A 3 MB tmpfs (root only; skipped elsewhere), unmounted afterwards."""
    mount = tmp_path / "small_disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_full_disk_stops_with_one_line_naming_the_path(project, small_disk, monkeypatch, capsys):
    monkeypatch.setenv("RISKINSIGHTS_OUTPUTS", str(small_disk / "outputs"))
    notebook(
        project["books"],
        "01_alpha",
        "from pathlib import Path\n(Path(run_dir) / 'raw').mkdir(parents=True, exist_ok=True)\n"
        "(Path(run_dir) / 'raw' / 'big.bin').write_bytes(b'x' * 8_000_000)\n",
    )
    assert run(project) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("run_all: ") and "disk full" in err[-1], err
    assert str(small_disk / "outputs") in err[-1]
    assert "Traceback" not in "\n".join(err)
    (run_dir,) = _runs(small_disk / "outputs")
    assert not list(run_dir.rglob("*.part.ipynb")) and not list(run_dir.rglob(".*.part"))


def test_the_generator_never_writes_into_a_raw_folder_it_did_not_create(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("RISKINSIGHTS_OUTPUTS", str(tmp_path / "outputs"))
    run_dir = tmp_path / "bank_run"
    (run_dir / "raw").mkdir(parents=True)
    (run_dir / "raw" / "customers.csv").write_text("the bank's own file\n")
    ci = str(ROOT / "params" / "ci.yaml")
    for marker in ('{"origin": "extracts"}', None):  # marked as own extracts, or no marker at all
        if marker:
            (run_dir / ".raw_origin.json").write_text(marker)
        else:
            (run_dir / ".raw_origin.json").unlink()
        assert main(["--params", ci, "--only", "01", "--run-dir", str(run_dir)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "01_generate_data never overwrites them" in err[0], err
        with pytest.raises(RawNotOurs):
            claim_raw(run_dir)  # what generate_bank calls first
    assert (run_dir / "raw" / "customers.csv").read_text() == "the bank's own file\n"
    assert main(["--params", ci, "--extracts", str(run_dir / "raw"), "--only", "01"]) == 2
    assert "--extracts: the generator notebook would replace" in capsys.readouterr().err
    assert not (tmp_path / "outputs").exists()


def test_key_comes_from_the_environment_or_a_file_never_a_default_for_own_extracts(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("RISKINSIGHTS_PSEUDONYM_KEY", raising=False)
    with pytest.raises(PseudonymKeyError, match="set the environment variable RISKINSIGHTS_"):
        resolve_key(None, synthetic=False)
    assert resolve_key(None, synthetic=True).is_demo
    key_file = tmp_path / "bank.key"
    key_file.write_text("file-secret-key-42\n")
    from_file = resolve_key(str(key_file), synthetic=False)
    assert from_file.value == "file-secret-key-42" and from_file.source == f"file {key_file}"
    assert "file-secret-key-42" not in json.dumps(from_file.record())
    assert len(from_file.fingerprint) == 8 and from_file.fingerprint != key_fingerprint(DEMO_KEY)
    key_file.write_text("short")
    with pytest.raises(PseudonymKeyError, match="at least 8 characters"):
        resolve_key(str(key_file), synthetic=False)
    with pytest.raises(PseudonymKeyError, match="not found"):
        resolve_key(str(tmp_path / "absent.key"), synthetic=True)
    monkeypatch.setenv("RISKINSIGHTS_PSEUDONYM_KEY", "env-secret-key-43")
    assert resolve_key(str(key_file), synthetic=False).source == "environment"  # env wins


@pytest.mark.slow
def test_demo_key_runs_carry_the_notice_and_key_files_are_fingerprinted(
    project, tmp_path, monkeypatch
):
    monkeypatch.delenv("RISKINSIGHTS_PSEUDONYM_KEY")
    assert run(project) == 0  # a synthetic run without a key: the demo key
    (demo,) = _runs(project["outputs"])
    run_json = json.loads((demo / "run.json").read_text())
    assert run_json["pseudonym_key"] == {
        "source": "demo",
        "fingerprint": key_fingerprint(DEMO_KEY),
        "demo": True,
    }
    pages = [demo / "index.html", *sorted((demo / "reports").glob("*.html"))]
    assert len(pages) >= 3
    for page in pages:
        assert DEMO_NOTICE in page.read_text(), page.name
    assert run_json["raw_origin"] is None  # the tiny project's 01 is not the generator
    key_file = tmp_path / "bank.key"
    key_file.write_text("file-secret-key-42\n")
    assert run(project, "-p", f"run.pseudonym_key_file={key_file}") == 0
    (keyed,) = [p for p in _runs(project["outputs"]) if p != demo]
    run_json = json.loads((keyed / "run.json").read_text())
    assert run_json["pseudonym_key"]["source"] == f"file {key_file}"
    assert run_json["params"]["run"]["pseudonym_key_file"] == str(key_file)
    for path in (p for p in keyed.rglob("*") if p.is_file()):
        assert b"file-secret-key-42" not in path.read_bytes(), path
        if path.suffix == ".html":
            assert DEMO_NOTICE not in path.read_text()


@pytest.fixture()
def disk_20mb(tmp_path):
    """A 20 MB tmpfs: room for the notebooks, not for a CI-scale bank's raw files (~38 MB)."""
    mount = tmp_path / "disk_20mb"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_full_disk_during_01_leaves_no_truncated_file(disk_20mb, monkeypatch):
    outputs = disk_20mb / "outputs"
    monkeypatch.setenv("RISKINSIGHTS_OUTPUTS", str(outputs))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("RISKINSIGHTS_PSEUDONYM_KEY", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "run_all.py"), "--params", str(ROOT / "params" / "ci.yaml")]
        + ["--only", "01"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stderr[-1500:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("run_all: 01_generate_data failed: ") and "disk full" in last, last
    assert str(outputs) in last and "Traceback" not in done.stderr
    (run_dir,) = _runs(outputs)
    leftovers = [p.name for p in run_dir.rglob("*") if p.name.endswith((".partial", ".part.ipynb"))]
    assert not leftovers, leftovers
    json.loads((run_dir / "run.json").read_text())  # still whole
