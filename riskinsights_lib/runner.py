"""``python run_all.py``: parameters in, a dated, self-contained report site out.

Executes the numbered notebooks with papermill into ``outputs/<run id>/``,
renders one HTML report per notebook, and writes ``index.html`` and
``run.json``. Independent notebooks may run side by side (``--jobs``); a
failure stops the run, keeps the failed notebook's report with its traceback
and exits non-zero. Only a complete, successful run becomes ``outputs/latest``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

import papermill as pm

from riskinsights_lib.manifest import (
    fingerprint_inputs,
    git_commit,
    package_versions,
    read_run,
    write_run,
)
from riskinsights_lib.notebooks import (
    NotebookSpec,
    check_parameters_match,
    discover_notebooks,
    execution_waves,
    notebook_parameters,
    select_notebooks,
)
from riskinsights_lib.params import Params, ParamsError, load_params
from riskinsights_lib.paths import OUTPUTS_ENV, PROJECT_ROOT
from riskinsights_lib.record import read_metrics
from riskinsights_lib.report import render_index, render_notebook_html
from riskinsights_lib.tracking.runs import RunTracking, start_run_tracking

__all__ = ["main", "build_parser", "execute_one"]

LATEST = "latest"


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface of ``run_all.py``."""
    parser = argparse.ArgumentParser(
        prog="run_all.py", description="Run the RiskInsights notebooks into a dated report folder."
    )
    parser.add_argument(
        "--params",
        default=str(PROJECT_ROOT / "params" / "default.yaml"),
        help="parameter file (default: params/default.yaml)",
    )
    parser.add_argument(
        "-p",
        dest="overrides",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one parameter, e.g. -p run.n_customers=2000 (repeatable)",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NN",
        help="run only these notebooks (number or name; repeatable or comma-separated)",
    )
    parser.add_argument(
        "--from", dest="start", metavar="NN", help="run this notebook and every later one"
    )
    parser.add_argument(
        "--run-dir", help="run into this existing (or new) run folder instead of a new dated one"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="notebooks run side by side when independent (default 1)",
    )
    parser.add_argument(
        "--show-code", action="store_true", help="show code cells in the HTML reports"
    )
    parser.add_argument(
        "--notebooks", default=str(PROJECT_ROOT / "notebooks"), help=argparse.SUPPRESS
    )
    return parser


def _outputs_root(params: Params) -> Path:
    override = os.environ.get(OUTPUTS_ENV)
    root = Path(override) if override else Path(params.run.outputs_dir)
    return (root if root.is_absolute() else PROJECT_ROOT / root).resolve()


def _new_run_dir(root: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y-%m-%d_%H%M%S")
    candidate, n = root / stamp, 1
    while candidate.exists():
        n += 1
        candidate = root / f"{stamp}_{n}"
    return candidate


def _choose_run_dir(args: argparse.Namespace, root: Path, partial: bool) -> Path:
    if args.run_dir:
        path = Path(args.run_dir).expanduser()
        path = path if path.is_absolute() else (Path.cwd() / path)
        if partial and not path.is_dir():
            raise ValueError(
                f"--run-dir: {path} does not exist (a partial re-run needs an existing run)"
            )
        return path.resolve()
    if partial:
        latest = root / LATEST
        if not latest.exists():
            raise ValueError(f"--only/--from: no {latest}; give --run-dir outputs/<run>")
        return latest.resolve()
    return _new_run_dir(root)


def execute_one(
    notebook: str,
    output: str,
    html: str,
    parameters: dict[str, Any],
    show_code: bool,
    info: dict[str, str],
    cwd: str,
) -> dict[str, Any]:
    """Execute one notebook with papermill and render its report; never raises on notebook errors."""
    start = time.perf_counter()
    error = None
    try:
        pm.execute_notebook(
            notebook,
            output,
            parameters=parameters,
            cwd=cwd,
            progress_bar=False,
            kernel_name="python3",
            log_output=False,
        )
    except pm.PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}".strip()
    except Exception as exc:  # kernel died, notebook unreadable: still a failed notebook
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    if Path(output).exists():
        render_notebook_html(Path(output), Path(html), show_code=show_code, info=info)
    return {"status": "failed" if error else "ok", "seconds": round(seconds, 2), "error": error}


