"""The scorecard API on a hand-made DataFrame whose column names know nothing of the bank."""

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from optbinning import OptimalBinning
from sklearn.linear_model import LogisticRegression

from riskinsights_lib.scorecard import (
    Scorecard,
    choose_cutoff,
    decision_report,
    fit_challenger,
    fit_feature_binning,
    fit_master_scale,
    fit_scorecard,
    grade_table,
    is_monotone,
)
from riskinsights_lib.scorecard.selection import forward_stepwise, variance_inflation

FEATURES = ["income", "utilisation", "region", "noise", "tenure", "util_copy"]


def _make_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "income": rng.lognormal(10, 0.5, n),
            "utilisation": rng.uniform(0, 1.2, n),
            "region": rng.choice(["north", "south", "east", "west"], n).astype(object),
            "noise": rng.normal(size=n),
            "tenure": rng.integers(0, 120, n).astype(float),
        }
    )
    df["util_copy"] = df["utilisation"] + rng.normal(0, 0.15, n)  # a noisier duplicate
    df.loc[rng.random(n) < 0.1, "income"] = np.nan
    df.loc[rng.random(n) < 0.05, "region"] = None
    logit = (
        -3
        + 2.5 * df["utilisation"]
        - 0.5 * np.log(df["income"].fillna(20_000) / 20_000)
        + np.where(df["region"] == "east", 0.7, 0.0)
        - 0.01 * df["tenure"]
    )
    df["is_bad"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return df


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return _make_frame(3000, seed=1)


@pytest.fixture(scope="module")
def card(data) -> Scorecard:
    return fit_scorecard(
        data,
        target="is_bad",
        features=FEATURES,
        monotonic={"income": "descending", "utilisation": "ascending"},
        min_iv=0.05,
        pdo=20,
        base_score=600,
        base_odds=50,
        progress=False,
    )


@pytest.fixture(scope="module")
def new_rows(data) -> pd.DataFrame:
    """Fresh rows plus edge cases: all missing, an unseen category, values exactly on splits."""
    fresh = _make_frame(300, seed=2)
    edge = fresh.head(3).copy()
    edge.loc[edge.index[0], ["income", "utilisation", "tenure", "region"]] = [
        np.nan,
        np.nan,
        np.nan,
        None,
    ]
    edge.loc[edge.index[1], "region"] = "atlantis"
    return pd.concat([fresh, edge], ignore_index=True)


def test_selection_reasons(card):
    sel = card.selection.set_index("feature")
    assert not sel.loc["noise", "kept"] and sel.loc["noise", "reason"].startswith("low IV")
    assert not sel.loc["util_copy", "kept"]
    assert "correlated with utilisation" in sel.loc["util_copy", "reason"]
    assert {"utilisation", "income", "region", "tenure"} <= set(card.features)
    assert all(c < 0 for c in card.coef.values())  # WoE coefficients carry the expected sign


def test_points_reproduce_log_odds(card, data):
    woe = card.woe(data)
    linear = card.intercept + woe.to_numpy() @ np.array([card.coef[f] for f in card.features])
    np.testing.assert_allclose(card.log_odds(data), linear, rtol=0, atol=1e-10)
    # the same log-odds as an independent unpenalised logistic regression on the WoE
    ref = LogisticRegression(C=np.inf, max_iter=5000, tol=1e-10).fit(woe, data["is_bad"])
    np.testing.assert_allclose(card.log_odds(data), ref.decision_function(woe), atol=1e-4)
    # the score is the sum of the points of the scorecard table
    points = card.points(data)
    np.testing.assert_allclose(points.sum(axis=1), card.score(data), atol=1e-9)


def test_scaling_anchors(card):
    s = card.scaling
    assert s.pd_to_score(1 / 51) == pytest.approx(600)  # base odds 50:1 at the base score
    odds = lambda score: (1 - s.score_to_pd(score)) / s.score_to_pd(score)  # noqa: E731
    assert odds(620) / odds(600) == pytest.approx(2.0)  # pdo points double the odds


def test_monotonic_constraints_hold(card):
    for feature, increasing in [("income", False), ("utilisation", True)]:
        fb = card.binnings[feature]
        regular = fb.table.iloc[: fb.n_regular]
        assert fb.n_regular >= 3, feature
        assert is_monotone(regular["event_rate"], increasing=increasing), feature
        pts = card.bin_points(feature)[: fb.n_regular]
        assert is_monotone(pts, increasing=not increasing), (
            feature
        )  # riskier bins earn fewer points


def test_own_bin_rule_matches_optbinning(data):
    x, y = data["utilisation"], data["is_bad"].to_numpy()
    fb = fit_feature_binning(x, y, monotonic_trend="ascending")
    ref = OptimalBinning(
        dtype="numerical",
        monotonic_trend="ascending",
        min_prebin_size=0.01,
        min_bin_size=0.01,
        max_n_bins=8,
        min_bin_n_event=5,
    )
    ref.fit(x.to_numpy(), y)
    np.testing.assert_allclose(
        fb.transform(x), ref.transform(x.to_numpy(), metric="woe"), atol=1e-9
    )


def test_missing_and_unseen_rows_score(card, new_rows):
    scores = card.score(new_rows)
    assert scores.notna().all()
    region = card.binnings["region"]
    pts = card.bin_points("region")
    unseen = new_rows.index[-2]
    assert card.points(new_rows).loc[unseen, "region"] == pytest.approx(pts[region.other_index])
    assert pts[region.other_index] == pytest.approx(pts[: region.n_regular].min())  # conservative


def test_save_load_round_trip(card, new_rows, tmp_path):
    path = card.save(tmp_path / "card.joblib")
    with pytest.raises(ValueError, match="is a pickle"):
        Scorecard.load(path)  # unpickling runs code: never by default
    loaded = Scorecard.load(path, trusted=True)
    assert np.array_equal(loaded.score(new_rows).to_numpy(), card.score(new_rows).to_numpy())
    assert loaded.scorecard_table.equals(card.scorecard_table)


def test_json_is_the_safe_default_and_scores_identically(card, new_rows, tmp_path):
    path = card.save(tmp_path / "card.json")
    loaded = Scorecard.load(path)
    assert np.array_equal(loaded.score(new_rows).to_numpy(), card.score(new_rows).to_numpy())
    assert np.array_equal(loaded.predict_pd(new_rows), card.predict_pd(new_rows))
    assert loaded.reason_codes(new_rows.head(3)).equals(card.reason_codes(new_rows.head(3)))
    assert Scorecard.from_json(card.to_json()).features == card.features
    path.write_text('{"format": "something-else"}')
    with pytest.raises(ValueError, match="expected a document with format"):
        Scorecard.load(path)


def test_a_swapped_pickle_is_not_unpickled(card, tmp_path):
    path = card.save(tmp_path / "card.joblib")
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(ValueError, match="does not match its card.joblib.sha256"):
        Scorecard.load(path, trusted=True)
    (tmp_path / "card.joblib.sha256").unlink()
    with pytest.raises(ValueError, match="no card.joblib.sha256 beside it"):
        Scorecard.load(path, trusted=True)


def test_sql_scores_equal_python_for_every_row(card, new_rows):
    con = duckdb.connect()
    con.register("applicants", new_rows)
    sql = card.to_sql("applicants", keep=["income", "region"])
    out = con.sql(sql).df()
    assert len(out) == len(new_rows)
    np.testing.assert_allclose(out["score"], card.score(new_rows), rtol=0, atol=1e-9)
    np.testing.assert_allclose(out["pd"], card.predict_pd(new_rows), rtol=0, atol=1e-12)
    # a value exactly on a split goes to the upper bin in both
    split = card.binnings["utilisation"].splits[2]
    edge = new_rows.head(1).assign(utilisation=split)
    con.register("edge", edge)
    assert con.sql(card.to_sql("edge")).df()["score"].iloc[0] == pytest.approx(
        card.score(edge).iloc[0]
    )


def test_sql_grades_match_master_scale(card, data, new_rows):
    scale = fit_master_scale(card.predict_pd(data), n_grades=7)
    con = duckdb.connect()
    con.register("applicants", new_rows)
    out = con.sql(card.to_sql("applicants", master_scale=scale)).df()
    assert out["grade"].tolist() == scale.assign(card.predict_pd(new_rows)).tolist()


def test_json_export_carries_the_points(card, data):
    doc = json.loads(card.to_json())
    table = card.scorecard_table
    assert [f["name"] for f in doc["features"]] == card.features
    util = next(f for f in doc["features"] if f["name"] == "utilisation")
    expected = table.loc[table["feature"] == "utilisation", "points"].to_numpy()
    np.testing.assert_allclose([b["points"] for b in util["bins"]], expected)
    assert doc["scaling"]["factor"] == pytest.approx(20 / np.log(2))


def test_reason_codes_name_the_costliest_characteristics(card, data):
    rows = data.head(50)
    reasons = card.reason_codes(rows, n=4)
    assert list(reasons.columns[:3]) == ["score", "reason_1", "points_lost_1"]
    lost = reasons[[f"points_lost_{k}" for k in range(1, 5)]].to_numpy()
    assert (np.diff(lost, axis=1) <= 1e-9).all()  # worst first
    pts = card.points(rows)
    best = pd.Series({f: card.bin_points(f).max() for f in card.features})
    top = (best - pts).max(axis=1).to_numpy()
    np.testing.assert_allclose(lost[:, 0], np.where(top >= 0.5, top, 0.0))
    first = reasons.loc[reasons["points_lost_1"] > 0, "reason_1"].iloc[0]
    assert any(first.startswith(f) for f in card.features) and "points vs best bin" in first


def test_master_scale_and_grade_table(card, data):
    p = card.predict_pd(data)
    scale = fit_master_scale(p, n_grades=8)
    assert scale.n_grades == 8 and list(scale.boundaries) == sorted(scale.boundaries)
    table = grade_table(data["is_bad"], p, scale)
    assert table["n"].sum() == len(data)
    assert table.attrs["monotone"] == is_monotone(table["observed_dr"])
    coarse = grade_table(data["is_bad"], p, fit_master_scale(p, n_grades=5))
    assert coarse.attrs["monotone"]  # 600 rows a grade: default rates rise with the grade
    assert 0 < table.attrs["herfindahl"] < 1
    assert set(table["traffic_light"]) <= {"green", "amber", "red", ""}


def test_cutoff_policies(card, data):
    p = card.predict_pd(data)
    cut = choose_cutoff(data["is_bad"], p, policy="approval_rate", approval_rate=0.8)
    assert np.mean(p < cut) == pytest.approx(0.8, abs=0.01)
    ks_cut = choose_cutoff(data["is_bad"], p, policy="max_ks")
    matrix, report = decision_report(data["is_bad"], p, ks_cut)
    assert matrix.to_numpy().sum() == len(data)
    assert {"non-default", "default"} <= set(report.index)
    with pytest.raises(ValueError, match="policy"):
        choose_cutoff(data["is_bad"], p, policy="gut_feel")


def test_argument_errors_name_the_argument(data):
    with pytest.raises(ValueError, match="target"):
        fit_scorecard(data, target="missing_col", features=["income"], progress=False)
    with pytest.raises(ValueError, match="features"):
        fit_scorecard(data, target="is_bad", features=["nope"], progress=False)
    with pytest.raises(ValueError, match="monotonic"):
        fit_scorecard(
            data, target="is_bad", features=["income"], monotonic={"income": "up"}, progress=False
        )


def test_forward_stepwise_enters_signal_not_noise():
    rng = np.random.default_rng(5)
    n = 4000
    woe = pd.DataFrame(
        {"strong": rng.normal(size=n), "weak": rng.normal(size=n), "noise": rng.normal(size=n)}
    )
    logit = -2.5 - 1.2 * woe["strong"] - 0.3 * woe["weak"]  # WoE convention: higher = safer
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).to_numpy().astype(int)
    chosen, steps = forward_stepwise(woe, y, criterion="bic")
    assert chosen == ["strong", "weak"]
    assert steps["bic"].is_monotonic_decreasing
    # a feature whose coefficient would be positive (wrong sign) never enters
    flipped = woe.assign(strong=-woe["strong"])
    assert "strong" not in forward_stepwise(flipped, y)[0]


