"""Parameter files: every kind of bad value stops with one line naming file and key."""

from pathlib import Path

import pytest
import yaml

from riskinsights_lib.params import Params, ParamsError, apply_overrides, load_params
from riskinsights_lib.runner import main

PARAMS = Path(__file__).resolve().parents[1] / "params"


@pytest.mark.parametrize("name", ["default", "ci", "large"])
def test_shipped_parameter_files_are_valid(name):
    params = load_params(PARAMS / f"{name}.yaml")
    assert params.run.snapshots[0] < params.run.snapshots[-1]


def test_ci_is_smaller_than_default():
    ci, default = load_params(PARAMS / "ci.yaml"), load_params(PARAMS / "default.yaml")
    assert ci.run.n_customers < default.run.n_customers


def _write(tmp_path, data) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"run": {"n_customerz": 10}}, "run.n_customerz: unknown key"),
        ({"nonsense": {}}, "nonsense: unknown key"),
        ({"run": {"n_customers": "many"}}, "run.n_customers"),
        ({"run": {"n_customers": -5}}, "run.n_customers: Input should be greater than 0"),
        ({"generate_data": {"anomaly_rate": 1.5}}, "generate_data.anomaly_rate"),
        ({"run": {"start_date": "2023-01-15"}}, "first day of a month"),
        ({"run": {"snapshots": ["2023-06-30", "2023-03-31"]}}, "strictly increasing"),
        ({"run": {"snapshots": ["2023-06-15", "2023-09-30"]}}, "month-end"),
        ({"run": {"n_months": 12}}, "needs 12 months of outcome"),
        ({"default_scoring": {"cutoff_policy": "gut_feeling"}}, "default_scoring.cutoff_policy"),
        ({"churn_prediction": {"val_size": 0.5, "test_size": 0.45}}, "val_size + test_size"),
    ],
)
def test_bad_values_name_file_and_key(tmp_path, data, fragment):
    path = _write(tmp_path, data)
    with pytest.raises(ParamsError) as info:
        load_params(path)
    message = str(info.value)
    assert str(path) in message and fragment in message
    assert "\n" not in message


def test_invalid_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("run: [unclosed\n")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(bad)
    with pytest.raises(ParamsError, match="not found"):
        load_params(tmp_path / "absent.yaml")


def test_overrides_parse_yaml_values_and_validate(tmp_path):
    path = _write(tmp_path, {})
    params = load_params(path, ["run.n_customers=1234", "run.show_code=true"])
    assert params.run.n_customers == 1234 and params.run.show_code is True
    with pytest.raises(ParamsError, match=r"with -p overrides\): run.seed"):
        load_params(path, ["run.seed=-1"])
    with pytest.raises(ParamsError, match="expected section.key=value"):
        apply_overrides({}, ["seed=3"])


def test_defaults_of_the_schema_are_valid():
    assert Params().run.end_date.isoformat() == "2024-12-31"


def test_cli_exits_2_and_writes_nothing(tmp_path, monkeypatch, capsys):
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("RISKINSIGHTS_OUTPUTS", str(outputs))
    path = _write(tmp_path, {"run": {"n_customers": -1}})
    assert main(["--params", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "run.n_customers" in err[0] and str(path) in err[0]
    assert not outputs.exists()
    assert main(["--params", str(PARAMS / "ci.yaml"), "-p", "generate_data.file_format=xml"]) == 2
    assert "generate_data.file_format" in capsys.readouterr().err
    assert not outputs.exists()
