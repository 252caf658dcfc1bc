"""Balances and transactions part by part (chunks of customers), made in parallel.

Each part is built from whole-bank arrays that are only read, with random
streams of its own, so parts can be made by worker threads in any order and
the files are the same whatever the number of workers. The heavy work is in
numpy and Arrow, which release the GIL; writing stays in order, in the caller.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from riskinsights_lib.generate.balances import Habits, balances_frame
from riskinsights_lib.generate.chunk_inputs import transaction_inputs
from riskinsights_lib.generate.customers import CustomerProfile
from riskinsights_lib.generate.dirty import DIRTY_SPECS, string_columns
from riskinsights_lib.generate.schemas import SCHEMAS
from riskinsights_lib.generate.simulate import MainPath
from riskinsights_lib.generate.timeline import Timeline
from riskinsights_lib.generate.transactions import transactions_chunk
from riskinsights_lib.generate.writer import cast_to_text, to_arrow

__all__ = ["PartMaker", "part_rng", "ordered_map"]

T = TypeVar("T")
R = TypeVar("R")


def part_rng(base: np.random.SeedSequence, part: int) -> np.random.Generator:
    """The random stream of one part: ``base`` itself for part 0 (so a bank that fits in
    one part is drawn as before parts existed), an independent child stream otherwise."""
    if part == 0:
        return np.random.default_rng(base)
    child = np.random.SeedSequence(base.entropy, spawn_key=(*base.spawn_key, part))
    return np.random.default_rng(child)


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``map(fn, items)`` on ``workers`` threads, results in input order, at most
    ``workers + 1`` results held at once (bounds memory when the consumer is slower)."""
    if workers <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@dataclass
class PartMaker:
    """Makes part ``k`` (customers ``k * size`` up to ``(k + 1) * size``): its balance rows,
    its transactions (not yet numbered) and their anomaly labels, with the columns that
    dirty rows write as text already cast (work taken off the writing thread)."""

    accounts: pd.DataFrame
    path: MainPath
    profile: CustomerProfile
    habits: Habits
    activity: np.ndarray
    timeline: Timeline
    churn_close_day: np.ndarray
    end_day: int
    size: int
    anomaly_rate: float
    balance_seed: np.random.SeedSequence
    transaction_seed: np.random.SeedSequence
    file_format: str = "csv"

    @property
    def n_parts(self) -> int:
        return -(-len(self.profile.annual_income) // self.size)

    def __call__(self, part: int) -> tuple[pa.Table, pa.Table, pa.Table]:
        n = len(self.profile.annual_income)
        lo, hi = part * self.size, min((part + 1) * self.size, n)
        cust = self.accounts["customer"].to_numpy()
        first, last = np.searchsorted(cust, [lo, hi])
        acc = self.accounts.iloc[first:last].reset_index(drop=True)
        tl = self.timeline
        bal = balances_frame(
            acc,
            self.path,
            self.profile.annual_income,
            self.habits,
            tl,
            part_rng(self.balance_seed, part),
        )
        inputs = transaction_inputs(
            lo,
            hi,
            acc,
            bal,
            self.path,
            self.profile,
            self.habits,
            self.activity,
            tl,
            self.end_day,
            self.churn_close_day,
            np.arange(tl.n_months)[None, :],
        )
        table, anomalies, _ = transactions_chunk(
            inputs, tl, part_rng(self.transaction_seed, part), anomaly_rate=self.anomaly_rate
        )
        balances = to_arrow(bal, SCHEMAS["balances"])
        return (
            self._as_written(balances, "balances"),
            self._as_written(table, "transactions"),
            anomalies,
        )

    def _as_written(self, table: pa.Table, source: str) -> pa.Table:
        return cast_to_text(table, string_columns(DIRTY_SPECS[source], self.file_format))
