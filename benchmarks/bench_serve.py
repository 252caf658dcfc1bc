"""Scoring API latency against a real uvicorn process on localhost, vs the same work in-process.

    python benchmarks/bench_serve.py --run-dir outputs/latest            # ~1-2 minutes
    python benchmarks/bench_serve.py --requests 200 --batches 10 --max-seconds 60

Starts ``python -m riskinsights_lib.serve`` on a free 127.0.0.1 port (a temporary
API key), waits for ``/health``, then for each model (default, churn, anomaly):

* single rows: ``--requests`` sequential POSTs of one real row each (rows of the
  run's out-of-time snapshot / transactions) over one keep-alive connection,
  client-side latency p50/p99; the same rows scored in this process by the bare
  model (``predict``: PD / probability / score only) and by the full library call
  the endpoint makes (``score_frame``: score + grade/decile/flag + reasons);
* batches: ``--batches`` POSTs of 1,000 rows, wall time and rows/s, against the
  same two in-process baselines on the same 1,000 rows.

Each loop stops early at ``--max-seconds``. Ratios = service time / in-process
time. CPU time per request (the server process's, from /proc) and per in-process
call is reported too: on a machine shared with other work, wall latencies include
waiting for a core, CPU time much less so. The process is stopped at the end. Writes ``benchmarks/results/serve_<stamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import httpx
import numpy as np
import pandas as pd

from riskinsights_lib import anomaly as an
from riskinsights_lib.serve.domain import frame_from_rows
from riskinsights_lib.serve.loading import load_from_run, resolve_run_folder

KEY = "bench-key-" + os.urandom(8).hex()
MODELS = ("default", "churn", "anomaly")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _json(v):
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating | float):
        return float(v)
    return v


def _real_rows(run: Path, served, n: int) -> dict[str, list[dict]]:
    """``n`` real request rows per model from the run's datamart (repeated if fewer)."""
    out = {}
    with duckdb.connect(str(run / "datamart.duckdb"), read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        frames = {
            "default": con.execute("SELECT * FROM mart_default WHERE snapshot_date = "
                                   "(SELECT max(snapshot_date) FROM mart_default)").df(),
            "churn": con.execute("SELECT * FROM mart_churn WHERE snapshot_date = "
                                 "(SELECT max(snapshot_date) FROM mart_churn)").df(),
        }  # fmt: skip
        an.materialise(con, an.derived_features_sql("mart_transaction_features"), "tx",
                       columns=[*an.CONTEXT_COLUMNS, *an.DETECTOR_FEATURES])  # fmt: skip
        frames["anomaly"] = con.execute(f"SELECT * FROM tx USING SAMPLE {n} ROWS").df()
    for model in MODELS:
        scorer = getattr(served, model)
        cols = [s.name for s in scorer.specs]
        frame = frames[model].sample(frac=1.0, random_state=0)
        frame = pd.concat([frame] * (n // len(frame) + 1)).head(n)
        out[model] = [{c: _json(v) for c, v in zip(cols, r, strict=True)}
                      for r in frame[cols].itertuples(index=False)]  # fmt: skip
    return out


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_ms_per_call(fn, items, max_seconds: float, pid: int | None = None) -> tuple[list, float]:
    """Wall times of each call, and CPU ms per call (of ``pid``, or of this process)."""
    before = _proc_cpu(pid) if pid else time.process_time()
    times = _time_calls(fn, items, max_seconds)
    after = _proc_cpu(pid) if pid else time.process_time()
    return times, (after - before) * 1000 / max(len(times), 1)


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000, q)) if xs else float("nan")


def _time_calls(fn, items, max_seconds: float) -> list[float]:
    times, stop = [], time.perf_counter() + max_seconds
    for item in items:
        t = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - t)
        if time.perf_counter() > stop:
            break
    return times


def _start(run: Path, port: int, keys_file: Path) -> subprocess.Popen:
    env = {**os.environ, "RISKINSIGHTS_API_KEYS_FILE": str(keys_file)}
    cmd = [sys.executable, "-m", "riskinsights_lib.serve", "--run-dir", str(run),
           "--port", str(port), "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the service stopped: {proc.stderr.read().decode()[-500:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the service did not answer /health within 180 s")


