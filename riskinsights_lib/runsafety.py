"""What keeps a run safe when things go wrong: signals, orphans, stale runs, full disks, modes.

- :func:`private_files` sets the umask so that everything a run writes (the
  runner, its workers and their kernels inherit it) is readable by its owner
  only: folders 0700, files 0600.
- :func:`stop_on_signals` turns SIGTERM (and SIGHUP) into the same clean stop
  as Ctrl-C.
- :func:`worker_init` makes a pool worker die with the runner, also when the
  runner is killed with ``kill -9`` (Linux parent-death signal plus a watcher
  thread); kernels already poll their parent (ipykernel's ``JPY_PARENT_PID``).
- :func:`mark_stale_runs` marks runs left ``running`` by a runner that no
  longer exists as ``interrupted``.
- :func:`disk_full` turns "no space left" into one line naming the path.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from riskinsights_lib.locks import is_locked
from riskinsights_lib.manifest import read_run, write_run

__all__ = [
    "private_files",
    "make_private_dir",
    "stop_on_signals",
    "worker_init",
    "terminate_pool",
    "mark_stale_runs",
    "mark_interrupted",
    "disk_full",
]

_PR_SET_PDEATHSIG = 1
STALE_REASON = "its runner stopped without finishing (killed, or the machine went down)"


def private_files() -> int:
    """Set the process umask to 077 (owner-only files and folders); return the old one."""
    return os.umask(0o077)


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by its owner only."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def stop_on_signals() -> Callable[[], None]:
    """Raise :class:`KeyboardInterrupt` on SIGTERM and SIGHUP, as Ctrl-C does; return an undo."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:  # portable fallback, and the case where the parent died before prctl
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="riskinsights-parent-watch", daemon=True).start()


def worker_init(parent: int) -> None:
    """Initialiser of the runner's pool workers: owner-only files, die with ``parent``.

    SIGINT is ignored in workers (the runner decides how a Ctrl-C ends the
    run); SIGTERM from the runner ends them at once.
    """
    private_files()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)


def terminate_pool(pool: Any) -> list[int]:
    """Stop a ``ProcessPoolExecutor``'s workers now (running notebooks included); return their pids."""
    processes = list(getattr(pool, "_processes", {}).values())
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
    return [p.pid for p in processes]


def mark_interrupted(run: dict[str, Any], *, reason: str) -> dict[str, Any]:
    """Mark a run mapping and its unfinished notebooks ``interrupted``."""
    run["status"] = "interrupted"
    run["interrupted"] = reason
    run["finished"] = run.get("finished") or dt.datetime.now().isoformat(timespec="seconds")
    for nb in run.get("notebooks", []):
        if nb.get("status") in ("running", "pending"):
            nb["status"] = "interrupted"
    return run


def mark_stale_runs(folders: list[Path]) -> list[Path]:
    """Mark as ``interrupted`` every run among ``folders`` left ``running`` with no live runner."""
    marked = []
    for folder in folders:
        try:
            run = read_run(folder)
        except (OSError, ValueError):
            continue
        if run.get("status") != "running" or is_locked(folder):
            continue
        write_run(folder, mark_interrupted(run, reason=STALE_REASON))
        marked.append(folder)
    return marked


def disk_full(exc: BaseException, where: str | Path = "the run folder") -> str | None:
    """One line naming the path when ``exc`` (or its cause) is a full disk or quota, else None.

    The path is the file the error names, else ``where``.
    """
    seen = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            where = seen.filename or where
            return f"disk full while writing {where}: free some space and run again"
        seen = seen.__cause__ or seen.__context__
    return None
