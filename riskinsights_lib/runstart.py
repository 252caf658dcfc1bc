"""Before any notebook starts: which folder, which notebooks, which key, and may we write there.

:func:`plan_run` decides everything that can be refused without touching the
disk (a bad ``--run-dir``, own extracts without a key, the generator pointed at
a bank's files): its errors are user mistakes, exit 2. :func:`open_run` then
creates the run folder owner-only, takes its lock, marks stale runs of the
outputs root ``interrupted``, copies own extracts into ``raw/`` and hands the
key to the kernels through the environment (never as a parameter).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from riskinsights_lib import extracts
from riskinsights_lib.locks import RunLock
from riskinsights_lib.manifest import read_run, write_run
from riskinsights_lib.notebooks import (
    NotebookSpec,
    check_parameters_match,
    discover_notebooks,
    notebook_parameters,
    select_notebooks,
)
from riskinsights_lib.params import Params, load_params
from riskinsights_lib.paths import OUTPUTS_ENV, PROJECT_ROOT
from riskinsights_lib.privacy import DEMO_ENV, DEMO_NOTICE, KEY_ENV, PseudonymKey, resolve_key
from riskinsights_lib.runsafety import STALE_REASON as _GONE
from riskinsights_lib.runsafety import make_private_dir, mark_interrupted, mark_stale_runs

__all__ = [
    "RunPlan",
    "plan_run",
    "open_run",
    "export_key",
    "new_run_dir",
    "outputs_root_for",
    "point_latest",
    "LATEST",
    "prepare",
    "notebook_jobs",
]

LATEST = "latest"
_CONTROLS = "etl_star_schema.require_controls"


@dataclass
class RunPlan:
    """What one invocation will do, decided before anything is written."""

    run_dir: Path
    selected: list[NotebookSpec]
    key: PseudonymKey
    synthetic: bool
    extracts: Path | None = None
    notes: list[str] = field(default_factory=list)


def outputs_root_for(params: Params) -> Path:
    """The folder that holds run folders: ``RISKINSIGHTS_OUTPUTS``, else ``run.outputs_dir``."""
    override = os.environ.get(OUTPUTS_ENV)
    root = Path(override) if override else Path(params.run.outputs_dir)
    return (root if root.is_absolute() else PROJECT_ROOT / root).resolve()


def point_latest(root: Path, run_dir: Path) -> None:
    """Point ``root/latest`` at ``run_dir`` atomically (only for run folders directly under root)."""
    if run_dir.parent != root:
        return
    tmp = root / f".{LATEST}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(run_dir.name, target_is_directory=True)
    os.replace(tmp, root / LATEST)


def new_run_dir(root: Path) -> Path:
    """A new dated folder name under ``root`` (not created)."""
    stamp = dt.datetime.now().strftime("%Y-%m-%d_%H%M%S")
    candidate, n = root / stamp, 1
    while candidate.exists():
        n += 1
        candidate = root / f"{stamp}_{n}"
    return candidate


def _given_dir(value: str) -> Path:
    path = Path(value).expanduser()
    path = (path if path.is_absolute() else Path.cwd() / path).resolve()
    if path.exists() and not path.is_dir():
        raise ValueError(f"--run-dir: {path} is a file; expected a run folder")
    return path


def _choose_dir(run_dir: str | None, root: Path, *, partial: bool, fresh: bool) -> Path:
    if run_dir:
        path = _given_dir(run_dir)
        if fresh and path.is_dir() and any(path.iterdir()):
            raise ValueError(
                f"--run-dir: {path} is not empty; own extracts go into a new run folder"
            )
        if partial and not fresh and not path.is_dir():
            raise ValueError(
                f"--run-dir: {path} does not exist (a partial re-run needs an existing run)"
            )
        return path
    if partial and not fresh:
        latest = root / LATEST
        if not latest.exists():
            raise ValueError(f"--only/--from: no {latest}; give --run-dir outputs/<run>")
        return latest.resolve()
    return new_run_dir(root)


def _select(specs: list[NotebookSpec], args: Any) -> list[NotebookSpec]:
    start = args.start
    if args.extracts and not (args.only or start):
        start = next(s.name for s in specs if s.section != extracts.GENERATOR_SECTION)
    selected = select_notebooks(specs, only=args.only, start=start)
    if args.extracts and any(s.section == extracts.GENERATOR_SECTION for s in selected):
        raise ValueError(
            "--extracts: the generator notebook would replace the bank's files; start at 02"
        )
    return selected


def plan_run(args: Any, params: Params, specs: list[NotebookSpec], root: Path) -> RunPlan:
    """Decide the run folder, notebooks and key; raise ``ValueError`` (exit 2) on a user mistake."""
    source = None
    if args.extracts:
        source = Path(args.extracts).expanduser().resolve()
        if not source.is_dir():
            raise ValueError(f"--extracts: {source} is not a folder")
    selected = _select(specs, args)
    generates = any(s.section == extracts.GENERATOR_SECTION for s in selected)
    partial = bool(args.only or args.start) and not generates  # generating starts a new run
    run_dir = _choose_dir(args.run_dir, root, partial=partial, fresh=source is not None)
    if generates and run_dir.is_dir():
        extracts.claim_raw(run_dir, check_only=True)
    fresh_full_run = source is None and not run_dir.is_dir()  # it starts by generating
    synthetic = fresh_full_run or (source is None and (generates or extracts.is_synthetic(run_dir)))
    key = resolve_key(params.run.pseudonym_key_file, synthetic=synthetic)
    return RunPlan(run_dir, selected, key, synthetic, source)


def export_key(key: PseudonymKey) -> Callable[[], None]:
    """Put the key in this process's environment for the kernels it starts; return an undo."""
    saved = {name: os.environ.get(name) for name in (KEY_ENV, DEMO_ENV)}
    os.environ[KEY_ENV] = key.value  # kernels inherit it; it is never a notebook parameter
    if key.is_demo:
        os.environ[DEMO_ENV] = "1"
    else:
        os.environ.pop(DEMO_ENV, None)

    def restore() -> None:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    return restore