def _bench_model(client, scorer, model: str, rows: list[dict], args, server_pid: int) -> dict:
    specs = scorer.specs
    singles = rows[: args.requests]
    frames = [frame_from_rows([r], specs) for r in singles]
    scorer.score_frame(frames[0])  # warm the in-process path like the service's lifespan did

    def post_one(row):
        r = client.post(f"/v1/{model}/score", json=row)
        r.raise_for_status()

    api, api_cpu = _cpu_ms_per_call(post_one, singles, args.max_seconds, pid=server_pid)
    bare, bare_cpu = _cpu_ms_per_call(scorer.predict, frames, args.max_seconds)
    full, full_cpu = _cpu_ms_per_call(scorer.score_frame, frames, args.max_seconds)
    batch_rows = rows[:1000]
    batch_frame = frame_from_rows(batch_rows, specs)

    def post_batch(_):
        r = client.post(f"/v1/{model}/score/batch", json={"rows": batch_rows}, timeout=120)
        r.raise_for_status()

    n, cap = range(args.batches), args.max_seconds
    api_b, api_b_cpu = _cpu_ms_per_call(post_batch, n, cap, pid=server_pid)
    bare_b, bare_b_cpu = _cpu_ms_per_call(lambda _: scorer.predict(batch_frame), n, cap)
    full_b, full_b_cpu = _cpu_ms_per_call(lambda _: scorer.score_frame(batch_frame), n, cap)
    med = lambda xs: float(np.median(xs)) * 1000  # noqa: E731
    return {
        "model": model,
        "single_requests": len(api),
        "single_p50_ms": _pct(api, 50),
        "single_p99_ms": _pct(api, 99),
        "inproc_predict_p50_ms": _pct(bare, 50),
        "inproc_predict_p99_ms": _pct(bare, 99),
        "inproc_full_p50_ms": _pct(full, 50),
        "inproc_full_p99_ms": _pct(full, 99),
        "single_ratio_vs_predict_p50": _pct(api, 50) / _pct(bare, 50),
        "single_ratio_vs_full_p50": _pct(api, 50) / _pct(full, 50),
        "batch_requests": len(api_b),
        "batch_1000_median_ms": med(api_b),
        "batch_rows_per_s": 1000 / (med(api_b) / 1000),
        "inproc_batch_predict_ms": med(bare_b),
        "inproc_batch_full_ms": med(full_b),
        "batch_ratio_vs_predict": med(api_b) / med(bare_b),
        "batch_ratio_vs_full": med(api_b) / med(full_b),
        "single_server_cpu_ms": api_cpu,
        "single_inproc_predict_cpu_ms": bare_cpu,
        "single_inproc_full_cpu_ms": full_cpu,
        "batch_server_cpu_ms": api_b_cpu,
        "batch_inproc_predict_cpu_ms": bare_b_cpu,
        "batch_inproc_full_cpu_ms": full_b_cpu,
    }


def _table(results: list[dict]) -> str:
    lines = [
        "| model | single p50 / p99 ms (service) | in-process predict p50 / full p50 ms | "
        "overhead x (vs predict / vs full) | batch 1,000 ms (service) | rows/s | in-process "
        "predict / full ms | batch overhead x (vs predict / vs full) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['model']} | {r['single_p50_ms']:.1f} / {r['single_p99_ms']:.1f} | "
            f"{r['inproc_predict_p50_ms']:.1f} / {r['inproc_full_p50_ms']:.1f} | "
            f"{r['single_ratio_vs_predict_p50']:.1f} / {r['single_ratio_vs_full_p50']:.2f} | "
            f"{r['batch_1000_median_ms']:.0f} | {r['batch_rows_per_s']:,.0f} | "
            f"{r['inproc_batch_predict_ms']:.0f} / {r['inproc_batch_full_ms']:.0f} | "
            f"{r['batch_ratio_vs_predict']:.1f} / {r['batch_ratio_vs_full']:.2f} |"
        )
    lines += [
        "",
        "| model | CPU ms per single request: server / in-process predict / in-process full | "
        "CPU ms per 1,000-row batch: server / predict / full |",
        "|---|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['model']} | {r['single_server_cpu_ms']:.1f} / "
            f"{r['single_inproc_predict_cpu_ms']:.1f} / {r['single_inproc_full_cpu_ms']:.1f} | "
            f"{r['batch_server_cpu_ms']:.0f} / {r['batch_inproc_predict_cpu_ms']:.0f} / "
            f"{r['batch_inproc_full_cpu_ms']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", default=None, help="run folder (default outputs/latest)")
    parser.add_argument("--requests", type=int, default=300, help="single-row requests per model")
    parser.add_argument("--batches", type=int, default=10, help="1,000-row requests per model")
    parser.add_argument("--max-seconds", type=float, default=60, help="time cap of each loop")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # as the service runs
    run = resolve_run_folder(args.run_dir)
    served = load_from_run(run)
    rows = _real_rows(run, served, max(args.requests, 1000))
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp) / "keys"
        keys.write_text(KEY + "\n")
        port = _free_port()
        proc = _start(run, port, keys)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": KEY},
                              timeout=30) as client:  # fmt: skip
                results = [_bench_model(client, getattr(served, m), m, rows[m], args, proc.pid)
                           for m in MODELS]  # fmt: skip
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
    meta = {
        "run_dir": str(run),
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }
    out = Path(__file__).parent / "results" / f"serve_{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(_table(results))
    print(f"\nload average {load_before:.1f} -> {meta['load_average_after']:.1f} on "
          f"{meta['cpu_count']} cores; written {out}")  # fmt: skip


if __name__ == "__main__":
    main()
