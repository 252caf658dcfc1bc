"""HTML reports: one self-contained page per executed notebook, and the run's index.

A report hides code by default, embeds its images (it opens offline as one
file), opens with a table of contents of its sections and closes with a footer
naming the run, the parameter file, the git commit and per-section timings.
Tracebacks of a failed notebook stay visible.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

__all__ = ["section_timings", "render_notebook_html", "render_index"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1200px;color:#222}
nav.ri-toc{background:#f5f7fa;border:1px solid #dde3ea;border-radius:6px;padding:.6em 1.2em;margin:1em 0}
nav.ri-toc ul{margin:.3em 0;padding-left:.4em;list-style:none} nav.ri-toc a{text-decoration:none;color:#0072B2}
footer.ri-footer{border-top:1px solid #dde3ea;margin-top:2em;padding:1em 0;font-size:.85em;color:#555}
footer.ri-footer table{border-collapse:collapse} footer.ri-footer td{padding:.1em .8em .1em 0}
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


def render_notebook_html(
    notebook_path: Path,
    html_path: Path,
    *,
    show_code: bool = False,
    info: dict[str, str] | None = None,
) -> Path:
    """Convert an executed notebook to one self-contained HTML report."""
    nb = nbformat.read(notebook_path, as_version=4)
    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    body, _ = exporter.from_notebook_node(nb)
    soup = BeautifulSoup(body, "html.parser")
    style = soup.new_tag("style")
    style.string = _CSS
    (soup.head or soup).append(style)
    container = soup.body or soup
    first_h1 = container.find("h1")
    toc = BeautifulSoup(_toc(soup), "html.parser")
    if first_h1 is not None:
        first_h1.insert_after(toc)
    else:
        container.insert(0, toc)
    container.append(BeautifulSoup(_footer(info or {}, section_timings(nb)), "html.parser"))
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(str(soup), encoding="utf-8")
    return html_path


def _metric_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_metric_text(v)}" for k, v in value.items())
    return str(value)


def _metrics_cell(metrics: dict[str, Any], shown: int = 6) -> str:
    """The first ``shown`` scalar figures inline, the rest behind a disclosure."""

    def rows(items: list[tuple[str, Any]]) -> str:
        return "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(_metric_text(v))}</td></tr>"
            for k, v in items
        )

    scalars = [(k, v) for k, v in metrics.items() if not isinstance(v, (dict, list))]
    head = scalars[:shown]
    rest = [(k, v) for k, v in metrics.items() if (k, v) not in head]
    more = (
        f"<details><summary>{len(rest)} more</summary><table>{rows(rest)}</table></details>"
        if rest
        else ""
    )
    return f"<table>{rows(head)}</table>{more}"


_INDEX_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1200px;color:#222}
table.runs{border-collapse:collapse;width:100%} table.runs th,table.runs td{border-bottom:1px solid #dde3ea;
padding:.4em .6em;text-align:left;vertical-align:top} .ok{color:#009E73;font-weight:bold}
.failed{color:#D55E00;font-weight:bold} .skipped,.pending{color:#777} td table td{padding:0 .8em 0 0;font-size:.9em}
"""


def _registry_note(nb: dict[str, Any]) -> str:
    """The registered model version and alias of a tracked notebook (empty when untracked)."""
    t = nb.get("tracking") or {}
    if not t.get("model_name"):
        return ""
    return (
        f'<br><small title="{html.escape(str(t.get("reason", "")))}">MLflow: '
        f"<code>{html.escape(t['model_name'])} v{html.escape(str(t.get('model_version')))}</code> "
        f"· {html.escape(str(t.get('alias')))}</small>"
    )


def render_index(run: dict[str, Any], run_dir: Path) -> Path:
    """Write ``index.html``: the run at a glance with each notebook's status, time, figures and link."""
    rows = []
    for nb in run.get("notebooks", []):
        link = (
            f'<a href="{html.escape(nb["html"])}">{html.escape(nb["name"])}</a>'
            if nb.get("html")
            else html.escape(nb["name"])
        )
        seconds = f"{nb['seconds']:,.1f} s" if nb.get("seconds") is not None else ""
        error = f"<br><code>{html.escape(nb['error'])}</code>" if nb.get("error") else ""
        rows.append(
            f'<tr><td>{link}{_registry_note(nb)}</td><td class="{nb["status"]}">{nb["status"]}{error}</td>'
            f"<td>{seconds}</td><td>{_metrics_cell(nb.get('metrics') or {})}</td></tr>"
        )
    head = (
        f"<h1>RiskInsights run {html.escape(run.get('run_id', ''))}</h1>"
        f'<p>Status <span class="{run.get("status")}">{html.escape(str(run.get("status")))}</span> · '
        f"parameters <code>{html.escape(str(run.get('params_file')))}</code> · commit "
        f"<code>{html.escape(str(run.get('git_commit', ''))[:12])}</code> · started {html.escape(str(run.get('started')))}"
        f' · finished {html.escape(str(run.get("finished")))} · <a href="run.json">run.json</a></p>'
    )
    table = (
        '<table class="runs"><tr><th>Notebook</th><th>Status</th><th>Time</th><th>Headline figures</th></tr>'
        + "".join(rows)
        + "</table>"
    )
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>RiskInsights {html.escape(run.get("run_id", ""))}</title><style>{_INDEX_CSS}</style></head><body>{head}{table}</body></html>'
    path = Path(run_dir) / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
