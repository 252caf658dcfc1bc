"""BI charts and generated narratives on the minimart's KPI tables."""

from __future__ import annotations

import re

import duckdb
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from test_bi_minimart import build_minimart

from riskinsights_lib import bi
from riskinsights_lib.style import set_style

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def kpis():
    con = duckdb.connect()
    build_minimart(con)
    set_style()
    out = bi.compute_kpis(con, top_n=3)
    out["headline"] = bi.headline_kpis(con)
    con.close()
    return out


def _title(ax) -> str:
    """The title wherever the house style put it (left-aligned by default)."""
    return " ".join(ax.get_title(loc=loc) for loc in ("left", "center", "right")).strip()


def _charts(k):
    return [
        (bi.plot_customers_by_segment, k["kpi_customers_by_segment"]),
        (bi.plot_accounts_by_product, k["kpi_accounts_by_product"]),
        (bi.plot_new_closed, k["kpi_accounts_by_product"]),
        (bi.plot_balances, k["kpi_balances"]),
        (bi.plot_utilisation, k["kpi_utilisation"]),
        (bi.plot_segment_product, k["kpi_segment_product"]),
        (bi.plot_transactions_by_month, k["kpi_tx_by_month"]),
        (bi.plot_channel_mix, k["kpi_tx_by_channel"]),
        (bi.plot_top_categories, k["kpi_tx_by_category"]),
        (bi.plot_top_countries, k["kpi_tx_by_country"]),
        (bi.plot_weekday_hour, k["kpi_tx_weekday_hour"]),
        (bi.plot_delinquency, k["kpi_delinquency"]),
        (bi.plot_roll_rates, bi.roll_rate_matrix(k["kpi_roll_rates"])),
        (bi.plot_vintages, k["kpi_vintages"]),
        (bi.plot_default_rates, k["kpi_default_by_segment"]),
        (bi.plot_default_by_product, k["kpi_default_by_product"]),
        (bi.plot_churn, k["kpi_churn"]),
        (bi.plot_product_holding, k["kpi_product_holding"]),
        (bi.plot_activity, k["kpi_activity"]),
        (bi.plot_reconciliation, k["kpi_dq_reconciliation"]),
        (bi.plot_rejects, k["kpi_dq_rejects"]),
    ]


def test_every_chart_draws_on_the_given_axes_with_a_finding_title(kpis):
    for func, data in _charts(kpis):
        fig, ax = plt.subplots()
        out = func(data, ax=ax)
        assert out is ax, func.__name__
        title = _title(ax)
        assert re.search(r"\d", title), (func.__name__, title)
        assert ax.get_xlabel() and ax.get_ylabel(), func.__name__
        assert ax.has_data() or ax.collections or ax.images, func.__name__
        plt.close(fig)


def test_charts_make_their_own_axes_and_check_input(kpis):
    ax = bi.plot_balances(kpis["kpi_balances"])
    assert ax.figure is not None
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="balances"):
        bi.plot_balances(pd.DataFrame({"month_end": []}))
    with pytest.raises(TypeError, match="customers"):
        bi.plot_customers_by_segment([1, 2])


def test_titles_state_the_numbers(kpis):
    fig, ax = plt.subplots()
    bi.plot_delinquency(kpis["kpi_delinquency"], ax=ax)
    d = kpis["kpi_delinquency"]
    last = d[d["month_end"] == d["month_end"].max()]
    share90 = last.loc[last["dpd_bucket"] == "90+", "n_accounts"].sum() / last["n_accounts"].sum()
    assert f"{share90:.1%}" in _title(ax)
    plt.close(fig)


def test_portfolio_narrative_reports_the_data(kpis):
    text = bi.portfolio_narrative(
        kpis["kpi_customers_by_segment"], kpis["kpi_balances"], kpis["kpi_utilisation"]
    )
    total = kpis["kpi_customers_by_segment"].groupby("month_end")["n_customers"].sum().sort_index()
    assert f"{total.iloc[-1]:,}" in text and f"{total.iloc[0]:,}" in text
    assert "segment moved most" in text
    assert 2 <= text.count(". ") + 1 <= 4


