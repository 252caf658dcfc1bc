"""Churn model API on hand-made data with other column names: fit, split, save/load, SHAP, baseline."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from riskinsights_lib.churn import (
    ChurnModel,
    explain,
    fit_baseline,
    fit_churn_model,
    global_importance,
    split_development,
    top_reasons,
)

FEATURES = ["tenure_days", "region_code", "avg_spend", "flag_x"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 1500
    df = pd.DataFrame(
        {
            "acct": [f"c{i:05d}" for i in range(n)],
            "tenure_days": rng.integers(30, 3000, n).astype(float),
            "region_code": rng.choice(["north", "south", "east", "west"], n),
            "avg_spend": rng.lognormal(5, 1, n),
            "flag_x": rng.random(n) < 0.3,
        }
    )
    logit = (
        -1.0 - df["tenure_days"] / 1000 + 1.5 * (df["region_code"] == "east") + 0.8 * df["flag_x"]
    )
    df["left"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    df.loc[rng.random(n) < 0.1, "tenure_days"] = np.nan
    df.loc[rng.random(n) < 0.1, "region_code"] = None
    return df


@pytest.fixture(scope="module")
def fitted(data):
    split = split_development(data, "left", val_size=0.2, test_size=0.2, seed=3)
    model = fit_churn_model(
        data[split == "train"], "left", FEATURES, eval_df=data[split == "validation"],
        n_estimators=80, max_depth=3, seed=3,
    )  # fmt: skip
    return model, split


def test_split_is_stratified_seeded_and_disjoint(data):
    a = split_development(data, "left", val_size=0.15, test_size=0.2, seed=1)
    b = split_development(data, "left", val_size=0.15, test_size=0.2, seed=1)
    assert a.equals(b)
    assert set(a.unique()) == {"train", "validation", "test"}
    assert abs((a == "test").mean() - 0.2) < 0.01
    rates = data.groupby(a)["left"].mean()
    assert rates.max() - rates.min() < 0.02


def test_fit_learns_signal_and_infers_categoricals(data, fitted):
    model, split = fitted
    assert model.preprocessing.categorical == ["region_code"]
    assert model.features == FEATURES
    assert 0 <= model.best_iteration < 80
    assert model.booster.num_boosted_rounds() == model.best_iteration + 1
    test = data[split == "test"]
    proba = model.predict_proba(test)
    assert proba.shape == (len(test), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert roc_auc_score(test["left"], proba[:, 1]) > 0.65


def test_unseen_category_scores_like_missing(data, fitted):
    model, _ = fitted
    rows = data.iloc[:5].copy()
    unseen, missing = rows.copy(), rows.copy()
    unseen["region_code"] = "atlantis"
    missing["region_code"] = None
    np.testing.assert_array_equal(model.predict_proba(unseen), model.predict_proba(missing))


def test_save_load_round_trip_scores_identically(data, fitted, tmp_path):
    model, _ = fitted
    folder = model.save(tmp_path / "churn")
    assert {p.name for p in folder.iterdir()} >= {
        "model.json",
        "features.json",
        "preprocessing.json",
    }
    loaded = ChurnModel.load(folder)
    assert loaded.features == model.features
    assert loaded.preprocessing.categories == model.preprocessing.categories
    np.testing.assert_array_equal(loaded.predict_proba(data), model.predict_proba(data))


def test_shap_rows_sum_to_margin(data, fitted):
    model, _ = fitted
    rows = data.iloc[:200]
    exp = explain(model, rows)
    assert exp.values.shape == (200, len(FEATURES))
    np.testing.assert_allclose(
        exp.values.sum(axis=1) + exp.base_values, model.predict_margin(rows), atol=1e-4
    )
    imp = global_importance(exp)
    assert imp["share"].sum() == pytest.approx(1.0)
    assert imp["feature"].iloc[0] in {"tenure_days", "region_code"}


def test_top_reasons_are_positive_contributors_in_words(data, fitted):
    model, _ = fitted
    rows = data.iloc[:100]
    exp = explain(model, rows)
    reasons = top_reasons(exp, rows.index, n=3)
    assert list(reasons.columns) == ["reason_1", "reason_2", "reason_3"]
    assert reasons.index.equals(rows.index)
    i = int(np.argmax(exp.values.max(axis=1)))
    j = int(np.argmax(exp.values[i]))
    assert reasons.iloc[i, 0].startswith(FEATURES[j].replace("_", " "))
    no_push = (exp.values <= 0).all(axis=1)
    assert (reasons.loc[rows.index[no_push], "reason_1"] == "").all()


def test_baseline_runs_on_same_features(data, fitted):
    _, split = fitted
    base = fit_baseline(data[split == "train"], "left", FEATURES)
    test = data[split == "test"]
    p = base.churn_probability(test)
    assert p.index.equals(test.index)
    assert roc_auc_score(test["left"], p) > 0.65


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"features": ["nope"]}, "features"),
        ({"features": ["left"]}, "features"),
        ({"target": "nope"}, "target"),
        ({"val_size": 1.5}, "val_size"),
    ],
)
def test_argument_errors_name_the_argument(data, kwargs, needle):
    args = {"target": "left", "features": FEATURES, "n_estimators": 5} | kwargs
    with pytest.raises(ValueError, match=needle):
        fit_churn_model(data, **args)


def test_non_binary_target_rejected(data):
    bad = data.assign(left=data["left"] * 2)
    with pytest.raises(ValueError, match="target"):
        fit_churn_model(bad, "left", FEATURES, n_estimators=5)
