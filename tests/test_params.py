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


def _full(changes: dict | None = None) -> dict:
    """The CI parameter file with ``changes`` (section -> {key: value}) applied."""
    data = yaml.safe_load((PARAMS / "ci.yaml").read_text())
    for section, values in (changes or {}).items():
        data.setdefault(section, {}).update(values)
    return data


def _write(tmp_path, data) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_full(data)))
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


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"run": {"n_customers": True}}, "run.n_customers: expected a number, got true"),
        ({"run": {"seed": False}}, "run.seed: expected a number, got false"),
        ({"default_scoring": {"pdo": True}}, "default_scoring.pdo: expected a number, got true"),
        ({"run": {"seed": 2**32}}, "run.seed: Input should be less than or equal to 4294967295"),
        ({"run": {"pseudonym_key": "my-secret-key"}}, "run.pseudonym_key: keys never go in"),
    ],
)
def test_strict_numbers_seed_range_and_no_key_in_params(tmp_path, data, fragment):
    path = _write(tmp_path, data)
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value) == f"{path}: {fragment}" or fragment in str(info.value)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    assert "my-secret-key" not in str(info.value)


def test_empty_file_missing_section_and_missing_key_are_errors(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing here\n")
    with pytest.raises(
        ParamsError, match=r"empty.yaml: empty parameter file \(expected the sections run, "
    ):
        load_params(empty)
    data = _full()
    del data["churn_prediction"]
    no_section = tmp_path / "no_section.yaml"
    no_section.write_text(yaml.safe_dump(data))
    with pytest.raises(ParamsError, match=r"no_section.yaml: churn_prediction: missing section"):
        load_params(no_section)
    data = _full()
    del data["anomaly_exploration"]["contamination"]
    no_key = tmp_path / "no_key.yaml"
    no_key.write_text(yaml.safe_dump(data))
    with pytest.raises(
        ParamsError, match=r"no_key.yaml: anomaly_exploration.contamination: missing"
    ):
        load_params(no_key)
    assert load_params(PARAMS / "ci.yaml").run.pseudonym_key_file is None  # optional key


def test_non_utf8_file_names_file_and_line(tmp_path):
    text = (
        (PARAMS / "ci.yaml").read_text().replace("outputs_dir: outputs", "outputs_dir: sortie_\xe9")
    )
    path = tmp_path / "latin1.yaml"
    path.write_bytes(text.encode("latin-1"))
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "sortie_" in t)
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value) == f"{path}: line {line}: not UTF-8 text (save the file as UTF-8)"


def test_cli_one_line_exit_2_for_each_bad_input(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RISKINSIGHTS_OUTPUTS", str(tmp_path / "outputs"))
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("not a folder")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    cases = [
        (["--params", str(PARAMS / "ci.yaml"), "--run-dir", str(a_file)], f"{a_file} is a file"),
        (["--params", str(empty)], f"{empty}: empty parameter file"),
        (["--params", str(PARAMS / "ci.yaml"), "-p", "run.n_customers=true"], "run.n_customers"),
        (["--params", str(PARAMS / "ci.yaml"), "-p", "run.seed=4294967296"], "run.seed"),
    ]
    for argv, fragment in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and fragment in err[0] and "Traceback" not in err[0], err
    assert not (tmp_path / "outputs").exists()
