"""Find what an HTML page would fetch from the network when opened.

A RiskInsights report must open offline as one file: no script, style sheet,
font, image or frame may come from an ``http(s)://`` address. Plain hyperlinks
(``<a href>``) are fine, they load nothing by themselves.

Examples
--------
>>> external_resources('<script src="https://cdn.example/x.js"></script><a href="https://x">x</a>')
['script src=https://cdn.example/x.js']
>>> external_resources('<style>@import url("https://fonts.example/f.css");</style>')
['style url(https://fonts.example/f.css)']
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

__all__ = ["external_resources"]

_REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
_CSS_URL = re.compile(
    r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""", re.IGNORECASE
)
_JS_URL = re.compile(r"""['"`]((?:https?:)?//[^'"`\s]+)""", re.IGNORECASE)
_JS_COMMENT = re.compile(r"/\*.*?\*/|^\s*//[^\n]*", re.DOTALL | re.MULTILINE)
#: attribute that loads something, per tag (``link`` is handled by its ``rel``)
_LOADING = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "frame": "src",
    "embed": "src",
    "source": "src",
    "audio": "src",
    "video": "src",
    "track": "src",
    "input": "src",
    "object": "data",
}
_LINK_RELS = {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest"}


def _css_urls(text: str) -> list[str]:
    return _CSS_URL.findall(text)


def external_resources(page: str) -> list[str]:
    """Every network resource ``page`` would load, as ``"<where> <url>"`` strings (empty: offline)."""
    soup = BeautifulSoup(page, "html.parser")
    found: list[str] = []
    for tag, attr in _LOADING.items():
        for element in soup.find_all(tag):
            value = element.get(attr) or ""
            if _REMOTE.match(value):
                found.append(f"{tag} {attr}={value.strip()}")
            srcset = element.get("srcset") or ""
            found += [f"{tag} srcset={u}" for u in srcset.split() if _REMOTE.match(u)]
    for link in soup.find_all("link"):
        rels = {r.lower() for r in (link.get("rel") or [])}
        href = link.get("href") or ""
        if rels & _LINK_RELS and _REMOTE.match(href):
            found.append(f"link {'/'.join(sorted(rels))}={href.strip()}")
    for style in soup.find_all("style"):
        found += [f"style url({u})" for u in _css_urls(style.get_text())]
    for element in soup.find_all(style=True):
        found += [f"{element.name} style url({u})" for u in _css_urls(element["style"])]
    for script in soup.find_all("script"):
        if script.get("type", "").startswith("application/") and "json" in script.get("type", ""):
            continue  # data, not code
        code = _JS_COMMENT.sub("", script.get_text())
        found += [f"script code {u}" for u in _JS_URL.findall(code)]
    return found
