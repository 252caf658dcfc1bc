"""``riskinsights serve``: start the scoring API with uvicorn (also ``python -m riskinsights_lib.serve``).

Settings come from flags, then the environment (API keys, tracking URI);
``--help`` lists them. A setting or model problem stops the start with one
line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

__all__ = ["main", "build_parser", "settings_from_args"]

log = logging.getLogger("riskinsights.serve")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="riskinsights serve",
        description="Serve the default, churn and anomaly models over HTTP (FastAPI + uvicorn).",
        epilog="API keys: RISKINSIGHTS_API_KEYS (comma-separated) or RISKINSIGHTS_API_KEYS_FILE "
        "(one per line), at least 16 characters each. Clients send X-API-Key.",
    )
    p.add_argument("--run-dir", default=None,
                   help="run folder with models/ (default: <outputs root>/latest)")  # fmt: skip
    p.add_argument("--registry", action="store_true",
                   help="load the 'champion' alias of each registered model from MLflow")  # fmt: skip
    p.add_argument("--tracking-uri", default=os.environ.get("MLFLOW_TRACKING_URI"),
                   help="MLflow tracking URI for --registry (default: $MLFLOW_TRACKING_URI)")  # fmt: skip
    p.add_argument("--datamart", type=Path, default=None,
                   help="DuckDB datamart for domains and lookups (default: the run's)")  # fmt: skip
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--api-keys-file", default=None, help="file with one API key per line")
    p.add_argument("--insecure-local", action="store_true",
                   help="allow starting without API keys, on 127.0.0.1 only (laptop demo)")  # fmt: skip
    p.add_argument("--max-batch", type=int, default=1000, help="most rows per batch request")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.add_argument("--check", action="store_true",
                   help="load the models and settings, print what would be served, exit")  # fmt: skip
    return p


def settings_from_args(args: argparse.Namespace):
    """Build and check :class:`~riskinsights_lib.serve.settings.Settings` from parsed flags."""
    from riskinsights_lib.serve.settings import Settings, read_api_keys

    keys = read_api_keys(args.api_keys_file)
    return Settings.with_keys(
        keys,
        run_dir=Path(args.run_dir) if args.run_dir else None,
        registry=args.registry,
        tracking_uri=args.tracking_uri,
        datamart=args.datamart,
        host=args.host,
        port=args.port,
        insecure_local=args.insecure_local,
        max_batch=args.max_batch,
        log_level=args.log_level,
    ).check()


def main(argv: list[str] | None = None) -> int:
    """Parse flags, load models, run uvicorn until stopped; 2 on a setting or model problem."""
    args = build_parser().parse_args(argv)
    # One OpenMP thread per process (XGBoost, scikit-learn): single rows do not gain from
    # threads, and spinning threads of several processes fight for the cores.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from riskinsights_lib.serve.app import create_app, load_models
    from riskinsights_lib.serve.loading import ModelLoadError
    from riskinsights_lib.serve.observability import configure_logging
    from riskinsights_lib.serve.settings import SettingsError

    configure_logging(args.log_level)
    try:
        settings = settings_from_args(args)
        served = load_models(settings)
    except (SettingsError, ModelLoadError) as exc:
        print(f"riskinsights serve: {exc}", file=sys.stderr)
        return 2
    if args.check:
        print(f"would serve {', '.join(served.loaded)} from {served.source}")
        return 0
    import uvicorn

    app = create_app(settings, served)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                access_log=False, server_header=False)  # fmt: skip
    return 0
