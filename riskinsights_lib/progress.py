"""What the console shows while a notebook runs: a heartbeat, and no kernel transport noise.

* :func:`heartbeat` prints a line at least every 30 seconds while papermill runs
  a notebook: the section being executed and the elapsed time, read from the
  output notebook papermill saves as each cell starts and ends.
* :class:`IPCKernelManager` starts the notebook kernels over local IPC sockets
  in a private temporary folder instead of TCP on 127.0.0.1: no port is opened,
  and ipykernel has no reason to warn that "Kernel is running over TCP without
  encryption" (the warning is silenced at its source, not filtered).
  :func:`kernel_options` gives papermill the keyword arguments that select it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

__all__ = ["IPCKernelManager", "kernel_options", "current_section", "heartbeat"]

#: Seconds between two heartbeat lines (the promise is "at least every 30 s").
INTERVAL = 25.0


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels listen on IPC sockets in a private temporary folder."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._socket_dir = tempfile.mkdtemp(prefix="riskinsights-kernel-")
        self.transport = "ipc"
        self.ip = str(Path(self._socket_dir) / "kernel")

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._socket_dir, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources


def kernel_options() -> dict[str, Any]:
    """Keyword arguments for ``papermill.execute_notebook`` that start the kernel over IPC."""
    return {"kernel_manager_class": IPCKernelManager}


def current_section(notebook_path: Path) -> tuple[str, int, int] | None:
    """(section heading, running cell number, code cells) of a notebook papermill is executing.

    None when the file cannot be read yet (papermill has not saved it, or is writing it).
    """
    try:
        nb = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    section, code_cells, running, running_section = "Setup", 0, 0, None
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = "".join(cell.get("source", []))
            heading = next((ln for ln in source.splitlines() if ln.startswith(("# ", "## "))), None)
            if heading:
                section = heading.lstrip("#").strip()
        elif cell.get("cell_type") == "code":
            code_cells += 1
            status = cell.get("metadata", {}).get("papermill", {}).get("status")
            if status == "running" and running_section is None:
                running, running_section = code_cells, section
    if running_section is None:
        return None
    return running_section, running, code_cells


def _shorten(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@contextmanager
def heartbeat(
    name: str,
    output_notebook: str | Path,
    *,
    interval: float = INTERVAL,
    say: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Print ``name``'s current section and elapsed time every ``interval`` s until the block ends."""
    emit = say or (lambda line: print(line, file=sys.stdout, flush=True))
    stop = threading.Event()
    start = time.perf_counter()

    def beat() -> None:
        while not stop.wait(interval):
            elapsed = dt.timedelta(seconds=round(time.perf_counter() - start))
            where = current_section(Path(output_notebook))
            place = (
                f'section "{_shorten(where[0])}" (cell {where[1]} of {where[2]})'
                if where
                else "starting"
            )
            emit(f"  ... {name}: {place}, elapsed {elapsed}")

    thread = threading.Thread(target=beat, name=f"heartbeat-{name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=2)
