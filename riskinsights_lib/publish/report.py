"""The sentences 03 shows about a publish."""

from __future__ import annotations

import pandas as pd

__all__ = ["publish_narrative"]


def publish_narrative(summary: pd.DataFrame | None, seconds: float) -> str:
    """Markdown reading of a publish summary (``None`` when publishing is off)."""
    if summary is None or summary.empty:
        return (
            "Publishing to PostgreSQL is **off** (`bi_reporting.publish` is empty). Set it to "
            "`env`, `service:NAME` or a URL without password to publish this run (`docs/bi.md`)."
        )
    facts = summary[summary["kind"] == "fact"]
    fact_rows = int(facts["rows"].sum())
    fact_seconds = float(facts["seconds"].sum())
    rate = f"{fact_rows / fact_seconds:,.0f} rows/s" if fact_seconds > 0 else "n/a"
    where = f" to schema `{summary['schema'].iloc[0]}`" if "schema" in summary else ""
    by_kind = summary.groupby("kind")["table"].count()
    kinds = ", ".join(f"{n} {k}" for k, n in by_kind.items())
    return (
        f"Published **{len(summary)} tables** ({kinds}; {int(summary['rows'].sum()):,} rows)"
        f"{where} in {seconds:,.1f} s; the fact tables loaded at {rate} through Arrow. "
        "The new tables replaced the previous ones in one transaction."
    )
