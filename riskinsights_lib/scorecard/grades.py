"""Master scale: rating grades from the PD, and their back-test table.

Grade boundaries are equally spaced in log-PD between the 1st and 99th
percentiles of the development PDs, rounded to two significant digits (a
readable scale), and then frozen: the out-of-time sample is graded on the
development scale. Grade 1 is the safest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskinsights_lib.evaluation import (
    binomial_test_pd,
    herfindahl_index,
    jeffreys_test_pd,
    traffic_light,
)

__all__ = ["MasterScale", "fit_master_scale", "grade_table", "is_monotone", "style_grade_table"]


@dataclass(frozen=True)
class MasterScale:
    """PD boundaries of the grades: grade ``i`` holds ``boundaries[i-1] <= PD < boundaries[i]``."""

    boundaries: tuple[float, ...]

    @property
    def n_grades(self) -> int:
        return len(self.boundaries) + 1

    @property
    def labels(self) -> list[str]:
        return [f"G{i + 1}" for i in range(self.n_grades)]

    def assign(self, pd_: np.ndarray) -> np.ndarray:
        """Grade label of each PD."""
        i = np.searchsorted(np.asarray(self.boundaries), np.asarray(pd_, dtype=float), side="right")
        return np.asarray(self.labels, dtype=object)[i]

    def table(self) -> pd.DataFrame:
        """The scale itself: grade, PD from, PD to."""
        edges = [0.0, *self.boundaries, 1.0]
        return pd.DataFrame({"grade": self.labels, "pd_from": edges[:-1], "pd_to": edges[1:]})


def _round_sig(x: np.ndarray, digits: int = 2) -> np.ndarray:
    return np.array([float(f"{v:.{digits}g}") for v in np.asarray(x, dtype=float)])


def fit_master_scale(
    pd_: np.ndarray, n_grades: int = 8, *, lower_q: float = 0.01, upper_q: float = 0.99
) -> MasterScale:
    """Fit a master scale of ``n_grades`` grades on development PDs (see module docstring)."""
    p = np.asarray(pd_, dtype=float)
    if n_grades < 2:
        raise ValueError(f"n_grades: expected at least 2, got {n_grades}")
    if len(p) == 0 or np.any((p <= 0) | (p >= 1)):
        raise ValueError("pd_: expected probabilities strictly between 0 and 1")
    lo, hi = np.quantile(p, [lower_q, upper_q])
    if hi <= lo:
        raise ValueError("pd_: the PDs do not spread; cannot build grades")
    inner = np.geomspace(lo, hi, n_grades + 1)[1:-1]
    bounds = np.unique(_round_sig(inner))
    if len(bounds) < n_grades - 1:  # rounding merged boundaries: keep exact values
        bounds = inner
    return MasterScale(tuple(float(b) for b in bounds))


def is_monotone(values: pd.Series | np.ndarray, *, increasing: bool = True) -> bool:
    """True when the (non-missing) values never step backwards."""
    v = pd.Series(values).dropna().to_numpy(dtype=float)
    d = np.diff(v)
    return bool(np.all(d >= 0) if increasing else np.all(d <= 0))


def grade_table(
    y_true: np.ndarray,
    pd_: np.ndarray,
    scale: MasterScale,
    *,
    amber: float = 0.05,
    red: float = 0.01,
) -> pd.DataFrame:
    """Back-test per grade: counts, mean PD, observed default rate, binomial and Jeffreys tests.

    ``traffic_light`` reads the Jeffreys p-value (red below ``red``, amber below
    ``amber``): red means more defaults than the grade's PD explains. Empty
    grades are kept with zero counts.
    """
    y = np.asarray(y_true, dtype=int)
    p = np.asarray(pd_, dtype=float)
    if len(y) != len(p):
        raise ValueError(f"pd_: expected {len(y)} values like y_true, got {len(p)}")
    frame = pd.DataFrame({"grade": scale.assign(p), "y": y, "pd": p})
    agg = frame.groupby("grade").agg(n=("y", "size"), defaults=("y", "sum"), mean_pd=("pd", "mean"))
    out = scale.table().merge(agg, left_on="grade", right_index=True, how="left")
    out[["n", "defaults"]] = out[["n", "defaults"]].fillna(0).astype(int)
    out["share"] = out["n"] / max(len(y), 1)
    out["observed_dr"] = np.where(out["n"] > 0, out["defaults"] / out["n"].clip(lower=1), np.nan)
    has = out["n"] > 0
    out["binomial_p"] = np.nan
    out["jeffreys_p"] = np.nan
    out.loc[has, "binomial_p"] = binomial_test_pd(
        out.loc[has, "defaults"], out.loc[has, "n"], out.loc[has, "mean_pd"]
    )
    out.loc[has, "jeffreys_p"] = jeffreys_test_pd(
        out.loc[has, "defaults"], out.loc[has, "n"], out.loc[has, "mean_pd"]
    )
    out["traffic_light"] = ""
    out.loc[has, "traffic_light"] = traffic_light(
        out.loc[has, "jeffreys_p"].to_numpy(), amber=amber, red=red
    )
    out.attrs["herfindahl"] = herfindahl_index(out["n"].to_numpy()) if len(y) else float("nan")
    out.attrs["herfindahl_normalised"] = (
        herfindahl_index(out["n"].to_numpy(), normalised=True) if len(y) else float("nan")
    )
    out.attrs["monotone"] = is_monotone(out["observed_dr"])
    return out


_LIGHT_COLOURS = {"green": "#b7e4c7", "amber": "#ffd8a8", "red": "#ffb3b3", "": ""}


def style_grade_table(table: pd.DataFrame):
    """The grade table as a pandas Styler with green/amber/red rows (for notebooks and reports)."""
    cols = [
        "grade",
        "pd_from",
        "pd_to",
        "n",
        "share",
        "mean_pd",
        "defaults",
        "observed_dr",
        "binomial_p",
        "jeffreys_p",
        "traffic_light",
    ]

    def _row(row: pd.Series) -> list[str]:
        colour = _LIGHT_COLOURS.get(row["traffic_light"], "")
        return [f"background-color: {colour}" if colour else "" for _ in row]

    return (
        table[cols]
        .style.apply(_row, axis=1)
        .format(
            {
                "pd_from": "{:.2%}",
                "pd_to": "{:.2%}",
                "n": "{:,}",
                "share": "{:.1%}",
                "mean_pd": "{:.2%}",
                "defaults": "{:,}",
                "observed_dr": "{:.2%}",
                "binomial_p": "{:.3f}",
                "jeffreys_p": "{:.3f}",
            },
            na_rep="-",
        )
        .hide(axis="index")
    )
