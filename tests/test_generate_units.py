"""Unit tests of the generator's parts: the monthly step, the Monte Carlo truth, dirty rows, loaders."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from riskinsights_lib.generate import generate_bank, oracle
from riskinsights_lib.generate.anomalies import spike_multiples
from riskinsights_lib.generate.dirty import DIRTY_SPECS, add_dirty_rows
from riskinsights_lib.generate.dynamics import DynamicsParams, StepContext, initial_state, step
from riskinsights_lib.generate.timeline import Timeline, macro_path
from riskinsights_lib.privacy import pseudonymise
from riskinsights_lib.truth import (
    load_anomaly_truth,
    load_churn_truth,
    load_default_truth,
    load_dirty_rows,
)


def _context(n: int, rng: np.random.Generator, months: int = 24) -> StepContext:
    return StepContext(
        z=rng.standard_normal(n),
        u=rng.standard_normal(n),
        earner=np.ones(n, bool),
        salaried=np.ones(n, bool),
        low_income=np.zeros(n),
        n_products=np.full(n, 2.0),
        onboard_month=np.full(n, -24),
        credit_active=np.ones((n, months), bool),
    )


def test_step_is_pure_and_keeps_absorbing_states():
    rng = np.random.default_rng(0)
    ctx = _context(2000, rng)
    state = initial_state(ctx, np.zeros(2000, bool), rng)
    state.dpd[:100] = 4
    state.churn[100:200] = 1
    before = state.copy()
    new = step(state, ctx, 3, 0.5, rng)
    for name in ("stress", "diseng", "dpd", "churn"):
        assert np.array_equal(getattr(state, name), getattr(before, name)), (
            f"step altered its input {name}"
        )
    assert (new.dpd[:100] == 4).all(), "default is absorbing"
    assert (new.churn[100:200] == 1).all(), "closed customers stay closed"
    assert (new.dpd[100:200] == 0).all(), "closed customers have no arrears"
    assert set(np.unique(new.dpd)) <= {0, 1, 2, 3, 4}
    assert (np.abs(new.dpd.astype(int) - before.dpd.astype(int))[200:] <= 3).all()


def test_stress_and_unemployment_raise_missed_payments():
    rng = np.random.default_rng(1)
    n = 40_000
    ctx = _context(n, rng)
    state = initial_state(ctx, np.zeros(n, bool), rng)
    state.stress[:] = np.where(np.arange(n) < n // 2, -1.0, 2.0)
    new = step(state, ctx, 3, 0.0, rng)
    low, high = new.dpd[: n // 2].mean(), new.dpd[n // 2 :].mean()
    assert high > 5 * low


def test_true_probabilities_match_simulated_frequencies():
    rng = np.random.default_rng(2)
    n, months = 3000, 24
    ctx = _context(n, rng, months)
    state = initial_state(ctx, np.zeros(n, bool), rng)
    macro = macro_path(months)
    members = np.arange(n)
    p_def, p_churn = oracle.true_probabilities(
        state,
        ctx,
        5,
        macro,
        np.random.default_rng(3),
        params=DynamicsParams(),
        members=members,
        n_paths=50,
    )
    assert ((p_def >= 0) & (p_def <= 1)).all() and ((p_churn >= 0) & (p_churn <= 1)).all()
    # an independent forward simulation of the same state: realised rates match the mean probabilities
    sim = state
    dormant = closed = None
    sim_rng = np.random.default_rng(4)
    for k in range(1, 13):
        sim = step(sim, ctx, 5 + k, float(macro[5 + k]), sim_rng)
        dormant = sim.churn == 2 if k == 4 else dormant
        closed = sim.churn == 1 if k == 6 else closed
    assert (sim.dpd >= 4).mean() == pytest.approx(p_def.mean(), abs=0.015)
    assert (dormant | closed).mean() == pytest.approx(p_churn.mean(), abs=0.02)


def test_true_probabilities_check_their_arguments():
    rng = np.random.default_rng(5)
    ctx = _context(10, rng)
    state = initial_state(ctx, np.zeros(10, bool), rng)
    with pytest.raises(ValueError, match="truth_paths"):
        oracle.true_probabilities(
            state,
            ctx,
            5,
            macro_path(24),
            rng,
            params=DynamicsParams(),
            members=np.arange(10),
            n_paths=0,
        )
    with pytest.raises(ValueError, match="snapshots"):
        oracle.true_probabilities(
            state,
            ctx,
            20,
            macro_path(24),
            rng,
            params=DynamicsParams(),
            members=np.arange(10),
            n_paths=5,
        )


def test_add_dirty_rows_keeps_genuine_rows_and_lists_the_added_ones():
    n = 500
    table = pa.table(
        {
            "transaction_id": [f"T{i:011d}" for i in range(n)],
            "account_id": ["A00000001"] * n,
            "ts": pa.array(np.arange(n) * 3600 + 1_672_531_200, pa.timestamp("s")),
            "amount": pa.array([f"{a:.2f}" for a in np.linspace(1, 100, n)]),
            "direction": ["D"] * n,
            "channel": ["card_present"] * n,
            "mcc": pa.array([5411] * n, pa.int64()),
            "merchant_country": ["IE"] * n,
        }
    )
    out, listed, counter = add_dirty_rows(
        table,
        DIRTY_SPECS["transactions"],
        np.random.default_rng(0),
        rate=0.02,
        file_format="csv",
        end_date=dt.date(2024, 12, 31),
    )
    assert out.num_rows == n + len(listed) == n + 10
    assert counter == len(listed)
    assert set(listed["defect"]) == set(DIRTY_SPECS["transactions"].defects)
    dirty_pos = set(listed["row_number"])
    genuine = [i for i in range(out.num_rows) if i not in dirty_pos]
    assert out.take(pa.array(genuine)).equals(table), "genuine rows are intact and in order"
    dup = listed[listed["defect"] == "duplicate_id"]
    for pos, key in zip(dup["row_number"], dup["record_key"], strict=True):
        assert out.column("transaction_id")[pos - 1].as_py() == key, (
            "a duplicate follows its original"
        )


def test_generate_bank_checks_its_arguments(tmp_path):
    base = {
        "n_customers": 100,
        "start_date": "2023-01-01",
        "n_months": 24,
        "snapshots": ["2023-06-30"],
        "seed": 1,
        "tx_per_customer_month": 5.0,
        "anomaly_rate": 0.003,
        "dirty_row_rate": 0.001,
        "progress": False,
    }
    with pytest.raises(ValueError, match="file_format"):
        generate_bank(tmp_path, **base, file_format="xlsx")
    with pytest.raises(ValueError, match="snapshots"):
        generate_bank(tmp_path, **(base | {"snapshots": ["2023-06-15"]}))
    with pytest.raises(ValueError, match="snapshots"):
        generate_bank(tmp_path, **(base | {"snapshots": ["2024-06-30"]}))
    with pytest.raises(ValueError, match="anomaly_rate"):
        generate_bank(tmp_path, **(base | {"anomaly_rate": 0.5}))


def test_timeline_and_macro():
    tl = Timeline(dt.date(2023, 1, 1), 24)
    assert tl.end_date == dt.date(2024, 12, 31)
    assert tl.snapshot_index("2023-06-30") == 5
    assert list(tl.days_in_month[:2]) == [31, 28]
    weights = tl.day_weights()
    assert weights[1, 28:].sum() == 0 and weights[0, 6] > weights[0, 2]  # 7 Jan 2023 is a Saturday
    macro = macro_path(24)
    assert macro[:6].mean() < macro[12:].mean()


def test_truth_loaders_hash_ids_like_the_datamart(tmp_path):
    generate_bank(
        tmp_path,
        n_customers=200,
        start_date="2023-01-01",
        n_months=24,
        snapshots=["2023-06-30", "2023-12-31"],
        seed=3,
        tx_per_customer_month=4.0,
        anomaly_rate=0.01,
        dirty_row_rate=0.001,
        truth_paths=10,
        progress=False,
    )
    raw = pd.read_csv(tmp_path / "truth" / "default_truth.csv")
    keyed = load_default_truth(tmp_path, "a-test-key-123")
    assert keyed["customer_id"].tolist() == pseudonymise(raw["customer_id"], "a-test-key-123")
    assert isinstance(keyed["snapshot_date"].iloc[0], dt.date)
    churn = load_churn_truth(tmp_path, "a-test-key-123")
    assert {"customer_id", "snapshot_date", "true_churn_6m", "churn_6m"} <= set(churn.columns)
    assert set(load_anomaly_truth(tmp_path)["anomaly_type"]) <= {
        "amount_spike",
        "cnp_burst",
        "new_country",
        "night_atm",
    }
    assert {"source", "row_number", "defect"} <= set(load_dirty_rows(tmp_path).columns)
    with pytest.raises(ValueError, match="key"):
        load_default_truth(tmp_path, "")
    with pytest.raises(FileNotFoundError, match="truth"):
        load_default_truth(tmp_path / "nowhere", "a-test-key-123")


def test_spike_multiples_span_3_to_40_with_a_moderate_minority():
    z = np.random.default_rng(0).standard_normal(20_000)
    m = spike_multiples(z)
    assert m.min() >= 3 and m.max() <= 40
    assert np.mean(m < 5) == pytest.approx(0.2, abs=0.02)
    assert np.median(m) == pytest.approx(5 * 8**0.375, rel=0.05)
    assert np.all(np.diff(spike_multiples(np.sort(z))) >= 0), "monotone in the draw"
