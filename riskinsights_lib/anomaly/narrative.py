"""Readings of the anomaly results in words, generated from the numbers.

The notebook displays these with ``IPython.display.Markdown`` so that every
sentence that depends on a figure is computed, never typed.
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "overview_reading",
    "comparison_reading",
    "daily_reading",
    "budget_reading",
    "type_recall_reading",
    "best_by_type_reading",
    "feature_overlap",
    "overlap_reading",
    "top_reasons_table",
    "reasons_reading",
    "queue_reading",
    "throughput_reading",
    "detector_table",
    "detector_label",
]

_NAMES = {
    "iforest": "the Isolation Forest",
    "rule": "the amount z-score rule",
    "lof": "LOF",
    "ecod": "ECOD",
}


def detector_label(det: str) -> str:
    """Display name of a detector key (``"iforest"`` -> ``"the Isolation Forest"``)."""
    return _NAMES.get(det, det)


_name = detector_label


def comparison_reading(
    table: pd.DataFrame, *, k: int, forest: str = "iforest", rule: str = "rule"
) -> str:
    """Who wins on PR AUC and precision@k overall, and whether the forest beats the rule."""
    overall = table[table["segment"] == "overall"].set_index("detector")
    if forest not in overall.index or rule not in overall.index:
        raise ValueError(f"table: expected detectors {forest!r} and {rule!r} in the overall rows")
    n_pos = int(overall["n_anomalies"].iloc[0])
    f, r = overall.loc[forest], overall.loc[rule]
    others = ", ".join(
        f"{_name(d)} {row.pr_auc:.3f}" for d, row in overall.iterrows() if d not in (forest, rule)
    )
    best = overall["pr_auc"].idxmax()
    verdict = (
        f"The forest beats the simple rule on PR AUC ({f.pr_auc:.3f} vs {r.pr_auc:.3f})."
        if f.pr_auc > r.pr_auc
        else f"**The forest does not beat the simple rule on PR AUC** ({f.pr_auc:.3f} vs {r.pr_auc:.3f}): "
        "the features or the detector settings need work before it earns its place."
    )
    text = (
        f"{verdict} PR AUC of the other detectors: {others or 'none'}; the best is {_name(best)} "
        f"({overall.loc[best, 'pr_auc']:.3f}). Among the top {k:,} transactions, {_name(forest)} "
        f"has precision {f.precision_at_k:.1%} and recall {f.recall_at_k:.1%} of the {n_pos:,} "
        f"planted anomalies (the rule: {r.precision_at_k:.1%} and {r.recall_at_k:.1%})."
    )
    if k < n_pos:
        text += f" With {n_pos:,} anomalies and room for {k:,} reviews, recall at k cannot exceed {k / n_pos:.1%}."
    return text


def type_recall_reading(
    table: pd.DataFrame,
    *,
    detector: str = "iforest",
    column: str = "recall_at_k",
    label: str = "in the top k",
) -> str:
    """Which planted types the detector finds and which it misses."""
    sub = table[(table["detector"] == detector) & (table["segment"] != "overall")].sort_values(
        [column, "pr_auc"], ascending=False
    )
    if sub.empty:
        raise ValueError(f"detector: {detector!r} has no per-type rows in the table")
    parts = [
        f"{row.segment.replace('_', ' ')} {getattr(row, column):.1%} (PR AUC {row.pr_auc:.3f})"
        for row in sub.itertuples()
    ]
    worst = sub.iloc[-1]
    best = sub.iloc[0]
    return (
        f"Share of each planted type caught {label} by {_name(detector)}: {'; '.join(parts)}. "
        f"It finds {best.segment.replace('_', ' ')} best and misses {worst.segment.replace('_', ' ')} "
        f"the most (type-level PR AUC compares each type against normal transactions only)."
    )


def queue_reading(queue: pd.DataFrame, *, k: int) -> str:
    """How much de-duplication shrinks the analysts' work."""
    n_cases = len(queue)
    multi = int((queue["n_transactions"] > 1).sum())
    return (
        f"The top {k:,} transactions collapse into {n_cases:,} customer-day cases "
        f"({multi:,} with more than one flagged transaction, up to {int(queue['n_transactions'].max()):,}); "
        f"analysts open {k - n_cases:,} fewer cases than rows."
    )


