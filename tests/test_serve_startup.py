"""Starting the service: refusals in one line, keys from env or file, a real uvicorn process."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

pytest.importorskip("fastapi")

from riskinsights_lib.serve.cli import main  # noqa: E402
from riskinsights_lib.serve.schemas import example_row  # noqa: E402
from riskinsights_lib.serve.settings import (  # noqa: E402
    KEYS_ENV,
    KEYS_FILE_ENV,
    Settings,
    SettingsError,
    fingerprint,
    read_api_keys,
)

KEY = "startup-key-0123456789abc"


@pytest.fixture(autouse=True)
def _no_keys_from_the_caller(monkeypatch):
    monkeypatch.delenv(KEYS_ENV, raising=False)
    monkeypatch.delenv(KEYS_FILE_ENV, raising=False)


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    return err


def test_missing_models_stop_the_start_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(KEYS_ENV, KEY)
    assert main(["--run-dir", str(tmp_path / "nowhere")]) == 2
    assert "no such run folder" in _one_line_error(capsys)
    run = tmp_path / "run"
    (run / "models").mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"run_id": "r", "status": "ok", "notebooks": []}))
    assert main(["--run-dir", str(run)]) == 2
    err = _one_line_error(capsys)
    assert "no usable model" in err and "scorecard" in err and "model.json" in err
    assert "detector.joblib" in err
    (run / "run.json").write_text(json.dumps({"run_id": "r", "status": "failed"}))
    assert main(["--run-dir", str(run)]) == 2
    assert "status is 'failed'" in _one_line_error(capsys)


def test_no_keys_refuses_unless_insecure_local_on_loopback(served_run, capsys):
    assert main(["--run-dir", str(served_run.root), "--check"]) == 2
    assert "no API key configured" in _one_line_error(capsys)
    args = ["--run-dir", str(served_run.root), "--insecure-local", "--check"]
    assert main([*args, "--host", "0.0.0.0"]) == 2
    assert "loopback" in _one_line_error(capsys)
    assert main(args) == 0
    assert "would serve default, churn, anomaly" in capsys.readouterr().out


def test_keys_from_env_or_file_short_keys_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(KEYS_ENV, f"{KEY}, {KEY[::-1]}")
    assert read_api_keys() == [KEY, KEY[::-1]]
    keys = tmp_path / "keys.txt"
    keys.write_text(f"# issued 2026-12\n{KEY}\n\n")
    monkeypatch.setenv(KEYS_FILE_ENV, str(keys))
    assert read_api_keys() == [KEY]  # the file wins over the variable
    keys.write_text("short\n")
    with pytest.raises(SettingsError, match="key 1 is shorter") as err:
        read_api_keys()
    assert "short" not in str(err.value).replace("shorter", "")
    settings = Settings.with_keys([KEY])
    assert KEY not in repr(settings) and settings.key_fingerprints == (fingerprint(KEY),)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_real_uvicorn_process_serves_health_and_a_score(served_run, tmp_path):
    port = _free_port()
    keys = tmp_path / "keys"
    keys.write_text(KEY + "\n")
    env = {**os.environ, KEYS_FILE_ENV: str(keys)}
    cmd = [sys.executable, "-m", "riskinsights_lib.serve", "--run-dir", str(served_run.root),
           "--port", str(port), "--log-level", "info"]  # fmt: skip
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()[-2000:]
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            pytest.fail("the service did not answer /health within 120 s")
        from riskinsights_lib.serve.loading import load_from_run

        specs = load_from_run(served_run.root).default.specs
        r = httpx.post(f"{base}/v1/default/score", json=example_row(specs),
                       headers={"X-API-Key": KEY}, timeout=30)  # fmt: skip
        assert r.status_code == 200 and 0 < r.json()["pd"] < 1
        assert httpx.get(f"{base}/ready", timeout=5).status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    text = log.read_text()
    assert "route=/v1/default/score status=200" in text
    assert fingerprint(KEY) in text and KEY not in text
    assert proc.returncode is not None
