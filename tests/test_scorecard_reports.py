"""Scorecard charts, readings, samples and model card on a small hand-made sample."""

import duckdb
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from riskinsights_lib import evaluation as ev  # noqa: E402
from riskinsights_lib import scorecard as sc  # noqa: E402
from riskinsights_lib.scorecard import narrative, plots, samples  # noqa: E402
from riskinsights_lib.style import title_text


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frames = []
    for k, date in enumerate(["2024-01-31", "2024-02-29", "2024-03-31"]):
        n = 800
        x = rng.normal(size=n)
        grp = rng.choice(["a", "b", "c"], n)
        p = 1 / (1 + np.exp(-(-2.5 + 1.2 * x + (grp == "c") + 0.2 * k)))
        frames.append(
            pd.DataFrame(
                {
                    "acct": [f"id{i}" for i in range(n)],
                    "as_of": pd.Timestamp(date),
                    "bad": (rng.random(n) < p).astype(int),
                    "x": x,
                    "grp": grp,
                    "const": 1,
                    "true_p": p,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_samples_helpers(panel):
    con = duckdb.connect()
    con.register("panel_view", panel)
    got = samples.read_snapshots(
        con, "panel_view", date_column="as_of", dates=["2024-01-31", "2024-03-31"]
    )
    assert set(got["as_of"].dt.strftime("%Y-%m-%d")) == {"2024-01-31", "2024-03-31"}
    feats = samples.candidate_features(panel, exclude=["acct", "as_of", "bad", "true_p"])
    assert feats == ["x", "grp"]  # the constant column is not a candidate
    first = panel[panel["as_of"] == "2024-01-31"]
    train, test = samples.split_development(first, "bad", test_size=0.25, seed=1)
    assert len(test) == 200 and abs(train["bad"].mean() - test["bad"].mean()) < 0.01
    truth = panel[["acct", "as_of", "true_p"]].assign(as_of=panel["as_of"].dt.strftime("%Y-%m-%d"))
    aligned = samples.attach_truth(test, truth, keys=["acct", "as_of"], column="true_p")
    np.testing.assert_allclose(aligned, test["true_p"])
    with pytest.raises(ValueError, match="pseudonym_key"):
        samples.attach_truth(
            test.assign(acct="other"), truth, keys=["acct", "as_of"], column="true_p"
        )


def test_charts_readings_and_card(panel, tmp_path):
    dev = panel[panel["as_of"] == "2024-01-31"]
    oot = panel[panel["as_of"] == "2024-03-31"]
    card = sc.fit_scorecard(dev, target="bad", features=["x", "grp", "const"], progress=False)
    p_dev, p_oot = card.predict_pd(dev), card.predict_pd(oot)
    summary = samples.target_summary(panel, "bad", by="as_of")
    disc = ev.discrimination_table(
        {"dev": (dev["bad"], p_dev), "oot": (oot["bad"], p_oot)}, n_boot=20
    )
    scale = sc.fit_master_scale(p_dev, n_grades=5)
    grades = sc.grade_table(oot["bad"], p_oot, scale)
    series = sc.score_psi_series(card.score(dev), {"dev": card.score(dev), "oot": card.score(oot)})
    chars = sc.characteristic_stability(card, dev, oot)
    axes = [
        plots.plot_target_by_snapshot(summary),
        plots.plot_iv(card.iv_table),
        plots.plot_feature_bins(card.binnings["x"].table),
        plots.plot_roc({"dev": (dev["bad"], p_dev), "oot": (oot["bad"], p_oot)}),
        plots.plot_ks(oot["bad"], card.score(oot)),
        plots.plot_score_distribution({"dev": card.score(dev), "oot": card.score(oot)}),
        plots.plot_reliability(ev.calibration_table(oot["bad"], p_oot), label="oot"),
        plots.plot_grades(grades),
        plots.plot_psi_series(series),
    ]
    assert all(title_text(ax) for ax in axes)
    plt.close("all")
    assert series.loc[0, "psi"] == pytest.approx(0.0)
    assert "const" in card.selection.loc[~card.selection["kept"], "feature"].tolist()
    texts = [
        narrative.population_reading(
            summary.assign(snapshot=summary["snapshot"].dt.strftime("%Y-%m-%d")),
            dev="2024-01-31",
            oot="2024-03-31",
        ),
        narrative.selection_reading(card.iv_table),
        narrative.discrimination_reading(disc),
        narrative.ceiling_reading(0.70, 0.74, 0.71),
        narrative.calibration_reading(0.05, 0.07, 0.001, 0.06),
        narrative.grades_reading(grades),
        narrative.stability_reading(series, chars),
    ]
    assert all(isinstance(t, str) and t for t in texts)
    assert "misses the 95% bar" in narrative.ceiling_reading(0.70, 0.74, 0.71)
    drift = ev.calibration_summary({"s1": (dev["bad"], p_dev), "s3": (oot["bad"], p_oot)})
    assert "default rate moves" in narrative.drift_reading(drift)
    assert "outside the ±20% bar" in narrative.calibration_reading(0.05, 0.07, 0.001, 0.06)
    auc_ok, cal_ok, _ = narrative.quality_bar(0.72, 0.74, 0.065, 0.07)
    assert auc_ok and cal_ok
    auc_ok, _, text = narrative.quality_bar(0.849, 0.900, 0.046, 0.056, auc_interval=(0.825, 0.872))
    assert not auc_ok and "inside the 95% bootstrap interval" in text
    model_card = sc.model_card.build_model_card(
        card,
        title="Test card",
        purpose="p",
        population="q",
        target_definition="bad = 1",
        data_window=summary,
        performance=disc,
        calibration="c",
        grades=grades[["grade", "n", "mean_pd", "observed_dr", "traffic_light"]],
        stability="s",
        limitations=["one", "two"],
    )
    md, html = model_card.save(tmp_path)
    text = md.read_text()
    assert "## Features in the scorecard" in text and "| x |" in text.replace("| x  |", "| x |")
    assert "<li>one</li>" in html.read_text()
