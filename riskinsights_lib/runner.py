"""``python run_all.py``: parameters in, a dated, self-contained report site out.

Executes the numbered notebooks with papermill into ``outputs/<run id>/``,
renders one HTML report per notebook, and writes ``index.html`` and
``run.json``. Independent notebooks may run side by side (``--jobs``); a
failure stops the run, keeps the failed notebook's report with its traceback
and exits non-zero. Only a complete, successful run becomes ``outputs/latest``.
``--extracts DIR`` runs 02 onwards on a bank's own files (:mod:`.extracts`).
Refusals before any work (:mod:`.runstart`) exit 2; Ctrl-C, SIGTERM and a
full disk stop cleanly (:mod:`.runsafety`); one runner per folder (:mod:`.locks`).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

import papermill as pm

from riskinsights_lib.extracts import GENERATOR_SECTION, raw_origin
from riskinsights_lib.locks import RunLocked
from riskinsights_lib.manifest import (
    changed_inputs,
    fingerprint_inputs,
    git_commit,
    package_versions,
    read_run,
    write_run,
)
from riskinsights_lib.notebooks import (
    NotebookSpec,
    execution_waves,
)
from riskinsights_lib.notices import add_banner
from riskinsights_lib.params import Params, ParamsError
from riskinsights_lib.paths import PROJECT_ROOT
from riskinsights_lib.privacy import DEMO_NOTICE
from riskinsights_lib.progress import heartbeat, kernel_options
from riskinsights_lib.record import read_metrics
from riskinsights_lib.report import render_index, render_notebook_html
from riskinsights_lib.runsafety import (
    disk_full,
    mark_interrupted,
    private_files,
    stop_on_signals,
    terminate_pool,
    worker_init,
)
from riskinsights_lib.runstart import (
    RunPlan,
    export_key,
    notebook_jobs,
    open_run,
    point_latest,
    prepare,
)
from riskinsights_lib.tracking.runs import RunTracking, start_run_tracking

__all__ = ["main", "build_parser", "execute_one"]


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
        "--extracts",
        metavar="DIR",
        help="run 02 onwards on a bank's own extract files (copied into a new run folder's raw/; "
        "see docs/data_contract.md); needs RISKINSIGHTS_PSEUDONYM_KEY or run.pseudonym_key_file",
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


def execute_one(
    notebook: str,
    output: str,
    html: str,
    parameters: dict[str, Any],
    show_code: bool,
    info: dict[str, str],
    cwd: str,
    notice: str | None = None,
) -> dict[str, Any]:
    """Execute one notebook with papermill and render its report; never raises on notebook errors."""
    start = time.perf_counter()
    error = None
    partial = Path(output).with_name(f".{Path(output).stem}.part.ipynb")  # renamed when complete
    try:
        with heartbeat(Path(notebook).stem, partial):
            pm.execute_notebook(
                notebook,
                str(partial),
                parameters=parameters,
                cwd=cwd,
                progress_bar=False,
                kernel_name="python3",
                log_output=False,
                **kernel_options(),
            )
    except pm.PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}".strip()
        if "[Errno 28]" in error or "[Errno 122]" in error:  # the kernel hit a full disk
            error = f"disk full under {Path(output).parent.parent}: free some space and run again"
    except Exception as exc:  # kernel died, notebook unreadable: still a failed notebook
        error = disk_full(exc, Path(output).parent.parent) or f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    try:
        if partial.exists():
            partial.replace(output)
            render_notebook_html(Path(output), Path(html), show_code=show_code, info=info)
            if notice:
                add_banner(Path(html), notice)
    except Exception as exc:  # a full disk truncated the notebook or its report
        Path(output).unlink(missing_ok=True)
        error = error or disk_full(exc, html) or f"report not rendered: {type(exc).__name__}"
    finally:
        partial.unlink(missing_ok=True)
    return {"status": "failed" if error else "ok", "seconds": round(seconds, 2), "error": error}


def _entry(spec: NotebookSpec, status: str = "pending") -> dict[str, Any]:
    return {"name": spec.name, "status": status, "seconds": None, "html": None, "metrics": {}}


class _Run:
    """The state of one invocation, written to ``run.json`` as it goes."""

    def __init__(self, plan: RunPlan, params: Params, params_file: str, specs: list[NotebookSpec]):
        run_dir = self.dir = plan.run_dir
        previous = read_run(run_dir)
        old = {nb["name"]: nb for nb in previous.get("notebooks", [])}
        self.data: dict[str, Any] = {
            "run_id": run_dir.name,
            "params_file": params_file,
            "params": params.model_dump(mode="json"),
            "engine": params.etl_star_schema.engine,
            "git_commit": git_commit(),
            "started": dt.datetime.now().isoformat(timespec="seconds"),
            "finished": None,
            "status": "running",
            "versions": package_versions(),
            "inputs": previous.get("inputs", {}),
            "raw_origin": raw_origin(run_dir) or None,
            "pseudonym_key": plan.key.record(),
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
        if self.data["pseudonym_key"]["demo"]:
            add_banner(self.dir / "index.html", DEMO_NOTICE)


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
    pool = (
        ProcessPoolExecutor(max_workers=jobs, initializer=worker_init, initargs=(os.getpid(),))
        if jobs > 1
        else None
    )

    def start(spec: NotebookSpec) -> None:
        counter["started"] += 1
        run.entry(spec.name).update(status="running", metrics={}, error=None)
        run.save()
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
    except BaseException:  # Ctrl-C, SIGTERM: no worker outlives the runner
        if pool:
            terminate_pool(pool)
            pool = None
        raise
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


def _start_tracking(run: _Run, params: Params, plan: RunPlan, root: Path, params_file: str) -> bool:
    """Open the MLflow parent run before any parallel wave; True (and a message) on failure."""
    try:  # creating a new SQLite store from two processes at once races its migrations
        run.tracker = start_run_tracking(
            params,
            root,
            run.dir.name,
            [s.path for s in plan.selected],
            {
                "riskinsights.params_file": params_file,
                "riskinsights.git_commit": run.data["git_commit"],
            },
        )
    except Exception as exc:  # an unreachable server or an unwritable store: say where
        print(f"run_all: tracking: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return True
    if run.tracker is not None:
        run.data["tracking"] = run.tracker.summary()
    return False


def _add_tracking(run: _Run, plan: RunPlan, params: Params, job_args: dict[str, tuple]) -> None:
    """Inject ``tracking_*`` parameters; drop stale tracking records (a failed notebook shows none)."""
    for spec in plan.selected:
        (run.dir / "tracking" / f"{spec.name}.json").unlink(missing_ok=True)
        injected = job_args[spec.name][3]  # execute_one's parameters dict
        if run.tracker is not None:
            injected.update(run.tracker.parameters(spec.path, params))
        run.injected[spec.name] = injected


def _end_tracking(run: _Run) -> None:
    if run.tracker is None:
        return
    try:
        run.tracker.finish(run.data["status"], run.dir / "run.json")
    except Exception as exc:  # the run's own result stands; the parent run stays open
        print(f"run_all: tracking: could not end the MLflow parent run: {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the pipeline; exit code 0 ok, 1 a notebook failed, 2 bad input, 130 interrupted."""
    args = build_parser().parse_args(argv)
    old_umask = private_files()  # run folders 0700, files 0600; workers and kernels inherit it
    try:
        params, specs, plan, root = prepare(args)
        lock, stale = open_run(plan, root)
    except (ParamsError, ValueError, RunLocked) as exc:
        os.umask(old_umask)
        print(f"run_all: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        os.umask(old_umask)
        print(f"run_all: {disk_full(exc) or exc}", file=sys.stderr)
        return 1
    for folder in stale:
        _say(f"run_all: marked {folder.name} interrupted (its runner is gone)")
    restore_env, restore_signals = export_key(plan.key), stop_on_signals()
    try:
        return _execute(args, params, specs, plan, root)
    finally:
        restore_signals()
        restore_env()
        lock.release()
        os.umask(old_umask)


def _record_inputs(run: _Run, plan: RunPlan) -> None:
    """Fingerprint ``raw/`` again; a change the generator did not make is recorded and said."""
    fresh = fingerprint_inputs(run.dir / "raw")
    if not any(s.section == GENERATOR_SECTION for s in plan.selected):
        changed = changed_inputs(run.data["inputs"], fresh)
        if changed:
            run.data["inputs_changed"] = changed
            _say(f"run_all: raw files differ from the recorded inputs: {', '.join(changed[:5])}")
    run.data["inputs"] = fresh or run.data["inputs"]
    run.data["raw_origin"] = raw_origin(run.dir) or None  # 01 writes its marker as it runs


def _execute(
    args: argparse.Namespace, params: Params, specs: list[NotebookSpec], plan: RunPlan, root: Path
) -> int:
    run_dir = plan.run_dir
    if plan.extracts is not None:  # the generator is not part of a run on own extracts
        specs = [s for s in specs if s.section != GENERATOR_SECTION]
    run = _Run(plan, params, str(args.params), specs)
    if plan.extracts is not None:  # fingerprints of the files as copied, before any notebook
        run.data["inputs"] = fingerprint_inputs(run_dir / "raw")
    if _start_tracking(run, params, plan, root, str(args.params)):
        return 2
    job_args = notebook_jobs(plan, params, run.dir, run.data["params_file"], run.data["git_commit"])
    _add_tracking(run, plan, params, job_args)
    _say(f"RiskInsights run {run_dir.name}: {len(plan.selected)} notebook(s) into {run_dir}")
    if plan.key.is_demo:
        _say("run_all: demo pseudonym key in use: pseudonyms are reversible (synthetic data only)")
    try:
        run.save()
        failure = _run_waves(run, execution_waves(plan.selected), args.jobs, job_args)
    except KeyboardInterrupt as exc:
        mark_interrupted(run.data, reason=str(exc) or "SIGINT")
        run.save()
        _end_tracking(run)
        print("run_all: interrupted; this run does not become latest", file=sys.stderr)
        return 130
    except OSError as exc:
        message = disk_full(exc, run_dir)
        if message is None:
            raise
        run.data.update(status="failed", finished=dt.datetime.now().isoformat(timespec="seconds"))
        with contextlib.suppress(OSError):
            run.save()
        _end_tracking(run)
        print(f"run_all: {message}", file=sys.stderr)
        return 1
    for nb in run.data["notebooks"]:
        if nb["status"] in ("running", "pending"):
            nb["status"] = "skipped"
    _record_inputs(run, plan)
    statuses = {nb["status"] for nb in run.data["notebooks"]}
    run.data["status"] = "failed" if failure else ("ok" if statuses == {"ok"} else "partial")
    run.data["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    try:
        run.save()
    except OSError as exc:  # the disk filled up after the last notebook
        message = disk_full(exc, run_dir)
        if message is None:
            raise
        _end_tracking(run)
        print(f"run_all: {message}", file=sys.stderr)
        return 1
    _end_tracking(run)
    if failure:
        print(f"run_all: {failure}", file=sys.stderr)
        _say(f"report: {run_dir / 'index.html'}")
        return 1
    if run.data["status"] == "ok":
        point_latest(root, run_dir)
    _say(f"done: {run_dir / 'index.html'}")
    return 0
