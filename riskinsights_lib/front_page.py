"""``index.html``: the run's front page.

Per notebook: its status and time, the 3-5 figures it chose
(:func:`riskinsights_lib.figures.choose_front_page`) labelled in words with
units and a traffic light where a quality bar exists, and links to its report
and to the report's full "Headline figures" table. The page header names the
parameter file relative to the repository, the commit, the run's times, and
links to the MLflow run and the anomaly dashboard when the run records them
(``run.json``: ``mlflow`` with ``run_url``/``ui_url`` or ``url``; ``dashboard``
with ``url``). Offline like the reports: one file, no network resource.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from riskinsights_lib.figures import headline_rows, read_front_page
from riskinsights_lib.paths import PROJECT_ROOT
from riskinsights_lib.tables import humanise

__all__ = ["render_index", "relative_params_file", "HEADLINE_ANCHOR"]

#: The id of the "Headline figures" heading inside each report.
HEADLINE_ANCHOR = "headline-figures"

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1200px;
color:#222;padding:0 1em} h1{margin-bottom:.2em} p.facts{color:#444;margin-top:0;line-height:1.6}
.badge{display:inline-block;padding:.05em .6em;border-radius:1em;font-weight:bold;font-size:.9em}
.ok{background:#e3f4ee;color:#00664a} .failed,.interrupted{background:#fbe6dd;color:#a33d00}
.skipped,.pending,.running,.partial{background:#eee;color:#555}
section.nb{border:1px solid #dde3ea;border-radius:8px;padding:.8em 1.2em;margin:1em 0}
section.nb h2{font-size:1.15em;margin:.2em 0 .5em} section.nb h2 a{color:#0072B2;text-decoration:none}
section.nb .meta{color:#555;font-size:.9em;margin-left:.6em;font-weight:normal}
table.figs{border-collapse:collapse;width:100%;table-layout:fixed} table.figs col.label{width:58%}
table.figs col.value{width:27%} table.figs td{padding:.35em .6em;border-top:1px solid #eef1f5;
vertical-align:top} table.figs td.value{font-variant-numeric:tabular-nums;font-weight:600}
td.light{white-space:nowrap;font-size:.9em} .dot{font-size:1.1em} .green{color:#009E73} .amber{color:#E69F00}
.red{color:#D55E00} p.more{margin:.5em 0 0;font-size:.9em} p.more a{color:#0072B2}
code.error{display:block;white-space:pre-wrap;color:#a33d00;margin:.4em 0}
"""

_LIGHT_WORDS = {"green": "met", "amber": "close", "red": "missed"}


def relative_params_file(params_file: str | None, root: Path = PROJECT_ROOT) -> str:
    """The parameter file relative to the repository when it lies inside it, else its name."""
    if not params_file:
        return "–"
    path = Path(params_file)
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (OSError, ValueError):
        return path.name if path.is_absolute() else path.as_posix()


def _e(value: Any) -> str:
    return html.escape(str(value))


def _duration(run: Mapping[str, Any]) -> str:
    try:
        start = dt.datetime.fromisoformat(str(run["started"]))
        end = dt.datetime.fromisoformat(str(run["finished"]))
    except (KeyError, TypeError, ValueError):
        return ""
    return f" · took {dt.timedelta(seconds=round((end - start).total_seconds()))}"


def _link(url: Any, text: str) -> str:
    return f'<a href="{_e(url)}">{_e(text)}</a>'


def _external_links(run: Mapping[str, Any]) -> list[str]:
    links = []
    mlflow = run.get("mlflow")
    if isinstance(mlflow, Mapping):
        url = mlflow.get("run_url") or mlflow.get("url") or mlflow.get("ui_url")
        if url:
            links.append(_link(url, "MLflow run"))
    dashboard = run.get("dashboard")
    if isinstance(dashboard, Mapping) and dashboard.get("url"):
        links.append(_link(dashboard["url"], "anomaly dashboard"))
    return links


