"""Customers of the synthetic bank: KYC master data and the static profile.

Faker is slow per call, so pools of first names, last names, streets and
cities are drawn from a seeded Faker once and combined with numpy. E-mail,
phone and national id are unique by construction (affine permutations of the
row index), so no de-duplication pass is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from faker import Faker

from riskinsights_lib.generate.reference import POSTCODE_TABLE
from riskinsights_lib.generate.timeline import Timeline

__all__ = [
    "SEGMENTS",
    "EMPLOYMENT",
    "RISK_RATINGS",
    "MARITAL",
    "CustomerProfile",
    "draw_customers",
    "customer_ids",
]

SEGMENTS = np.array(["mass", "affluent", "private", "small_business"])
EMPLOYMENT = np.array(["employed", "self_employed", "unemployed", "retired", "student"])
RISK_RATINGS = np.array(["low", "medium", "high"])
MARITAL = np.array(["single", "married", "divorced", "widowed"])
_SEGMENT_P = np.array([0.70, 0.18, 0.04, 0.08])
_SEGMENT_INCOME = np.array([36_000.0, 78_000.0, 210_000.0, 62_000.0])
_PAYDAYS = np.array([25, 28, 31, 1, 15])
_PAYDAY_P = np.array([0.40, 0.20, 0.20, 0.10, 0.10])
_PPS_LETTERS = np.array(list("WABCDEFGHIJKLMNOPQRSTUV"))


@dataclass
class CustomerProfile:
    """Static per-customer arrays used by the simulation (index = customer row).

    ``z`` (risk) and ``u`` (disloyalty) are the latent factors the bank never sees.
    """

    onboard_month: np.ndarray  # month index of onboarding (negative = before the history)
    onboard_day: np.ndarray  # datetime64[D]
    age: np.ndarray
    segment: np.ndarray  # index into SEGMENTS
    employment: np.ndarray  # index into EMPLOYMENT at the start of the history
    annual_income: np.ndarray
    risk_rating: np.ndarray  # index into RISK_RATINGS
    payday: np.ndarray  # day of month of the salary credit (31 = last day)
    z: np.ndarray
    u: np.ndarray

    @property
    def n(self) -> int:
        return len(self.z)


def customer_ids(index: np.ndarray) -> np.ndarray:
    """Natural customer ids ``C0000001`` ... for 0-based row indices."""
    return np.char.add("C", np.char.zfill((np.asarray(index) + 1).astype(str), 7))


def _pools(seed: int) -> dict[str, np.ndarray]:
    fake = Faker("en_IE")
    fake.seed_instance(seed)
    return {
        "first": np.array(sorted({fake.first_name() for _ in range(900)})),
        "last": np.array(sorted({fake.last_name() for _ in range(900)})),
        "street": np.array(sorted({fake.street_name() for _ in range(400)})),
        "city": np.array(sorted({fake.city() for _ in range(150)})),
    }


def _email_part(names: np.ndarray) -> np.ndarray:
    out = np.char.lower(names.astype(str))
    for ch in (" ", "'", "-", "."):
        out = np.char.replace(out, ch, "")
    return out


def _unique_codes(n: int, modulus: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct integers in [0, modulus) by an affine permutation of the index."""
    if n > modulus:
        raise ValueError(f"n_customers: at most {modulus:,} customers supported, got {n:,}")
    while True:
        a = int(rng.integers(1, modulus))
        if np.gcd(a, modulus) == 1:
            break
    b = int(rng.integers(0, modulus))
    return (a * np.arange(n, dtype=np.int64) + b) % modulus


