"""What MLflow adds to an install: bytes of mlflow-skinny vs full mlflow on top of the core.

Reads the installed files of the current environment (``importlib.metadata``
RECORD sizes), so run it in an environment that has the project and full
``mlflow`` installed. For each option it sums the packages that the option
pulls in (transitively) and that the core dependencies of ``riskinsights``
do not already bring::

    python benchmarks/bench_tracking_install.py
"""

from __future__ import annotations

import importlib.metadata as md
import re

OPTIONS = {
    "mlflow-skinny + sqlalchemy + alembic (embedded SQLite store, no UI)": [
        "mlflow-skinny",
        "sqlalchemy",
        "alembic",
    ],
    "mlflow (full: UI, server, SQL stores)": ["mlflow"],
}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requires(name: str) -> list[str]:
    try:
        reqs = md.requires(name) or []
    except md.PackageNotFoundError:
        return []
    out = []
    for req in reqs:
        if "extra ==" in req:
            continue
        out.append(_norm(re.split(r"[ ;<>=!~\[(]", req, maxsplit=1)[0]))
    return out


def closure(roots: list[str]) -> set[str]:
    """The installed packages that ``roots`` need, themselves included."""
    seen: set[str] = set()
    todo = [_norm(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            md.distribution(name)
        except md.PackageNotFoundError:
            continue
        seen.add(name)
        todo.extend(_requires(name))
    return seen


def installed_bytes(name: str) -> int:
    """Bytes of one installed distribution's files."""
    files = md.distribution(name).files or []
    return sum(f.size or 0 for f in files)


def main() -> None:
    core = closure(_requires("riskinsights"))
    print(
        f"core closure of riskinsights: {len(core)} packages, "
        f"{sum(map(installed_bytes, core)) / 1e6:,.0f} MB"
    )
    for label, roots in OPTIONS.items():
        extra = sorted(closure(roots) - core)
        size = sum(map(installed_bytes, extra))
        print(f"{label}: +{len(extra)} packages, +{size / 1e6:,.1f} MB on top of the core")
        big = sorted(extra, key=installed_bytes, reverse=True)[:6]
        print("   largest: " + ", ".join(f"{n} {installed_bytes(n) / 1e6:.1f} MB" for n in big))


if __name__ == "__main__":
    main()
