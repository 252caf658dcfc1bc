"""Headline figures in words: labels, units, intervals and traffic lights.

Every figure a notebook records (:func:`riskinsights_lib.record.record_metrics`)
is shown the same way at the end of its report (:func:`headline_table`, the
"Headline figures" table) and on the run's front page (``index.html``), where
each notebook shows the 3-5 figures it chose with :func:`choose_front_page`.
Labels and bars live here, once; a figure without an entry is named from its
key (:func:`riskinsights_lib.tables.humanise`).

A traffic light is shown only where a quality bar exists: ``green`` meets it,
``amber`` is close, ``red`` misses it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from riskinsights_lib.paths import resolve_run_dir
from riskinsights_lib.tables import NA, column_kind, format_value, humanise, show_table

__all__ = [
    "Figure",
    "FIGURES",
    "figure",
    "figure_text",
    "traffic_light",
    "headline_rows",
    "headline_table",
    "choose_front_page",
    "read_front_page",
]

#: A quality bar: (value, all recorded figures) -> "green", "amber" or "red".
Bar = Callable[[Any, Mapping[str, Any]], str]


def _at_least(green: float, amber: float) -> Bar:
    return lambda x, _: "green" if x >= green else "amber" if x >= amber else "red"


def _at_most(green: float, amber: float) -> Bar:
    return lambda x, _: "green" if x <= green else "amber" if x <= amber else "red"


def _within(green: float, amber: float) -> Bar:
    return lambda x, _: "green" if abs(x) <= green else "amber" if abs(x) <= amber else "red"


def _true(x: Any, _: Mapping[str, Any]) -> str:
    return "green" if bool(x) else "red"


def _all_checks(x: Any, metrics: Mapping[str, Any]) -> str:
    return "green" if x == metrics.get("n_checks") else "red"


@dataclass(frozen=True)
class Figure:
    """How one recorded figure is shown.

    ``kind``: percent, money, count, number, auc (3 decimals), seconds, flag, text, pp,
    ratio (2 decimals), rate (rows/s), megabytes; ``interval``: keys of its 95% CI;
    ``versus``: (key, words) of a figure shown beside it; ``bar``: traffic light;
    ``note``: the quality bar in words.
    """

    label: str
    kind: str = "number"
    interval: tuple[str, str] | None = None
    versus: tuple[str, str] | None = None
    bar: Bar | None = None
    note: str = ""


_SHARE_BAR = _at_least(0.95, 0.90)
#: Known figures. Labels may use ``{k}`` (the recorded review capacity).
FIGURES: dict[str, Figure] = {
    # 01 generate
    "n_customers": Figure("Customers", "count"),
    "n_accounts": Figure("Accounts", "count"),
    "n_transactions": Figure("Transactions", "count"),
    "default_rate": Figure("12-month default rate of borrowers (development snapshot)", "percent"),
    "churn_rate": Figure("6-month churn rate (development snapshot)", "percent"),
    "oracle_auc_default": Figure("Oracle AUC, default (the ceiling for any model)", "auc"),
    "oracle_auc_churn": Figure("Oracle AUC, churn (the ceiling for any model)", "auc"),
    "anomaly_rate": Figure("Planted anomalies (share of transactions)", "percent"),
    # 02 ETL
    "raw_rows_total": Figure("Raw rows read", "count"),
    "loaded_rows_total": Figure("Rows loaded", "count"),
    "rejected_rows_total": Figure("Rows quarantined (each with its reason)", "count"),
    "reject_rate": Figure("Quarantined share of raw rows", "percent"),
    "checks_passed": Figure(
        "Data-quality checks passed",
        "count",
        versus=("n_checks", "of"),
        bar=_all_checks,
        note="all must pass",
    ),
    "checks_failed": Figure("Data-quality checks failed", "count", bar=_at_most(0, 0)),
    "n_checks": Figure("Data-quality checks", "count"),
    "etl_seconds": Figure("Datamart build time", "seconds"),
    "history_end": Figure("End of the history", "text"),
    # 03 BI
    "n_active_customers": Figure("Customers with an open account", "count"),
    "n_open_accounts": Figure("Open accounts", "count"),
    "total_deposits": Figure("Deposit balances", "money"),
    "total_loans": Figure("Loan balances (amount owed)", "money"),
    "avg_utilisation": Figure("Credit-card utilisation (balance / limit)", "percent"),
    "share_90plus_latest": Figure("Open credit accounts 90+ days past due", "percent"),
    "roll_60_89_to_90plus": Figure("Roll rate 60-89 -> 90+ days past due (monthly)", "percent"),
    "roll_current_to_1_29": Figure("Roll rate current -> 1-29 days past due (monthly)", "percent"),
    "default_rate_12m_last_cohort": Figure("12-month default rate, last full cohort", "percent"),
    "churn_rate_6m_last_snapshot": Figure("6-month churn rate, last snapshot", "percent"),
    "n_exports": Figure("Files exported for BI tools", "count"),
    "export_megabytes": Figure("Exported for BI tools", "megabytes"),
    "kpi_seconds": Figure("KPI computation time", "seconds"),
    "export_seconds": Figure("Export time", "seconds"),
    "n_kpi_tables": Figure("KPI tables", "count"),
    "dq_reject_rate": Figure("Quarantined share of raw rows", "percent"),
    "dq_checks_failed": Figure("Data-quality checks failed", "count", bar=_at_most(0, 0)),
    "latest_month_end": Figure("Latest month end", "text"),
    # 04 scorecard / 05 churn (shared names)
    "oot_auc": Figure(
        "Out-of-time AUC (95% CI)", "auc", interval=("oot_auc_ci_low", "oot_auc_ci_high")
    ),
    "model_share_of_oracle": Figure(
        "Share of the ceiling (AUC / oracle AUC, out of time)",
        "percent",
        bar=_SHARE_BAR,
        note="bar 95%",
    ),
    "oracle_auc": Figure("Oracle AUC on the same customers", "auc"),
    "pd_vs_observed": Figure(
        "Mean PD vs observed default rate, out of time (relative gap)",
        "signed_percent",
        bar=_within(0.20, 0.30),
        note="bar within ±20%",
    ),
    "hosmer_lemeshow_p": Figure(
        "Hosmer-Lemeshow p-value, out of time", "pvalue", bar=_at_least(0.05, 0.01), note="bar 0.05"
    ),
    "psi_score": Figure(
        "Score PSI, development -> out of time", "ratio3", bar=_at_most(0.10, 0.25), note="bar 0.10"
    ),
    "oot_ks": Figure("Out-of-time KS", "ratio3"),
    "gini": Figure("Out-of-time Gini", "ratio3"),
    "oot_mean_pd": Figure("Mean PD, out of time", "percent"),
    "oot_default_rate": Figure("Observed default rate, out of time", "percent"),
    "dev_default_rate": Figure("Default rate, development", "percent"),
    "challenger_oot_auc": Figure("XGBoost challenger, out-of-time AUC", "auc"),
    "cutoff_pd": Figure("Policy cut-off (PD)", "percent"),
    "quality_bar_auc_met": Figure("Quality bar on the AUC met", "flag", bar=_true),
    "quality_bar_calibration_met": Figure("Quality bar on calibration met", "flag", bar=_true),
    "oot_pr_auc": Figure(
        "Out-of-time PR AUC (95% CI)", "auc", interval=("oot_pr_auc_ci_low", "oot_pr_auc_ci_high")
    ),
    "baseline_oot_auc": Figure("Logistic baseline, out-of-time AUC", "auc"),
    "top_decile_lift": Figure("Top-decile lift, out of time", "ratio"),
    "best_k": Figure("Retention calls that maximise the expected net benefit", "count"),
    "best_k_net_benefit": Figure(
        "Expected net benefit of calling the best {best_k:,} customers", "money"
    ),
    "oot_brier": Figure("Brier score, out of time", "ratio3"),
    # 06 anomalies
    "pr_auc_iforest": Figure(
        "PR AUC, Isolation Forest", "auc", versus=("pr_auc_rule", "vs amount rule")
    ),
    "forest_beats_rule": Figure("The forest beats the simple rule", "flag", bar=_true),
    "daily_recall_at_k": Figure("Daily recall with {k} reviews a day", "percent"),
    "daily_precision_at_k": Figure("Daily precision with {k} reviews a day", "percent"),
    "precision_at_k": Figure("Precision in the top {k} alerts of the period", "percent"),
    "recall_at_k": Figure("Recall in the top {k} alerts of the period", "percent"),
    "score_rows_per_s": Figure("Isolation Forest scoring speed", "rate"),
    "pass_rows_per_s": Figure("Scoring speed, all detectors", "rate"),
    "n_transactions_scored": Figure("Transactions scored", "count"),
    "n_anomalies": Figure("Planted anomalies among them", "count"),
    "n_queue_cases": Figure("Cases in the review queue", "count"),
    "pr_auc_rule": Figure("PR AUC, amount rule (robust z-score)", "auc"),
    "pr_auc_ecod": Figure("PR AUC, ECOD", "auc"),
    "pr_auc_lof": Figure("PR AUC, Local Outlier Factor", "auc"),
    "recall_by_type": Figure("Recall in the top {k} alerts, by planted type", "percent"),
    "daily_recall_by_type": Figure("Daily recall with {k} reviews a day, by type", "percent"),
    "k": Figure("Review capacity k (transactions a day)", "count"),
    # models: checks and sizes
    "xgb_minus_baseline_oot_auc": Figure("XGBoost minus logistic baseline, out-of-time AUC", "auc"),
    "score_psi_test_to_oot": Figure("Score PSI, test -> out of time", "ratio3"),
    "save_load_identical": Figure("Saved and reloaded model scores identically", "flag", bar=_true),
    "sql_max_abs_diff": Figure("Largest gap between SQL and Python scores (points)", "sci"),
    "grades_red_oot": Figure("Grades with a red back-test, out of time", "count"),
    "herfindahl_oot": Figure("Herfindahl index of the grades, out of time", "ratio3"),
    "test_auc": Figure("Test AUC", "auc"),
    "train_auc": Figure("Train AUC", "auc"),
    "n_features": Figure("Features in the model", "count"),
    "n_trees": Figure("Trees kept by early stopping", "count"),
    "dev_churn_rate": Figure("Churn rate, development", "percent"),
    "oot_churn_rate": Figure("Churn rate, out of time", "percent"),
}


def figure(key: str) -> Figure:
    """The :class:`Figure` of ``key`` (named from the key when it has no entry)."""
    if key in FIGURES:
        return FIGURES[key]
    kind = "auc" if key.endswith("auc") else column_kind(key)
    return Figure(humanise(key), kind)


def _number(value: Any, kind: str) -> str:
    if kind == "auc" or kind == "ratio3":
        return f"{float(value):.3f}"
    if kind == "ratio":
        return f"{float(value):.2f}"
    if kind == "pvalue":
        return f"{float(value):.3f}" if float(value) >= 0.001 else "< 0.001"
    if kind == "signed_percent":
        return f"{float(value):+.1%}"
    if kind == "money":
        return f"EUR {float(value):,.0f}"
    if kind == "seconds":
        return f"{float(value):,.1f} s"
    if kind == "megabytes":
        return f"{float(value):,.1f} MB"
    if kind == "rate":
        return f"{float(value):,.0f} rows/s"
    if kind == "flag":
        return "yes" if value else "no"
    if kind == "sci":
        return f"{float(value):.1e}"
    if kind == "number" and isinstance(value, int):
        return f"{value:,}"
    return format_value(value, kind)


def figure_text(key: str, metrics: Mapping[str, Any]) -> str:
    """The value of ``key`` in words and units, with its interval or comparison."""
    spec, value = figure(key), metrics.get(key)
    if value is None:
        return NA
    if isinstance(value, Mapping):
        return "; ".join(f"{humanise(k)} {_number(v, spec.kind)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or NA
    text = _number(value, spec.kind)
    if spec.interval and all(metrics.get(k) is not None for k in spec.interval):
        low, high = (_number(metrics[k], spec.kind) for k in spec.interval)
        text += f" ({low}–{high})"
    if spec.versus and metrics.get(spec.versus[0]) is not None:
        text += f" {spec.versus[1]} {_number(metrics[spec.versus[0]], spec.kind)}"
    return text


def traffic_light(key: str, metrics: Mapping[str, Any]) -> str | None:
    """``green``, ``amber`` or ``red`` against the figure's quality bar; None without a bar."""
    spec, value = figure(key), metrics.get(key)
    if spec.bar is None or value is None or isinstance(value, (Mapping, list, str)):
        return None
    return spec.bar(value, metrics)


