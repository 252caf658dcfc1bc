"""The runner's console: a heartbeat while a notebook runs, and kernels without the TCP warning."""

from __future__ import annotations

import json
import time

import nbformat
import papermill as pm
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from riskinsights_lib.progress import current_section, heartbeat, kernel_options


def _running_notebook(path):
    cells = [
        new_markdown_cell("# T"),
        new_code_cell("x = 1"),
        new_markdown_cell("## 2. Scoring every transaction"),
        new_code_cell("y = 2"),
    ]
    cells[1].metadata["papermill"] = {"status": "completed"}
    cells[3].metadata["papermill"] = {"status": "running"}
    nbformat.write(new_notebook(cells=cells), path)


def test_current_section_reads_the_running_cell(tmp_path):
    path = tmp_path / "out.ipynb"
    assert current_section(path) is None
    _running_notebook(path)
    assert current_section(path) == ("2. Scoring every transaction", 2, 2)


def test_heartbeat_names_the_section_and_elapsed_time(tmp_path):
    path = tmp_path / "out.ipynb"
    _running_notebook(path)
    lines: list[str] = []
    with heartbeat("06_x", path, interval=0.1, say=lines.append):
        time.sleep(0.45)
    assert len(lines) >= 3
    assert (
        lines[0]
        == '  ... 06_x: section "2. Scoring every transaction" (cell 2 of 2), elapsed 0:00:00'
    )
    count = len(lines)
    time.sleep(0.3)
    assert len(lines) == count  # stops with the block


def test_kernel_runs_over_ipc_without_the_tcp_warning(tmp_path, capfd):
    nb = new_notebook(cells=[new_code_cell("import os\nresult = 6 * 7\nprint(result)")])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    src, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, src)
    pm.execute_notebook(
        str(src), str(out), kernel_name="python3", progress_bar=False, **kernel_options()
    )
    executed = json.loads(out.read_text())
    assert executed["cells"][0]["outputs"][0]["text"] == ["42\n"]
    assert "without encryption" not in capfd.readouterr().err
