# syntax=docker/dockerfile:1
# RiskInsights scoring API: `riskinsights serve` on a run folder (mounted) or the MLflow registry.
#   docker build -t riskinsights-serve .
#   docker run --rm -p 127.0.0.1:8000:8000 -v "$PWD/outputs/latest:/srv/run:ro" \
#     -e RISKINSIGHTS_API_KEYS_FILE=/run/secrets/api_keys \
#     -v "$PWD/secrets/api_keys.txt:/run/secrets/api_keys:ro" riskinsights-serve
# See docs/deployment.md (what was verified, registry mode, the cloud plan).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: a virtual environment with the package and the serve extra ----------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY deploy/requirements-serve.txt ./
# Behind a TLS-inspecting proxy, pass its CA bundle: --secret id=ca_bundle,src=/path/to/ca.crt
RUN --mount=type=secret,id=ca_bundle,required=false \
    if [ -f /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi \
    && pip install --no-cache-dir "pip==26.3" \
    && pip install --no-cache-dir --no-deps --requirement requirements-serve.txt
COPY pyproject.toml README.md LICENSE ./
COPY riskinsights_lib ./riskinsights_lib
RUN pip install --no-cache-dir --no-deps --no-build-isolation /src

# ---- runtime: slim base, the venv only, a non-root user -------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# libgomp1: OpenMP runtime of XGBoost and scikit-learn
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1=12.2.0-14+deb12u1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin riskinsights
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OMP_NUM_THREADS=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    RISKINSIGHTS_OUTPUTS=/srv/outputs
WORKDIR /srv
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["riskinsights", "serve"]
CMD ["--host", "0.0.0.0", "--port", "8000", "--run-dir", "/srv/run"]

# ---- mlflow-ui: the MLflow tracking server and UI beside the API (compose.yaml) -------------
FROM runtime AS mlflow-ui
USER 0
RUN --mount=type=secret,id=ca_bundle,required=false \
    if [ -f /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi \
    && pip install --no-cache-dir "mlflow==3.17.2"
USER 10001
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:5000/health', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["mlflow", "server"]
CMD ["--host", "0.0.0.0", "--port", "5000", \
     "--backend-store-uri", "sqlite:////srv/outputs/mlflow.db", \
     "--artifacts-destination", "/srv/outputs/mlartifacts", \
     "--allowed-hosts", "mlflow:5000,localhost:5000,127.0.0.1:5000"]