def _label(key: str, metrics: Mapping[str, Any]) -> str:
    label = figure(key).label
    try:
        return label.format(**{k: v for k, v in metrics.items() if not isinstance(v, Mapping)})
    except (KeyError, IndexError, ValueError):  # a figure the label quotes was not recorded
        return re.sub(r"\s*\{[^}]*\}", "", label)


def headline_rows(metrics: Mapping[str, Any], keys: Sequence[str] | None = None) -> list[dict]:
    """One row per figure: ``key, label, value`` (text), ``light`` and ``note``.

    Interval bounds and comparison figures shown beside another figure are not repeated.
    """
    shown_beside = {
        k
        for key in metrics
        for k in (*(figure(key).interval or ()), *(figure(key).versus or ())[:1])
        if key in metrics
    }
    keys = list(keys) if keys is not None else [k for k in metrics if k not in shown_beside]
    return [
        {
            "key": key,
            "label": _label(key, metrics),
            "value": figure_text(key, metrics),
            "light": traffic_light(key, metrics),
            "note": figure(key).note,
        }
        for key in keys
    ]


_LIGHT_TEXT = {"green": "● met", "amber": "● close", "red": "● missed"}
_LIGHT_COLOUR = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00"}


def headline_table(metrics: Mapping[str, Any], keys: Sequence[str] | None = None) -> Styler:
    """The recorded figures as the "Headline figures" table of a report (never a dict)."""
    rows = headline_rows(metrics, keys)
    frame = pd.DataFrame(
        {
            "figure": [r["label"] for r in rows],
            "value": [r["value"] for r in rows],
            "quality bar": [
                f"{_LIGHT_TEXT[r['light']]} ({r['note']})"
                if r["light"] and r["note"]
                else _LIGHT_TEXT.get(r["light"] or "", "")
                for r in rows
            ],
        }
    )
    if not frame["quality bar"].any():
        frame = frame.drop(columns="quality bar")
    styled = show_table(frame, text=list(frame.columns), caption="Headline figures")
    if "quality bar" in frame.columns:
        colours = [_LIGHT_COLOUR.get(r["light"] or "", "inherit") for r in rows]
        styled = styled.apply(
            lambda _: [f"color:{c};font-weight:bold" for c in colours], subset=["quality bar"]
        )
    return styled.set_caption(
        "Headline figures, as recorded in run.json. Quality bars: ● met, ● close, ● missed."
        if "quality bar" in frame.columns
        else "Headline figures, as recorded in run.json."
    )


