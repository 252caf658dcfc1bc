"""The monthly time grid of the simulation and the macro-economic factor.

Month ``t`` (0-based) runs from its first day to its month end; the state of
the bank is simulated at month ends. Dates are handled as numpy
``datetime64[D]`` so that transaction timestamps can be built vectorised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

__all__ = ["Timeline", "macro_path"]


@dataclass(frozen=True)
class Timeline:
    """Month grid of the history.

    Parameters
    ----------
    start_date : first day of the history (a first of month).
    n_months : number of months simulated.
    """

    start_date: dt.date
    n_months: int

    def __post_init__(self) -> None:
        if self.start_date.day != 1:
            raise ValueError(
                f"start_date: expected the first day of a month, got {self.start_date}"
            )
        if self.n_months < 1:
            raise ValueError(f"n_months: expected a positive number, got {self.n_months}")

    @property
    def month_starts(self) -> np.ndarray:
        """First day of each month, ``datetime64[D]``."""
        first = np.datetime64(self.start_date, "M")
        return (first + np.arange(self.n_months)).astype("datetime64[D]")

    @property
    def month_ends(self) -> np.ndarray:
        """Last day of each month, ``datetime64[D]``."""
        first = np.datetime64(self.start_date, "M")
        return (first + np.arange(1, self.n_months + 1)).astype("datetime64[D]") - 1

    @property
    def days_in_month(self) -> np.ndarray:
        return (self.month_ends - self.month_starts).astype(int) + 1

    @property
    def end_date(self) -> dt.date:
        return self.month_ends[-1].astype(dt.date)

    def month_index(self, day: dt.date | str) -> int:
        """Index of the month that contains ``day`` (may be outside 0..n_months-1)."""
        d = np.datetime64(day, "M") - np.datetime64(self.start_date, "M")
        return int(d.astype(int))

    def snapshot_index(self, snapshot: dt.date | str) -> int:
        """Month index of a month-end snapshot date; raises if it is not a month end in range."""
        idx = self.month_index(snapshot)
        if not 0 <= idx < self.n_months or self.month_ends[idx] != np.datetime64(snapshot, "D"):
            raise ValueError(f"snapshots: {snapshot} is not a month end of the history")
        return idx

    def day_weights(self) -> np.ndarray:
        """Relative weight of each day of each month for card spending, shape (n_months, 31).

        Weekends are busier, the last three days of a month a little busier,
        days that do not exist weigh zero.
        """
        days = self.month_starts[:, None] + np.arange(31)[None, :]
        exists = np.arange(31)[None, :] < self.days_in_month[:, None]
        weekday = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
        w = np.where(weekday >= 5, 1.35, 1.0)
        w = w * np.where(np.arange(31)[None, :] >= self.days_in_month[:, None] - 3, 1.15, 1.0)
        return np.where(exists, w, 0.0)


def macro_path(
    n_months: int, *, trough_month: float = 17.0, width: float = 4.5, depth: float = 1.0
) -> np.ndarray:
    """Smooth macro-economic stress factor per month (0 = normal, positive = downturn).

    A mild downturn peaks ``trough_month`` months after the start (in the second
    year by default) and fades with a Gaussian shape of ``width`` months, so the
    out-of-time snapshot's outcome window sees a little more stress than the
    development one.
    """
    t = np.arange(n_months, dtype=float)
    return depth * np.exp(-0.5 * ((t - trough_month) / width) ** 2) - 0.1
