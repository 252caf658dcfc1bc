"""Transactions as parallel numpy arrays, the working form before writing."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

__all__ = ["TxColumns"]


@dataclass
class TxColumns:
    """Transactions as parallel numpy arrays (before sorting and ids)."""

    cust: np.ndarray
    day: np.ndarray  # int days since epoch
    secs: np.ndarray  # seconds after midnight
    amount: np.ndarray
    credit: np.ndarray  # bool: direction C
    channel: np.ndarray  # index into CHANNELS
    mcc: np.ndarray  # -1 = null
    country: np.ndarray  # index into COUNTRY_TABLE, -1 = null
    account: np.ndarray  # index into account_ids

    @staticmethod
    def concat(parts: list[TxColumns]) -> TxColumns:
        names = [f.name for f in fields(TxColumns)]
        return TxColumns(*[np.concatenate([getattr(p, name) for p in parts]) for name in names])

    def __len__(self) -> int:
        return len(self.cust)

    def take(self, index: np.ndarray) -> TxColumns:
        return TxColumns(*[getattr(self, f.name)[index] for f in fields(self)])