def _entry(spec: NotebookSpec, status: str = "pending") -> dict[str, Any]:
    return {"name": spec.name, "status": status, "seconds": None, "html": None, "metrics": {}}


class _Run:
    """The state of one invocation, written to ``run.json`` as it goes."""

    def __init__(self, run_dir: Path, params: Params, params_file: str, specs: list[NotebookSpec]):
        self.dir = run_dir
        previous = read_run(run_dir)
        old = {nb["name"]: nb for nb in previous.get("notebooks", [])}
        self.data: dict[str, Any] = {
            "run_id": run_dir.name,
            "params_file": params_file,
            "params": params.model_dump(mode="json"),
            "git_commit": git_commit(),
            "started": dt.datetime.now().isoformat(timespec="seconds"),
            "finished": None,
            "status": "running",
            "versions": package_versions(),
            "inputs": previous.get("inputs", {}),
            "notebooks": [old.get(s.name, _entry(s, "skipped")) for s in specs],
        }
        self.tracker: RunTracking | None = None
        self.injected: dict[str, dict[str, Any]] = {}
        if previous:
            self.data["previous_runs"] = previous.get("previous_runs", []) + [
                {
                    k: previous.get(k)
                    for k in ("started", "finished", "status", "params_file", "git_commit")
                }
            ]

    def entry(self, name: str) -> dict[str, Any]:
        return next(nb for nb in self.data["notebooks"] if nb["name"] == name)

    def save(self) -> None:
        write_run(self.dir, self.data)
        render_index(self.data, self.dir)


def _say(message: str) -> None:
    print(message, flush=True)


def _run_waves(
    run: _Run, waves: list[list[NotebookSpec]], jobs: int, job_args: dict[str, tuple]
) -> str | None:
    """Execute the waves, at most ``jobs`` notebooks at once; return the first failure, or None.

    After a failure no further notebook starts; those already running finish.
    """
    total, t0 = sum(len(w) for w in waves), time.perf_counter()
    counter = {"started": 0, "done": 0}
    failure: str | None = None
    pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None

    def start(spec: NotebookSpec) -> None:
        counter["started"] += 1
        run.entry(spec.name).update(status="running", metrics={}, error=None)
        _say(f"[{counter['started']}/{total}] running {spec.name} ...")

    try:
        for wave in waves:
            queue = list(wave)
            running: dict[Future, NotebookSpec] = {}
            while queue or running:
                while queue and not failure and (pool is None or len(running) < jobs):
                    spec = queue.pop(0)
                    start(spec)
                    if pool is None:
                        failure = _finish(
                            run,
                            spec,
                            execute_one(*job_args[spec.name]),
                            counter,
                            total,
                            t0,
                            failure,
                        )
                    else:
                        running[pool.submit(execute_one, *job_args[spec.name])] = spec
                if failure:
                    queue.clear()
                if running:
                    finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                    for future in finished:
                        spec = running.pop(future)
                        failure = _finish(run, spec, future.result(), counter, total, t0, failure)
            if failure:
                break
    finally:
        if pool:
            pool.shutdown(wait=True, cancel_futures=True)
    return failure


def _finish(
    run: _Run,
    spec: NotebookSpec,
    result: dict,
    counter: dict,
    total: int,
    t0: float,
    failure: str | None,
) -> str | None:
    entry = run.entry(spec.name)
    entry.update(result)
    html_file = run.dir / "reports" / f"{spec.name}.html"
    entry["html"] = f"reports/{spec.name}.html" if html_file.exists() else None
    entry["metrics"] = read_metrics(run.dir / "metrics" / f"{spec.name}.json")
    if run.tracker is not None:
        run.tracker.after_notebook(run.dir, spec.name, entry, run.injected.get(spec.name, {}))
    counter["done"] += 1
    elapsed = dt.timedelta(seconds=round(time.perf_counter() - t0))
    _say(
        f"[{counter['done']}/{total} done] {spec.name} {result['status']} in "
        f"{result['seconds']:,.1f} s (elapsed {elapsed})"
    )
    run.save()
    if result["status"] == "failed" and failure is None:
        return f"{spec.name} failed: {result['error']}"
    return failure


