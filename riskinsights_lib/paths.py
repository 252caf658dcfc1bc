"""Where things live: the project root, the outputs root and a run's folders.

Paths are resolved here once, never from a notebook's working directory.
Set ``RISKINSIGHTS_OUTPUTS`` to move the outputs root (the tests point it at a
temporary folder so that they never write into the checkout).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PROJECT_ROOT", "RunPaths", "outputs_root", "resolve_run_dir", "run_paths"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
OUTPUTS_ENV = "RISKINSIGHTS_OUTPUTS"


def outputs_root() -> Path:
    """Return the folder that holds run folders (``outputs/`` unless overridden)."""
    override = os.environ.get(OUTPUTS_ENV)
    return Path(override).expanduser().resolve() if override else PROJECT_ROOT / "outputs"


def resolve_run_dir(run_dir: str | os.PathLike) -> Path:
    """Turn a notebook's ``run_dir`` parameter into an absolute folder.

    A relative name (the notebooks' default is ``"scratch"``) is taken inside
    the outputs root; an absolute path (what the runner injects) is kept.
    """
    path = Path(run_dir).expanduser()
    if not str(run_dir):
        raise ValueError("run_dir: expected a folder name or path, got an empty string")
    return path if path.is_absolute() else outputs_root() / path


@dataclass(frozen=True)
class RunPaths:
    """The folders and files of one run."""

    root: Path

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def truth(self) -> Path:
        return self.root / "truth"

    @property
    def datamart(self) -> Path:
        return self.root / "datamart.duckdb"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def figures(self) -> Path:
        return self.root / "figures"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics"

    def ensure(self) -> RunPaths:
        """Create the run folder (owner-only, and nothing else) if it does not exist."""
        if not self.root.exists():
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self


def run_paths(run_dir: str | os.PathLike) -> RunPaths:
    """Resolve ``run_dir`` and return its :class:`RunPaths` (the folder is created).

    A new run folder is created readable by its owner only (0700). Files get
    0600 when the runner starts the kernel (its umask 077 is inherited).
    """
    return RunPaths(resolve_run_dir(run_dir)).ensure()
