"""Development, test and out-of-time samples from a snapshot table.

Generic: the table, key, date and target columns are arguments, so the same
functions serve any mart with one row per entity and snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from riskinsights_lib.scorecard.deploy import quote_identifier

__all__ = [
    "read_snapshots",
    "split_development",
    "target_summary",
    "attach_truth",
    "candidate_features",
    "describe_samples",
]


def read_snapshots(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    date_column: str,
    dates: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rows of ``table`` at the given snapshot dates (all when None), ordered by date."""
    where = ""
    params: list = []
    if dates is not None:
        if not dates:
            raise ValueError("dates: expected at least one snapshot date")
        where = f"WHERE CAST({quote_identifier(date_column)} AS DATE) IN ({', '.join('?' for _ in dates)})"
        params = [pd.Timestamp(d).date() for d in dates]
    sql = (
        f"SELECT * FROM {quote_identifier(table)} {where} ORDER BY {quote_identifier(date_column)}"
    )
    df = con.execute(sql, params).df()
    df[date_column] = pd.to_datetime(df[date_column])
    return df


def split_development(
    df: pd.DataFrame, target: str, *, test_size: float = 0.3, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified, seeded train/test split of the development sample."""
    if not 0 < test_size < 1:
        raise ValueError(f"test_size: expected in (0, 1), got {test_size}")
    train, test = train_test_split(df, test_size=test_size, stratify=df[target], random_state=seed)
    return train.sort_index(), test.sort_index()


def target_summary(df: pd.DataFrame, target: str, *, by: str) -> pd.DataFrame:
    """Rows, events and event rate per value of ``by`` (e.g. the snapshot date)."""
    out = df.groupby(by).agg(n=(target, "size"), defaults=(target, "sum")).reset_index()
    out["default_rate"] = out["defaults"] / out["n"]
    return out.rename(columns={by: "snapshot"})


def attach_truth(
    df: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    keys: Sequence[str],
    column: str,
    min_match: float = 0.99,
) -> np.ndarray:
    """The truth ``column`` aligned to the rows of ``df`` through ``keys``.

    Rows without a truth get NaN. Raises when fewer than ``min_match`` of the
    rows find their truth (a wrong pseudonym key, or a truth file from another
    run), instead of scoring a ceiling on a different population.
    """
    keys = list(keys)
    left = df[keys].copy()
    right = truth[[*keys, column]].copy()
    for k in keys:
        if pd.api.types.is_datetime64_any_dtype(left[k]) or pd.api.types.is_datetime64_any_dtype(
            right[k]
        ):
            left[k] = pd.to_datetime(left[k]).dt.normalize()
            right[k] = pd.to_datetime(right[k]).dt.normalize()
    merged = left.merge(right.drop_duplicates(keys), on=keys, how="left", validate="many_to_one")
    match = merged[column].notna().mean() if len(merged) else 0.0
    if match < min_match:
        raise ValueError(
            f"truth: only {match:.1%} of rows matched on {keys} (check that the pseudonym key "
            "in force, privacy.pseudonym_key(), is the one the datamart was built with)"
        )
    return merged[column].to_numpy(dtype=float)


def candidate_features(df: pd.DataFrame, *, exclude: Sequence[str]) -> list[str]:
    """Every column but ``exclude``, dates and constant columns (which cannot rank anyone)."""
    out = []
    for c in df.columns:
        if c in set(exclude) or pd.api.types.is_datetime64_any_dtype(df[c]):
            continue
        if df[c].nunique(dropna=False) < 2:
            continue
        out.append(c)
    return out


def describe_samples(samples: dict[str, pd.DataFrame], target: str) -> pd.DataFrame:
    """Rows, events and event rate of each named sample."""
    rows = [
        {
            "sample": name,
            "n": len(df),
            "defaults": int(df[target].sum()),
            "default_rate": float(df[target].mean()),
        }
        for name, df in samples.items()
    ]
    return pd.DataFrame(rows)
