"""HTML reports: one self-contained page per executed notebook (the run's index is in
:mod:`riskinsights_lib.front_page`).

A report hides code by default, embeds its images and loads nothing from the
network (the ``riskinsights`` nbconvert template drops require.js, MathJax,
mermaid and the widget manager; live widgets are left out, the notebooks show
their static equivalent). It carries the notebook's title, a link back to the
run's ``index.html``, a table of contents of its sections, the house table
style (wide tables scroll, long text wraps) and a footer naming the run, the
parameter file, the git commit and per-section timings. Tracebacks of a failed
notebook stay visible.
"""

from __future__ import annotations

import copy
import html
from pathlib import Path
from typing import Any

import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from riskinsights_lib.front_page import HEADLINE_ANCHOR, render_index

__all__ = ["section_timings", "render_notebook_html", "render_index", "notebook_title"]

TEMPLATES = Path(__file__).with_name("templates")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1200px;color:#222}
p.ri-back{margin:.8em 0 0;font-size:.9em} p.ri-back a{color:#0072B2;text-decoration:none}
nav.ri-toc{background:#f5f7fa;border:1px solid #dde3ea;border-radius:6px;padding:.6em 1.2em;margin:1em 0}
nav.ri-toc ul{margin:.3em 0;padding-left:.4em;list-style:none} nav.ri-toc a{text-decoration:none;color:#0072B2}
footer.ri-footer{border-top:1px solid #dde3ea;margin-top:2em;padding:1em 0;font-size:.85em;color:#555}
footer.ri-footer table{border-collapse:collapse} footer.ri-footer td{padding:.1em .8em .1em 0}
div.ri-scroll{overflow-x:auto;max-width:100%;margin-bottom:1em}
.jp-OutputArea-output{overflow-x:auto}
.jp-RenderedHTMLCommon div.ri-scroll table{table-layout:auto;margin-left:0;margin-right:auto;
font-variant-numeric:tabular-nums}
.jp-RenderedHTMLCommon td,.jp-RenderedHTMLCommon th{white-space:normal;max-width:36em;
overflow-wrap:break-word;vertical-align:top}
.jp-RenderedHTMLCommon td.ri-text{text-align:left;min-width:18em}
.jp-RenderedHTMLCommon caption{caption-side:bottom;text-align:left;font-size:.85em;color:#555;padding-top:.3em}
"""


def _heading(cell: Any) -> str | None:
    if cell.cell_type != "markdown":
        return None
    for line in cell.source.splitlines():
        if line.startswith("## ") or line.startswith("# "):
            return line.lstrip("#").strip()
    return None


def section_timings(nb: nbformat.NotebookNode) -> list[tuple[str, float]]:
    """Seconds spent per markdown section (``#``/``##`` headings), from papermill's cell metadata."""
    timings: dict[str, float] = {}
    current = "Setup"
    for cell in nb.cells:
        title = _heading(cell)
        if title:
            current = title
        duration = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if cell.cell_type == "code" and duration:
            timings[current] = timings.get(current, 0.0) + float(duration)
    return list(timings.items())


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The text of the notebook's first ``# Title`` line (``fallback`` when it has none)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip().replace("`", "")
    return fallback


def _without_widgets(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without live widget outputs and widget state (they cannot render offline)."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if WIDGET_MIME not in o.get("data", {})]
    return nb


def _toc(soup: BeautifulSoup) -> str:
    items = []
    for tag in soup.find_all(["h2"]):
        anchor = tag.get("id")
        if anchor:
            text = tag.get_text(" ", strip=True).rstrip("¶").strip()
            items.append(f'<li><a href="#{html.escape(anchor)}">{html.escape(text)}</a></li>')
    return (
        f'<nav class="ri-toc"><strong>Contents</strong><ul>{"".join(items)}</ul></nav>'
        if items
        else ""
    )


def _footer(info: dict[str, str], timings: list[tuple[str, float]]) -> str:
    facts = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>" for k, v in info.items()
    )
    rows = "".join(f"<tr><td>{html.escape(t)}</td><td>{s:,.1f} s</td></tr>" for t, s in timings)
    return (
        f'<footer class="ri-footer"><table>{facts}</table>'
        f"<p><strong>Time per section</strong></p><table>{rows}</table></footer>"
    )


def _scrollable_tables(soup: BeautifulSoup) -> None:
    """Wrap every output table in a horizontally scrolling box (wide tables stay in the page)."""
    for table in soup.select(".jp-OutputArea-output table"):
        if table.parent is not None and "ri-scroll" in (table.parent.get("class") or []):
            continue
        box = soup.new_tag("div", attrs={"class": "ri-scroll"})
        table.wrap(box)


def _mark_headline_section(soup: BeautifulSoup) -> None:
    """Give the "Headline figures" heading a stable id for links from ``index.html``."""
    for tag in soup.find_all("h2"):
        if "headline figures" in tag.get_text(" ", strip=True).lower():
            tag["id"] = HEADLINE_ANCHOR
            return


def _export(nb: nbformat.NotebookNode, show_code: bool) -> str:
    exporter = HTMLExporter(
        template_name="riskinsights",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    body, _ = exporter.from_notebook_node(nb)
    return body


def render_notebook_html(
    notebook_path: Path,
    html_path: Path,
    *,
    show_code: bool = False,
    info: dict[str, str] | None = None,
    index_href: str = "../index.html",
) -> Path:
    """Convert an executed notebook to one self-contained, offline HTML report.

    Parameters
    ----------
    notebook_path : the executed notebook.
    html_path : where to write the report.
    show_code : keep the code cells.
    info : facts for the footer (run, parameter file, commit).
    index_href : the link back to the run's front page, relative to the report.
    """
    nb = nbformat.read(notebook_path, as_version=4)
    soup = BeautifulSoup(_export(_without_widgets(nb), show_code), "html.parser")
    info = info or {}
    title = notebook_title(nb, Path(notebook_path).stem)
    run = info.get("Run")
    if soup.title is not None:
        soup.title.string = f"{title} · RiskInsights run {run}" if run else title
    style = soup.new_tag("style")
    style.string = _CSS
    (soup.head or soup).append(style)
    container = soup.body or soup
    _scrollable_tables(soup)
    _mark_headline_section(soup)
    back = BeautifulSoup(
        f'<p class="ri-back"><a href="{html.escape(index_href)}">&larr; Run '
        f"{html.escape(run or '')} overview (index.html)</a></p>",
        "html.parser",
    )
    first_h1 = container.find("h1")
    toc = BeautifulSoup(_toc(soup), "html.parser")
    if first_h1 is not None:
        first_h1.insert_after(toc)
    else:
        container.insert(0, toc)
    container.insert(0, back)
    container.append(BeautifulSoup(_footer(info, section_timings(nb)), "html.parser"))
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(str(soup), encoding="utf-8")
    return html_path
