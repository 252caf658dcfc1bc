"""Latent monthly dynamics of the bank's customers: one pure, vectorised step.

Each customer carries a state the bank cannot see directly:

- ``stress``: AR(1) financial stress, pulled towards a level set by the static
  risk factor ``z``, unemployment and the macro factor, kicked up by rare life events;
- ``jobless``: job loss (hazard rises with ``z`` and the macro factor) and re-employment;
- ``diseng``: AR(1) disengagement, pulled towards the static disloyalty ``u``,
  lower with tenure, kicked up by competitor offers;
- ``moved``: salary redirected to another bank (while still employed);
- ``dpd``: delinquency bucket 0 (current), 1 (1-29), 2 (30-59), 3 (60-89),
  4 (90+, default, absorbing), a Markov chain whose roll and cure
  probabilities depend nonlinearly on stress, unemployment, low income and macro;
- ``churn``: 0 active, 1 closed all accounts, 2 dormant, with the month it happened.

:func:`step` advances every customer one month. The main path and the Monte
Carlo paths behind the true probabilities (:mod:`riskinsights_lib.generate.oracle`)
call the same function, so the truth is exactly the process that made the data.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

__all__ = ["DynamicsParams", "StepContext", "SimState", "step", "initial_state", "take"]


@dataclass(frozen=True)
class DynamicsParams:
    """Coefficients of the latent processes (logit scale for hazards)."""

    stress_phi: float = 0.95
    stress_z: float = 0.6
    stress_job: float = 2.2
    stress_macro: float = 0.18
    stress_sigma: float = 0.3
    life_p: float = 0.02
    life_kick: float = 1.5
    job_a: float = -4.7
    job_z: float = 0.2
    job_macro: float = 0.4
    rehire_p: float = 0.10
    dq_a: float = -6.4
    dq_stress: float = 1.25
    dq_job: float = 1.0
    dq_stress_job: float = 0.45
    dq_lowinc_stress: float = 0.6
    dq_macro: float = 0.1
    roll_a: tuple[float, float, float] = (-1.6, -1.0, -0.4)
    roll_stress: float = 0.5
    roll_job: float = 0.6
    roll_macro: float = 0.15
    stay_p: float = 0.2
    diseng_psi: float = 0.92
    diseng_u: float = 0.6
    diseng_tenure: float = 0.35
    diseng_sigma: float = 0.3
    offer_p: float = 0.06
    offer_kick: float = 0.6
    move_a: float = -5.8
    move_g: float = 1.4
    churn_a: float = -3.75
    churn_g: float = 0.95
    churn_moved: float = 0.6
    churn_g_single: float = 0.5
    churn_products: float = 0.6
    churn_tenure: float = 0.4
    churn_macro: float = 0.2
    churn_offer: float = 1.5
    close_share: float = 0.6


@dataclass
class StepContext:
    """Static per-customer inputs of :func:`step` (arrays of one length)."""

    z: np.ndarray
    u: np.ndarray
    earner: np.ndarray  # can lose a job (employed, self-employed, unemployed at the start)
    salaried: np.ndarray  # receives a salary or pension credit while in work
    low_income: np.ndarray
    n_products: np.ndarray
    onboard_month: np.ndarray
    credit_active: (
        np.ndarray
    )  # (n, n_months) bool: an open credit account at the month end (as scheduled)


@dataclass
class SimState:
    """The latent state of every customer at a month end."""

    stress: np.ndarray
    jobless: np.ndarray
    diseng: np.ndarray
    moved: np.ndarray
    dpd: np.ndarray
    months_default: np.ndarray
    churn: np.ndarray
    churn_month: np.ndarray

    def copy(self) -> SimState:
        return SimState(**{f.name: getattr(self, f.name).copy() for f in fields(self)})


def take(obj: SimState | StepContext, index: np.ndarray) -> SimState | StepContext:
    """Rows ``index`` of a state or context (used to replicate customers for Monte Carlo)."""
    return replace(obj, **{f.name: getattr(obj, f.name)[index] for f in fields(obj)})


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def initial_state(
    ctx: StepContext, employment_jobless: np.ndarray, rng: np.random.Generator
) -> SimState:
    """A state at the stationary mean of the latent processes (before any burn-in)."""
    n = len(ctx.z)
    return SimState(
        stress=0.9 * ctx.z + 0.5 * rng.standard_normal(n),
        jobless=employment_jobless.astype(bool).copy(),
        diseng=0.9 * ctx.u + 0.4 * rng.standard_normal(n),
        moved=np.zeros(n, bool),
        dpd=np.zeros(n, np.int8),
        months_default=np.zeros(n, np.int16),
        churn=np.zeros(n, np.int8),
        churn_month=np.full(n, -1, np.int16),
    )


def step(
    state: SimState,
    ctx: StepContext,
    month: int,
    macro: float,
    rng: np.random.Generator,
    params: DynamicsParams = DynamicsParams(),
    *,
    allow_churn: bool = True,
    credit_month: int | None = None,
) -> SimState:
    """Advance every customer by one month (pure: returns a new state).

    Parameters
    ----------
    state : the state at the previous month end.
    ctx : static per-customer inputs.
    month : index of the month being simulated (tenure and onboarding refer to it).
    macro : the macro factor of that month.
    rng : random generator (consumed; the draws do not depend on the values).
    params : process coefficients.
    allow_churn : False during the burn-in before the history.
    credit_month : column of ``ctx.credit_active`` to use (defaults to ``month``).
    """
    p = params
    n = len(state.stress)
    u_job, u_dq, u_cure, u_move, u_offer, u_churn, u_close, u_life = rng.random((8, n))
    eps_s, eps_g = rng.standard_normal((2, n))

    onboarded = ctx.onboard_month <= month
    alive = onboarded & (state.churn != 1)
    # employment
    lose = (
        ctx.earner
        & ~state.jobless
        & (u_job < _sigmoid(p.job_a + p.job_z * ctx.z + p.job_macro * macro))
    )
    rehire = state.jobless & (u_job < p.rehire_p)
    jobless = np.where(alive, (state.jobless | lose) & ~rehire, state.jobless)
    # financial stress
    target = p.stress_z * ctx.z + p.stress_job * jobless + p.stress_macro * macro
    life = (u_life < p.life_p) & alive  # illness, divorce, a broken boiler: unforeseeable
    stress = (
        p.stress_phi * state.stress
        + (1 - p.stress_phi) * target
        + p.stress_sigma * eps_s
        + p.life_kick * life
    )
    # disengagement
    tenure = np.log1p(np.maximum(month - ctx.onboard_month, 0) / 12.0)
    offer = (u_offer < p.offer_p) & alive
    diseng = (
        p.diseng_psi * state.diseng
        + (1 - p.diseng_psi) * (p.diseng_u * ctx.u - p.diseng_tenure * (tenure - 1.5))
        + p.offer_kick * offer
        + p.diseng_sigma * eps_g
    )
    moved = state.moved | (
        alive & ctx.salaried & ~jobless & (u_move < _sigmoid(p.move_a + p.move_g * diseng))
    )
    # delinquency chain
    col = month if credit_month is None else credit_month
    credit = ctx.credit_active[:, col] & alive
    dpd = state.dpd
    s_pos = np.maximum(stress, 0.0)
    miss = _sigmoid(
        p.dq_a
        + p.dq_stress * stress
        + p.dq_job * jobless
        + p.dq_stress_job * s_pos * jobless
        + p.dq_lowinc_stress * ctx.low_income * s_pos
        + p.dq_macro * macro
    )
    roll_a = np.array((0.0, *p.roll_a), dtype=float)[np.minimum(dpd, 3)]
    roll = _sigmoid(roll_a + p.roll_stress * stress + p.roll_job * jobless + p.roll_macro * macro)
    prob = np.where(dpd == 0, miss, roll)
    rolled = u_dq < prob
    stay = u_cure < p.stay_p
    new_dpd = np.where(rolled, dpd + 1, np.where(stay & (dpd > 0), dpd, 0))
    new_dpd = np.where(dpd >= 4, 4, new_dpd)
    new_dpd = np.where(credit | (dpd >= 4), new_dpd, 0).astype(np.int8)
    months_default = np.where(new_dpd >= 4, state.months_default + 1, 0).astype(np.int16)
    # churn: only customers who are current on their credit can leave
    churn, churn_month = state.churn, state.churn_month
    if allow_churn:
        single = (ctx.n_products <= 1).astype(float)
        hazard = _sigmoid(
            p.churn_a
            + p.churn_g * diseng
            + p.churn_moved * moved
            + p.churn_g_single * single * np.maximum(diseng, 0.0)
            - p.churn_products * (ctx.n_products - 1)
            - p.churn_tenure * tenure
            + p.churn_macro * macro
            + p.churn_offer * offer
        )
        event = onboarded & (state.churn == 0) & (new_dpd == 0) & (u_churn < hazard)
        churn = np.where(event, np.where(u_close < p.close_share, 1, 2), state.churn).astype(
            np.int8
        )
        churn_month = np.where(event, month, state.churn_month).astype(np.int16)
        moved = moved | (event & (churn == 2))
    return SimState(
        stress=stress,
        jobless=jobless,
        diseng=diseng,
        moved=moved,
        dpd=new_dpd,
        months_default=months_default,
        churn=churn,
        churn_month=churn_month,
    )