def throughput_reading(
    timing: pd.DataFrame, *, n_estimators: int, chunk_size: int, forest: str = "iforest"
) -> str:
    """Scoring speed in this run, from :func:`~riskinsights_lib.anomaly.score_detectors`' timing table."""
    t = timing.set_index("detector")
    f, total = t.loc[forest], t.loc["total"]
    slowest = t.drop(index=["total"])["seconds"].idxmax()
    return (
        f"Scored {int(total['rows']):,} transactions in chunks of {chunk_size:,}: "
        f"{_name(forest)} ({n_estimators:,} trees) alone runs at {f['rows_per_s']:,.0f} rows/s; the "
        f"whole pass (reading features from DuckDB and all {len(t) - 1} detectors) took "
        f"{total['seconds']:,.1f} s ({total['rows_per_s']:,.0f} rows/s), the slowest detector being "
        f"{_name(slowest)} ({t.loc[slowest, 'seconds']:,.1f} s)."
    )


def overview_reading(
    n_rows: int, n_customers: int, first_ts: object, last_ts: object, features: list[str]
) -> str:
    """What is scored: rows, customers, period and the detector's inputs."""
    return (
        f"{n_rows:,} transactions of {n_customers:,} customers from {str(first_ts)[:10]} to "
        f"{str(last_ts)[:10]}. The detectors read {len(features)} numeric features, each measured "
        f"against the customer's own earlier transactions where it can be: {', '.join(features)}."
    )


def daily_reading(
    table: pd.DataFrame,
    *,
    k: int,
    n_days: int,
    n_rows: int,
    forest: str = "iforest",
    rule: str = "rule",
) -> str:
    """The operational view: a queue of the top ``k`` transactions of every day."""
    overall = table[table["segment"] == "overall"].set_index("detector")
    if "daily_recall_at_k" not in overall.columns:
        raise ValueError("table: expected the daily columns (pass day= to evaluate_detectors)")
    f, r = overall.loc[forest], overall.loc[rule]
    best = overall["daily_recall_at_k"].idxmax()
    per_day = n_rows / n_days if n_rows else float("nan")
    return (
        f"Run as a daily queue (the top {k:,} transactions of each of the {n_days:,} days, "
        f"{min(k / per_day, 1):.1%} of the {per_day:,.0f} transactions of an average day), "
        f"{_name(forest)} catches {f.daily_recall_at_k:.1%} of the planted anomalies with precision "
        f"{f.daily_precision_at_k:.1%}; the rule catches {r.daily_recall_at_k:.1%} "
        f"(precision {r.daily_precision_at_k:.1%}). Best daily recall: {_name(best)} "
        f"({overall.loc[best, 'daily_recall_at_k']:.1%})."
    )


def budget_reading(curve: pd.DataFrame, *, k: int, contamination_budget: int) -> str:
    """Precision and recall at the review capacity and at the contamination budget."""
    at = curve.set_index("budget")
    parts = []
    for label, b in (
        ("the review capacity", k),
        ("the contamination budget", contamination_budget),
    ):
        if b in at.index:
            row = at.loc[b]
            parts.append(
                f"at {label} ({b:,} alerts) precision is {row['precision']:.1%} and recall {row['recall']:.1%}"
            )
    return "Over the whole period, " + "; ".join(parts) + "." if parts else ""


def top_reasons_table(explanations: pd.DataFrame) -> pd.DataFrame:
    """How often each feature is the first reason among explained rows."""
    counts = explanations["feature_1"].fillna("(combination)").value_counts()
    out = counts.rename_axis("first_reason_feature").to_frame("transactions")
    out["share"] = out["transactions"] / out["transactions"].sum()
    return out


