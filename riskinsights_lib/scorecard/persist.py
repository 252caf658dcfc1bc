"""Saving and loading a scorecard: JSON by default, pickle only for files you trust.

The JSON document (:func:`riskinsights_lib.scorecard.deploy.scorecard_json`)
holds everything scoring needs (bins, WoE, coefficients, intercept, scaling)
and loading it runs no code, so it is the format to exchange and to load.
A joblib file is a pickle: loading one can run any code its author put in it.
:func:`load_scorecard` therefore refuses it unless ``trusted=True``, and even
then checks it against the SHA-256 digest written beside it at save time
before unpickling (this catches a corrupted or swapped file, not an author
who also rewrote the digest: load only pickles you made yourself).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from riskinsights_lib.scorecard.binning import FeatureBinning
from riskinsights_lib.scorecard.points import Scaling

if TYPE_CHECKING:
    from riskinsights_lib.scorecard.model import Scorecard

__all__ = ["FORMAT", "scorecard_from_json", "save_scorecard", "load_scorecard"]

FORMAT = "riskinsights-scorecard/1"
_DIGEST = ".sha256"


def _binning(doc: dict) -> FeatureBinning:
    bins = sorted(doc["bins"], key=lambda b: b["index"])
    regular = [b for b in bins if not b.get("missing") and not b.get("unseen")]
    kind = doc["kind"]
    return FeatureBinning(
        name=doc["name"],
        kind=kind,
        splits=[float(b["upper"]) for b in regular if b.get("upper") is not None]
        if kind == "numerical"
        else [],
        groups=[list(b["categories"]) for b in regular] if kind == "categorical" else [],
        woe=[float(b["woe"]) for b in bins],
        labels=[str(b["label"]) for b in bins],
    )


def scorecard_from_json(text: str, *, source: str = "scorecard JSON") -> Scorecard:
    """Rebuild a scorecard from :meth:`Scorecard.to_json` text; it scores identically.

    Fitting-time tables (selection, coefficients' Wald table, binning tables)
    are not part of the JSON and come back empty.
    """
    from riskinsights_lib.scorecard.model import Scorecard

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source}: not JSON (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{source}: expected a document with format {FORMAT!r}")
    try:
        features = [f["name"] for f in doc["features"]]
        scaling = doc["scaling"]
        return Scorecard(
            target=doc["target"],
            features=features,
            binnings={f["name"]: _binning(f) for f in doc["features"]},
            coef={f["name"]: float(f["coef"]) for f in doc["features"]},
            intercept=float(doc["intercept"]),
            scaling=Scaling(scaling["pdo"], scaling["base_score"], scaling["base_odds"]),
            selection=pd.DataFrame(columns=["feature", "strength", "kept", "reason"]),
            coefficients=pd.DataFrame(columns=["term", "coef", "std_error", "z", "p_value"]),
            candidates=features,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(
            f"{source}: malformed scorecard document ({type(exc).__name__}: {exc})"
        ) from None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_scorecard(card: Scorecard, path: str | os.PathLike) -> Path:
    """Write ``card`` to ``path``: JSON for ``.json``, else joblib plus a ``.sha256`` digest."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".json":
        path.write_text(card.to_json(), encoding="utf-8")
        return path
    import joblib

    joblib.dump(card, path)
    Path(f"{path}{_DIGEST}").write_text(_sha256(path) + "\n", encoding="utf-8")
    return path


def load_scorecard(path: str | os.PathLike, *, trusted: bool = False) -> Scorecard:
    """Read a scorecard: JSON safely; a joblib pickle only with ``trusted=True`` and a matching digest."""
    from riskinsights_lib.scorecard.model import Scorecard

    path = Path(path)
    if path.suffix == ".json":
        return scorecard_from_json(path.read_text(encoding="utf-8"), source=str(path))
    if not trusted:
        raise ValueError(
            f"path: {path} is a pickle (joblib): loading it can run code. Load the scorecard's "
            "JSON instead, or pass trusted=True for a file you wrote yourself"
        )
    digest = Path(f"{path}{_DIGEST}")
    if not digest.is_file():
        raise ValueError(f"path: {path} has no {digest.name} beside it; not unpickling it")
    if digest.read_text(encoding="utf-8").strip() != _sha256(path):
        raise ValueError(f"path: {path} does not match its {digest.name}; not unpickling it")
    import joblib

    obj = joblib.load(path)
    if not isinstance(obj, Scorecard):
        raise ValueError(f"path: {path} does not hold a Scorecard (got {type(obj).__name__})")
    return obj
