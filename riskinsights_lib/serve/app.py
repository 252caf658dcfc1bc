"""The FastAPI app factory: ``create_app(settings)`` -> an app serving the loaded models.

Models are loaded once, when the app is built (before the server accepts a
connection), from a run folder or the registry; the lifespan then opens the
datamart read-only, scores one example row per model (so the first caller does
not pay for warm-up) and marks the service ready; at shutdown it closes the
datamart. ``/health`` (liveness, no key), ``/ready`` and ``/version`` sit
beside the authenticated ``/v1`` router.
"""

from __future__ import annotations

import logging
import os
import platform
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel, Field

from riskinsights_lib.serve.auth import require_api_key
from riskinsights_lib.serve.domain import frame_from_rows
from riskinsights_lib.serve.errors import ApiError, install_error_handlers, responses_for
from riskinsights_lib.serve.loading import ServedModels, load_from_run, open_datamart
from riskinsights_lib.serve.observability import RequestContextMiddleware
from riskinsights_lib.serve.routes import scoring_router
from riskinsights_lib.serve.schemas import ModelInfoOut, example_row
from riskinsights_lib.serve.settings import Settings

__all__ = ["create_app", "load_models", "API_VERSION"]

log = logging.getLogger("riskinsights.serve")
API_VERSION = "1"


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Ready(BaseModel):
    ready: bool
    models: list[str] = Field(description="Models loaded and warmed up")
    datamart: bool = Field(description="Datamart open read-only (customer lookups)")


class Version(BaseModel):
    api_version: str
    package_version: str
    run_id: str | None
    git_commit: str | None
    source: str = Field(description="Run folder or registry the models came from")
    models: list[ModelInfoOut]
    python: str


def load_models(settings: Settings) -> ServedModels:
    """The models the settings point at: the registry's champions or a run folder."""
    if settings.registry:
        from riskinsights_lib.serve.registry import load_from_registry

        return load_from_registry(settings.tracking_uri, datamart=settings.datamart)
    return load_from_run(settings.run_dir, datamart=settings.datamart)


def _warm_up(served: ServedModels) -> None:
    for scorer in served.loaded.values():
        scorer.score_frame(frame_from_rows([example_row(scorer.specs)], scorer.specs))


def _lifespan(served: ServedModels):
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.datamart = open_datamart(served.datamart)
        _warm_up(served)
        app.state.ready = True
        log.info(
            "ready: models %s from %s; auth %s (keys %s)",
            ", ".join(served.loaded), served.source,
            "on" if app.state.settings.auth_enabled else "OFF (--insecure-local)",
            ", ".join(app.state.settings.key_fingerprints) or "none",
        )  # fmt: skip
        try:
            yield
        finally:
            app.state.ready = False
            if app.state.datamart is not None:
                app.state.datamart.close()
                app.state.datamart = None

    return lifespan


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("riskinsights")
    except PackageNotFoundError:
        return "unknown"


def _add_service_routes(app: FastAPI, served: ServedModels) -> None:
    auth = [Depends(require_api_key)]

    @app.get("/health", response_model=Health, tags=["Service"], summary="Liveness (no key)")
    def health() -> Any:
        return {"status": "ok"}

    @app.get("/ready", response_model=Ready, tags=["Service"], dependencies=auth,
             summary="Readiness: models loaded and warmed up",
             responses=responses_for(401, 403, 503))  # fmt: skip
    def ready(request: Request) -> Any:
        if not getattr(request.app.state, "ready", False):
            raise ApiError(503, "not_ready", "models are loading")
        return {"ready": True, "models": list(served.loaded),
                "datamart": request.app.state.datamart is not None}  # fmt: skip

    @app.get("/version", response_model=Version, tags=["Service"], dependencies=auth,
             summary="Models, versions, run id and git commit", responses=responses_for(401, 403))  # fmt: skip
    def version() -> Any:
        return {
            "api_version": API_VERSION,
            "package_version": _package_version(),
            "run_id": served.run_id,
            "git_commit": served.git_commit,
            "source": os.path.basename(served.source)
            if "run folder" in served.source
            else served.source,
            "models": [s.info.public() for s in served.loaded.values()],
            "python": platform.python_version(),
        }


def create_app(settings: Settings, served: ServedModels | None = None) -> FastAPI:
    """Build the app for ``settings`` (models loaded now unless ``served`` is given)."""
    settings.check()
    served = served if served is not None else load_models(settings)
    app = FastAPI(
        title="RiskInsights scoring API",
        version=API_VERSION,
        description="Credit default, churn and transaction anomaly scores of the RiskInsights "
        "models, with reasons in words. Send the key in the X-API-Key header.",
        lifespan=_lifespan(served),
    )
    app.state.settings, app.state.ready, app.state.datamart = settings, False, None
    app.state.served = served
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)
    _add_service_routes(app, served)
    app.include_router(scoring_router(served, settings.max_batch))
    return app
