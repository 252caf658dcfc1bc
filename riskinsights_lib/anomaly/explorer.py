"""Interactive explorer for JupyterLab: ipywidgets wired around :mod:`.callbacks`.

An alert-budget slider (the contamination it implies is shown next to it)
updates the flagged count, precision and recall live; filters by anomaly
type, channel and country restrict the rows counted; a customer drill-down
plots the customer's timeline with the flagged points and lists the reasons.
All the logic lives in plain functions in :mod:`.callbacks`; this module
only builds widgets. In a headless HTML report the widgets render as
nothing useful, so the notebook shows the same content as static tables.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import pandas as pd

from riskinsights_lib.anomaly.callbacks import (
    customer_timeline,
    filter_transactions,
    flag_summary,
    flagged_customers,
    threshold_for_budget,
)
from riskinsights_lib.anomaly.plots import plot_customer_timeline
from riskinsights_lib.tables import show_table

__all__ = ["build_explorer", "summary_html"]


def summary_html(summary: dict[str, float], budget: int, n_total: int) -> str:
    """The counts line shown under the slider."""
    text = (
        f"<b>{summary['flagged']:,}</b> of {summary['rows']:,} filtered transactions flagged "
        f"(budget {budget:,} = {budget / n_total:.3%} of all {n_total:,}; score &ge; {summary['threshold']:.3f})"
    )
    if "precision" in summary:
        text += (
            f"<br>precision <b>{summary['precision']:.1%}</b>, recall <b>{summary['recall']:.1%}</b> "
            f"({summary['true_positives']:,} of {summary['anomalies']:,} planted anomalies)"
        )
    return text


def _options(frame: pd.DataFrame, col: str) -> list[str]:
    if col not in frame.columns:
        return ["All"]
    return ["All", *sorted(frame[col].dropna().astype(str).unique().tolist())]


def build_explorer(
    frame: pd.DataFrame,
    *,
    budget: int,
    max_budget: int | None = None,
    reasons_for: Callable[[str], pd.DataFrame] | None = None,
    score_col: str = "score",
    type_col: str = "anomaly_type",
    channel_col: str = "channel",
    country_col: str = "merchant_country",
    customer_col: str = "customer_id",
    n_customers: int = 50,
):
    """Build the explorer widget (an ``ipywidgets.VBox``) over scored transactions.

    Parameters
    ----------
    frame : one row per scored transaction: ``score``, customer, ``ts``, ``amount``,
        channel, country and (for evaluation) the planted type.
    budget : initial alert budget (e.g. the review capacity).
    max_budget : right end of the slider (default 20 x ``budget``).
    reasons_for : optional callable, customer id -> that customer's rows with a
        ``transaction_id`` and ``reasons`` column, merged into the drill-down.
    """
    import ipywidgets as w
    from IPython.display import display

    n_total = len(frame)
    scores = frame[score_col].to_numpy()
    has_truth = type_col in frame.columns
    slider = w.IntSlider(
        value=int(budget),
        min=1,
        max=int(max_budget or 20 * budget),
        step=1,
        description="Alert budget",
        continuous_update=False,
        style={"description_width": "initial"},
    )
    types = w.SelectMultiple(
        options=_options(frame, type_col) + (["normal"] if has_truth else []),
        value=("All",),
        description="Type",
        rows=5,
    )
    channels = w.SelectMultiple(
        options=_options(frame, channel_col), value=("All",), description="Channel", rows=5
    )
    countries = w.SelectMultiple(
        options=_options(frame, country_col), value=("All",), description="Country", rows=5
    )
    counts = w.HTML()
    customer = w.Dropdown(description="Customer", options=[])
    drill = w.Output()

    def _refresh(*_):
        thr = threshold_for_budget(scores, slider.value)
        sub = filter_transactions(
            frame,
            anomaly_types=list(types.value),
            channels=list(channels.value),
            countries=list(countries.value),
            type_col=type_col,
            channel_col=channel_col,
            country_col=country_col,
        )
        summary = flag_summary(sub[score_col].to_numpy(), sub[type_col] if has_truth else None, thr)
        counts.value = summary_html(summary, slider.value, n_total)
        options = flagged_customers(
            sub, thr, top=n_customers, score_col=score_col, customer_col=customer_col
        )
        previous = customer.value
        customer.options = options
        # start on the top case (ipywidgets 8 leaves a new option list unselected)
        customer.value = previous if previous in options else (options[0] if options else None)

    def _drill(*_):
        drill.clear_output()
        if not customer.value:
            return
        thr = threshold_for_budget(scores, slider.value)
        timeline = customer_timeline(
            frame, customer.value, thr, score_col=score_col, customer_col=customer_col
        )
        if reasons_for is not None:
            reasons = reasons_for(customer.value)[["transaction_id", "reasons"]]
            timeline = timeline.drop(columns=["reasons"], errors="ignore").merge(
                reasons, on="transaction_id", how="left"
            )
        with drill:
            fig, ax = plt.subplots(figsize=(10, 3.5))
            plot_customer_timeline(timeline, ax=ax, title=f"Customer {customer.value}")
            plt.show()
            cols = [
                c
                for c in ["ts", "amount", channel_col, country_col, score_col, "reasons"]
                if c in timeline.columns
            ]
            display(
                show_table(
                    timeline.loc[timeline["flagged"], cols],
                    index=False,
                    number=[score_col],
                    labels={"ts": "Time", score_col: "Anomaly score"},
                    fill={"reasons": ""},
                )
            )

    for widget in (slider, types, channels, countries):
        widget.observe(_refresh, names="value")
    customer.observe(_drill, names="value")
    _refresh()
    return w.VBox([slider, w.HBox([types, channels, countries]), counts, customer, drill])
