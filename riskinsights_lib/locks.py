"""One runner per run folder: an advisory lock that names its holder.

The lock is an ``flock`` on ``<run>/.lock``: the kernel releases it when the
holding process ends, however it ends (``kill -9`` included), so a lock is
never stale. The file holds the holder's pid, host and start time so that a
second runner can say who is in the way.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
from pathlib import Path

__all__ = ["LOCK_FILE", "RunLocked", "RunLock", "is_locked"]

LOCK_FILE = ".lock"


class RunLocked(RuntimeError):
    """Another live process holds the run folder; the message is one line naming it."""


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    pid, started = info.get("pid", "?"), info.get("started", "?")
    host = info.get("host")
    where = f" on {host}" if host and host != socket.gethostname() else ""
    return f"pid {pid}{where}, started {started}"


class RunLock:
    """Exclusive lock on one run folder, held from :meth:`acquire` to :meth:`release`.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with RunLock(folder) as lock:
    ...     is_locked(folder)
    True
    >>> is_locked(folder)
    False
    """

    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        """Take the lock or raise :class:`RunLocked` at once (never waits)."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunLocked(
                f"{self.path.parent}: in use by another runner ({_holder(self.path)}); "
                "wait for it to finish or choose another run folder"
            ) from None
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": dt.datetime.now().isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Give the lock up (the file stays; it is harmless without a holder)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_locked(run_dir: Path) -> bool:
    """True while a live process holds ``run_dir``'s lock."""
    path = Path(run_dir) / LOCK_FILE
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