def open_run(plan: RunPlan, root: Path) -> tuple[RunLock, list[Path]]:
    """Create and lock the run folder, mark stale runs ``interrupted``, import own extracts.

    Returns the held lock (release it when the run ends) and the stale runs
    marked. Raises :class:`~riskinsights_lib.locks.RunLocked` when another
    runner holds the folder.
    """
    make_private_dir(plan.run_dir)
    lock = RunLock(plan.run_dir).acquire()
    try:
        others = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink()]
    except OSError:
        others = []
    stale = mark_stale_runs(sorted(set(others) - {plan.run_dir}))
    if read_run(plan.run_dir).get("status") == "running":  # we hold its lock: nobody runs it
        write_run(plan.run_dir, mark_interrupted(read_run(plan.run_dir), reason=_GONE))
        stale.append(plan.run_dir)
    if plan.extracts is not None:
        try:
            extracts.import_extracts(plan.extracts, plan.run_dir)
        except BaseException:
            lock.release()
            raise
    return lock, stale


def prepare(args: Any) -> tuple[Params, list[NotebookSpec], RunPlan, Path]:
    """Parameters, notebooks, plan and outputs root of a command line; ``ValueError`` = exit 2."""
    if args.jobs < 1:
        raise ValueError(f"--jobs: expected 1 or more, got {args.jobs}")
    params = load_params(args.params, args.overrides)
    if args.show_code:
        params.run.show_code = True
    specs = discover_notebooks(Path(args.notebooks))
    root = outputs_root_for(params)
    plan = plan_run(args, params, specs, root)
    _controls_default(params, plan, args.overrides)
    check_parameters_match(plan.selected, params, args.params)
    return params, specs, plan, root


def _controls_default(params: Params, plan: RunPlan, overrides: list[str]) -> None:
    """Own extracts require control files unless the user said otherwise on the command line.

    ``etl_star_schema.require_controls``: null means "true for own extracts,
    false for the synthetic bank"; a ``-p`` override always wins.
    """
    section = params.etl_star_schema
    if "require_controls" not in type(section).model_fields:
        return
    explicit = any(o.split("=", 1)[0].strip() == _CONTROLS for o in overrides)
    if section.require_controls is None or (plan.extracts is not None and not explicit):
        section.require_controls = plan.extracts is not None


def notebook_jobs(
    plan: RunPlan, params: Params, run_dir: Path, params_file: str, commit: str
) -> dict[str, tuple]:
    """Arguments of ``runner.execute_one`` per selected notebook (stale figures removed first)."""
    info = {"Run": run_dir.name, "Parameters": str(params_file), "Git commit": commit}
    jobs = {}
    for spec in plan.selected:
        (run_dir / "metrics" / f"{spec.name}.json").unlink(missing_ok=True)
        (run_dir / "notebooks").mkdir(exist_ok=True)
        jobs[spec.name] = (
            str(spec.path),
            str(run_dir / "notebooks" / spec.path.name),
            str(run_dir / "reports" / f"{spec.name}.html"),
            notebook_parameters(spec, params, run_dir),
            params.run.show_code,
            info,
            str(spec.path.parent),
            DEMO_NOTICE if plan.key.is_demo else None,
        )
    return jobs
