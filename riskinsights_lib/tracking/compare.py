"""Runs of the same notebook side by side, read back from the tracking store."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["NOTEBOOK_TAG", "RUN_TAG", "compare_runs"]

NOTEBOOK_TAG = "riskinsights.notebook"
RUN_TAG = "riskinsights.run_id"
VERSION_TAG = "riskinsights.model_version"


def compare_runs(
    client, experiment_id: str, notebook: str, metrics: Sequence[str], *, last: int = 5
) -> pd.DataFrame:
    """The last ``last`` runs of ``notebook`` that registered a model, newest first, with figures.

    Columns: ``run`` (the run folder), ``started``, ``version``, ``alias`` (given at
    registration), then one column per name of ``metrics`` (empty when a run did
    not log it, e.g. the current run before the runner has logged its figures).
    """
    if last < 1:
        raise ValueError(f"last: expected 1 or more runs, got {last}")
    runs = client.search_runs(
        [experiment_id],
        filter_string=f"tags.`{NOTEBOOK_TAG}` = '{notebook}' and tags.`{VERSION_TAG}` != ''",
        order_by=["attributes.start_time DESC"],
        max_results=int(last),
    )
    rows = []
    for run in runs:
        tags, values = run.data.tags, run.data.metrics
        row = {
            "run": tags.get(RUN_TAG, run.info.run_name),
            "started": pd.Timestamp(run.info.start_time, unit="ms").floor("s"),
            "version": tags.get(VERSION_TAG, ""),
            "alias": tags.get("riskinsights.alias", ""),
        }
        row.update({name: values.get(name) for name in metrics})
        rows.append(row)
    return pd.DataFrame(rows, columns=["run", "started", "version", "alias", *metrics])
