"""Notebook 06 before and after, on the same datamart, at the same time: wall and CPU seconds.

    python benchmarks/bench_anomaly_stage.py --run-dir outputs/<run> --before <git commit>

The run folder needs a built datamart and the truth files (``run_all.py --only 01,02``).
The ``before`` code is the given commit exported with ``git archive`` into a temporary
folder; the ``after`` code is this checkout. Each side runs ``run_all.py --only 06`` into
its own copy of the run folder (the datamart and truth linked, not copied), **both at the
same time**, so that a machine shared with other work slows both alike; CPU seconds
(user + system of the runner and its notebook kernel) are measured too, since they depend
far less on the machine's load than wall time. Writes ``benchmarks/results/anomaly_stage.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _prepare_run(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("datamart.duckdb", "truth", "raw"):
        if (source / name).exists() and not (target / name).exists():
            (target / name).symlink_to((source / name).resolve())
    shutil.copy(source / "run.json", target / "run.json")


def _start(code: Path, run: Path, params: str, extra: list[str]) -> tuple[subprocess.Popen, float]:
    env = {**os.environ, "PYTHONPATH": str(code), "RISKINSIGHTS_OUTPUTS": str(run.parent)}
    cmd = [sys.executable, str(code / "run_all.py"), "--params", str(code / params)]
    cmd += ["--only", "06", "--run-dir", str(run), *extra]
    log = open(run.parent / f"{run.name}.log", "w")  # noqa: SIM115 - closed when the process ends
    return subprocess.Popen(
        cmd, cwd=code, env=env, stdout=log, stderr=subprocess.STDOUT
    ), time.perf_counter()


def _duration(run: Path) -> float | None:
    data = json.loads((run / "run.json").read_text(encoding="utf-8"))
    for item in data.get("notebooks", []):
        if str(item.get("name", "")).startswith("06"):
            return item.get("seconds") or item.get("duration_s")
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", required=True, help="run folder with datamart and truth")
    parser.add_argument("--before", required=True, help="git commit of the 'before' code")
    parser.add_argument("--params", default="params/default.yaml")
    parser.add_argument("-p", action="append", default=[], help="extra parameter overrides")
    args = parser.parse_args()
    source = Path(args.run_dir).resolve()
    extra = [x for p in args.p for x in ("-p", p)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        before_code = tmp / "code_before"
        before_code.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.before], check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", str(before_code)], input=archive.stdout, check=True)
        runs = {"before": tmp / "runs" / "before", "after": tmp / "runs" / "after"}
        for run in runs.values():
            _prepare_run(source, run)
        procs = {
            "before": _start(before_code, runs["before"], args.params, extra),
            "after": _start(ROOT, runs["after"], args.params, extra),
        }
        results = {}
        pending = {proc.pid: name for name, (proc, _) in procs.items()}
        while pending:
            pid, status, usage = os.wait4(-1, 0)
            name = pending.pop(pid, None)
            if name is None:
                continue
            proc, start = procs[name]
            results[name] = {
                "exit_status": os.waitstatus_to_exitcode(status),
                "wall_s": round(time.perf_counter() - start, 1),
                "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
                "max_rss_mb": round(usage.ru_maxrss / 1024),
            }
            print(name, results[name], flush=True)
        for name, run in runs.items():
            log = (run.parent / f"{run.name}.log").read_text(encoding="utf-8", errors="replace")
            results[name]["log_tail"] = log.splitlines()[-3:]
            metrics = run / "metrics" / "06_anomaly_exploration.json"
            if metrics.exists():
                results[name]["metrics"] = json.loads(metrics.read_text(encoding="utf-8"))
    load = os.getloadavg()
    results.update(
        {
            "before_commit": args.before,
            "params": args.params,
            "overrides": args.p,
            "load_average_at_end": [round(v, 1) for v in load],
        }
    )
    if results["before"].get("cpu_s") and results["after"].get("cpu_s"):
        results["cpu_ratio_after_over_before"] = round(
            results["after"]["cpu_s"] / results["before"]["cpu_s"], 3
        )
        results["wall_ratio_after_over_before"] = round(
            results["after"]["wall_s"] / results["before"]["wall_s"], 3
        )
    out = ROOT / "benchmarks" / "results" / "anomaly_stage.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
