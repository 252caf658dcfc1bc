"""The input domain of a served model: one :class:`FeatureSpec` per feature.

The API contract (strict pydantic models, OpenAPI ranges and examples) is built
from these specs, so it follows the model that is loaded, not a hand-kept list.
Specs come from the training data's domain:

* the run's datamart table the model was trained on (scorecard, churn): the
  column type (integer, number, boolean, text) and the observed min/max or the
  categories seen;
* the anomaly detector's saved fit-sample domain.

Accepted ranges widen the observed one by its own width on each side (a value
somewhat beyond the training range falls in the model's outer bin or leaf and
is legitimate), never below 0 for a feature that was never negative, and stay
[0, 1] for 0/1 flags. Missing values (JSON ``null``) are accepted for every
feature of these models: the scorecard has a missing bin per feature, XGBoost a
learned default direction, and the anomaly detector fills the fit median.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

__all__ = ["FeatureSpec", "specs_from_table", "specs_from_ranges", "widen"]

_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                  "UINTEGER", "UBIGINT")  # fmt: skip
_NUMBER_TYPES = ("FLOAT", "DOUBLE", "REAL", "DECIMAL")
_MAX_CATEGORIES = 200


@dataclass(frozen=True)
class FeatureSpec:
    """What one feature accepts: ``kind`` is number, integer, boolean or category."""

    name: str
    kind: str
    nullable: bool = True
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] = field(default_factory=tuple)
    example: Any = None
    description: str = ""


def widen(lo: float, hi: float, *, integer: bool = False) -> tuple[float, float]:
    """Accepted range around an observed ``[lo, hi]`` (see the module docstring)."""
    if integer and lo >= 0 and hi <= 1:
        return 0.0, 1.0
    span = hi - lo if hi > lo else max(1.0, abs(hi))
    low = 0.0 if lo >= 0 else lo - span
    high = hi + span
    if integer:
        low, high = float(math.floor(low)), float(math.ceil(high))
    return float(low), float(high)


def _kind(duck_type: str) -> str:
    t = duck_type.upper()
    if t.startswith(_INTEGER_TYPES):
        return "integer"
    if t.startswith(_NUMBER_TYPES):
        return "number"
    if t == "BOOLEAN":
        return "boolean"
    return "category"


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def specs_from_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    features: Sequence[str],
    *,
    where: str | None = None,
    text_features: Sequence[str] = (),
) -> list[FeatureSpec]:
    """Feature specs from a datamart table (types, observed ranges, categories).

    ``text_features`` are features the model treats as categories whatever
    their column type (e.g. a code stored as a number).
    """
    cols = ", ".join(_quote(f) for f in features)
    source = f"(SELECT {cols} FROM {_quote(table)}{f' WHERE {where}' if where else ''})"
    types = {row[0]: row[1] for row in con.execute(f"DESCRIBE {source}").fetchall()}
    specs = []
    for f in features:
        kind = "category" if f in text_features else _kind(types[f])
        q = _quote(f)
        if kind in {"integer", "number"}:
            finite = f"isfinite({q})" if kind == "number" else f"{q} IS NOT NULL"
            lo, hi, med = con.execute(
                f"SELECT min({q}), max({q}), median({q}) FROM {source} WHERE {finite}"
            ).fetchone()
            specs.append(_numeric_spec(f, kind, lo, hi, med))
        elif kind == "boolean":
            mode = con.execute(f"SELECT mode({q}) FROM {source}").fetchone()[0]
            specs.append(
                FeatureSpec(f, "boolean", example=bool(mode) if mode is not None else False)
            )
        else:
            rows = con.execute(
                f"SELECT CAST({q} AS VARCHAR) AS v, count(*) AS n FROM {source} "
                f"WHERE {q} IS NOT NULL GROUP BY 1 ORDER BY n DESC, v LIMIT {_MAX_CATEGORIES + 1}"
            ).fetchall()
            cats = tuple(sorted(str(r[0]) for r in rows))
            if len(rows) > _MAX_CATEGORIES:  # too many to list: free text, bounded length
                cats = ()
            specs.append(
                FeatureSpec(f, "category", categories=cats, example=rows[0][0] if rows else None)
            )
    return specs


def _numeric_spec(name: str, kind: str, lo: Any, hi: Any, med: Any) -> FeatureSpec:
    integer = kind == "integer"
    if lo is None or hi is None:
        return FeatureSpec(name, kind, example=0 if integer else 0.0)
    low, high = widen(float(lo), float(hi), integer=integer)
    example = round(float(med)) if integer else round(float(med), 4)
    return FeatureSpec(name, kind, minimum=low, maximum=high, example=example)


def specs_from_ranges(
    ranges: Mapping[str, Mapping[str, Any]], features: Sequence[str]
) -> list[FeatureSpec]:
    """Feature specs of numeric features from saved ranges (``min``, ``max``, ``median``, ``binary``)."""
    specs = []
    for f in features:
        r = ranges.get(f)
        if not r:
            specs.append(FeatureSpec(f, "number", example=0.0))
            continue
        if r.get("binary"):
            specs.append(
                FeatureSpec(
                    f, "number", minimum=0.0, maximum=1.0, example=float(r.get("median", 0.0))
                )
            )
            continue
        specs.append(_numeric_spec(f, "number", r.get("min"), r.get("max"), r.get("median", 0.0)))
    return specs


def frame_from_rows(
    rows: Sequence[Mapping[str, Any]], specs: Sequence[FeatureSpec]
) -> pd.DataFrame:
    """A DataFrame of validated rows with the dtypes the models were trained on.

    Integers and numbers become float columns (``NaN`` for missing), booleans an
    object column of True/False/None (as the marts hand them to the models),
    categories text with None for missing.
    """
    data: dict[str, Any] = {}
    for s in specs:
        values = [r.get(s.name) for r in rows]
        if s.kind in {"integer", "number"}:
            data[s.name] = pd.Series(
                [math.nan if v is None else float(v) for v in values], dtype=float
            )
        elif s.kind == "boolean":
            data[s.name] = (
                pd.Series(values, dtype=bool)
                if None not in values
                else pd.Series(values, dtype=object)
            )
        else:
            data[s.name] = pd.Series(values, dtype=object)
    return pd.DataFrame(data)