def test_stepwise_reasons_in_selection(card):
    reasons = card.selection.set_index("feature")["reason"]
    assert card.stepwise_steps is not None
    assert card.stepwise_steps["feature"].iloc[1:].tolist() == card.features
    assert all(r == "kept" for f, r in reasons.items() if f in card.features)


def test_boolean_and_coded_categories_score_the_same_in_sql():
    rng = np.random.default_rng(11)
    n = 2000
    df = pd.DataFrame({"flag": rng.random(n) < 0.3, "band": rng.choice(["A", "B", "C'D"], n)})
    logit = -2.5 + 1.5 * df["flag"] + np.where(df["band"] == "C'D", 1.0, 0.0)
    df["target"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    card = fit_scorecard(df, target="target", features=["flag", "band"], progress=False)
    assert set(card.features) == {"flag", "band"}
    con = duckdb.connect()
    con.register("frame", df)
    out = con.sql(card.to_sql("frame")).df()
    np.testing.assert_allclose(out["score"], card.score(df), rtol=0, atol=1e-9)


def test_challenger_scores_new_rows_with_unseen_categories(data, new_rows):
    ch = fit_challenger(data, "is_bad", FEATURES, n_estimators=30, seed=0)
    p = ch.predict_pd(new_rows)
    assert p.shape == (len(new_rows),) and np.all((p > 0) & (p < 1))
    assert list(ch.feature_importance().index[:1]) != ["noise"]


def test_variance_inflation_hand_case():
    rng = np.random.default_rng(2)
    a = rng.normal(size=5000)
    b = 0.8 * a + 0.6 * rng.normal(size=5000)  # corr 0.8 -> R^2 0.64 -> VIF 2.78
    vif = variance_inflation(pd.DataFrame({"a": a, "b": b, "c": rng.normal(size=5000)}))
    assert vif["a"] == pytest.approx(1 / (1 - 0.64), rel=0.05)
    assert vif["c"] == pytest.approx(1.0, abs=0.01)


def test_sql_with_no_kept_columns(card, new_rows):
    con = duckdb.connect()
    con.register("applicants", new_rows)
    out = con.sql(card.to_sql("applicants", keep=[])).df()
    assert list(out.columns) == ["score", "pd"]
    np.testing.assert_allclose(out["score"], card.score(new_rows), atol=1e-9)
