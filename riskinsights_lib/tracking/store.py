"""Where runs are tracked: the tracking URI, the experiment and its artifact folder.

By default MLflow runs go to an embedded SQLite store shared by every run of
the outputs root (``<outputs>/mlflow.db``, artifacts in ``<outputs>/mlartifacts``),
so that runs can be compared without a server. ``MLFLOW_TRACKING_URI`` (or the
``tracking.uri`` parameter) points at an MLflow server instead; the environment
wins, like every other secret-bearing setting of the project.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "STORE_FILE",
    "ARTIFACTS_DIR",
    "resolve_tracking_uri",
    "redact_uri",
    "is_embedded",
    "prepare_store",
    "client_for",
]

log = logging.getLogger(__name__)

STORE_FILE = "mlflow.db"
ARTIFACTS_DIR = "mlartifacts"
URI_ENV = "MLFLOW_TRACKING_URI"


def resolve_tracking_uri(outputs_root: str | os.PathLike, uri: str = "") -> str:
    """The tracking URI in force: ``MLFLOW_TRACKING_URI``, else ``uri``, else the embedded store.

    Examples
    --------
    >>> resolve_tracking_uri("/tmp/out").startswith("sqlite:///") or True
    True
    """
    chosen = os.environ.get(URI_ENV, "").strip() or (uri or "").strip()
    if chosen:
        return chosen
    root = Path(outputs_root).expanduser().resolve()
    return f"sqlite:///{root / STORE_FILE}"


def redact_uri(uri: str) -> str:
    """The URI without a user name or password (safe for run.json, logs and reports)."""
    parts = urlsplit(uri)
    if not parts.netloc or "@" not in parts.netloc:
        return uri
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def is_embedded(uri: str) -> bool:
    """True for a local SQLite store (artifacts then live in a folder beside it)."""
    return uri.startswith("sqlite:")


def _artifact_location(uri: str) -> str | None:
    if not is_embedded(uri):
        return None  # a server decides (and serves) its artifact location
    db = Path(uri.removeprefix("sqlite:///").removeprefix("sqlite://"))
    return (db.parent / ARTIFACTS_DIR).resolve().as_uri()


def client_for(uri: str):
    """An :class:`mlflow.MlflowClient` on ``uri`` (the registry on the same store)."""
    from mlflow import MlflowClient

    if is_embedded(uri):
        db = Path(uri.removeprefix("sqlite:///"))
        db.parent.mkdir(parents=True, exist_ok=True)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def prepare_store(uri: str, experiment: str) -> str:
    """Create the store (schema migrations) and the experiment if needed; return its id.

    Call it once, in one process, before notebooks log in parallel: two
    processes opening a new SQLite store at once race MLflow's migrations.
    """
    from mlflow.exceptions import MlflowException

    client = client_for(uri)
    found = client.get_experiment_by_name(experiment)
    if found is not None:
        return found.experiment_id
    try:
        return client.create_experiment(experiment, artifact_location=_artifact_location(uri))
    except MlflowException:  # created meanwhile by another process
        found = client.get_experiment_by_name(experiment)
        if found is None:
            raise
        return found.experiment_id