def reasons_reading(explanations: pd.DataFrame) -> str:
    """The features that most often lead the explanations."""
    table = top_reasons_table(explanations)
    parts = [
        f"{feat.replace('_', ' ')} ({row.share:.0%})" for feat, row in table.head(3).iterrows()
    ]
    return (
        f"Across the {len(explanations):,} explained transactions, the leading reason is most often: "
        f"{'; '.join(parts)}. Each reason is the feature whose return to a typical value lowers the "
        "score most (feature ablation), worded against the customer's own history."
    )


def detector_table(detectors: dict, *, n_fit: int) -> pd.DataFrame:
    """One row per fitted detector: what it is, its fit rows, features and settings."""
    rows = []
    for name, det in detectors.items():
        model = getattr(det, "model_", None)
        if name == "rule" or not hasattr(det, "model_") and not hasattr(det, "sorted_"):
            fit_rows, settings = 0, f"score = {det.feature_names_[0]}"
        elif hasattr(det, "sorted_"):
            fit_rows, settings = det.sorted_.shape[0], "no parameters"
        elif hasattr(model, "n_neighbors"):
            fit_rows, settings = int(model.n_samples_fit_), f"n_neighbors={model.n_neighbors}"
        else:
            fit_rows = n_fit
            settings = f"n_estimators={model.n_estimators}, max_samples={model.max_samples_}"
        rows.append(
            {
                "detector": name,
                "method": _name(name),
                "fit_rows": fit_rows,
                "features": len(det.feature_names_),
                "settings": settings,
                "alert_threshold": det.threshold_,
            }
        )
    return pd.DataFrame(rows).set_index("detector")


def best_by_type_reading(table: pd.DataFrame, *, metric: str = "pr_auc") -> str:
    """Which detector ranks each planted type best: where a baseline beats the forest."""
    sub = table[table["segment"] != "overall"]
    if sub.empty:
        raise ValueError("table: expected per-type rows")
    best = sub.loc[sub.groupby("segment", sort=True)[metric].idxmax()]
    parts = [
        f"{row.segment.replace('_', ' ')}: {_name(row.detector)} ({getattr(row, metric):.3f})"
        for row in best.itertuples()
    ]
    label = "PR AUC" if metric == "pr_auc" else metric.replace("_", " ")
    text = f"Best detector per planted type ({label}): {'; '.join(parts)}."
    if best["detector"].nunique() > 1:
        text += " No single detector ranks every type best, an argument for combining them."
    return text


def feature_overlap(
    values: pd.Series, anomaly_type: pd.Series, *, kind: str, quantile: float = 0.99
) -> dict[str, float]:
    """How far one planted type stands out on one feature from normal rows.

    Returns the type's median, the normal rows' ``quantile`` and the share of
    the type above that quantile (missing values left out). A low share means
    most planted rows of that type look ordinary on this feature.
    """
    v = pd.to_numeric(pd.Series(values), errors="coerce").reset_index(drop=True)
    t = pd.Series(anomaly_type).astype("string").fillna("normal").reset_index(drop=True)
    if len(v) != len(t):
        raise ValueError(f"anomaly_type: expected {len(v)} values like values, got {len(t)}")
    planted, normal = v[t == kind].dropna(), v[t == "normal"].dropna()
    if planted.empty or normal.empty:
        raise ValueError(f"kind: no rows of {kind!r} or no normal rows with values")
    cut = float(normal.quantile(quantile))
    return {
        "type_median": float(planted.median()),
        "normal_quantile": cut,
        "quantile": quantile,
        "share_above": float((planted > cut).mean()),
    }


def overlap_reading(overlap: dict[str, float], *, kind: str, feature: str) -> str:
    """One sentence from :func:`feature_overlap`."""
    return (
        f"On {feature.replace('_', ' ')}, the median planted {kind.replace('_', ' ')} is "
        f"{overlap['type_median']:,.2f} while {1 - overlap['quantile']:.0%} of normal transactions "
        f"exceed {overlap['normal_quantile']:,.2f}; only {overlap['share_above']:.0%} of the "
        f"{kind.replace('_', ' ')}s are above that line: most of them look ordinary for the "
        "customer on this feature, so a detector cannot rank them high on it without flagging "
        "many normal transactions too."
    )
