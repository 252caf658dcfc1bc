"""Why a transaction was flagged: per-feature contributions and reasons in words.

Method (feature ablation). For a row ``x`` and each feature ``j``, the
contribution is ``score(x) - score(x with x_j set to its typical value)``,
the typical value being the fit sample's median. A positive contribution is
how much less unusual the row would look if that one feature were ordinary.
It works for every detector in this package (forest, ECOD, LOF, rule), needs
``n_features`` extra scorings per explained row (cheap for a review queue of a
few hundred rows) and, because the mart's features are measured against the
customer's own history (ratio to the customer's median amount, first time in
a country, ...), the top contributions name how the transaction departs from
the customer's own norm. Interactions are not split: two features that are
unusual only together share the credit unevenly, so read the reasons as "the
features to look at first", not as an additive decomposition.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Phrase", "feature_contributions", "explain_rows", "describe_feature"]

#: Rows scored per call when explaining (the rows and their ablated copies, stacked).
_STACKED_ROWS = 50_000

#: A phrase maker: (value, reference, row) -> words, or a format string with
#: ``{value}`` and ``{ref}`` fields.
Phrase = Callable[[float, float, pd.Series], str] | str


def feature_contributions(detector: Any, X: pd.DataFrame) -> pd.DataFrame:
    """Ablation contribution of every feature to every row's score.

    Returns a DataFrame indexed like ``X`` with one column per feature of the
    detector: ``score(x) - score(x with that feature at its fit median)``.
    """
    m = detector._matrix(X)
    n, d = m.shape
    out = np.empty_like(m)
    step = max(1, _STACKED_ROWS // (d + 1))
    for start in range(0, n, step):  # one scoring call per chunk: the row, then each ablation
        block = m[start : start + step]
        stacked = np.repeat(block[None, :, :], d + 1, axis=0)
        for j, ref in enumerate(detector.fill_values_):
            stacked[j + 1, :, j] = ref
        scores = detector._score_matrix(stacked.reshape(-1, d)).reshape(d + 1, len(block))
        out[start : start + step] = (scores[0][None, :] - scores[1:]).T
    return pd.DataFrame(out, index=X.index, columns=detector.feature_names_)


def describe_feature(
    feature: str,
    value: float,
    ref: float,
    row: pd.Series,
    phrases: Mapping[str, Phrase] | None = None,
) -> str:
    """Words for one feature's value, from ``phrases`` or a generic ``name = value (typical ref)``."""
    phrase = (phrases or {}).get(feature)
    try:
        if callable(phrase):
            return phrase(value, ref, row)
        if isinstance(phrase, str):
            return phrase.format(value=value, ref=ref)
    except (TypeError, ValueError):  # e.g. a missing value the phrase cannot word
        pass
    if pd.isna(value):
        return f"{feature.replace('_', ' ')} missing"
    return f"{feature.replace('_', ' ')} = {value:,.3g} (typical {ref:,.3g})"


def explain_rows(
    detector: Any,
    X: pd.DataFrame,
    *,
    n: int = 3,
    phrases: Mapping[str, Phrase] | None = None,
    groups: Mapping[str, str] | None = None,
    min_contribution: float = 0.0,
) -> pd.DataFrame:
    """Top ``n`` reasons per row of ``X``, ranked by ablation contribution.

    ``X`` holds the detector's features and may hold context columns (e.g.
    ``ts``) that phrase makers read. Only features with a contribution above
    ``min_contribution`` become reasons. ``groups`` maps features that say the
    same thing (e.g. two velocity counts) to a group name; only the strongest
    feature of a group is reported, so the ``n`` reasons are distinct.

    Returns
    -------
    DataFrame indexed like ``X``: ``score``, then ``feature_i``,
    ``contribution_i`` and ``reason_i`` for i = 1..n, and ``reasons`` (the
    reasons joined with "; ").
    """
    if int(n) < 1:
        raise ValueError(f"n: expected at least 1 reason per row, got {n}")
    names = detector.feature_names_
    n = min(int(n), len(names))
    group_of = {f: (groups or {}).get(f, f) for f in names}
    contrib = feature_contributions(detector, X)
    scores = detector.score(X)
    refs = dict(zip(names, detector.fill_values_, strict=True))
    cvals = contrib.to_numpy()
    order = np.argsort(-cvals, axis=1, kind="stable")
    records = []
    for i, (_, row) in enumerate(X.iterrows()):
        rec: dict[str, Any] = {"score": scores[i]}
        picked: list[int] = []
        seen: set[str] = set()
        for j in order[i]:
            if len(picked) == n or cvals[i, j] <= min_contribution:
                break
            if group_of[names[j]] not in seen:
                seen.add(group_of[names[j]])
                picked.append(j)
        words = []
        for r in range(n):
            if r < len(picked):
                j = picked[r]
                feat = names[j]
                reason = describe_feature(feat, row[feat], refs[feat], row, phrases)
                rec[f"feature_{r + 1}"], rec[f"contribution_{r + 1}"] = feat, float(cvals[i, j])
                words.append(reason)
            else:
                reason = None
                rec[f"feature_{r + 1}"], rec[f"contribution_{r + 1}"] = None, np.nan
            rec[f"reason_{r + 1}"] = reason
        rec["reasons"] = (
            "; ".join(words) if words else "no single feature stands out (a combination of values)"
        )
        records.append(rec)
    return pd.DataFrame.from_records(records, index=X.index)
