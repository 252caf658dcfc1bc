"""Which registered version is in use: the ``champion`` and ``challenger`` rules.

A new version becomes ``champion`` only when the notebook's quality bar holds
and it is not worse than the current champion on the same evaluation rows
(out of time); otherwise it is the ``challenger`` and the decision says why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

__all__ = ["CHAMPION", "CHALLENGER", "AliasDecision", "decide_alias"]

CHAMPION = "champion"
CHALLENGER = "challenger"


@dataclass(frozen=True)
class AliasDecision:
    """The alias a new version gets, and the figures behind it."""

    alias: str
    reason: str
    metric: str
    candidate: float
    champion: float | None = None
    champion_version: str | None = None

    def to_dict(self) -> dict:
        """JSON-able form (for run.json and the tracking record)."""
        return asdict(self)


def _failed(bar: Mapping[str, bool]) -> list[str]:
    return [name for name, ok in bar.items() if not bool(ok)]


def decide_alias(
    bar: Mapping[str, bool],
    candidate: float,
    champion: float | None,
    *,
    metric: str,
    champion_version: str | None = None,
    margin: float = 0.0,
) -> AliasDecision:
    """Decide ``champion`` or ``challenger`` for a new model version.

    Parameters
    ----------
    bar : quality-bar checks of the notebook, name -> met.
    candidate : the new version's ``metric`` on the evaluation rows (higher is better).
    champion : the current champion's ``metric`` on the same rows; None when there
        is no champion yet (or it cannot score these rows).
    metric : name of the metric, for the reason text.
    champion_version : version number of the current champion, for the text.
    margin : the candidate may trail the champion by this much and still be "not worse".

    Examples
    --------
    >>> decide_alias({"AUC bar": True}, 0.80, 0.78, metric="AUC").alias
    'champion'
    >>> decide_alias({"AUC bar": False}, 0.80, None, metric="AUC").alias
    'challenger'
    """
    if not bar:
        raise ValueError("bar: expected at least one quality-bar check")
    if not math.isfinite(candidate):
        raise ValueError(f"candidate: expected a finite {metric}, got {candidate}")
    missed = _failed(bar)
    fields = {"metric": metric, "candidate": float(candidate), "champion_version": champion_version}
    fields["champion"] = None if champion is None else float(champion)
    if missed:
        return AliasDecision(CHALLENGER, f"quality bar missed: {', '.join(missed)}", **fields)
    if champion is None or not math.isfinite(champion):
        return AliasDecision(CHAMPION, "quality bar met; no comparable champion yet", **fields)
    who = f"champion v{champion_version}" if champion_version else "the champion"
    if candidate + margin >= champion:
        return AliasDecision(
            CHAMPION,
            f"quality bar met and {metric} {candidate:.4f} is not worse than {who} "
            f"({champion:.4f}) on the same rows",
            **fields,
        )
    return AliasDecision(
        CHALLENGER,
        f"quality bar met but {metric} {candidate:.4f} is worse than {who} "
        f"({champion:.4f}) on the same rows",
        **fields,
    )
