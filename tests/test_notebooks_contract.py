"""Every notebook keeps the house contract: clean, a literal parameters cell matching ci.yaml."""

import ast
from pathlib import Path

import nbformat
import pytest

from riskinsights_lib.notebooks import discover_notebooks
from riskinsights_lib.params import load_params

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CI = load_params(ROOT / "params" / "ci.yaml")
EXPECTED = ["01", "02", "03", "04", "05", "06"]


def _parameters(nb) -> dict:
    cell = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in cell.metadata.get("tags", []), (
        "first code cell is not tagged 'parameters'"
    )
    values = {}
    for node in ast.parse(cell.source).body:
        assert isinstance(node, ast.AnnAssign | ast.Assign), (
            f"not an assignment: {ast.unparse(node)}"
        )
        target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
        values[target.id] = ast.literal_eval(node.value)  # raises on anything but a literal
    return values


def test_the_six_stages_are_there():
    assert [p.name[:2] for p in NOTEBOOKS] == EXPECTED
    specs = discover_notebooks(ROOT / "notebooks")  # names and depends_on are valid
    assert all(s.depends_on or s.number == "01" for s in specs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_contract(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (
                "commit notebooks without outputs"
            )
    params = _parameters(nb)
    assert params.get("run_dir") == "scratch"
    section = path.stem.split("_", 1)[1]
    expected = CI.section(section)
    assert {k: params.get(k) for k in expected} == expected, "defaults must equal params/ci.yaml"
    for key, value in CI.globals().items():
        if key in params:
            assert params[key] == value, f"global {key} default differs from params/ci.yaml"
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert f'"{path.stem}"' in source or f"'{path.stem}'" in source, (
        "record_metrics under the notebook's name"
    )
    assert "record_metrics(" in source
