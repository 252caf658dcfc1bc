"""Stability: score PSI across samples and characteristic stability per feature."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from riskinsights_lib.evaluation import psi, psi_from_shares

if TYPE_CHECKING:
    from riskinsights_lib.scorecard.model import Scorecard

__all__ = ["psi_status", "score_psi_series", "characteristic_stability"]


def psi_status(value: float) -> str:
    """Conventional reading: < 0.10 stable, 0.10-0.25 watch, > 0.25 shifted."""
    if not np.isfinite(value):
        return "n/a"
    return "stable" if value < 0.10 else ("watch" if value <= 0.25 else "shifted")


def score_psi_series(
    reference: np.ndarray, samples: Mapping[str, np.ndarray], *, bins: int = 10
) -> pd.DataFrame:
    """PSI of each sample's scores against the reference (deciles of the reference).

    Returns one row per sample in the given order: label, rows, mean score, PSI, status.
    """
    ref = np.asarray(reference, dtype=float)
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)))
    rows = []
    for label, values in samples.items():
        v = np.asarray(values, dtype=float)
        value = psi(ref, v, bins=edges.copy())
        rows.append(
            {
                "sample": label,
                "n": len(v),
                "mean_score": float(np.mean(v)),
                "psi": value,
                "status": psi_status(value),
            }
        )
    return pd.DataFrame(rows)


def characteristic_stability(
    card: Scorecard, reference: pd.DataFrame, actual: pd.DataFrame
) -> pd.DataFrame:
    """Per scorecard feature: PSI of the bin mix and the mean points shift (actual - reference).

    A large points shift on one characteristic tells which feature moves the
    score between the samples.
    """
    rows = []
    ref_idx, act_idx = card.bin_indices(reference), card.bin_indices(actual)
    for f in card.features:
        n_bins = len(card.binnings[f].woe)
        e = np.bincount(ref_idx[f], minlength=n_bins) / max(len(reference), 1)
        a = np.bincount(act_idx[f], minlength=n_bins) / max(len(actual), 1)
        pts = card.bin_points(f)
        value = psi_from_shares(e, a)
        rows.append(
            {
                "feature": f,
                "psi": value,
                "status": psi_status(value),
                "mean_points_reference": float(e @ pts),
                "mean_points_actual": float(a @ pts),
                "points_shift": float((a - e) @ pts),
            }
        )
    return pd.DataFrame(rows).sort_values("psi", ascending=False, ignore_index=True)
