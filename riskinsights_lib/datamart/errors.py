"""The error of an extract that cannot be loaded as it is."""

from __future__ import annotations

__all__ = ["ExtractError"]


class ExtractError(ValueError):
    """An extract breaks the contract at file level (unreadable, wrong columns, control
    mismatch, empty). The message is one line naming the file and, where it applies, the
    line and column; it never holds a value from the file."""
