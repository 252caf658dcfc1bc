"""Every churn chart draws on a given Axes, and the generated readings follow the numbers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from riskinsights_lib.churn import (
    confusion_table,
    decile_table,
    explain,
    fit_churn_model,
    global_importance,
    plots,
    rate_by_group,
    reliability_table,
    report,
    targeting_table,
)
from riskinsights_lib.style import title_text


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(11)
    n = 600
    df = pd.DataFrame(
        {
            "score_a": rng.normal(size=n) * 2000,
            "kind": rng.choice(["p", "q", None], n),
            "month": rng.choice(["2024-01", "2024-02"], n),
        }
    )
    df["target"] = (df["score_a"] / 2000 + (df["kind"] == "p") + rng.normal(size=n) > 1).astype(int)
    model = fit_churn_model(df, "target", ["score_a", "kind"], n_estimators=30, seed=1)
    p = model.churn_probability(df).to_numpy()
    return df, model, p, explain(model, df.iloc[:150])


def test_plot_helpers_draw_on_given_axes(setup):
    df, model, p, exp = setup
    y = df["target"].to_numpy()
    table = targeting_table(
        np.arange(len(y)), p, np.full(len(y), 100.0), save_rate=0.3, contact_cost=5, y_true=y
    )
    calls = [
        lambda ax: plots.plot_rate_by_group(rate_by_group(df, "month", "target"), "month", ax=ax),
        lambda ax: plots.plot_learning_curve(model.eval_history, model.best_iteration, ax=ax),
        lambda ax: plots.plot_roc(
            y, {"model": p, "noise": np.random.default_rng(0).random(len(y))}, ax=ax
        ),
        lambda ax: plots.plot_precision_recall(y, {"model": p}, ax=ax),
        lambda ax: plots.plot_reliability(reliability_table(y, p), ax=ax),
        lambda ax: plots.plot_gains(y, {"model": p}, ax=ax),
        lambda ax: plots.plot_lift(decile_table(y, p), ax=ax),
        lambda ax: plots.plot_confusion(confusion_table(y, p, cutoff=0.5), cutoff=0.5, ax=ax),
        lambda ax: plots.plot_importance(global_importance(exp), ax=ax),
        lambda ax: plots.plot_beeswarm(exp, ax=ax),
        lambda ax: plots.plot_dependence(exp, "score_a", ax=ax),
        lambda ax: plots.plot_dependence(exp, "kind", ax=ax),
        lambda ax: plots.plot_waterfall(exp, 0, label="abc123", ax=ax),
        lambda ax: plots.plot_net_benefit(table, 10, ax=ax),
    ]
    for call in calls:
        fig, ax = plt.subplots()
        assert call(ax) is ax
        assert title_text(ax)
        plt.close(fig)


def test_readings_follow_the_numbers():
    good = report.describe_discrimination((0.80, 0.78, 0.82), (0.79, 0.77, 0.81), 0.81)
    bad = report.describe_discrimination((0.80, 0.78, 0.82), (0.70, 0.68, 0.72), 0.81)
    assert "meets the quality bar" in good and "97.5%" in good
    assert "falls short" in bad
    ahead = report.describe_baseline(0.80, 0.78, (0.02, 0.01, 0.03))
    behind = report.describe_baseline(0.78, 0.80, (-0.02, -0.04, 0.005))
    assert ahead.startswith("XGBoost beats") and "excludes zero" in ahead
    assert behind.startswith("The logistic baseline is ahead") and "includes zero" in behind
    t = targeting_table(["a", "b"], [0.1, 0.2], [10, 10], save_rate=0.3, contact_cost=5)
    assert "No contact pays" in report.describe_targeting(t, 0, 0.0, save_rate=0.3, contact_cost=5)


def test_other_readings_quote_their_numbers():
    assert "stable" in report.describe_stability(0.05)
    assert "shifted" in report.describe_stability(0.3)
    pop = pd.DataFrame({"snap": ["a", "b"], "customers": [1000, 900], "churn_rate": [0.10, 0.08]})
    assert "2.0 percentage points lower" in report.describe_population(pop, "snap")
    conf = pd.DataFrame([[90, 5], [3, 2]])
    text = report.describe_cutoff(conf, 0.5)
    assert "flags 7 customers" in text and "catches 40%" in text
