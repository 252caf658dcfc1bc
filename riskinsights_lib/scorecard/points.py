"""Score scaling: log-odds to points and back.

Convention (stated once, used everywhere): the model predicts the log-odds of
the *event* (default), ``logit(PD)``; the score grows with the odds of a
*good* customer, so a higher score is a better customer:

``score = offset - factor * logit(PD)``, ``factor = pdo / ln 2``,
``offset = base_score - factor * ln(base_odds)``

so that ``base_score`` points mean good:bad odds of ``base_odds`` and every
``pdo`` more points double them. With ``logit(PD) = b0 + sum_j b_j * woe_j``
over ``n`` features, the points of feature ``j`` in a bin with WoE ``w`` are
``-(b_j * w + b0 / n) * factor + offset / n``; the points of a customer add up
to the score exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Scaling"]


@dataclass(frozen=True)
class Scaling:
    """Points-to-double-the-odds scaling of a scorecard."""

    pdo: float = 20.0
    base_score: float = 600.0
    base_odds: float = 50.0

    def __post_init__(self) -> None:
        if not self.pdo > 0:
            raise ValueError(f"pdo: expected a positive number of points, got {self.pdo}")
        if not self.base_odds > 0:
            raise ValueError(f"base_odds: expected positive good:bad odds, got {self.base_odds}")

    @property
    def factor(self) -> float:
        """Points per unit of log-odds: ``pdo / ln 2``."""
        return self.pdo / np.log(2)

    @property
    def offset(self) -> float:
        """Score at even odds: ``base_score - factor * ln(base_odds)``."""
        return self.base_score - self.factor * np.log(self.base_odds)

    def bin_points(
        self, coef: float, woe: np.ndarray, intercept: float, n_features: int
    ) -> np.ndarray:
        """Points of each bin of one feature (see the module docstring)."""
        if n_features < 1:
            raise ValueError(f"n_features: expected at least 1, got {n_features}")
        w = np.asarray(woe, dtype=float)
        return -(coef * w + intercept / n_features) * self.factor + self.offset / n_features

    def score_to_log_odds(self, score: np.ndarray) -> np.ndarray:
        """``logit(PD)`` of a score."""
        return (self.offset - np.asarray(score, dtype=float)) / self.factor

    def score_to_pd(self, score: np.ndarray) -> np.ndarray:
        """Probability of the event (default) at a score."""
        return 1.0 / (1.0 + np.exp(-self.score_to_log_odds(score)))

    def pd_to_score(self, pd_: np.ndarray) -> np.ndarray:
        """Score at a probability of the event."""
        p = np.asarray(pd_, dtype=float)
        return self.offset - self.factor * np.log(p / (1 - p))
