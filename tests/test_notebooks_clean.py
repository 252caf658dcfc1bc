"""Committed notebooks are clean (what nbstripout would commit) and carry a stable kernelspec.

Opening a notebook in JupyterLab must not rewrite its metadata: the kernelspec is
the one ipykernel installs ("Python 3 (ipykernel)", ``python3``) and language_info
holds every key JupyterLab writes except the Python version, which nbstripout
is told to drop (``--extra-keys metadata.language_info.version``).
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + [
    ROOT / "riskinsights_lib" / "dashboard" / "app.ipynb"
]
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}
EXTRA_KEYS = [
    "metadata.signature",
    "metadata.widgets",
    "metadata.language_info.version",
    "cell.metadata.collapsed",
    "cell.metadata.ExecuteTime",
    "cell.metadata.execution",
    "cell.metadata.heading_collapsed",
    "cell.metadata.hidden",
    "cell.metadata.scrolled",
]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_is_what_nbstripout_keeps(path):
    from nbstripout import strip_output

    nb = nbformat.read(path, as_version=4)
    stripped = strip_output(
        copy.deepcopy(nb), keep_output=False, keep_count=False, keep_id=True, extra_keys=EXTRA_KEYS
    )
    assert stripped == nb, (
        f"{path.name}: run `nbstripout --extra-keys metadata.language_info.version`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_kernelspec_is_the_one_jupyterlab_writes(path):
    from jupyter_client.kernelspec import KernelSpecManager

    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"] == KERNELSPEC
    assert nb.metadata["language_info"] == LANGUAGE_INFO
    installed = KernelSpecManager().get_kernel_spec("python3")
    assert installed.display_name == KERNELSPEC["display_name"]
    assert installed.language == KERNELSPEC["language"]
