"""Every plotting helper, drawn alone and side by side with itself, has no overlapping text.

The house style (``set_style``) lays figures out with a constrained layout that
wraps titles to their axes; this test draws each helper of the library on real
(small) inputs, once in its own figure and once as both panels of a 1 x 2 figure
as the notebooks do, and fails on any two text boxes that overlap.
"""

from __future__ import annotations

import duckdb
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from test_bi_minimart import build_minimart  # noqa: E402
from test_bi_report import _charts  # noqa: E402

from riskinsights_lib import bi  # noqa: E402
from riskinsights_lib import churn as ch  # noqa: E402
from riskinsights_lib import evaluation as ev  # noqa: E402
from riskinsights_lib import scorecard as sc  # noqa: E402
from riskinsights_lib.anomaly import budget_curve, evaluate_detectors  # noqa: E402
from riskinsights_lib.anomaly import plots as an_plots  # noqa: E402
from riskinsights_lib.churn import plots as ch_plots  # noqa: E402
from riskinsights_lib.datamart import connect  # noqa: E402
from riskinsights_lib.datamart import report as dm_report  # noqa: E402
from riskinsights_lib.generate import plots as gen_plots  # noqa: E402
from riskinsights_lib.generate import profile  # noqa: E402
from riskinsights_lib.scorecard import plots as sc_plots  # noqa: E402
from riskinsights_lib.scorecard import samples  # noqa: E402
from riskinsights_lib.style import overlapping_texts, set_style  # noqa: E402


def _bi_helpers():
    con = duckdb.connect()
    build_minimart(con)
    kpis = bi.compute_kpis(con, top_n=3)
    con.close()
    return {f.__name__: (lambda ax, f=f, d=d: f(d, ax=ax)) for f, d in _charts(kpis)}


def _churn_helpers():
    rng = np.random.default_rng(11)
    n = 600
    df = pd.DataFrame(
        {
            "deposit_balance_avg_3m": rng.normal(size=n) * 2000,
            "segment": rng.choice(["mass", "affluent", None], n),
            "snapshot_date": rng.choice(["2024-01-31", "2024-02-29"], n),
        }
    )
    df["churn_6m"] = (
        df["deposit_balance_avg_3m"] / 2000 + (df["segment"] == "mass") + rng.normal(size=n) > 1
    ).astype(int)
    model = ch.fit_churn_model(
        df, "churn_6m", ["deposit_balance_avg_3m", "segment"], n_estimators=30, seed=1
    )
    p = model.churn_probability(df).to_numpy()
    y = df["churn_6m"].to_numpy()
    exp = ch.explain(model, df.iloc[:150])
    table = ch.targeting_table(
        np.arange(n), p, np.full(n, 100.0), save_rate=0.3, contact_cost=5, y_true=y
    )
    scores = {"XGBoost": p, "logistic": rng.random(n), "oracle": np.clip(p + 0.1, 0, 1)}
    return {
        "churn.rate_by_group": lambda ax: ch_plots.plot_rate_by_group(
            ch.rate_by_group(df, "snapshot_date", "churn_6m"), "snapshot_date", ax=ax
        ),
        "churn.learning_curve": lambda ax: ch_plots.plot_learning_curve(
            model.eval_history, model.best_iteration, ax=ax
        ),
        "churn.roc": lambda ax: ch_plots.plot_roc(y, scores, ax=ax),
        "churn.precision_recall": lambda ax: ch_plots.plot_precision_recall(y, scores, ax=ax),
        "churn.reliability": lambda ax: ch_plots.plot_reliability(
            ch.reliability_table(y, p), ax=ax
        ),
        "churn.gains": lambda ax: ch_plots.plot_gains(y, scores, ax=ax),
        "churn.lift": lambda ax: ch_plots.plot_lift(ch.decile_table(y, p), ax=ax),
        "churn.confusion": lambda ax: ch_plots.plot_confusion(
            ch.confusion_table(y, p, cutoff=0.5), cutoff=0.5, ax=ax
        ),
        "churn.importance": lambda ax: ch_plots.plot_importance(ch.global_importance(exp), ax=ax),
        "churn.beeswarm": lambda ax: ch_plots.plot_beeswarm(exp, ax=ax),
        "churn.dependence": lambda ax: ch_plots.plot_dependence(
            exp, "deposit_balance_avg_3m", ax=ax
        ),
        "churn.waterfall": lambda ax: ch_plots.plot_waterfall(exp, 0, label="a1b2c3d4", ax=ax),
        "churn.net_benefit": lambda ax: ch_plots.plot_net_benefit(table, 10, ax=ax),
    }


