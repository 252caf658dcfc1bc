"""A bank-style credit scorecard on any DataFrame: binning, WoE logistic regression, points.

Public API (bring your own data; nothing here knows a bank's column names):

* :func:`fit_scorecard` -> :class:`Scorecard` (``score``, ``predict_pd``,
  ``predict_proba``, ``scorecard_table``, ``binning_tables``, ``iv_table``,
  ``selection``, ``reason_codes``, ``to_sql``, ``to_json``, ``save``/``load``);
* :func:`fit_master_scale`, :func:`grade_table`: rating grades and their back-test;
* :func:`fit_challenger`: a gradient-boosting challenger on the same features;
* :func:`characteristic_stability`, :func:`score_psi_series`: stability;
* :func:`choose_cutoff`, :func:`decision_report`: the cut-off policy;
* :func:`learning_curve`: would more data close the gap to the ceiling?
* :class:`ModelCard`: the model card beside the saved model.
"""

from riskinsights_lib.scorecard.binning import FeatureBinning, fit_feature_binning
from riskinsights_lib.scorecard.challenger import Challenger, fit_challenger
from riskinsights_lib.scorecard.deploy import scorecard_json, scorecard_sql
from riskinsights_lib.scorecard.diagnostics import learning_curve
from riskinsights_lib.scorecard.grades import (
    MasterScale,
    fit_master_scale,
    grade_table,
    is_monotone,
)
from riskinsights_lib.scorecard.model import Scorecard, fit_scorecard
from riskinsights_lib.scorecard.model_card import ModelCard
from riskinsights_lib.scorecard.points import Scaling
from riskinsights_lib.scorecard.policy import choose_cutoff, decision_report
from riskinsights_lib.scorecard.reasons import reason_codes
from riskinsights_lib.scorecard.stability import characteristic_stability, score_psi_series

__all__ = [
    "Challenger",
    "FeatureBinning",
    "MasterScale",
    "ModelCard",
    "Scaling",
    "Scorecard",
    "characteristic_stability",
    "choose_cutoff",
    "decision_report",
    "fit_challenger",
    "fit_feature_binning",
    "fit_master_scale",
    "fit_scorecard",
    "grade_table",
    "is_monotone",
    "learning_curve",
    "reason_codes",
    "score_psi_series",
    "scorecard_json",
    "scorecard_sql",
]
