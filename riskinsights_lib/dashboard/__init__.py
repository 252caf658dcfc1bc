"""The anomaly explorer of a run, served as a web app with Voilà (``riskinsights dashboard``).

Notebook 06 saves what the explorer needs into the run folder
(:func:`save_explorer`: the scored transactions, the fitted Isolation Forest and
the slider's settings). The thin app notebook ``app.ipynb`` shipped with this
package calls :func:`explorer_app`, which loads them again and builds the same
ipywidgets explorer as notebook 06 (:func:`riskinsights_lib.anomaly.explorer.build_explorer`).
:mod:`riskinsights_lib.dashboard.cli` starts Voilà on it.
"""

from riskinsights_lib.dashboard.data import (
    APP_NOTEBOOK,
    RUN_ENV,
    ExplorerInputs,
    explorer_app,
    load_explorer,
    save_explorer,
)

__all__ = [
    "APP_NOTEBOOK",
    "RUN_ENV",
    "ExplorerInputs",
    "explorer_app",
    "load_explorer",
    "save_explorer",
]
