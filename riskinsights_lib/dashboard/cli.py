"""``riskinsights dashboard``: serve a run's anomaly explorer with Voilà on localhost.

Settings come from flags (``--help`` lists them) and the environment
(``RISKINSIGHTS_OUTPUTS`` moves the outputs root). The server listens on
127.0.0.1 only, keeps the app's code hidden, refuses to run code sent by the
browser (Voilà's default), and starts its kernels over IPC sockets in a
private folder (no TCP port besides the web server's). ``MPLBACKEND`` is
removed from the kernels' environment: with ``Agg`` forced, matplotlib
charts would not show in the widget outputs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from riskinsights_lib.dashboard.data import APP_NOTEBOOK, RUN_ENV, load_explorer
from riskinsights_lib.paths import outputs_root

__all__ = ["main", "build_parser", "voila_argv"]

DEFAULT_PORT = 8866
#: Jupyter data folder of the package: the "riskinsights" Voila template (no CDN style sheets)
SHARE = Path(__file__).with_name("share")


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface of ``riskinsights dashboard``."""
    parser = argparse.ArgumentParser(
        prog="riskinsights dashboard",
        description="Serve the anomaly explorer of a run as a web app (Voila) on 127.0.0.1.",
    )
    parser.add_argument(
        "--run-dir",
        default=None,
        help="run folder to explore (default: <outputs>/latest; RISKINSIGHTS_OUTPUTS moves <outputs>)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    return parser


def voila_argv(port: int, socket_dir: str) -> list[str]:
    """Voilà's arguments: the app notebook on 127.0.0.1:``port``, kernels over IPC."""
    return [
        str(APP_NOTEBOOK),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--no-browser",
        "--theme=light",
        "--template=riskinsights",
        "--strip_sources=True",
        "--KernelManager.transport=ipc",
        f"--KernelManager.ip={Path(socket_dir) / 'kernel'}",
    ]


def _run_dir(value: str | None) -> Path:
    path = Path(value).expanduser() if value else outputs_root() / "latest"
    return path.resolve()


def main(argv: list[str] | None = None) -> int:
    """Start the dashboard and serve until interrupted; exit 2 on a run it cannot show."""
    args = build_parser().parse_args(argv)
    if not 1 <= args.port <= 65535:
        print(f"riskinsights dashboard: --port: expected 1-65535, got {args.port}", file=sys.stderr)
        return 2
    run_dir = _run_dir(args.run_dir)
    try:
        inputs = load_explorer(run_dir)
    except FileNotFoundError as exc:
        print(f"riskinsights dashboard: {exc}", file=sys.stderr)
        return 2
    os.environ[RUN_ENV] = str(run_dir)
    os.environ.pop("MPLBACKEND", None)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(SHARE), os.environ.get("JUPYTER_PATH", "")) if p
    )
    from voila.app import Voila

    with tempfile.TemporaryDirectory(prefix="riskinsights-voila-") as sockets:
        print(
            f"riskinsights dashboard: run {run_dir.name} ({len(inputs.rows):,} scored transactions) "
            f"at http://127.0.0.1:{args.port}/ (Ctrl-C stops it)",
            flush=True,
        )
        Voila.launch_instance(argv=voila_argv(args.port, sockets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