def _end_tracking(run: _Run) -> None:
    if run.tracker is None:
        return
    try:
        run.tracker.finish(run.data["status"], run.dir / "run.json")
    except Exception as exc:  # the run's own result stands; the parent run stays open
        print(f"run_all: tracking: could not end the MLflow parent run: {exc}", file=sys.stderr)


def _point_latest(root: Path, run_dir: Path) -> None:
    if run_dir.parent != root:
        return
    tmp = root / f".{LATEST}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(run_dir.name, target_is_directory=True)
    os.replace(tmp, root / LATEST)


def main(argv: list[str] | None = None) -> int:
    """Run the pipeline; exit code 0 ok, 1 a notebook failed, 2 bad input, 130 interrupted."""
    args = build_parser().parse_args(argv)
    partial = bool(args.only or args.start)
    try:
        if args.jobs < 1:
            raise ValueError(f"--jobs: expected 1 or more, got {args.jobs}")
        params = load_params(args.params, args.overrides)
        if args.show_code:
            params.run.show_code = True
        specs = discover_notebooks(Path(args.notebooks))
        selected = select_notebooks(specs, only=args.only, start=args.start)
        check_parameters_match(selected, params, args.params)
        root = _outputs_root(params)
        run_dir = _choose_run_dir(args, root, partial)
    except (ParamsError, ValueError) as exc:
        print(f"run_all: {exc}", file=sys.stderr)
        return 2

    run_dir.mkdir(parents=True, exist_ok=True)
    run = _Run(run_dir, params, str(args.params), specs)
    info = {
        "Run": run_dir.name,
        "Parameters": str(args.params),
        "Git commit": run.data["git_commit"],
    }
    try:  # before any parallel wave: creating the SQLite store twice at once races
        run.tracker = start_run_tracking(
            params,
            root,
            run_dir.name,
            [s.path for s in selected],
            {
                "riskinsights.params_file": str(args.params),
                "riskinsights.git_commit": info["Git commit"],
            },
        )
    except Exception as exc:  # an unreachable server or an unwritable store: say where
        print(f"run_all: tracking: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    if run.tracker is not None:
        run.data["tracking"] = run.tracker.summary()
    job_args = {}
    for spec in selected:
        (run_dir / "metrics" / f"{spec.name}.json").unlink(missing_ok=True)
        (run_dir / "notebooks").mkdir(exist_ok=True)
        injected = notebook_parameters(spec, params, run_dir)
        if run.tracker is not None:
            injected.update(run.tracker.parameters(spec.path, params))
        run.injected[spec.name] = injected
        job_args[spec.name] = (
            str(spec.path),
            str(run_dir / "notebooks" / spec.path.name),
            str(run_dir / "reports" / f"{spec.name}.html"),
            injected,
            params.run.show_code,
            info,
            str(spec.path.parent),
        )
    _say(f"RiskInsights run {run_dir.name}: {len(selected)} notebook(s) into {run_dir}")
    try:
        failure = _run_waves(run, execution_waves(selected), args.jobs, job_args)
    except KeyboardInterrupt:
        run.data.update(
            status="interrupted", finished=dt.datetime.now().isoformat(timespec="seconds")
        )
        run.save()
        _end_tracking(run)
        print("run_all: interrupted; this run does not become latest", file=sys.stderr)
        return 130
    for nb in run.data["notebooks"]:
        if nb["status"] in ("running", "pending"):
            nb["status"] = "skipped"
    run.data["inputs"] = fingerprint_inputs(run_dir / "raw") or run.data["inputs"]
    statuses = {nb["status"] for nb in run.data["notebooks"]}
    run.data["status"] = "failed" if failure else ("ok" if statuses == {"ok"} else "partial")
    run.data["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    run.save()
    _end_tracking(run)
    if failure:
        print(f"run_all: {failure}", file=sys.stderr)
        _say(f"report: {run_dir / 'index.html'}")
        return 1
    if run.data["status"] == "ok":
        _point_latest(root, run_dir)
    _say(f"done: {run_dir / 'index.html'}")
    return 0