def _header(run: Mapping[str, Any]) -> str:
    status = str(run.get("status"))
    links = ['<a href="run.json">run.json</a>', *_external_links(run)]
    return (
        f"<h1>RiskInsights run {_e(run.get('run_id', ''))}</h1>"
        f'<p class="facts"><span class="badge {_e(status)}">{_e(status)}</span> · parameters '
        f"<code>{_e(relative_params_file(run.get('params_file')))}</code> · commit "
        f"<code>{_e(str(run.get('git_commit', ''))[:12])}</code> · started {_e(run.get('started'))}"
        f" · finished {_e(run.get('finished') or '–')}{_duration(run)} · {' · '.join(links)}</p>"
        '<p class="facts">The anomaly explorer runs as a web app on this run: '
        f"<code>riskinsights dashboard --run-dir outputs/{_e(run.get('run_id', ''))}</code></p>"
    )


def _figure_rows(rows: list[dict]) -> str:
    out = []
    for row in rows:
        light = row.get("light")
        cell = (
            f'<span class="dot {light}">●</span> {_LIGHT_WORDS[light]}'
            + (f" ({_e(row['note'])})" if row.get("note") else "")
            if light
            else ""
        )
        out.append(
            f'<tr><td>{_e(row["label"])}</td><td class="value">{_e(row["value"])}</td>'
            f'<td class="light {light or ""}">{cell}</td></tr>'
        )
    return "".join(out)


def _registry_note(nb: Mapping[str, Any]) -> str:
    """The MLflow model version and alias of a tracked notebook (empty when untracked)."""
    t = nb.get("tracking") or {}
    if not t.get("model_name"):
        return ""
    return (
        f'<p class="facts" title="{_e(t.get("reason", ""))}">MLflow registry: '
        f"<code>{_e(t['model_name'])} v{_e(t.get('model_version'))}</code> · "
        f"<b>{_e(t.get('alias'))}</b> · {_e(t.get('reason', ''))}</p>"
    )


def _notebook_section(nb: Mapping[str, Any], run_dir: Path) -> str:
    name, status = str(nb["name"]), str(nb.get("status"))
    title = f"{name[:2]} · {humanise(name[3:])}"
    href = nb.get("html")
    heading = _link(href, title) if href else _e(title)
    seconds = f"{nb['seconds']:,.1f} s" if nb.get("seconds") is not None else ""
    metrics = nb.get("metrics") or {}
    chosen = read_front_page(run_dir, name)
    if chosen is not None:
        chosen = [k for k in chosen if k in metrics]
    rows = headline_rows(metrics, chosen) if chosen else headline_rows(metrics)[:5]
    error = f'<code class="error">{_e(nb["error"])}</code>' if nb.get("error") else ""
    table = (
        '<table class="figs"><col class="label"><col class="value"><col>'
        f"{_figure_rows(rows)}</table>"
        if rows
        else ""
    )
    more = (
        f'<p class="more">{_link(f"{href}#{HEADLINE_ANCHOR}", "All headline figures")} · '
        f"{_link(href, 'full report')}</p>"
        if href and metrics
        else ""
    )
    return (
        f'<section class="nb"><h2>{heading}<span class="meta"><span class="badge {_e(status)}">'
        f"{_e(status)}</span> {seconds}</span></h2>{error}{_registry_note(nb)}{table}{more}</section>"
    )


def render_index(run: dict[str, Any], run_dir: Path) -> Path:
    """Write ``index.html``: the run at a glance, each notebook with the figures it chose."""
    run_dir = Path(run_dir)
    sections = "".join(_notebook_section(nb, run_dir) for nb in run.get("notebooks", []))
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>RiskInsights run {_e(run.get('run_id', ''))} · {_e(run.get('status'))}</title>"
        f"<style>{_CSS}</style></head><body>{_header(run)}{sections}</body></html>"
    )
    path = run_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
