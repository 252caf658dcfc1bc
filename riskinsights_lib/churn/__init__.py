"""Churn prediction: XGBoost with SHAP, gains and a retention targeting list.

Bring-your-own-data API (no synthetic-bank column names inside):

>>> from riskinsights_lib.churn import fit_churn_model, explain, decile_table  # doctest: +SKIP

Modules: :mod:`.data` (features, snapshots, truth join), :mod:`.model` (XGBoost model, split, save/load), :mod:`.baseline`
(logistic regression), :mod:`.explain` (SHAP), :mod:`.gains` (deciles, lift,
PR AUC, calibration), :mod:`.targeting` (value, net benefit, best k),
:mod:`.plots` (charts), :mod:`.report` (generated readings).
"""

from riskinsights_lib.churn.baseline import BaselineModel, fit_baseline
from riskinsights_lib.churn.data import (
    attach_truth,
    iso_dates,
    select_features,
    split_snapshots,
    summary_table,
)
from riskinsights_lib.churn.explain import (
    explain,
    global_importance,
    humanise,
    reason_text,
    top_reasons,
    typical_ranges,
)
from riskinsights_lib.churn.gains import (
    classification_table,
    confusion_table,
    decile_table,
    gains_curve,
    lift_at,
    paired_auc_difference,
    pr_auc_ci,
    pr_auc_score,
    rate_by_group,
    reliability_table,
    top_decile_lift,
)
from riskinsights_lib.churn.model import (
    ChurnModel,
    Preprocessing,
    check_binary_target,
    fit_churn_model,
    infer_categorical,
    split_development,
)
from riskinsights_lib.churn.targeting import best_k, customer_value, targeting_table

__all__ = [
    "attach_truth",
    "iso_dates",
    "select_features",
    "split_snapshots",
    "summary_table",
    "BaselineModel",
    "ChurnModel",
    "Preprocessing",
    "best_k",
    "check_binary_target",
    "classification_table",
    "confusion_table",
    "customer_value",
    "decile_table",
    "explain",
    "fit_baseline",
    "fit_churn_model",
    "gains_curve",
    "global_importance",
    "humanise",
    "infer_categorical",
    "lift_at",
    "paired_auc_difference",
    "pr_auc_ci",
    "pr_auc_score",
    "rate_by_group",
    "reason_text",
    "reliability_table",
    "split_development",
    "targeting_table",
    "top_decile_lift",
    "top_reasons",
    "typical_ranges",
]
