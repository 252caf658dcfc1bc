"""The 02 notebook's helpers: quality tables, charts, readings and recorded figures."""

from __future__ import annotations

import json

import matplotlib
import pandas as pd

from riskinsights_lib.datamart import connect, report
from riskinsights_lib.datamart.sources import REJECT_REASONS

matplotlib.use("Agg")


def _title(ax) -> str:
    return "".join(ax.get_title(loc=loc) for loc in ("left", "center"))


def test_rejects_by_reason_and_its_reading(dirty_mart):
    root, expected, _ = dirty_mart
    with connect(root / "datamart.duckdb") as con:
        rejects = report.rejects_by_reason(con)
        recon = report.reconciliation_frame(con)
    assert int(rejects.to_numpy().sum()) == len(expected)
    assert list(rejects.columns) == list(REJECT_REASONS)
    # transactions: one bad row per reason, two null tokens (an id and a foreign key)
    assert rejects.loc["transactions"].tolist() == [1, 2, 1, 1, 1, 1, 1, 1, 1]
    text = report.reading_reconciliation(recon, rejects)
    raw = int(recon["raw_rows"].sum())
    assert f"**{raw:,}** raw rows" in text and f"**{len(expected):,}**" in text
    assert "holds for every source" in text and "missing key 5" in text


def test_charts_return_their_axes_with_a_finding_title(dirty_mart):
    root, expected, _ = dirty_mart
    with connect(root / "datamart.duckdb") as con:
        ax = report.plot_rejects(report.rejects_by_reason(con))
        rates = report.label_rates(con)
    assert _title(ax).startswith(f"{len(expected):,} raw rows quarantined")
    ax2 = report.plot_label_rates(rates)
    assert "default_12m" in _title(ax2)
    assert len(ax2.lines) == 2


def test_label_rates_and_reading(dirty_mart):
    root, _, _ = dirty_mart
    with connect(root / "datamart.duckdb") as con:
        rates = report.label_rates(con)
        mart = con.execute("SELECT snapshot_date, default_12m FROM mart_default").df()
    first = mart[mart["snapshot_date"] == mart["snapshot_date"].min()]["default_12m"].mean()
    got = rates[(rates["mart"] == "mart_default")].iloc[0]["label_rate"]
    assert got == first
    text = report.reading_label_rates(rates)
    assert f"{first:.1%}" in text and "Every label is known" in text


def test_checks_reading_names_failures():
    checks = pd.DataFrame(
        {
            "check_type": ["unique", "scd2"],
            "check_name": ["unique_dim_customer", "scd2_no_overlap_dim_customer"],
            "failed_rows": [0, 3],
            "passed": [True, False],
        }
    )
    assert "1 of 2" in report.reading_checks(
        checks
    ) and "scd2_no_overlap_dim_customer" in report.reading_checks(checks)
    assert report.reading_checks(checks.iloc[:1]).startswith("All **1**")


def test_recorded_figures_are_plain_json(dirty_mart):
    _, _, summary = dirty_mart
    metrics = report.etl_metrics(summary)
    assert (
        metrics["raw_rows"]["transactions"]
        == metrics["loaded_rows"]["transactions"] + metrics["rejected_rows"]["transactions"]
    )
    assert metrics["checks_failed"] == 0 and metrics["failed_checks"] == []
    json.dumps(metrics)
    json.dumps(summary.as_dict())
