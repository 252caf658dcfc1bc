"""A tiny hand-made raw layer with one bad row per reject reason, for tests and demos.

:func:`make_clean_raw` builds a small consistent bank by hand (no generator:
the datamart's tests must not depend on it); :func:`write_raw` writes it as the
raw CSV layer with one bad copy per source and reason inserted right after its
genuine row, and returns the rows the ETL must quarantine.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from riskinsights_lib.datamart.controls import ControlTotals, write_control
from riskinsights_lib.datamart.sources import MONEY_COLUMNS

__all__ = ["SNAPSHOTS", "make_clean_raw", "write_raw"]

SNAPSHOTS = ["2023-06-30", "2023-09-30", "2023-12-31"]
MONTH_ENDS = pd.date_range("2023-01-31", "2024-12-31", freq="ME").date


def _month_ends_between(start: dt.date, end: dt.date | None) -> list[dt.date]:
    return [m for m in MONTH_ENDS if m >= start and (end is None or m.replace(day=1) <= end)]


def make_clean_raw(n_customers: int = 24, seed: int = 3) -> dict[str, pd.DataFrame]:
    """A tiny, consistent raw layer (frames keyed by source name)."""
    rng = np.random.default_rng(seed)
    ids = [f"C{i:07d}" for i in range(1, n_customers + 1)]
    areas = ["D01", "D02", "T12"]
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "first_name": [f"Aoife{i}" for i in range(n_customers)],
            "last_name": [f"Murphy{i}" for i in range(n_customers)],
            "birth_date": [
                dt.date(1960 + i % 40, 1 + i % 12, 1 + i % 28) for i in range(n_customers)
            ],
            "address": [f"{i} Main Street, Dublin" for i in range(n_customers)],
            "postcode": [f"{areas[i % 3]} X{i:03d}" for i in range(n_customers)],
            "city": ["Dublin"] * n_customers,
            "email": [f"person{i}@example.ie" for i in range(n_customers)],
            "phone": [f"+353 87 {i:03d} {1000 + i}" for i in range(n_customers)],
            "national_id": [f"{1000000 + i}AB" for i in range(n_customers)],
            "onboarding_date": [
                dt.date(2020, 1 + i % 12, 1) if i % 6 else dt.date(2023, 3, 15)
                for i in range(n_customers)
            ],
            "marital_status": [
                ["single", "married", "divorced", "widowed"][i % 4] for i in range(n_customers)
            ],
            "pep_flag": ["true" if i == 5 else "false" for i in range(n_customers)],
        }
    )
    attrs = []
    for i, (cid, onb) in enumerate(zip(ids, customers["onboarding_date"], strict=True)):
        attrs.append((cid, onb, "mass", "employed", 30000 + 1000 * i, "low"))
        if i % 3 == 0:
            attrs.append(
                (cid, dt.date(2023, 8, 1), "affluent", "employed", 60000 + 1000 * i, "medium")
            )
        if i % 4 == 1:
            attrs.append((cid, dt.date(2024, 2, 1), "mass", "unemployed", 0.0, "high"))
    attributes = pd.DataFrame(
        attrs,
        columns=[
            "customer_id",
            "effective_from",
            "segment",
            "employment_status",
            "annual_income",
            "kyc_risk_rating",
        ],
    )
    accounts, balances, txs = [], [], []
    n_acc = 0
    n_tx = 0
    for i, (cid, onb) in enumerate(zip(ids, customers["onboarding_date"], strict=True)):
        products = (
            ["current_account"]
            + (["credit_card"] if i % 2 == 0 else [])
            + (["personal_loan"] if i % 5 == 0 else [])
        )
        churner = i % 7 == 3
        defaulter = i % 8 == 0
        for product in products:
            n_acc += 1
            aid = f"A{n_acc:08d}"
            close = dt.date(2023, 11, 15) if churner else None
            limit = (
                2000.0
                if product == "credit_card"
                else (500.0 if product == "current_account" else None)
            )
            accounts.append(
                (
                    aid,
                    cid,
                    product,
                    onb,
                    close,
                    limit,
                    10000.0 if product == "personal_loan" else None,
                    None if product == "current_account" else 0.09,
                    36 if product == "personal_loan" else None,
                )
            )
            for k, m in enumerate(_month_ends_between(max(onb, dt.date(2023, 1, 1)), close)):
                credit = product != "current_account"
                dpd = 0
                if credit and defaulter and m >= dt.date(2023, 10, 31):
                    dpd = min(30 * (1 + (m.year * 12 + m.month) - (2023 * 12 + 10)), 180)
                bal = 800.0 + 10 * k if credit else 1500.0 + 50 * ((i + k) % 5)
                balances.append(
                    (
                        aid,
                        m,
                        bal,
                        limit if product in ("credit_card", "current_account") else None,
                        100.0 if credit else None,
                        (0.0 if dpd else 100.0) if credit else None,
                        dpd,
                    )
                )
            if product != "current_account":
                continue
            for m in _month_ends_between(max(onb, dt.date(2023, 1, 1)), close):
                if churner and m > dt.date(2023, 9, 30):
                    continue
                for j in range(3):
                    n_tx += 1
                    ts = dt.datetime(m.year, m.month, 1 + 7 * j, 9 + j, int(rng.integers(0, 60)), 0)
                    if ts.date() < onb:
                        continue  # no transaction before the account opens
                    channel = ["card_present", "card_online", "salary_credit"][j]
                    direction = "C" if channel == "salary_credit" else "D"
                    mcc = None if channel == "salary_credit" else [5411, 5812][j % 2]
                    country = (
                        None if channel == "salary_credit" else ("IE" if (i + j) % 9 else "FR")
                    )
                    amount = round(
                        2500.0 if direction == "C" else float(rng.gamma(2.0, 20.0)) + 1, 2
                    )
                    txs.append((f"T{n_tx:011d}", aid, ts, amount, direction, channel, mcc, country))
    frames = {
        "customers": customers,
        "customer_attributes": attributes,
        "accounts": pd.DataFrame(
            accounts,
            columns=[
                "account_id",
                "customer_id",
                "product_type",
                "open_date",
                "close_date",
                "credit_limit",
                "principal",
                "interest_rate",
                "term_months",
            ],
        ),
        "balances": pd.DataFrame(
            balances,
            columns=[
                "account_id",
                "month_end",
                "balance",
                "credit_limit",
                "instalment_due",
                "instalment_paid",
                "days_past_due",
            ],
        ),
        "transactions": pd.DataFrame(
            txs,
            columns=[
                "transaction_id",
                "account_id",
                "ts",
                "amount",
                "direction",
                "channel",
                "mcc",
                "merchant_country",
            ],
        ),
        "mcc": pd.DataFrame(
            {
                "mcc": [5411, 5812],
                "description": ["Grocery", "Restaurants"],
                "category_group": ["groceries", "dining"],
            }
        ),
        "countries": pd.DataFrame(
            {
                "country_code": ["IE", "FR", "US"],
                "country_name": ["Ireland", "France", "United States"],
                "region": ["Europe", "Europe", "Americas"],
            }
        ),
        "postcodes": pd.DataFrame(
            {"postcode_area": areas, "region": ["Dublin", "Dublin", "Munster"]}
        ),
    }
    frames["balances"]["days_past_due"] = frames["balances"]["days_past_due"].astype("Int64")
    for name in ("accounts",):
        frames[name]["term_months"] = frames[name]["term_months"].astype("Int64")
    frames["transactions"]["mcc"] = frames["transactions"]["mcc"].astype("Int64")
    return frames


# One bad copy per (source, reason): a function of the genuine row -> bad row (all text).
def _bad_rows(frames: dict[str, pd.DataFrame]) -> list[tuple[str, int, str, dict]]:
    """(source, index of the genuine row it follows, reason, bad row)."""

    def row(source: str, i: int) -> dict:
        return {k: ("" if pd.isna(v) else str(v)) for k, v in frames[source].iloc[i].items()}

    bad = []
    c = row("customers", 2)
    bad += [
        ("customers", 2, "missing_key", c | {"customer_id": ""}),
        (
            "customers",
            3,
            "unparseable_value",
            row("customers", 3) | {"customer_id": "C9000001", "birth_date": "1980-02-30"},
        ),
        (
            "customers",
            4,
            "future_date",
            row("customers", 4) | {"customer_id": "C9000002", "onboarding_date": "2031-01-01"},
        ),
        ("customers", 5, "duplicate_id", row("customers", 5) | {"email": "dup@example.ie"}),
    ]
    a = row("customer_attributes", 1)
    bad += [
        ("customer_attributes", 1, "missing_key", a | {"effective_from": ""}),
        (
            "customer_attributes",
            2,
            "unparseable_value",
            row("customer_attributes", 2) | {"annual_income": "12,3x"},
        ),
        (
            "customer_attributes",
            3,
            "orphan_foreign_key",
            row("customer_attributes", 3) | {"customer_id": "C8888888"},
        ),
        (
            "customer_attributes",
            4,
            "out_of_range",
            row("customer_attributes", 4) | {"annual_income": "-5000"},
        ),
        (
            "customer_attributes",
            5,
            "future_date",
            row("customer_attributes", 5) | {"effective_from": "2030-05-01"},
        ),
    ]
    bad += [
        ("accounts", 1, "missing_key", row("accounts", 1) | {"account_id": ""}),
        (
            "accounts",
            2,
            "unparseable_value",
            row("accounts", 2) | {"account_id": "A90000001", "open_date": "yesterday"},
        ),
        (
            "accounts",
            3,
            "orphan_foreign_key",
            row("accounts", 3) | {"account_id": "A90000002", "customer_id": "C7777777"},
        ),
        (
            "accounts",
            4,
            "out_of_range",
            row("accounts", 4) | {"account_id": "A90000003", "credit_limit": "-100"},
        ),
        (
            "accounts",
            5,
            "future_date",
            row("accounts", 5) | {"account_id": "A90000004", "open_date": "2030-01-01"},
        ),
        ("accounts", 6, "duplicate_id", row("accounts", 6) | {"principal": "1"}),
    ]
    bad += [
        ("balances", 1, "missing_key", row("balances", 1) | {"month_end": ""}),
        ("balances", 2, "unparseable_value", row("balances", 2) | {"balance": "12,3x"}),
        ("balances", 3, "orphan_foreign_key", row("balances", 3) | {"account_id": "A66666666"}),
        ("balances", 4, "out_of_range", row("balances", 4) | {"days_past_due": "-3"}),
        ("balances", 5, "future_date", row("balances", 5) | {"month_end": "2031-01-31"}),
        ("balances", 6, "duplicate_id", row("balances", 6) | {"balance": "1.00"}),
    ]
    bad += [
        ("transactions", 1, "missing_key", row("transactions", 1) | {"transaction_id": ""}),
        (
            "transactions",
            2,
            "unparseable_value",
            row("transactions", 2) | {"transaction_id": "T90000000001", "amount": "12,3x"},
        ),
        (
            "transactions",
            3,
            "orphan_foreign_key",
            row("transactions", 3) | {"transaction_id": "T90000000002", "account_id": "A55555555"},
        ),
        (
            "transactions",
            4,
            "out_of_range",
            row("transactions", 4) | {"transaction_id": "T90000000003", "amount": "-20.00"},
        ),
        (
            "transactions",
            5,
            "future_date",
            row("transactions", 5)
            | {"transaction_id": "T90000000004", "ts": "2030-01-01 10:00:00"},
        ),
        ("transactions", 6, "duplicate_id", row("transactions", 6) | {"amount": "9.99"}),
    ]
    # ids spelled as null tokens, numbers with separators, dates before the history
    bad += [
        ("transactions", 7, "null_token", row("transactions", 7) | {"transaction_id": "NULL"}),
        (
            "transactions",
            8,
            "number_format",
            row("transactions", 8) | {"transaction_id": "T90000000005", "amount": "1_000"},
        ),
        (
            "transactions",
            9,
            "past_date",
            row("transactions", 9)
            | {"transaction_id": "T90000000006", "ts": "1970-01-01 00:00:00"},
        ),
        (
            "transactions",
            10,
            "null_token",
            row("transactions", 10) | {"transaction_id": "T90000000007", "account_id": "N/A"},
        ),
        ("balances", 7, "null_token", row("balances", 7) | {"account_id": "-"}),
        ("balances", 8, "number_format", row("balances", 8) | {"balance": "1,000.50"}),
        ("balances", 9, "past_date", row("balances", 9) | {"month_end": "1970-01-31"}),
        (
            "accounts",
            7,
            "null_token",
            row("accounts", 7) | {"account_id": "A90000006", "customer_id": "null"},
        ),
        (
            "accounts",
            8,
            "past_date",
            row("accounts", 8) | {"account_id": "A90000005", "open_date": "1899-12-31"},
        ),
        (
            "customers",
            6,
            "past_date",
            row("customers", 6) | {"customer_id": "C9000003", "onboarding_date": "1800-05-01"},
        ),
        (
            "customer_attributes",
            6,
            "number_format",
            row("customer_attributes", 6) | {"annual_income": "45,000"},
        ),
    ]
    return bad


def write_raw(
    frames: dict[str, pd.DataFrame], raw_dir: Path, *, dirty: bool = True, controls: bool = True
) -> pd.DataFrame:
    """Write ``frames`` as the raw CSV layer (transactions in two parts), optionally
    with one bad row per reason inserted right after its genuine row, each file with
    its control file (``controls``); return the expected rejects (source, file,
    row_number, reason)."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    text = {k: v.astype(object).where(v.notna(), "").astype(str) for k, v in frames.items()}
    bad = _bad_rows(frames) if dirty else []
    expected = []
    for source, table in text.items():
        rows = table.to_dict("records")
        inserts = sorted([b for b in bad if b[0] == source], key=lambda b: b[1], reverse=True)
        flags = [None] * len(rows)
        for _, after, reason, record in inserts:
            rows.insert(after + 1, record)
            flags.insert(after + 1, reason)
        out = pd.DataFrame(rows, columns=table.columns)
        if source == "transactions":
            folder = raw_dir / "transactions"
            folder.mkdir(exist_ok=True)
            half = len(out) // 2
            parts = [
                (folder / "part-00000.csv", out.iloc[:half], flags[:half]),
                (folder / "part-00001.csv", out.iloc[half:], flags[half:]),
            ]
        else:
            parts = [(raw_dir / f"{source}.csv", out, flags)]
        for path, part, part_flags in parts:
            part.to_csv(path, index=False)
            if controls:
                totals = ControlTotals(MONEY_COLUMNS)
                totals.add(pa.Table.from_pandas(part, preserve_index=False))
                write_control(path, totals.control(path))
            for n, reason in enumerate(part_flags, start=1):
                if reason:
                    expected.append(
                        (source, path.relative_to(raw_dir.parent).as_posix(), n, reason)
                    )
    return pd.DataFrame(expected, columns=["source", "file", "row_number", "reason"])
