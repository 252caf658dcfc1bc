"""The numbered notebooks: discovery, dependency order and the parameters to inject.

The order and the dependencies come from the notebooks themselves (their file
names and ``metadata.riskinsights.depends_on``), never from a hand-kept list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import papermill as pm

from riskinsights_lib.params import Params, ParamsError, section_name

__all__ = [
    "NotebookSpec",
    "discover_notebooks",
    "select_notebooks",
    "notebook_parameters",
    "check_parameters_match",
    "execution_waves",
]

_NAME = re.compile(r"^(\d{2})_[a-z0-9_]+$")


@dataclass(frozen=True)
class NotebookSpec:
    """One numbered notebook and what it needs."""

    path: Path
    depends_on: tuple[str, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def number(self) -> str:
        return self.name[:2]

    @property
    def section(self) -> str:
        return section_name(self.name)


def discover_notebooks(folder: Path) -> list[NotebookSpec]:
    """All ``NN_name.ipynb`` notebooks of ``folder`` in number order."""
    specs = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        if not _NAME.match(path.stem):
            raise ValueError(f"{path}: expected a notebook name like '04_default_scoring.ipynb'")
        meta = nbformat.read(path, as_version=4).metadata.get("riskinsights", {})
        specs.append(NotebookSpec(path, tuple(meta.get("depends_on", []))))
    names = {s.name for s in specs}
    for spec in specs:
        missing = [d for d in spec.depends_on if d not in names]
        if missing:
            raise ValueError(f"{spec.path}: depends_on names unknown notebooks {missing}")
    if not specs:
        raise ValueError(f"{folder}: no numbered notebooks found")
    return specs


def _matches(spec: NotebookSpec, token: str) -> bool:
    token = token.strip().removesuffix(".ipynb")
    return token in (spec.number, spec.name)


def select_notebooks(
    specs: list[NotebookSpec], *, only: list[str] | None = None, start: str | None = None
) -> list[NotebookSpec]:
    """The notebooks to run: all, ``only`` some (by number or name), or ``start`` onwards."""
    if only:
        tokens = [t for item in only for t in item.split(",") if t.strip()]
        unknown = [t for t in tokens if not any(_matches(s, t) for s in specs)]
        if unknown:
            raise ValueError(f"--only: no notebook matches {unknown}")
        return [s for s in specs if any(_matches(s, t) for t in tokens)]
    if start:
        hits = [i for i, s in enumerate(specs) if _matches(s, start)]
        if not hits:
            raise ValueError(f"--from: no notebook matches {start!r}")
        return specs[hits[0] :]
    return list(specs)


def execution_waves(selected: list[NotebookSpec]) -> list[list[NotebookSpec]]:
    """Group notebooks into waves: each wave depends only on earlier waves.

    Dependencies outside the selection are taken as already satisfied (a
    partial re-run against an existing run folder).
    """
    chosen = {s.name for s in selected}
    done: set[str] = set()
    waves, pending = [], list(selected)
    while pending:
        ready = [s for s in pending if all(d in done or d not in chosen for d in s.depends_on)]
        if not ready:
            raise ValueError(f"depends_on: cycle among {[s.name for s in pending]}")
        waves.append(ready)
        done.update(s.name for s in ready)
        pending = [s for s in pending if s not in ready]
    return waves


def _declared(spec: NotebookSpec) -> dict[str, Any]:
    return pm.inspect_notebook(str(spec.path))


def notebook_parameters(spec: NotebookSpec, params: Params, run_dir: Path) -> dict[str, Any]:
    """Parameters to inject: ``run_dir``, the globals it declares, and its whole section."""
    declared = _declared(spec)
    values = {"run_dir": str(run_dir)}
    values.update({k: v for k, v in params.globals().items() if k in declared})
    if spec.section in type(params).model_fields:
        values.update(params.section(spec.section))
    # the spark section is shared engine settings: a notebook that declares spark_<key> gets it
    values.update(
        {f"spark_{k}": v for k, v in params.section("spark").items() if f"spark_{k}" in declared}
    )
    return values


def check_parameters_match(specs: list[NotebookSpec], params: Params, source: str) -> None:
    """Fail before any work when a section key is not a parameter of its notebook."""
    for spec in specs:
        if spec.section not in type(params).model_fields:
            continue
        declared = _declared(spec)
        if "run_dir" not in declared:
            raise ParamsError(f"{spec.path}: the parameters cell must declare run_dir")
        for key in params.section(spec.section):
            if key not in declared:
                raise ParamsError(
                    f"{source}: {spec.section}.{key}: not a parameter of {spec.path.name}"
                )
