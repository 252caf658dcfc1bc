"""A bank's own extracts as a run's raw layer, and who owns a run's ``raw/`` folder.

``python run_all.py --extracts DIR`` copies the files of ``DIR`` (laid out as
``docs/data_contract.md`` describes, CSV or Parquet) into the ``raw/`` folder
of a new run, records where they came from in ``<run>/.raw_origin.json`` and
starts at 02. The marker also protects the bank's files: the generator (01)
writes only into a ``raw/`` folder it created itself (:func:`claim_raw`).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

__all__ = [
    "ORIGIN_FILE",
    "SYNTHETIC",
    "EXTRACTS",
    "GENERATOR_SECTION",
    "RawNotOurs",
    "raw_origin",
    "is_synthetic",
    "claim_raw",
    "import_extracts",
]

ORIGIN_FILE = ".raw_origin.json"
SYNTHETIC, EXTRACTS = "synthetic", "extracts"
#: The parameter section of the notebook that generates the synthetic bank.
GENERATOR_SECTION = "generate_data"


class RawNotOurs(ValueError):
    """The generator was pointed at a ``raw/`` folder it did not create; one-line message."""


def raw_origin(run_dir: Path) -> dict[str, Any]:
    """The run's origin marker (``{}`` when there is none)."""
    path = Path(run_dir) / ORIGIN_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def is_synthetic(run_dir: Path) -> bool:
    """True when ``raw/`` was made by the generator (by its marker, or a pre-marker run with truth)."""
    origin = raw_origin(run_dir).get("origin")
    if origin:
        return origin == SYNTHETIC
    return (Path(run_dir) / "truth").is_dir()


def _write_origin(run_dir: Path, info: dict[str, Any]) -> None:
    path = Path(run_dir) / ORIGIN_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
    tmp.replace(path)


def claim_raw(run_dir: Path, *, check_only: bool = False) -> None:
    """Let the generator write ``<run>/raw/``: only if it does not exist or the generator made it.

    Raises :class:`RawNotOurs` (nothing written) when ``raw/`` holds files the
    generator did not create, such as a bank's own extracts. Otherwise marks
    the run as synthetic, unless ``check_only``.
    """
    run_dir = Path(run_dir)
    raw = run_dir / "raw"
    origin = raw_origin(run_dir).get("origin")
    if origin == SYNTHETIC or (origin is None and (run_dir / "truth").is_dir()):
        return
    if origin is not None or (raw.exists() and any(raw.iterdir())):
        raise RawNotOurs(
            f"{raw}: holds files the generator did not create ({origin or 'no origin marker'}); "
            "01_generate_data never overwrites them: generate into a new run folder"
        )
    if check_only:
        return
    run_dir.mkdir(parents=True, exist_ok=True)
    _write_origin(run_dir, {"origin": SYNTHETIC})  # no timestamp: same seed, same files


def _files(source: Path) -> list[Path]:
    return sorted(
        p
        for p in source.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(source).parts)
    )


def import_extracts(source: Path, run_dir: Path) -> dict[str, Any]:
    """Copy the extracts of ``source`` into ``<run_dir>/raw/`` and mark the run as own extracts.

    Files keep their relative paths (``transactions/part-0001.csv``); hidden
    files are skipped. Copies are new files (owner-only under the runner's
    umask), so the bank's originals are never touched. Returns the marker.
    """
    source = Path(source).expanduser().resolve()
    if not source.is_dir():
        raise ValueError(f"--extracts: {source} is not a folder of extract files")
    files = _files(source)
    if not files:
        raise ValueError(f"--extracts: {source} holds no extract files")
    if (source / "truth").is_dir() or (source / "raw").is_dir():
        raise ValueError(
            f"--extracts: {source} looks like a run folder; give its raw/ folder instead"
        )
    info = {
        "origin": EXTRACTS,
        "source": str(source),
        "files": len(files),
        "imported": dt.datetime.now().isoformat(timespec="seconds"),
    }
    _write_origin(run_dir, info)  # first: a half-copied raw/ is still marked as not the generator's
    raw = Path(run_dir) / "raw"
    for file in files:
        target = raw / file.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.part")
        try:
            shutil.copyfile(file, tmp)
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
    return info
