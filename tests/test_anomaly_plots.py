"""Chart helpers draw on the given axes, state findings in titles and never save or show."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from riskinsights_lib.anomaly import budget_curve, evaluate_detectors
from riskinsights_lib.anomaly.narrative import daily_reading, detector_table
from riskinsights_lib.anomaly.plots import (
    plot_budget_curve,
    plot_customer_timeline,
    plot_detector_comparison,
    plot_score_distributions,
    plot_throughput,
)
from riskinsights_lib.style import title_text


@pytest.fixture(scope="module")
def scored():
    rng = np.random.default_rng(1)
    n = 3000
    types = np.array([None] * n, dtype=object)
    types[:30] = "spike"
    types[30:50] = "burst"
    good = rng.normal(size=n) + np.where(types != None, 3.0, 0.0)  # noqa: E711
    return pd.DataFrame(
        {
            "anomaly_type": types,
            "iforest": good,
            "rule": rng.normal(size=n),
            "day": np.repeat(pd.date_range("2024-01-01", periods=30), 100),
        }
    )


def test_comparison_and_distribution_charts(scored):
    table = evaluate_detectors(
        scored["anomaly_type"],
        {"iforest": scored["iforest"], "rule": scored["rule"]},
        k=40,
        day=scored["day"],
    )
    fig = plot_detector_comparison(table, k=40)
    assert title_text(fig.axes[0]).startswith("The Isolation Forest has the highest PR AUC")
    assert "top 40" in fig.axes[1].get_ylabel()
    ax = plot_score_distributions(
        scored["rule"] * 100, scored["anomaly_type"], detector="Rule", clip=(0.01, 0.99)
    )
    assert title_text(ax).startswith("Rule: ") and len(ax.get_legend().get_texts()) == 3
    assert "clipped to" in ax.get_xlabel()
    text = daily_reading(table, k=40, n_days=30, n_rows=3000)
    assert "40.0% of the 100 transactions of an average day" in text
    plt.close("all")


def test_budget_and_timeline_and_throughput(scored):
    curve = budget_curve(scored["iforest"], scored["anomaly_type"], [10, 50, 100, 1000])
    fig, ax = plt.subplots()
    assert plot_budget_curve(curve, k=50, ax=ax) is ax
    assert ax.get_xscale() == "log" and "alert budget" in ax.get_xlabel()
    timeline = pd.DataFrame(
        {
            "ts": pd.date_range("2024-01-01", periods=5, freq="D"),
            "amount": [10.0, 12.0, 900.0, 11.0, 9.0],
            "score": [0.3, 0.3, 0.8, 0.3, 0.3],
            "flagged": [False, False, True, False, False],
            "reasons": ["", "", "8.0x the customer's median amount; at night", "", ""],
        }
    )
    ax = plot_customer_timeline(timeline)
    assert "1 flagged" in title_text(ax)
    assert any("8.0x the customer's median amount" in t.get_text() for t in ax.texts)
    bench = pd.DataFrame(
        {"n_estimators": [50, 100], "rows": [1000, 1000], "rows_per_s": [5e5, 3e5]}
    )
    assert "500,000 rows/s" in title_text(plot_throughput(bench))
    plt.close("all")


def test_detector_table_describes_each_detector():
    from riskinsights_lib.anomaly import fit_anomaly_detector, fit_ecod, fit_lof, fit_rule_detector

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    dets = {
        "iforest": fit_anomaly_detector(X, n_estimators=10, max_samples=64),
        "rule": fit_rule_detector(X, column="a"),
        "ecod": fit_ecod(X),
        "lof": fit_lof(X, n_neighbors=5, max_rows=100),
    }
    table = detector_table(dets, n_fit=300)
    assert table.loc["lof", "fit_rows"] == 100 and table.loc["ecod", "fit_rows"] == 300
    assert table.loc["iforest", "settings"] == "n_estimators=10, max_samples=64"
    assert table.loc["rule", "settings"] == "score = a"
