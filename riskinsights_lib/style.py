"""The house plotting style: one look for every chart in every report.

Call :func:`set_style` once in a notebook's setup cell. Plot helpers in the
library take ``ax=None`` and return what they drew; they never save or show.

Layout cannot overlap: every figure made through pyplot gets a constrained
layout that first wraps each axes title (and long axis labels) to the width of
its axes, so side-by-side panels never run into each other
(:class:`WrappingLayout`); :func:`overlapping_texts` finds any two text boxes
of a drawn figure that still overlap (the layout test uses it).
"""

from __future__ import annotations

import textwrap
from itertools import combinations

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.text import Text
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
    "WrappingLayout",
    "wrap_texts",
    "use_wrapping_layout",
    "untangle_xticks",
    "overlapping_texts",
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
            "figure.constrained_layout.use": True,
            "figure.hooks": ["riskinsights_lib.style:use_wrapping_layout"],
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


_ORIGINAL = "_riskinsights_unwrapped"


def _wrap_to(text: Text, width_px: float, renderer) -> None:
    """Re-wrap ``text`` (from its unwrapped original) until it fits ``width_px``."""
    original = getattr(text, _ORIGINAL, None)
    if original is None:
        original = text.get_text()
        setattr(text, _ORIGINAL, original)
    text.set_text(original)
    if not original or width_px <= 0 or "\n" in original:
        return
    chars = len(original)
    while text.get_window_extent(renderer).width > width_px and chars > 12:
        chars = max(12, int(chars * min(0.95, width_px / text.get_window_extent(renderer).width)))
        text.set_text(textwrap.fill(original, chars, break_long_words=False))


def wrap_texts(fig: Figure) -> Figure:
    """Wrap every axes title, x label and suptitle of ``fig`` to the width it may take."""
    renderer = fig.canvas.get_renderer()
    fig_width = fig.bbox.width
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        width = ax.get_window_extent(renderer).width
        for loc in ("left", "center", "right"):
            title = ax.title if loc == "center" else getattr(ax, f"_{loc}_title")
            if title.get_text():
                _wrap_to(title, width, renderer)
        _wrap_to(ax.xaxis.label, width, renderer)
    if fig._suptitle is not None:
        _wrap_to(fig._suptitle, fig_width * 0.95, renderer)
    return fig


def _drawn_ticklabels(axis) -> list[Text]:
    if not axis.get_visible():
        return []
    ticks = axis._update_ticks()  # the ticks inside the view limits: those drawn
    labels = [t for tick in ticks for t in (tick.label1, tick.label2)]
    return [t for t in labels if t.get_visible() and t.get_text().strip()]


def _crowded(labels: list[Text], renderer) -> bool:
    boxes = [t.get_window_extent(renderer) for t in labels]
    return any(a.overlaps(b) for a, b in combinations(boxes, 2))


def untangle_xticks(fig: Figure) -> Figure:
    """Turn x tick labels that run into each other by 30 degrees, then 90 if still needed."""
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        labels = _drawn_ticklabels(ax.xaxis)
        for angle in (30, 90):
            if not labels or not _crowded(labels, renderer):
                break
            for label in labels:
                label.set_rotation(angle)
                label.set_horizontalalignment("right" if angle < 90 else "center")
                label.set_rotation_mode("anchor" if angle < 90 else "default")
            ax.tick_params(axis="x", labelrotation=angle)
    return fig


class WrappingLayout(ConstrainedLayoutEngine):
    """Constrained layout that wraps titles to their axes' width and turns crowded x labels."""

    def execute(self, fig: Figure):
        super().execute(fig)  # place the axes once to learn their widths
        wrap_texts(fig)
        untangle_xticks(fig)
        return super().execute(fig)


def use_wrapping_layout(fig: Figure) -> None:
    """``figure.hooks`` entry: give a new pyplot figure the :class:`WrappingLayout`."""
    fig.set_layout_engine(WrappingLayout())


def _texts(fig: Figure) -> list[tuple[str, Text]]:
    found: list[tuple[str, Text]] = []
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        where = f"axes {i}"
        found += [(f"{where} title", t) for t in (ax._left_title, ax.title, ax._right_title)]
        found += [(f"{where} xlabel", ax.xaxis.label), (f"{where} ylabel", ax.yaxis.label)]
        for axis, name in ((ax.xaxis, "xtick"), (ax.yaxis, "ytick")):
            found += [(f"{where} {name}", t) for t in _drawn_ticklabels(axis)]
        found += [(f"{where} text", t) for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            found += [(f"{where} legend", t) for t in [legend.get_title(), *legend.get_texts()]]
    found += [("figure text", t) for t in fig.texts]
    if fig._suptitle is not None:
        found.append(("suptitle", fig._suptitle))
    return [(w, t) for w, t in found if t.get_visible() and t.get_text().strip()]


def overlapping_texts(fig: Figure, tolerance: float = 1.0) -> list[str]:
    """Pairs of text boxes of ``fig`` that overlap once drawn (empty: a clean layout).

    Each pair is described as ``"<where> 'text' x <where> 'text'"``; ``tolerance``
    (pixels) shrinks each box so that touching edges do not count.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = []
    for where, text in _texts(fig):
        box = text.get_window_extent(renderer)
        if box.width > 2 * tolerance and box.height > 2 * tolerance:
            boxes.append((where, text.get_text(), box.expanded(1, 1).padded(-tolerance)))
    return [
        f"{w1} {t1[:40]!r} x {w2} {t2[:40]!r}"
        for (w1, t1, b1), (w2, t2, b2) in combinations(boxes, 2)
        if b1.overlaps(b2)
    ]
