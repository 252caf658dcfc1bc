"""Tracking without a pipeline: alias rules on hand-made cases, URIs, figures, parameters."""

import ast
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from riskinsights_lib.params import ParamsError, load_params
from riskinsights_lib.tracking import CHALLENGER, CHAMPION, decide_alias, redact_uri
from riskinsights_lib.tracking.runs import flat_metrics
from riskinsights_lib.tracking.store import resolve_tracking_uri
from riskinsights_lib.tracking.track import frame_fingerprint, input_schema

ROOT = Path(__file__).resolve().parents[1]


def test_bar_met_and_better_is_champion():
    d = decide_alias(
        {"auc": True, "calibration": True}, 0.81, 0.80, metric="oot_auc", champion_version="3"
    )
    assert d.alias == CHAMPION and "not worse than champion v3" in d.reason
    assert (d.candidate, d.champion, d.champion_version) == (0.81, 0.80, "3")


def test_bar_met_and_equal_is_champion_but_worse_is_challenger():
    assert decide_alias({"auc": True}, 0.80, 0.80, metric="oot_auc").alias == CHAMPION
    worse = decide_alias({"auc": True}, 0.79, 0.80, metric="oot_auc", champion_version="2")
    assert worse.alias == CHALLENGER and "worse than champion v2" in worse.reason
    assert decide_alias({"auc": True}, 0.79, 0.80, metric="m", margin=0.02).alias == CHAMPION


def test_bar_not_met_is_challenger_even_when_better_or_first():
    d = decide_alias({"auc": True, "calibration": False}, 0.95, 0.60, metric="oot_auc")
    assert d.alias == CHALLENGER and d.reason == "quality bar missed: calibration"
    assert decide_alias({"auc": False}, 0.95, None, metric="oot_auc").alias == CHALLENGER


def test_no_champion_yet_or_not_comparable():
    first = decide_alias({"auc": True}, 0.70, None, metric="oot_auc")
    assert first.alias == CHAMPION and "no comparable champion" in first.reason
    assert decide_alias({"auc": True}, 0.70, float("nan"), metric="m").alias == CHAMPION


def test_decision_refuses_nonsense():
    with pytest.raises(ValueError, match="bar"):
        decide_alias({}, 0.7, None, metric="m")
    with pytest.raises(ValueError, match="candidate"):
        decide_alias({"a": True}, float("nan"), None, metric="m")


def test_tracking_uri_resolution_and_redaction(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert resolve_tracking_uri(tmp_path) == f"sqlite:///{tmp_path.resolve()}/mlflow.db"
    assert resolve_tracking_uri(tmp_path, "http://127.0.0.1:5000") == "http://127.0.0.1:5000"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:6000")
    assert resolve_tracking_uri(tmp_path, "http://127.0.0.1:5000") == "http://127.0.0.1:6000"
    assert redact_uri("https://ann:secret@mlflow.bank:443/x") == "https://mlflow.bank:443/x"
    assert redact_uri("sqlite:////tmp/mlflow.db") == "sqlite:////tmp/mlflow.db"


def test_credentials_in_the_parameter_file_are_refused():
    with pytest.raises(ParamsError) as err:
        load_params(ROOT / "params" / "ci.yaml", ["tracking.uri=https://ann:secret@mlflow.bank"])
    assert "tracking.uri" in str(err.value) and "secret" not in str(err.value)


def test_flat_metrics_keeps_numbers_and_nesting():
    got = flat_metrics(
        {
            "auc": 0.8,
            "ok": True,
            "n": 3,
            "by_type": {"a b": 0.5},
            "text": "x",
            "nan": float("nan"),
            "none": None,
        }
    )
    assert got == {"auc": 0.8, "ok": 1.0, "n": 3.0, "by_type.a b": 0.5}


def test_input_schema_is_lenient_about_missing_integers():
    df = pd.DataFrame({"a": pd.array([1, None], dtype="Int64"), "b": [1.5, 2.0], "c": ["x", None]})
    schema = input_schema(df)
    assert [(s.name, s.type.name, s.required) for s in schema.inputs] == [
        ("a", "double", False),
        ("b", "double", False),
        ("c", "string", False),
    ]


def test_fingerprint_changes_with_one_value():
    df = pd.DataFrame({"a": np.arange(5), "b": list("abcde")})
    changed = df.copy()
    changed.loc[3, "a"] = 99
    assert frame_fingerprint(df) == frame_fingerprint(df.copy())
    assert frame_fingerprint(df) != frame_fingerprint(changed)


@pytest.mark.parametrize(
    "name", ["04_default_scoring", "05_churn_prediction", "06_anomaly_exploration"]
)
def test_model_notebooks_declare_tracking_parameters_with_ci_defaults(name):
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    declared = {n.target.id: ast.literal_eval(n.value) for n in ast.parse(cell.source).body}
    ci = load_params(ROOT / "params" / "ci.yaml").section("tracking")
    assert {k: declared[f"tracking_{k}"] for k in ci} == ci
    assert declared["tracking_parent_run"] == ""
    assert any("tracking.track_" in c.source for c in nb.cells)
