"""``riskinsights``: one entry point for the project's commands.

``riskinsights run ...`` is ``python run_all.py ...``; ``riskinsights serve`` starts the
scoring API; ``riskinsights dashboard`` serves the anomaly explorer. Each subcommand lives in
the module named in :data:`COMMANDS` and is imported only when called, so a missing optional
extra (``serve``, ``dashboard``) only affects its own command.
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["main", "COMMANDS"]

#: subcommand -> (module with a ``main(argv) -> int``, one-line help, extra that provides it)
COMMANDS: dict[str, tuple[str, str, str | None]] = {
    "run": (
        "riskinsights_lib.runner",
        "run the numbered notebooks into a dated report folder",
        None,
    ),
    "serve": ("riskinsights_lib.serve.cli", "start the scoring API (FastAPI + uvicorn)", "serve"),
    "dashboard": (
        "riskinsights_lib.dashboard.cli",
        "serve the anomaly explorer (Voila)",
        "dashboard",
    ),
}


def _usage() -> str:
    lines = [
        "usage: riskinsights COMMAND [options]   (riskinsights COMMAND --help for its options)",
        "",
    ]
    lines += [f"  {name:<10} {help_}" for name, (_, help_, _) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Dispatch to a subcommand; exit 2 with the usage on an unknown one."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        print(_usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"riskinsights: unknown command {name!r}\n{_usage()}", file=sys.stderr)
        return 2
    module_name, _, extra = COMMANDS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        hint = f' (install it with: pip install -e ".[{extra}]")' if extra else ""
        print(f"riskinsights {name}: missing package {exc.name}{hint}", file=sys.stderr)
        return 2
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