def test_credit_narrative_names_the_segment_that_moved_most(kpis):
    d = kpis["kpi_default_by_segment"]
    text = bi.credit_narrative(kpis["kpi_delinquency"], kpis["kpi_roll_rates"], d)
    g = d.groupby(["cohort_month_end", "segment"])[["n_defaults", "n_accounts"]].sum()
    rate = (g["n_defaults"] / g["n_accounts"]).unstack().sort_index()
    mover = (rate.iloc[-1] - rate.iloc[0]).abs().idxmax()
    assert f"The {mover.replace('_', ' ')} segment" in text
    assert "90+ days past due" in text


def test_other_narratives(kpis):
    t = bi.transactions_narrative(
        kpis["kpi_tx_by_month"], kpis["kpi_tx_by_channel"], kpis["kpi_tx_weekday_hour"]
    )
    assert f"{kpis['kpi_tx_by_month']['n_transactions'].sum():,} transactions" in t
    c = bi.customer_narrative(kpis["kpi_churn"], kpis["kpi_product_holding"], kpis["kpi_activity"])
    assert "churned within 6 months" in c and "two or more product types" in c
    q = bi.quality_narrative(
        kpis["kpi_dq_reconciliation"], kpis["kpi_dq_rejects"], kpis["kpi_dq_checks"]
    )
    assert "every source reconciles" in q and "1 of 4 stored data-quality checks failed" in q
    assert "missing key (3 rows)" in q


def test_narratives_on_empty_tables():
    empty = pd.DataFrame(columns=["month_end", "segment", "n_customers"])
    bal = pd.DataFrame(columns=["month_end", "deposit_balance", "loan_balance"])
    util = pd.DataFrame(columns=["month_end", "total_balance", "total_limit"])
    assert "no open accounts" in bi.portfolio_narrative(empty, bal, util)
    with pytest.raises(ValueError, match="customers"):
        bi.portfolio_narrative(pd.DataFrame(), bal, util)


def test_kpi_headlines_read_the_tables(kpis):
    h = bi.kpi_headlines(kpis)
    roll = bi.roll_rate_matrix(kpis["kpi_roll_rates"])
    assert h["roll_60_89_to_90plus"] == roll.loc["60-89", "90+"]
    assert h["roll_current_to_1_29"] == roll.loc["current", "1-29"]
    c = kpis["kpi_churn"][
        kpis["kpi_churn"]["snapshot_date"] == kpis["kpi_churn"]["snapshot_date"].max()
    ]
    assert h["churn_rate_6m_last_snapshot"] == c["n_churned"].sum() / c["n_customers"].sum()
    assert 0 <= h["default_rate_12m_last_cohort"] <= 1
    with pytest.raises(ValueError, match="kpis"):
        bi.kpi_headlines({})


def test_export_narrative():
    manifest = {
        "created_utc": "20240101T000000Z",
        "formats": ["parquet", "csv"],
        "run_id": "r1",
        "git_commit": "0123456789abcdef",
        "files": [
            {"table": "dim_a", "kind": "datamart", "rows": 5, "bytes": 1_000_000},
            {"table": "dim_a", "kind": "datamart", "rows": 5, "bytes": 500_000},
            {"table": "relationships", "kind": "metadata", "rows": 1, "bytes": 10},
        ],
    }
    text = bi.export_narrative(manifest, 1.25)
    assert text.startswith("3 files (1.5 MB)") and "1 tables (5 rows)" in text
    assert "`0123456789`" in text and "1.2 s" in text


def test_charts_on_empty_tables_say_so(kpis):
    for func, data in _charts(kpis):
        fig, ax = plt.subplots()
        func(data.iloc[0:0], ax=ax)
        assert _title(ax).startswith("No "), func.__name__
        plt.close(fig)


def test_headline_table_formats_the_figures(kpis):
    table = bi.headline_table(kpis["headline"])
    assert table.columns[0] == f"At {kpis['headline']['latest_month_end']}"
    assert table.loc["Open credit accounts 90+ days past due"].iloc[0].endswith("%")
    assert table.loc["Deposit balances"].iloc[0].startswith("EUR ")
    with pytest.raises(ValueError, match="headline"):
        bi.headline_table({})