def _scorecard_helpers():
    rng = np.random.default_rng(3)
    frames = []
    for k, date in enumerate(["2024-01-31", "2024-02-29", "2024-03-31"]):
        x, grp = rng.normal(size=800), rng.choice(["a", "b", "c"], 800)
        p = 1 / (1 + np.exp(-(-2.5 + 1.2 * x + (grp == "c") + 0.2 * k)))
        frames.append(
            pd.DataFrame(
                {
                    "snapshot": pd.Timestamp(date),
                    "default_12m": (rng.random(800) < p).astype(int),
                    "utilisation_now": x,
                    "segment": grp,
                }
            )
        )
    panel = pd.concat(frames, ignore_index=True)
    dev, oot = panel[panel["snapshot"] == "2024-01-31"], panel[panel["snapshot"] == "2024-03-31"]
    card = sc.fit_scorecard(
        dev, target="default_12m", features=["utilisation_now", "segment"], progress=False
    )
    p_dev, p_oot = card.predict_pd(dev), card.predict_pd(oot)
    grades = sc.grade_table(oot["default_12m"], p_oot, sc.fit_master_scale(p_dev, n_grades=5))
    series = sc.score_psi_series(card.score(dev), {"dev": card.score(dev), "oot": card.score(oot)})
    curve = pd.DataFrame(
        {
            "train_share": [0.25, 0.5, 1.0],
            "n": [200, 400, 800],
            "auc_test": [0.70, 0.72, 0.73],
            "auc_out-of-time": [0.69, 0.71, 0.72],
        }
    )
    return {
        "scorecard.target_by_snapshot": lambda ax: sc_plots.plot_target_by_snapshot(
            samples.target_summary(panel, "default_12m", by="snapshot"), ax=ax
        ),
        "scorecard.iv": lambda ax: sc_plots.plot_iv(card.iv_table, ax=ax),
        "scorecard.feature_bins": lambda ax: sc_plots.plot_feature_bins(
            card.binnings["utilisation_now"].table, ax=ax
        ),
        "scorecard.roc": lambda ax: sc_plots.plot_roc(
            {"train": (dev["default_12m"], p_dev), "out-of-time": (oot["default_12m"], p_oot)},
            ax=ax,
        ),
        "scorecard.ks": lambda ax: sc_plots.plot_ks(oot["default_12m"], card.score(oot), ax=ax),
        "scorecard.score_distribution": lambda ax: sc_plots.plot_score_distribution(
            {"development": card.score(dev), "out-of-time": card.score(oot)}, ax=ax
        ),
        "scorecard.reliability": lambda ax: sc_plots.plot_reliability(
            ev.calibration_table(oot["default_12m"], p_oot), label="out of time", ax=ax
        ),
        "scorecard.grades": lambda ax: sc_plots.plot_grades(grades, ax=ax),
        "scorecard.psi_series": lambda ax: sc_plots.plot_psi_series(series, ax=ax),
        "scorecard.learning_curve": lambda ax: sc_plots.plot_learning_curve(
            curve, ceiling=0.8, ax=ax
        ),
    }


def _anomaly_helpers():
    rng = np.random.default_rng(1)
    n = 3000
    types = np.array([None] * n, dtype=object)
    types[:30], types[30:50] = "amount_spike", "cnp_burst"
    scored = pd.DataFrame(
        {
            "anomaly_type": types,
            "iforest": rng.normal(size=n) + np.where(types != None, 3.0, 0.0),  # noqa: E711
            "rule": rng.normal(size=n),
            "day": np.repeat(pd.date_range("2024-01-01", periods=30), 100),
        }
    )
    curve = budget_curve(scored["iforest"], scored["anomaly_type"], [10, 50, 100, 1000])
    timeline = pd.DataFrame(
        {
            "ts": pd.date_range("2024-01-01", periods=5, freq="D"),
            "amount": [10.0, 12.0, 900.0, 11.0, 9.0],
            "score": [0.3, 0.3, 0.8, 0.3, 0.3],
            "flagged": [False, False, True, False, False],
            "reasons": ["", "", "8.0x the customer's median amount; at night", "", ""],
        }
    )
    bench = pd.DataFrame(
        {"n_estimators": [50, 100], "rows": [1000, 1000], "rows_per_s": [5e5, 3e5]}
    )
    return {
        "anomaly.score_distributions": lambda ax: an_plots.plot_score_distributions(
            scored["iforest"], scored["anomaly_type"], ax=ax
        ),
        "anomaly.budget_curve": lambda ax: an_plots.plot_budget_curve(curve, k=50, ax=ax),
        "anomaly.customer_timeline": lambda ax: an_plots.plot_customer_timeline(
            timeline, title="Top case: customer 4f2a9c1e0b, 1 flagged", ax=ax
        ),
        "anomaly.throughput": lambda ax: an_plots.plot_throughput(bench, ax=ax),
    }, scored