def draw_customers(
    n: int, timeline: Timeline, rng: np.random.Generator, *, faker_seed: int
) -> tuple[pd.DataFrame, CustomerProfile]:
    """Draw ``n`` customers: the raw KYC extract and the static simulation profile.

    Parameters
    ----------
    n : number of customers.
    timeline : the history's month grid.
    rng : random generator (consumed).
    faker_seed : seed of the Faker pools of names, streets and cities.
    """
    if n < 1:
        raise ValueError(f"n_customers: expected a positive number, got {n}")
    start = np.datetime64(timeline.start_date, "D")
    # age at the start of the history and birth date
    age = 18.0 + 67.0 * rng.beta(2.0, 2.4, n)
    birth = start - np.round(age * 365.25).astype(int) - rng.integers(0, 365, n) // 3
    # onboarding: most before the history, some during it
    during = rng.random(n) < 0.14
    years_before = np.minimum(rng.exponential(7.0, n), age - 18.0)
    onboard = np.where(
        during,
        start + rng.integers(0, timeline.n_months * 30.4 - 2, n).astype(int),
        start - 1 - np.round(years_before * 365.25).astype(int),
    ).astype("datetime64[D]")
    onboard = np.minimum(onboard, np.datetime64(timeline.end_date, "D") - 20)
    onboard_month = (
        onboard.astype("datetime64[M]") - np.datetime64(timeline.start_date, "M")
    ).astype(int)

    segment = rng.choice(4, n, p=_SEGMENT_P)
    seg_self = segment == 3
    emp = np.where(rng.random(n) < 0.86, 0, np.where(rng.random(n) < 0.5, 1, 2))
    emp = np.where(seg_self & (rng.random(n) < 0.8), 1, emp)
    emp = np.where((age >= 66) & (rng.random(n) < 0.88), 3, emp)
    emp = np.where((age < 25) & (rng.random(n) < 0.45) & ~seg_self, 4, emp)
    factor = np.select([emp == 2, emp == 3, emp == 4], [0.35, 0.6, 0.25], 1.0)
    income = _SEGMENT_INCOME[segment] * factor * np.exp(rng.normal(0.0, 0.35, n))
    income = np.round(np.maximum(income, 6_000.0), -2)

    pep = rng.random(n) < 0.005
    risk = rng.choice(3, n, p=[0.72, 0.24, 0.04])
    risk = np.where(pep, 2, risk)
    marital = np.where(
        age < 30,
        rng.choice(4, n, p=[0.75, 0.23, 0.02, 0.0]),
        np.where(
            age < 65,
            rng.choice(4, n, p=[0.3, 0.55, 0.13, 0.02]),
            rng.choice(4, n, p=[0.12, 0.55, 0.13, 0.2]),
        ),
    )

    pools = _pools(faker_seed)
    first = pools["first"][rng.integers(0, len(pools["first"]), n)]
    last = pools["last"][rng.integers(0, len(pools["last"]), n)]
    street = pools["street"][rng.integers(0, len(pools["street"]), n)]
    city = pools["city"][rng.integers(0, len(pools["city"]), n)]
    house = rng.integers(1, 250, n).astype(str)
    w = POSTCODE_TABLE["weight"].to_numpy()
    area = POSTCODE_TABLE["postcode_area"].to_numpy()[rng.choice(len(w), n, p=w / w.sum())]
    alphabet = np.array(list("ACDEFHKNPRTVWXY0123456789"))
    unit = alphabet[rng.integers(0, len(alphabet), (n, 4))]
    unit_str = np.char.add(np.char.add(unit[:, 0], unit[:, 1]), np.char.add(unit[:, 2], unit[:, 3]))
    postcode = np.char.add(np.char.add(area.astype(str), " "), unit_str)

    idx = np.arange(n)
    domains = np.array(["example.ie", "mail.example.com", "post.example.net", "inbox.example.org"])
    email = np.char.add(
        np.char.add(np.char.add(_email_part(first), "."), _email_part(last)),
        np.char.add((idx + 1).astype(str), np.char.add("@", domains[rng.integers(0, 4, n)])),
    )
    phone_num = _unique_codes(n, 10**8, rng)
    phone = [
        f"+353 8{p // 10**7} {p // 10**4 % 1000:03d} {p % 10**4:04d}" for p in phone_num.tolist()
    ]
    pps = _unique_codes(n, 10**7, rng)
    digits = np.stack([(pps // 10**k) % 10 for k in range(6, -1, -1)], axis=1)
    check = _PPS_LETTERS[(digits * np.arange(8, 1, -1)).sum(axis=1) % 23]
    national_id = np.char.add(np.char.add(np.char.zfill(pps.astype(str), 7), check), "A")

    frame = pd.DataFrame(
        {
            "customer_id": customer_ids(idx),
            "first_name": first,
            "last_name": last,
            "birth_date": birth.astype("datetime64[D]"),
            "address": np.char.add(np.char.add(house, " "), street),
            "postcode": postcode,
            "city": city,
            "email": email,
            "phone": phone,
            "national_id": national_id,
            "onboarding_date": onboard,
            "marital_status": MARITAL[marital],
            "pep_flag": pep,
        }
    )
    profile = CustomerProfile(
        onboard_month=onboard_month,
        onboard_day=onboard,
        age=age,
        segment=segment,
        employment=emp,
        annual_income=income,
        risk_rating=risk,
        payday=rng.choice(_PAYDAYS, n, p=_PAYDAY_P),
        z=rng.standard_normal(n),
        u=rng.standard_normal(n),
    )
    return frame, profile
