"""The main path of the simulation: every customer's latent state month by month.

The burn-in runs the same :func:`~riskinsights_lib.generate.dynamics.step`
before the history starts (no churn, no macro shock), so the book at the start
already holds customers in arrears and with drifting engagement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskinsights_lib.generate.dynamics import DynamicsParams, SimState, StepContext, step

__all__ = ["MainPath", "simulate_main", "activity_counts"]


@dataclass
class MainPath:
    """Latent state at every month end, arrays of shape (n_customers, n_months)."""

    stress: np.ndarray
    diseng: np.ndarray
    jobless: np.ndarray
    moved: np.ndarray
    dpd: np.ndarray
    months_default: np.ndarray
    churn: np.ndarray
    churn_month: np.ndarray  # (n,) month of the churn event, -1 if none
    states: dict[int, SimState]  # full state at selected month ends (snapshots)


def simulate_main(
    ctx: StepContext,
    initial: SimState,
    macro: np.ndarray,
    rng: np.random.Generator,
    *,
    params: DynamicsParams,
    keep_months: list[int],
    burn_in: int = 12,
) -> MainPath:
    """Run the burn-in and the history; keep the full state at ``keep_months``.

    The burn-in replaces customers who churn before the history (``ctx.u`` is
    updated in place), so the starting book is in its renewal equilibrium.
    """
    n, n_months = len(ctx.z), len(macro)
    state = initial
    for _ in range(burn_in):
        state = step(state, ctx, 0, 0.0, rng, params, credit_month=0)
        # a customer who leaves before the history is replaced by a new one (new loyalty factor),
        # so the book at the start holds the survivors of past churn, as a real bank's does
        left = state.churn != 0
        if left.any():
            ctx.u[left] = rng.standard_normal(int(left.sum()))
            state.diseng[left] = params.diseng_u * ctx.u[left] + 0.5 * rng.standard_normal(
                int(left.sum())
            )
            state.churn[left] = 0
            state.churn_month[left] = -1
            state.moved[left] = False
    # customers in default before the history are not on the book as defaulters
    state.dpd = np.where(state.dpd >= 4, 0, state.dpd).astype(np.int8)
    state.months_default = np.zeros(n, np.int16)
    out = {
        "stress": np.empty((n, n_months), np.float32),
        "diseng": np.empty((n, n_months), np.float32),
        "jobless": np.empty((n, n_months), bool),
        "moved": np.empty((n, n_months), bool),
        "dpd": np.empty((n, n_months), np.int8),
        "months_default": np.empty((n, n_months), np.int16),
        "churn": np.empty((n, n_months), np.int8),
    }
    states: dict[int, SimState] = {}
    for t in range(n_months):
        state = step(state, ctx, t, float(macro[t]), rng, params)
        for name, arr in out.items():
            arr[:, t] = getattr(state, name)
        if t in keep_months:
            states[t] = state.copy()
    return MainPath(**out, churn_month=state.churn_month.astype(int), states=states)


def activity_counts(
    path: MainPath,
    onboard_month: np.ndarray,
    base_rate: np.ndarray,
    month_factor: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Customer-initiated transactions per customer and month, shape (n, n_months).

    An active customer makes at least one a month (so dormancy is a state, not
    chance); disengagement and stress lower the rate; a dormant churner makes
    none from the churn month on, a closing churner a few before closing.
    """
    n, n_months = path.stress.shape
    t = np.arange(n_months)[None, :]
    lam = (
        base_rate[:, None]
        * month_factor[None, :]
        * np.exp(-1.0 * np.maximum(path.diseng, -1.5) - 0.12 * path.stress)
    )
    counts = 1 + rng.poisson(np.maximum(lam - 1.0, 0.0))
    churn_now = path.churn_month[:, None] == t
    closing = churn_now & (path.churn == 1)
    counts = np.where(closing, rng.poisson(0.5 * lam), counts)
    gone = (path.churn != 0) & ~closing
    counts = np.where(gone | (onboard_month[:, None] > t), 0, counts)
    return counts.astype(np.int32)
