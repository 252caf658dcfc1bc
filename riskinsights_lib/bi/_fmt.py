"""Number and date formatting shared by chart titles and narratives."""

from __future__ import annotations

import pandas as pd

__all__ = ["eur", "num", "pct", "pp", "month_label", "change"]


def eur(x: float) -> str:
    """``1234567.8`` -> ``EUR 1.23m``; smaller amounts with thousands separators."""
    if abs(x) >= 1e9:
        return f"EUR {x / 1e9:,.2f}bn"
    if abs(x) >= 1e6:
        return f"EUR {x / 1e6:,.2f}m"
    return f"EUR {x:,.0f}"


def num(x: float) -> str:
    """Count with thousands separators."""
    return f"{x:,.0f}"


def pct(x: float, digits: int = 1) -> str:
    """Share as a percentage."""
    return f"{x:.{digits}%}"


def pp(x: float) -> str:
    """Difference of two shares in percentage points, signed."""
    return f"{x * 100:+.1f} pp"


def month_label(value: object) -> str:
    """A date as ``Mon YYYY``."""
    return pd.Timestamp(value).strftime("%b %Y")


def change(first: float, last: float) -> str:
    """Relative change, signed (``+12.5%``), or ``n/a`` from zero."""
    return f"{(last - first) / abs(first):+.1%}" if first else "n/a"
