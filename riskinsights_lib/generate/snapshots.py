"""Truth at one snapshot: populations, true probabilities and realised labels as frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from riskinsights_lib.generate import oracle
from riskinsights_lib.generate.customers import customer_ids
from riskinsights_lib.generate.dynamics import DynamicsParams, StepContext
from riskinsights_lib.generate.simulate import MainPath
from riskinsights_lib.generate.timeline import Timeline

__all__ = ["score_snapshot"]


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else float("nan")


def score_snapshot(
    s: int,
    path: MainPath,
    ctx: StepContext,
    macro: np.ndarray,
    r_truth: np.random.Generator,
    *,
    params: DynamicsParams,
    timeline: Timeline,
    credit_open: np.ndarray,
    any_open: np.ndarray,
    activity: np.ndarray,
    n_paths: int,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Default truth, churn truth and summary figures (rates, oracle AUCs) at month ``s``.

    The populations follow docs/data_contract.md exactly, so the datamart's marts
    hold the same customers; ids are natural.
    """
    tl = timeline
    truth_paths = n_paths
    pop_d = oracle.default_population(credit_open, path, s)
    pop_c = oracle.churn_population(any_open, activity, s)
    members = np.flatnonzero(pop_d | pop_c)
    p_def, p_churn = oracle.true_probabilities(
        path.states[s],
        ctx,
        s,
        macro,
        r_truth,
        params=params,
        members=members,
        n_paths=truth_paths,
    )
    y_def, def_month = oracle.realised_default(path, s)
    y_churn = oracle.realised_churn(path, s)
    in_d, in_c = pop_d[members], pop_c[members]
    snap_date = tl.month_ends[s]
    md, mc = members[in_d], members[in_c]
    default = pd.DataFrame(
        {
            "customer_id": customer_ids(md),
            "snapshot_date": snap_date,
            "true_pd_12m": np.round(p_def[in_d], 6),
            "default_12m": y_def[md].astype(np.int8),
            "default_event_month": np.where(
                def_month[md] >= 0,
                tl.month_ends[np.maximum(def_month[md], 0)],
                np.datetime64("NaT"),
            ),
        }
    )
    churn = pd.DataFrame(
        {
            "customer_id": customer_ids(mc),
            "snapshot_date": snap_date,
            "true_churn_6m": np.round(p_churn[in_c], 6),
            "churn_6m": y_churn[mc].astype(np.int8),
            "churn_event_month": np.where(
                path.churn_month[mc] >= 0,
                tl.month_ends[np.maximum(path.churn_month[mc], 0)],
                np.datetime64("NaT"),
            ),
        }
    )
    stats = {
        "snapshot_date": str(snap_date),
        "n_default_population": int(len(md)),
        "default_rate": float(y_def[md].mean()) if len(md) else float("nan"),
        "mean_true_pd": float(p_def[in_d].mean()) if len(md) else float("nan"),
        "oracle_auc_default": _auc(y_def[md], p_def[in_d]),
        "n_churn_population": int(len(mc)),
        "churn_rate": float(y_churn[mc].mean()) if len(mc) else float("nan"),
        "mean_true_churn": float(p_churn[in_c].mean()) if len(mc) else float("nan"),
        "oracle_auc_churn": _auc(y_churn[mc], p_churn[in_c]),
    }

    return default, churn, stats