def _front_file(run_dir: str | os.PathLike, notebook: str) -> Path:
    return resolve_run_dir(run_dir) / "metrics" / f"{notebook}.front.json"


def choose_front_page(
    run_dir: str | os.PathLike, notebook: str, keys: Sequence[str], metrics: Mapping[str, Any]
) -> list[str]:
    """Record the 3-5 figures of ``notebook`` that ``index.html`` shows (in this order).

    Keys not recorded in this run are left out (figures that need ground truth are absent
    on a bank's own extracts); returns the keys kept. Raises ``ValueError`` for a key with
    no label, or when none of the keys was recorded.
    """
    if not 1 <= len(keys) <= 5:
        raise ValueError(f"keys: expected 1 to 5 figures for the front page, got {len(keys)}")
    for key in keys:
        if key not in FIGURES:
            raise ValueError(f"keys: {key!r} has no label in riskinsights_lib.figures.FIGURES")
    kept = [k for k in keys if metrics.get(k) is not None]
    if not kept:
        raise ValueError(f"keys: none of {list(keys)} is a recorded figure of {notebook}")
    path = _front_file(run_dir, notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(kept), encoding="utf-8")
    return kept


def read_front_page(run_dir: str | os.PathLike, notebook: str) -> list[str] | None:
    """The front-page figures a notebook chose (None when it chose none)."""
    path = _front_file(run_dir, notebook)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
