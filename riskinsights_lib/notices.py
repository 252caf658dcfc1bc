"""Notices a reader must not miss, added on top of a rendered report page.

The runner adds them after rendering, so they work with any report template:
a banner right after ``<body>``, once per page.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

__all__ = ["add_banner"]

_BODY = re.compile(r"<body[^>]*>", re.IGNORECASE)
_STYLE = (
    "background:#fff3cd;border:2px solid #D55E00;color:#5a2d00;font-weight:bold;"
    "padding:.6em 1em;margin:.6em auto;max-width:1200px;border-radius:6px;"
    "font-family:system-ui,sans-serif"
)


def add_banner(page: Path, text: str) -> bool:
    """Insert a warning banner with ``text`` at the top of the HTML ``page``; False if already there.

    Examples
    --------
    >>> import tempfile
    >>> page = Path(tempfile.mkdtemp()) / "r.html"
    >>> _ = page.write_text("<html><body><h1>Report</h1></body></html>")
    >>> add_banner(page, "demo key: pseudonyms are reversible"), add_banner(page, "again")
    (True, False)
    """
    page = Path(page)
    content = page.read_text(encoding="utf-8")
    if 'class="ri-notice"' in content:
        return False
    banner = (
        f'<div class="ri-notice" role="alert" style="{_STYLE}">&#9888; {html.escape(text)}</div>'
    )
    match = _BODY.search(content)
    at = match.end() if match else 0
    tmp = page.with_name(f".{page.name}.tmp")
    tmp.write_text(content[:at] + banner + content[at:], encoding="utf-8")
    tmp.replace(page)
    return True
