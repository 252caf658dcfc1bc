"""The house plotting style: one look for every chart in every report.

Call :func:`set_style` once in a notebook's setup cell. Plot helpers in the
library take ``ax=None`` and return what they drew; they never save or show.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

__all__ = [
    "PALETTE",
    "set_style",
    "get_ax",
    "thousands",
    "percent",
    "format_axis_thousands",
    "format_axis_percent",
    "title_text",
]

#: Colour-blind-safe palette (Okabe-Ito), used everywhere.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def set_style() -> None:
    """Apply the house style to matplotlib and seaborn."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    mpl.rcParams.update(
        {
            "figure.figsize": (9, 4.5),
            "figure.dpi": 100,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "savefig.bbox": "tight",
        }
    )


def get_ax(ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax`` or a fresh axes on a new figure."""
    if ax is not None:
        return ax
    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax


def thousands(x: float, _pos: int | None = None) -> str:
    """Format a number with thousands separators (``12,345``)."""
    return f"{x:,.0f}"


def percent(x: float, _pos: int | None = None) -> str:
    """Format a share as a percentage (``0.125`` -> ``12.5%``)."""
    return f"{x:.1%}" if abs(x) < 0.1 else f"{x:.0%}"


def format_axis_thousands(ax: Axes, axis: str = "y") -> Axes:
    """Show thousands separators on one axis of ``ax``."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(thousands))
    return ax


def format_axis_percent(ax: Axes, axis: str = "y") -> Axes:
    """Show shares as percentages on one axis of ``ax``."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(percent))
    return ax


def title_text(ax: Axes) -> str:
    """The title of ``ax`` wherever it sits (the house style puts titles on the left)."""
    return " ".join(t for t in (ax.get_title(loc=loc) for loc in ("left", "center", "right")) if t)
