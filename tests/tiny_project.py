"""A tiny numbered-notebook project for the runner tests (no generator, seconds per run)."""

from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from riskinsights_lib.runner import main

RECORD = "from riskinsights_lib.record import record_metrics\n"
CI_PARAMS = Path(__file__).resolve().parents[1] / "params" / "ci.yaml"


def notebook(folder: Path, name: str, body: str, depends_on=(), params: str = "") -> None:
    cells = [
        new_markdown_cell(f"# {name}\nA tiny notebook for the runner tests."),
        new_code_cell(f'run_dir: str = "scratch"\nseed: int = 1\n{params}'),
        new_markdown_cell("## 1. Work"),
        new_code_cell(body),
    ]
    cells[1].metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["riskinsights"] = {"depends_on": list(depends_on)}
    nbformat.write(nb, folder / f"{name}.ipynb")


def make_project(tmp_path: Path, monkeypatch) -> dict:
    """A notebook folder 01 -> 02 -> {03, 04}, a params file and an empty outputs root."""
    books = tmp_path / "notebooks"
    books.mkdir()
    notebook(
        books,
        "01_alpha",
        "from pathlib import Path\n(Path(run_dir) / 'raw').mkdir(parents=True, exist_ok=True)\n"
        "(Path(run_dir) / 'raw' / 'x.csv').write_text('a\\n1\\n2\\n')\n"
        + RECORD
        + "record_metrics(run_dir, '01_alpha', {'rows': 2, 'seed_seen': seed})",
    )
    notebook(
        books,
        "02_beta",
        "from pathlib import Path\nassert (Path(run_dir) / 'raw' / 'x.csv').exists()\n"
        + RECORD
        + "record_metrics(run_dir, '02_beta', {'ok': True})",
        depends_on=["01_alpha"],
    )
    for name in ("03_gamma", "04_delta"):
        notebook(
            books,
            name,
            RECORD + f"record_metrics(run_dir, '{name}', {{'score': 0.5, 'by_type': {{'a': 1}}}})",
            depends_on=["02_beta"],
        )
    params = tmp_path / "p.yaml"
    data = yaml.safe_load(CI_PARAMS.read_text())
    data["run"]["seed"] = 7
    params.write_text(yaml.safe_dump(data))
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("RISKINSIGHTS_OUTPUTS", str(outputs))
    monkeypatch.setenv("RISKINSIGHTS_PSEUDONYM_KEY", "tiny-project-test-key")
    return {"books": books, "params": params, "outputs": outputs}


def run(project: dict, *extra: str) -> int:
    """``run_all.py`` in-process on the tiny project."""
    return main(["--params", str(project["params"]), "--notebooks", str(project["books"]), *extra])
