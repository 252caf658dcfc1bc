"""Deployable scorecard: a DuckDB SQL ``CASE`` expression and a JSON document.

Both apply the bin rule of :mod:`.binning` and the points of the fitted card,
so that scoring inside the database equals :meth:`Scorecard.score`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from riskinsights_lib.scorecard.grades import MasterScale
    from riskinsights_lib.scorecard.model import Scorecard

__all__ = [
    "quote_identifier",
    "feature_case_sql",
    "score_expression_sql",
    "scorecard_sql",
    "scorecard_json",
]


def quote_identifier(name: str) -> str:
    """Double-quoted SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def _literal(value: float) -> str:
    return repr(float(value))


def _text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def feature_case_sql(card: Scorecard, feature: str) -> str:
    """``CASE`` expression giving the points of ``feature`` for each row."""
    fb = card.binnings[feature]
    pts = card.bin_points(feature)
    col = quote_identifier(feature)
    lines = ["CASE"]
    if fb.kind == "numerical":
        num = f"TRY_CAST({col} AS DOUBLE)"
        lines.append(f"  WHEN {num} IS NULL OR isnan({num}) THEN {_literal(pts[fb.missing_index])}")
        for i, split in enumerate(fb.splits):
            lines.append(f"  WHEN {num} < {_literal(split)} THEN {_literal(pts[i])}")
        lines.append(f"  ELSE {_literal(pts[len(fb.splits)])}")
    else:
        txt = f"CAST({col} AS VARCHAR)"
        lines.append(f"  WHEN {col} IS NULL THEN {_literal(pts[fb.missing_index])}")
        for i, group in enumerate(fb.groups):
            lines.append(
                f"  WHEN {txt} IN ({', '.join(_text(c) for c in group)}) THEN {_literal(pts[i])}"
            )
        lines.append(f"  ELSE {_literal(pts[fb.other_index])}")
    lines.append("END")
    return "\n".join(lines)


def score_expression_sql(card: Scorecard) -> str:
    """SQL expression of the score: the sum of the features' points."""
    return "\n+ ".join(f"({feature_case_sql(card, f)})" for f in card.features)


def scorecard_sql(
    card: Scorecard,
    table: str,
    *,
    keep: list[str] | None = None,
    master_scale: MasterScale | None = None,
) -> str:
    """A DuckDB ``SELECT`` that scores every row of ``table``.

    Returns the ``keep`` columns (default: all), ``score``, ``pd`` and, with a
    ``master_scale``, ``grade``.
    """
    if not table:
        raise ValueError("table: expected a table name or a parenthesised query")
    cols = "*, " if keep is None else "".join(f"{quote_identifier(c)}, " for c in keep)
    s = card.scaling
    pd_sql = f"1.0 / (1.0 + exp(-(({_literal(s.offset)} - score) / {_literal(s.factor)})))"
    grade_sql = ""
    if master_scale is not None:
        whens = " ".join(
            f"WHEN pd < {_literal(b)} THEN {_text(g)}"
            for b, g in zip(master_scale.boundaries, master_scale.labels[:-1], strict=True)
        )
        grade_sql = f",\n  CASE {whens} ELSE {_text(master_scale.labels[-1])} END AS grade"
    return (
        f"WITH scored AS (\n  SELECT {cols}\n  {score_expression_sql(card)} AS score\n  FROM {table}\n),\n"
        f"with_pd AS (SELECT *, {pd_sql} AS pd FROM scored)\n"
        f"SELECT *{grade_sql}\nFROM with_pd"
    )


def scorecard_json(card: Scorecard) -> str:
    """The scorecard as a self-contained JSON document (bins, WoE, points, scaling)."""
    features = []
    for f in card.features:
        fb = card.binnings[f]
        pts = card.bin_points(f)
        bins = []
        for i, label in enumerate(fb.labels):
            entry = {"index": i, "label": label, "woe": fb.woe[i], "points": float(pts[i])}
            if i == fb.missing_index:
                entry["missing"] = True
            elif fb.kind == "numerical":
                entry["lower"] = fb.splits[i - 1] if i > 0 else None
                entry["upper"] = fb.splits[i] if i < len(fb.splits) else None
            elif i == fb.other_index:
                entry["unseen"] = True
            else:
                entry["categories"] = fb.groups[i]
            bins.append(entry)
        features.append({"name": f, "kind": fb.kind, "coef": card.coef[f], "bins": bins})
    doc = {
        "format": "riskinsights-scorecard/1",
        "target": card.target,
        "convention": "score = sum of points; logit(PD) = (offset - score) / factor; "
        "numerical bins [lower, upper); missing and unseen values have their own points",
        "scaling": {
            "pdo": card.scaling.pdo,
            "base_score": card.scaling.base_score,
            "base_odds": card.scaling.base_odds,
            "factor": float(card.scaling.factor),
            "offset": float(card.scaling.offset),
        },
        "intercept": card.intercept,
        "features": features,
    }
    return json.dumps(
        doc,
        indent=2,
        allow_nan=False,
        default=lambda v: float(v) if isinstance(v, np.floating) else str(v),
    )