def _tiny_run_helpers(paths):
    raw = paths.raw
    segments, holding = profile.segment_counts(raw, "csv"), profile.product_holding(raw, "csv")
    balances = profile.balance_by_product(raw, "csv", "2024-12-31")
    by_hour, by_day = (
        profile.transactions_by_hour(raw, "csv"),
        profile.transactions_by_day(raw, "csv"),
    )
    truth = pd.read_csv(paths.truth / "default_truth.csv")
    calib = profile.truth_calibration(truth, "true_pd_12m", "default_12m")
    months = pd.date_range("2023-01-31", periods=24, freq="ME")
    monthly = pd.DataFrame(
        {
            "new_defaults": np.arange(24) % 7,
            "churn_events": np.arange(24) % 5 + 3,
            "macro": np.sin(np.arange(24) / 4),
        },
        index=months,
    )
    with connect(paths.datamart) as con:
        rejects, rates = dm_report.rejects_by_reason(con), dm_report.label_rates(con)
    return {
        "generate.counts": lambda ax: gen_plots.plot_counts(
            segments, title="Most customers are in the mass segment", xlabel="Customers", ax=ax
        ),
        "generate.shares": lambda ax: gen_plots.plot_shares(
            holding, title="Current accounts are near-universal; about half borrow", ax=ax
        ),
        "generate.balances": lambda ax: gen_plots.plot_balances(balances, ax=ax),
        "generate.events_vs_macro": lambda ax: gen_plots.plot_events_vs_macro(monthly, ax=ax),
        "generate.by_hour": lambda ax: gen_plots.plot_transactions_by(
            by_hour,
            "hour",
            title="Spending happens by day; direct debits run at night",
            xlabel="Hour of day",
            ax=ax,
        ),
        "generate.by_day": lambda ax: gen_plots.plot_transactions_by(
            by_day,
            "day_of_month",
            title="Salary days and month ends stand out",
            xlabel="Day of month",
            ax=ax,
        ),
        "generate.truth_calibration": lambda ax: gen_plots.plot_truth_calibration(
            calib, what="default", ax=ax
        ),
        "datamart.rejects": lambda ax: dm_report.plot_rejects(rejects, ax=ax),
        "datamart.label_rates": lambda ax: dm_report.plot_label_rates(rates, ax=ax),
    }


@pytest.fixture(scope="module")
def helpers(tiny_run):
    set_style()
    anomaly, scored = _anomaly_helpers()
    found = {
        **_bi_helpers(),
        **_churn_helpers(),
        **_scorecard_helpers(),
        **anomaly,
        **_tiny_run_helpers(tiny_run),
    }
    return found, scored


def _problems(draw) -> list[str]:
    problems = []
    fig, ax = plt.subplots()
    draw(ax)
    problems += [f"alone: {p}" for p in overlapping_texts(fig)]
    plt.close(fig)
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    draw(axes[0])
    draw(axes[1])
    problems += [f"side by side: {p}" for p in overlapping_texts(fig)]
    plt.close(fig)
    return problems


def test_no_plotting_helper_has_overlapping_text(helpers):
    draws, _ = helpers
    assert len(draws) >= 55
    failures = {name: p for name, draw in draws.items() if (p := _problems(draw))}
    assert not failures, "\n".join(f"{n}: {p[:3]}" for n, p in failures.items())


def test_multi_panel_helpers_and_the_schema_diagram(helpers, tiny_run):
    _, scored = helpers
    table = evaluate_detectors(
        scored["anomaly_type"],
        {"iforest": scored["iforest"], "rule": scored["rule"]},
        k=40,
        day=scored["day"],
    )
    fig = an_plots.plot_detector_comparison(table, k=40)
    assert overlapping_texts(fig) == []
    plt.close(fig)
    from riskinsights_lib.datamart import draw_erd

    with connect(tiny_run.datamart) as con:
        fig = draw_erd(con)
    assert overlapping_texts(fig) == []
    plt.close(fig)
