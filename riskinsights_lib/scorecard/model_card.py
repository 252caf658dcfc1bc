"""Model card: a short, computed description saved beside the model (Markdown + HTML).

The notebook fills the sections from computed figures; this module only lays
them out. Content is either text (paragraphs, ``- `` bullet lines) or a table.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from riskinsights_lib.scorecard.model import Scorecard

__all__ = ["ModelCard", "markdown_table", "build_model_card"]


def _cell(value: object, digits: int) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if isinstance(value, (float, np.floating)):
        return f"{value:,.{digits}f}"
    return str(value)


def markdown_table(frame: pd.DataFrame, *, digits: int = 4) -> str:
    """A GitHub-flavoured Markdown table of ``frame`` (index dropped)."""
    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v, digits).replace("|", "/") for v in row) + " |")
    return "\n".join(lines)


@dataclass
class ModelCard:
    """Title plus ordered sections of text or tables."""

    title: str
    sections: list[tuple[str, str | pd.DataFrame]] = field(default_factory=list)

    def add(self, heading: str, content: str | pd.DataFrame) -> ModelCard:
        """Append a section; returns the card for chaining."""
        if not heading:
            raise ValueError("heading: expected a section title")
        self.sections.append((heading, content))
        return self

    def to_markdown(self) -> str:
        parts = [f"# {self.title}"]
        for heading, content in self.sections:
            body = markdown_table(content) if isinstance(content, pd.DataFrame) else content.strip()
            parts.append(f"## {heading}\n\n{body}")
        return "\n\n".join(parts) + "\n"

    def to_html(self) -> str:
        parts = [
            "<!DOCTYPE html><html><head><meta charset='utf-8'>",
            f"<title>{html.escape(self.title)}</title>",
            "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;color:#222}"
            "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;"
            "padding:.2rem .5rem;text-align:right}th{background:#f3f3f3}</style></head><body>",
            f"<h1>{html.escape(self.title)}</h1>",
        ]
        for heading, content in self.sections:
            parts.append(f"<h2>{html.escape(heading)}</h2>")
            if isinstance(content, pd.DataFrame):
                parts.append(
                    content.to_html(index=False, float_format=lambda v: f"{v:,.4f}", border=0)
                )
                continue
            bullets: list[str] = []
            for line in content.strip().splitlines() + [""]:
                if line.startswith("- "):
                    bullets.append(f"<li>{html.escape(line[2:])}</li>")
                    continue
                if bullets:
                    parts.append("<ul>" + "".join(bullets) + "</ul>")
                    bullets = []
                if line.strip():
                    parts.append(f"<p>{html.escape(line)}</p>")
        parts.append("</body></html>")
        return "\n".join(parts)

    def save(self, folder: str | os.PathLike, stem: str = "model_card") -> tuple[Path, Path]:
        """Write ``<stem>.md`` and ``<stem>.html`` into ``folder``; returns both paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        md, page = folder / f"{stem}.md", folder / f"{stem}.html"
        md.write_text(self.to_markdown(), encoding="utf-8")
        page.write_text(self.to_html(), encoding="utf-8")
        return md, page


def build_model_card(
    card: Scorecard,
    *,
    title: str,
    purpose: str,
    population: str,
    target_definition: str,
    data_window: pd.DataFrame,
    performance: pd.DataFrame,
    calibration: str,
    grades: pd.DataFrame,
    stability: str,
    limitations: list[str],
) -> ModelCard:
    """Assemble the model card from computed pieces (the caller computes every figure)."""
    iv = card.iv_table.set_index("feature")["iv"]
    features = pd.DataFrame(
        {
            "feature": card.features,
            "iv": [float(iv[f]) for f in card.features],
            "coef": [card.coef[f] for f in card.features],
            "n_bins": [card.binnings[f].n_regular for f in card.features],
            "monotonic": [card.binnings[f].monotonic_trend or "none" for f in card.features],
        }
    )
    dropped = card.selection.loc[~card.selection["kept"], ["feature", "iv", "reason"]]
    s = card.scaling
    return (
        ModelCard(title)
        .add("Purpose", purpose)
        .add("Population", population)
        .add("Target definition", target_definition)
        .add("Data window", data_window)
        .add(
            "Model",
            f"Logistic regression on weight-of-evidence bins, converted to points: "
            f"{s.base_score:g} points at good:bad odds {s.base_odds:g}:1, {s.pdo:g} points to double the odds. "
            f"{len(card.features)} of {len(card.candidates)} candidate features kept.",
        )
        .add("Features in the scorecard", features)
        .add("Features dropped and why", dropped)
        .add("Performance", performance.reset_index(names="sample"))
        .add("Calibration", calibration)
        .add("Grades (out of time)", grades)
        .add("Stability", stability)
        .add("Limitations", "\n".join(f"- {item}" for item in limitations))
    )
