"""Registry mode against a real ``mlflow server`` on a free 127.0.0.1 port.

The served run's models are logged as pyfunc models whose unwrapped object exposes
``.card``/``.scale``, ``.model`` and ``.detector`` (the tracking helper's contract),
registered under the three names with the ``champion`` alias; the service loads them
and must score like the run folder does.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytest.importorskip("fastapi")
mlflow = pytest.importorskip("mlflow")
pytest.importorskip("mlflow.server")
pytest.importorskip("flask")  # `mlflow server` needs the full mlflow, not mlflow-skinny

from fastapi.testclient import TestClient  # noqa: E402

from riskinsights_lib.serve.app import create_app  # noqa: E402
from riskinsights_lib.serve.domain import frame_from_rows  # noqa: E402
from riskinsights_lib.serve.loading import MODEL_NAMES, ModelLoadError, load_from_run  # noqa: E402
from riskinsights_lib.serve.registry import load_from_registry, redact_uri  # noqa: E402
from riskinsights_lib.serve.schemas import example_row  # noqa: E402
from riskinsights_lib.serve.settings import Settings  # noqa: E402

KEY = "registry-key-0123456789ab"


class _Wrapper(mlflow.pyfunc.PythonModel):
    """A pyfunc holding the library objects, as the tracking helper's wrappers do."""

    def __init__(self, **objects):
        self.__dict__.update(objects)

    def predict(self, context, model_input, params=None):
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mlflow_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mlflow")
    port = _free_port()
    cmd = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
           "--backend-store-uri", f"sqlite:///{tmp / 'mlflow.db'}",
           "--artifacts-destination", str(tmp / "artifacts"), "--workers", "1"]  # fmt: skip
    log = (tmp / "server.log").open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
            assert proc.poll() is None, (tmp / "server.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "mlflow server not healthy in 180 s"
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server and its workers, by the server's PID
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def registered(mlflow_url, served_run):
    local = load_from_run(served_run.root)
    objects = {
        "default": {"card": local.default.card, "scale": local.default.scale},
        "churn": {"model": local.churn.model},
        "anomaly": {"detector": local.anomaly.detector},
    }
    mlflow.set_tracking_uri(mlflow_url)
    mlflow.set_registry_uri(mlflow_url)
    client = mlflow.MlflowClient(mlflow_url, registry_uri=mlflow_url)
    mlflow.set_experiment("serve-registry-test")
    for key, name in MODEL_NAMES.items():
        with mlflow.start_run():
            info = mlflow.pyfunc.log_model(name="model", python_model=_Wrapper(**objects[key]),
                                           registered_model_name=name)  # fmt: skip
        version = info.registered_model_version
        client.set_registered_model_alias(name, "champion", version)
        client.set_model_version_tag(name, version, "riskinsights.run_id", local.run_id)
    return local


def test_champions_are_served_and_score_like_the_run_folder(mlflow_url, registered, served_run):
    served = load_from_registry(mlflow_url, datamart=served_run.datamart)
    assert set(served.loaded) == {"default", "churn", "anomaly"}
    assert served.run_id == registered.run_id and served.source == f"registry {mlflow_url}"
    settings = Settings.with_keys([KEY], registry=True, tracking_uri=mlflow_url)
    app = create_app(settings, served)
    with TestClient(app) as client:
        version = client.get("/version", headers={"X-API-Key": KEY}).json()
        assert {m["version"] for m in version["models"]} == {"1"}
        for key in ("default", "churn"):
            row = example_row(getattr(registered, key).specs)
            got = client.post(f"/v1/{key}/score", json=row, headers={"X-API-Key": KEY}).json()
            scorer = getattr(registered, key)
            local = scorer.score_frame(frame_from_rows([row], scorer.specs))[0]
            assert {k: got[k] for k in local} == local


def test_registry_problems_stop_in_one_line(tmp_path):
    with pytest.raises(ModelLoadError, match="set --tracking-uri"):
        load_from_registry(None)
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(ModelLoadError) as err:
        load_from_registry(empty)
    assert "\n" not in str(err.value)
    assert redact_uri("postgresql://u:secret@db/x") == "postgresql://u:***@db/x"
