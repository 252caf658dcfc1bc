"""Transaction anomaly detection: Isolation Forest, baselines, explanations, evaluation, queue.

Bring your own data: every detector takes a DataFrame of numeric features.

>>> from riskinsights_lib.anomaly import fit_anomaly_detector
>>> det = fit_anomaly_detector(X, n_estimators=100, seed=0)   # doctest: +SKIP
>>> det.score(X); det.explain(X.head(), n=3)                  # doctest: +SKIP
"""

from riskinsights_lib.anomaly.baselines import (
    ECODDetector,
    LOFDetector,
    RuleDetector,
    fit_ecod,
    fit_lof,
    fit_rule_detector,
)
from riskinsights_lib.anomaly.callbacks import (
    breakdown_at_threshold,
    budget_curve,
    budget_from_contamination,
    budget_grid,
    customer_timeline,
    filter_transactions,
    flag_summary,
    flagged_customers,
    threshold_for_budget,
)
from riskinsights_lib.anomaly.data import (
    attach_truth,
    count_rows,
    customer_explanations,
    customer_rows,
    materialise,
    rows_by_ids,
    sample_rows,
    scoring_relation,
)
from riskinsights_lib.anomaly.detector import AnomalyDetector, fit_anomaly_detector
from riskinsights_lib.anomaly.evaluate import (
    daily_top_k_mask,
    evaluate_detectors,
    is_anomaly,
    pr_auc_score,
    precision_at_k,
    recall_at_k,
    recall_by_type,
    top_k_mask,
)
from riskinsights_lib.anomaly.explain import describe_feature, explain_rows, feature_contributions
from riskinsights_lib.anomaly.features import (
    CHANNELS,
    CONTEXT_COLUMNS,
    DETECTOR_FEATURES,
    KEY_COLUMNS,
    RULE_COLUMN,
    derived_features_sql,
    feature_summary,
    model_features,
)
from riskinsights_lib.anomaly.narrative import (
    best_by_type_reading,
    budget_reading,
    comparison_reading,
    daily_reading,
    detector_table,
    feature_overlap,
    overlap_reading,
    overview_reading,
    queue_reading,
    reasons_reading,
    throughput_reading,
    top_reasons_table,
    type_recall_reading,
)
from riskinsights_lib.anomaly.persist import load_detector, save_detector
from riskinsights_lib.anomaly.phrases import MART_PHRASES, MART_REASON_GROUPS
from riskinsights_lib.anomaly.queue import review_queue
from riskinsights_lib.anomaly.sampled import stratified_sample, weighted_metrics
from riskinsights_lib.anomaly.scoring import score_detectors

__all__ = [
    "feature_overlap",
    "overlap_reading",
    "best_by_type_reading",
    "MART_REASON_GROUPS",
    "CONTEXT_COLUMNS",
    "materialise",
    "DETECTOR_FEATURES",
    "RULE_COLUMN",
    "budget_grid",
    "detector_table",
    "breakdown_at_threshold",
    "budget_reading",
    "customer_explanations",
    "daily_reading",
    "feature_summary",
    "overview_reading",
    "reasons_reading",
    "top_reasons_table",
    "CHANNELS",
    "KEY_COLUMNS",
    "MART_PHRASES",
    "derived_features_sql",
    "model_features",
    "attach_truth",
    "comparison_reading",
    "count_rows",
    "customer_rows",
    "queue_reading",
    "rows_by_ids",
    "sample_rows",
    "score_detectors",
    "scoring_relation",
    "throughput_reading",
    "type_recall_reading",
    "AnomalyDetector",
    "ECODDetector",
    "LOFDetector",
    "RuleDetector",
    "budget_curve",
    "budget_from_contamination",
    "customer_timeline",
    "daily_top_k_mask",
    "describe_feature",
    "evaluate_detectors",
    "stratified_sample",
    "weighted_metrics",
    "explain_rows",
    "feature_contributions",
    "filter_transactions",
    "fit_anomaly_detector",
    "fit_ecod",
    "fit_lof",
    "fit_rule_detector",
    "flag_summary",
    "flagged_customers",
    "is_anomaly",
    "pr_auc_score",
    "precision_at_k",
    "recall_at_k",
    "recall_by_type",
    "review_queue",
    "threshold_for_budget",
    "top_k_mask",
    "save_detector",
    "load_detector",
]
