"""True event probabilities by Monte Carlo, realised labels and label populations.

The true 12-month default and 6-month churn probability of a customer at a
snapshot is the chance of exactly the label event given the full simulated
state at that month end (latent factors included). It is estimated by
re-simulating the state forward ``n_paths`` times with the same
:func:`~riskinsights_lib.generate.dynamics.step` that produced the data.
"""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from riskinsights_lib.generate.dynamics import DynamicsParams, SimState, StepContext, step, take
from riskinsights_lib.generate.simulate import MainPath

__all__ = [
    "DEFAULT_HORIZON",
    "CHURN_HORIZON",
    "DORMANCY_MONTHS",
    "default_population",
    "churn_population",
    "realised_default",
    "realised_churn",
    "true_probabilities",
]

DEFAULT_HORIZON = 12
CHURN_HORIZON = 6
DORMANCY_MONTHS = 3


def default_population(credit_open: np.ndarray, path: MainPath, s: int) -> np.ndarray:
    """Customers with an open credit account at month end ``s`` and not 90+ dpd."""
    return credit_open[:, s] & (path.dpd[:, s] < 4)


def churn_population(any_open: np.ndarray, activity: np.ndarray, s: int) -> np.ndarray:
    """Customers with an open account at ``s`` and a customer-initiated transaction in the 3 months up to ``s``."""
    lo = max(s - DORMANCY_MONTHS + 1, 0)
    return any_open[:, s] & (activity[:, lo : s + 1].sum(axis=1) > 0)


def realised_default(path: MainPath, s: int) -> tuple[np.ndarray, np.ndarray]:
    """Realised default label and the event month index (-1 if none) after ``s``."""
    window = path.dpd[:, s + 1 : s + DEFAULT_HORIZON + 1] >= 4
    event = window.any(axis=1)
    month = np.where(event, s + 1 + window.argmax(axis=1), -1)
    return event, month


def realised_churn(path: MainPath, s: int) -> np.ndarray:
    """Realised churn label: closed by ``s+6`` or dormant since ``s+4`` at the latest."""
    return (path.churn[:, s + CHURN_HORIZON] == 1) | (
        path.churn[:, s + CHURN_HORIZON - DORMANCY_MONTHS + 1] == 2
    )


def true_probabilities(
    state: SimState,
    ctx: StepContext,
    s: int,
    macro: np.ndarray,
    rng: np.random.Generator,
    *,
    params: DynamicsParams,
    members: np.ndarray,
    n_paths: int,
    batch_rows: int = 65_536,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo estimate of P(default_12m) and P(churn_6m) for customers ``members`` at ``s``.

    Parameters
    ----------
    state, ctx : the full state at month end ``s`` and the static context (all customers).
    s : month index of the snapshot; needs ``s + 12`` within the history.
    macro : the macro path (known to the oracle).
    members : indices of the customers to score.
    n_paths : Monte Carlo paths per customer.
    batch_rows : customer x path rows simulated at once (bounds memory).
    """
    if n_paths < 1:
        raise ValueError(f"truth_paths: expected a positive number, got {n_paths}")
    if s + DEFAULT_HORIZON >= len(macro):
        raise ValueError(f"snapshots: month {s} needs {DEFAULT_HORIZON} months of history after it")
    members = np.asarray(members)
    pd_out = np.zeros(len(members))
    pc_out = np.zeros(len(members))
    per_batch = max(batch_rows // n_paths, 1)
    starts = range(0, len(members), per_batch)
    for lo in tqdm(starts, desc=f"truth month {s}", disable=not progress, leave=False):
        who = members[lo : lo + per_batch]
        idx = np.repeat(who, n_paths)
        st, cx = take(state, idx), take(ctx, idx)
        dormant_by = closed_by = None
        for k in range(1, DEFAULT_HORIZON + 1):
            st = step(st, cx, s + k, float(macro[s + k]), rng, params)
            if k == CHURN_HORIZON - DORMANCY_MONTHS + 1:
                dormant_by = st.churn == 2
            if k == CHURN_HORIZON:
                closed_by = st.churn == 1
        default = (st.dpd >= 4).reshape(len(who), n_paths)
        churn = (dormant_by | closed_by).reshape(len(who), n_paths)
        pd_out[lo : lo + len(who)] = default.mean(axis=1)
        pc_out[lo : lo + len(who)] = churn.mean(axis=1)
    return pd_out, pc_out
