"""The report exporter and the house style: offline pages, titles, back-links, tables, figures."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from riskinsights_lib.figures import (
    FIGURES,
    choose_front_page,
    figure_text,
    headline_rows,
    headline_table,
    read_front_page,
    traffic_light,
)
from riskinsights_lib.front_page import relative_params_file, render_index
from riskinsights_lib.offline import external_resources
from riskinsights_lib.paths import PROJECT_ROOT
from riskinsights_lib.report import WIDGET_MIME, render_notebook_html
from riskinsights_lib.tables import NA, column_kind, humanise, show_table


def _executed_notebook(path):
    table = pd.DataFrame({"reason": ["x " * 200], "n": [3]}).to_html()
    cells = [
        new_markdown_cell("# 09 · A test report: does it open offline?"),
        new_code_cell("x = 1"),
        new_markdown_cell("## 1. Numbers"),
        new_code_cell("table"),
        new_code_cell("widget"),
        new_markdown_cell("## 2. Headline figures"),
    ]
    cells[3].outputs = [
        new_output(
            "execute_result", data={"text/html": table, "text/plain": "t"}, execution_count=1
        )
    ]
    cells[4].outputs = [
        new_output(
            "display_data",
            data={WIDGET_MIME: {"model_id": "abc", "version_major": 2}, "text/plain": "VBox()"},
        )
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nbformat.write(nb, path)
    return path


def test_report_is_offline_titled_linked_and_scrolls_tables(tmp_path):
    nb = _executed_notebook(tmp_path / "09_test.ipynb")
    out = render_notebook_html(nb, tmp_path / "reports" / "09_test.html", info={"Run": "r1"})
    page = out.read_text(encoding="utf-8")
    assert external_resources(page) == []
    assert "<title>09 · A test report: does it open offline? · RiskInsights run r1</title>" in page
    assert 'href="../index.html"' in page
    assert "VBox()" not in page and "widget-state" not in page
    assert 'class="ri-scroll"' in page and 'id="headline-figures"' in page


def test_offline_check_finds_every_kind_of_remote_resource():
    page = (
        '<html><head><script src="https://cdn.x/r.js"></script>'
        '<link rel="stylesheet" href="//cdn.x/s.css"><style>@font-face{src:url(https://f.x/a.woff)}</style>'
        "</head><body><img src='http://i.x/a.png'><a href='https://docs.x'>docs</a>"
        "<script>var s = 'https://unpkg.com/w.js';</script>"
        '<div style="background:url(https://b.x/i.png)"></div></body></html>'
    )
    found = external_resources(page)
    assert len(found) == 6 and not any("docs.x" in f for f in found)


def test_show_table_names_units_percent_money_and_dashes():
    df = pd.DataFrame(
        {
            "reject_rate": [0.01234, np.nan],
            "total_balance": [83537877.289, 12.5],
            "score": [385.8506, 401.2],
            "support": [4692.0, 12.0],
            "detail": ["a long reason", None],
        }
    )
    styled = show_table(df)
    page = styled.to_html()
    assert list(styled.data.columns) == list(df.columns)
    for text in ("Reject rate", "Total balance (EUR)", "1.23%", "83,537,877", ">386<", "4,692<"):
        assert text in page, text
    assert NA in page and "not applicable" in page
    assert "<th" in page and ">0<" not in page  # no 0..N index column
    assert column_kind("rows_per_s", pd.Series([1.5])) == "number"
    assert humanise("oot_auc_ci_low") == "Out-of-time AUC CI low"


def test_show_table_keeps_a_meaningful_index_and_limits_rows():
    df = pd.DataFrame(
        {"n_customers": range(30)}, index=pd.Index([f"s{i}" for i in range(30)], name="segment")
    )
    page = show_table(df, max_rows=10).to_html()
    assert "Segment" in page and "s9" in page and "s10" not in page
    assert "First 10 of 30 rows." in page


def test_headline_figures_in_words_with_intervals_and_lights():
    metrics = {
        "oot_auc": 0.855,
        "oot_auc_ci_low": 0.83,
        "oot_auc_ci_high": 0.875,
        "model_share_of_oracle": 0.956,
        "pd_vs_observed": -0.121,
        "hosmer_lemeshow_p": 0.004,
        "total_deposits": 83537877.29,
        "recall_by_type": {"night_atm": 0.99},
        "k": 200,
    }
    assert figure_text("oot_auc", metrics) == "0.855 (0.830–0.875)"
    assert figure_text("total_deposits", metrics) == "EUR 83,537,877"
    assert traffic_light("model_share_of_oracle", metrics) == "green"
    assert traffic_light("pd_vs_observed", metrics) == "green"
    assert traffic_light("hosmer_lemeshow_p", metrics) == "red"
    rows = headline_rows(metrics)
    assert "oot_auc_ci_low" not in {r["key"] for r in rows}
    assert "Night ATM 99.0%" in figure_text("recall_by_type", metrics)
    page = headline_table(metrics).to_html()
    assert (
        "Out-of-time AUC (95% CI)" in page
        and "{" not in page.split("<table")[1].split("</style>")[-1]
    )


def test_front_page_choice_is_checked_and_rendered(tmp_path):
    metrics = {"oot_auc": 0.8, "psi_score": 0.3, "n_train": 10}
    with pytest.raises(ValueError, match="none of"):
        choose_front_page(tmp_path, "04_x", ["oracle_auc"], metrics)
    assert choose_front_page(tmp_path, "04_x", ["oracle_auc", "oot_auc"], metrics) == ["oot_auc"]
    with pytest.raises(ValueError, match="no label"):
        choose_front_page(tmp_path, "04_x", ["n_train"], metrics)
    choose_front_page(tmp_path, "04_x", ["psi_score", "oot_auc"], metrics)
    assert read_front_page(tmp_path, "04_x") == ["psi_score", "oot_auc"]
    run = {
        "run_id": "r1",
        "status": "ok",
        "params_file": str(PROJECT_ROOT / "params" / "ci.yaml"),
        "started": "2026-01-01T10:00:00",
        "finished": "2026-01-01T10:02:30",
        "mlflow": {"run_url": "http://127.0.0.1:5000/#/experiments/1/runs/abc"},
        "notebooks": [
            {
                "name": "04_x",
                "status": "ok",
                "seconds": 3.0,
                "html": "reports/04_x.html",
                "metrics": metrics,
            }
        ],
    }
    page = render_index(run, tmp_path).read_text(encoding="utf-8")
    assert "<code>params/ci.yaml</code>" in page and str(PROJECT_ROOT) not in page
    assert page.index("Score PSI") < page.index("Out-of-time AUC")
    assert "n_train" not in page and "missed" in page and "MLflow run" in page
    assert 'href="reports/04_x.html#headline-figures"' in page
    assert external_resources(page) == []
    assert relative_params_file("/elsewhere/p.yaml") == "p.yaml"


def test_every_front_page_figure_has_a_label():
    assert all(f.label and f.kind for f in FIGURES.values())
    assert json.dumps(sorted(FIGURES))  # keys are plain strings
