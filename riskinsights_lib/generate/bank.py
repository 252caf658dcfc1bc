"""``generate_bank``: the whole synthetic bank, raw extracts and hidden truth.

Order of work: customers and their products; the latent monthly simulation
(all customers at once, small arrays); true probabilities by Monte Carlo at
each snapshot; then balances and transactions chunk by chunk of customers,
each chunk written straight to disk, so memory is bounded by
``chunk_customers`` however many transactions are made.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm.auto import tqdm

from riskinsights_lib.extracts import claim_raw
from riskinsights_lib.generate import oracle
from riskinsights_lib.generate.accounts import (
    PRODUCTS,
    account_ids,
    apply_closures,
    draw_accounts,
    open_schedule,
)
from riskinsights_lib.generate.attributes import attribute_history
from riskinsights_lib.generate.balances import draw_habits
from riskinsights_lib.generate.customers import customer_ids, draw_customers
from riskinsights_lib.generate.dirty import DirtyWriter
from riskinsights_lib.generate.dynamics import DynamicsParams, StepContext, initial_state
from riskinsights_lib.generate.parts import PartMaker, ordered_map
from riskinsights_lib.generate.reference import (
    COUNTRY_TABLE,
    MERCHANT_SHARES,
    country_frame,
    mcc_frame,
    postcode_frame,
)
from riskinsights_lib.generate.schemas import SCHEMAS
from riskinsights_lib.generate.simulate import activity_counts, simulate_main
from riskinsights_lib.generate.snapshots import score_snapshot
from riskinsights_lib.generate.timeline import Timeline, macro_path
from riskinsights_lib.generate.transactions import number_transactions
from riskinsights_lib.generate.writer import (
    FORMATS,
    TableWriter,
    to_arrow,
    write_table,
)

__all__ = ["GenerationSummary", "generate_bank"]

log = logging.getLogger(__name__)
_SCHEDULED_PER_MONTH = 2.6  # salary credits, bills and repayments per customer-month, roughly


@dataclass
class GenerationSummary:
    """What :func:`generate_bank` made, with the headline rates and oracle AUCs."""

    n_customers: int
    n_accounts: int
    n_transactions: int
    default_rate: float
    churn_rate: float
    oracle_auc_default: float
    oracle_auc_churn: float
    anomaly_rate: float
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    snapshots: list[dict] = field(default_factory=list)
    monthly: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _check_args(
    n_customers: int,
    n_months: int,
    tx: float,
    anomaly_rate: float,
    dirty: float,
    fmt: str,
    chunk: int,
    paths: int,
) -> None:
    if n_customers < 10:
        raise ValueError(f"n_customers: expected at least 10, got {n_customers}")
    if n_months < 13:
        raise ValueError(f"n_months: expected at least 13, got {n_months}")
    if tx <= 0:
        raise ValueError(f"tx_per_customer_month: expected a positive number, got {tx}")
    if not 0 <= anomaly_rate < 0.2:
        raise ValueError(f"anomaly_rate: expected a share in [0, 0.2), got {anomaly_rate}")
    if not 0 <= dirty < 0.1:
        raise ValueError(f"dirty_row_rate: expected a share in [0, 0.1), got {dirty}")
    if fmt not in FORMATS:
        raise ValueError(f"file_format: expected one of {FORMATS}, got {fmt!r}")
    if chunk < 1:
        raise ValueError(f"chunk_customers: expected a positive number, got {chunk}")
    if paths < 1:
        raise ValueError(f"truth_paths: expected a positive number, got {paths}")


def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[D]").astype(np.int64)


def generate_bank(
    out_dir: str | Path,
    *,
    n_customers: int,
    start_date: dt.date | str,
    n_months: int,
    snapshots: list[dt.date | str],
    seed: int,
    tx_per_customer_month: float,
    anomaly_rate: float,
    dirty_row_rate: float,
    file_format: str = "csv",
    chunk_customers: int = 5_000,
    workers: int = 2,
    truth_paths: int = 200,
    progress: bool = True,
    params: DynamicsParams | None = None,
) -> GenerationSummary:
    """Simulate a retail bank and write ``out_dir/raw/`` and ``out_dir/truth/``.

    Parameters
    ----------
    out_dir : the run folder.
    n_customers, start_date, n_months : size and span of the history.
    snapshots : month-end model snapshot dates; each needs 12 months after it.
    seed : the same seed gives byte-identical files.
    tx_per_customer_month : mean transactions per customer and month.
    anomaly_rate : share of transactions planted as labelled anomalies.
    dirty_row_rate : share of rows added as labelled dirty rows per source.
    file_format : ``"csv"`` or ``"parquet"``.
    chunk_customers : customers whose balances and transactions are built at once (a part).
    workers : threads making parts at once (the files do not depend on it).
    truth_paths : Monte Carlo paths per customer for the true probabilities.
    progress : show tqdm progress bars.
    params : coefficients of the latent dynamics (defaults: :class:`DynamicsParams`).

    Returns
    -------
    GenerationSummary, also written to ``truth/oracle.json``.
    """
    t0 = time.perf_counter()
    _check_args(
        n_customers,
        n_months,
        tx_per_customer_month,
        anomaly_rate,
        dirty_row_rate,
        file_format,
        chunk_customers,
        truth_paths,
    )
    params = params or DynamicsParams()
    start = (
        dt.date.fromisoformat(str(start_date))
        if not isinstance(start_date, dt.date)
        else start_date
    )
    tl = Timeline(start, n_months)
    snap_idx = [tl.snapshot_index(dt.date.fromisoformat(str(s))) for s in snapshots]
    if not snap_idx:
        raise ValueError("snapshots: expected at least one month-end date")
    if max(snap_idx) + oracle.DEFAULT_HORIZON >= n_months:
        raise ValueError(f"snapshots: {snapshots[-1]} needs 12 months of history after it")
    out = Path(out_dir)
    claim_raw(out)  # never overwrite files the generator did not create (own extracts)
    raw, truth = out / "raw", out / "truth"
    raw.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    streams = np.random.SeedSequence(seed).spawn(10)
    r_cust, r_acc, r_sim, r_truth, _, r_attr, r_dirty, r_hab, r_act, _ = (
        np.random.default_rng(s) for s in streams
    )
    n = n_customers

    # customers, products and the latent simulation
    customers, profile = draw_customers(n, tl, r_cust, faker_seed=seed)
    scheduled = draw_accounts(profile, tl, r_acc)
    earner = profile.employment <= 2
    ctx = StepContext(
        z=profile.z,
        u=profile.u,
        earner=earner,
        salaried=np.isin(profile.employment, (0, 1, 3)),
        low_income=(profile.annual_income < 25_000).astype(float),
        n_products=np.bincount(scheduled["customer"], minlength=n).astype(float),
        onboard_month=profile.onboard_month,
        credit_active=open_schedule(scheduled, n, tl, credit_only=True),
    )
    macro = macro_path(n_months)
    path = simulate_main(
        ctx,
        initial_state(ctx, profile.employment == 2, r_sim),
        macro,
        r_sim,
        params=params,
        keep_months=snap_idx,
    )
    log.info("simulated %d customers over %d months", n, n_months)

    # closures caused by the simulation
    defaulted = (path.dpd >= 4).any(axis=1)
    default_month = np.where(defaulted, (path.dpd >= 4).argmax(axis=1), -1)
    closer = path.churn[:, -1] == 1
    cm = np.clip(path.churn_month, 0, n_months - 1)
    close_day = tl.month_ends[cm] - r_acc.integers(0, 10, n)
    close_day = np.maximum(close_day, profile.onboard_day)
    churn_close_day = np.where(closer, close_day, np.datetime64("NaT")).astype("datetime64[D]")
    accounts = apply_closures(
        scheduled,
        churn_close_day=churn_close_day,
        default_month=default_month,
        timeline=tl,
        rng=r_acc,
    )
    accounts["account_id"] = account_ids(np.arange(len(accounts)))
    any_open = open_schedule(accounts, n, tl, credit_only=False)
    credit_open = open_schedule(accounts, n, tl, credit_only=True)

    habits = draw_habits(
        profile.annual_income,
        max(tx_per_customer_month - _SCHEDULED_PER_MONTH, 1.5),
        r_hab,
        category_shares=MERCHANT_SHARES,
        country_weights=COUNTRY_TABLE["usual_weight"].to_numpy()[1:],
    )
    habits.countries = habits.countries + 1  # index into COUNTRY_TABLE (0 is home)
    calendar_month = tl.month_starts.astype("datetime64[M]").astype(int) % 12
    month_factor = np.select([calendar_month == 11, calendar_month == 0], [1.2, 0.9], 1.0)
    activity = activity_counts(path, profile.onboard_month, habits.activity, month_factor, r_act)

    # truth: true probabilities and realised labels per snapshot
    default_rows, churn_rows, snap_stats = [], [], []
    for s in tqdm(snap_idx, desc="truth", disable=not progress):
        frames = score_snapshot(
            s,
            path,
            ctx,
            macro,
            r_truth,
            params=params,
            timeline=tl,
            credit_open=credit_open,
            any_open=any_open,
            activity=activity,
            n_paths=truth_paths,
        )
        default_rows.append(frames[0])
        churn_rows.append(frames[1])
        snap_stats.append(frames[2])

    # raw extracts: customers, attributes, accounts, references
    rows: dict[str, int] = {}
    ext = file_format
    dirt = DirtyWriter(out, file_format, r_dirty, rate=dirty_row_rate, end_date=tl.end_date)
    _write_with_dirt = dirt.write

    rows["customers"], _ = _write_with_dirt(
        "customers", to_arrow(customers, SCHEMAS["customers"]), raw / f"customers.{ext}"
    )
    attrs = attribute_history(profile, path, earner, tl, r_attr)
    rows["customer_attributes"], _ = _write_with_dirt(
        "customer_attributes",
        to_arrow(attrs, SCHEMAS["customer_attributes"]),
        raw / f"customer_attributes.{ext}",
    )
    acc_out = pd.DataFrame(
        {
            "account_id": accounts["account_id"],
            "customer_id": customer_ids(accounts["customer"].to_numpy()),
            "product_type": PRODUCTS[accounts["product"].to_numpy()],
            "open_date": accounts["open_day"],
            "close_date": accounts["close_day"],
            "credit_limit": accounts["credit_limit"],
            "principal": accounts["principal"],
            "interest_rate": accounts["interest_rate"],
            "term_months": accounts["term_months"]
            .where(accounts["term_months"] > 0)
            .astype("Int64"),
        }
    )
    rows["accounts"], _ = _write_with_dirt(
        "accounts", to_arrow(acc_out, SCHEMAS["accounts"]), raw / f"accounts.{ext}"
    )
    rows["mcc"] = write_table(
        pa.Table.from_pandas(mcc_frame(), preserve_index=False), raw / f"mcc.{ext}", file_format
    )
    rows["countries"] = write_table(
        pa.Table.from_pandas(country_frame(), preserve_index=False),
        raw / f"countries.{ext}",
        file_format,
    )
    rows["postcodes"] = write_table(
        pa.Table.from_pandas(postcode_frame(), preserve_index=False),
        raw / f"postcodes.{ext}",
        file_format,
    )

    # balances and transactions, part by part (chunks of customers made in parallel)
    anomalies: list[pa.Table] = []
    n_tx = 0
    bal_path = raw / f"balances.{ext}"
    tx_dir = raw / "transactions"
    tx_dir.mkdir(exist_ok=True)
    for old in tx_dir.glob("part-*"):
        old.unlink()
    rows["balances"] = rows["transactions"] = 0
    bal_counter = tx_counter = 0
    maker = PartMaker(
        accounts=accounts,
        path=path,
        profile=profile,
        habits=habits,
        activity=activity,
        timeline=tl,
        churn_close_day=churn_close_day,
        end_day=_days(np.array([tl.end_date], "datetime64[D]"))[0],
        size=chunk_customers,
        anomaly_rate=anomaly_rate,
        balance_seed=streams[4],
        transaction_seed=streams[9],
        file_format=file_format,
    )
    parts = ordered_map(maker, range(maker.n_parts), workers)
    with TableWriter(bal_path, file_format) as bal_writer, dirt.in_background():
        for part, (bal, table, anom) in enumerate(
            tqdm(parts, total=maker.n_parts, desc="balances + transactions", disable=not progress)
        ):
            written, bal_counter = _write_with_dirt(
                "balances", bal, bal_path, bal_writer, bal_counter, rows["balances"]
            )
            rows["balances"] += written
            table, anom = number_transactions(table, anom, first_id=n_tx + 1)
            n_tx += table.num_rows
            anomalies.append(anom)
            part_path = tx_dir / f"part-{part:05d}.{ext}"
            written, tx_counter = _write_with_dirt(
                "transactions", table, part_path, None, tx_counter
            )
            rows["transactions"] += written
        dirt.flush()
        bal_writer.close(schema=pa.schema(SCHEMAS["balances"]))

    # truth files
    default_truth = pd.concat(default_rows, ignore_index=True)
    churn_truth = pd.concat(churn_rows, ignore_index=True)
    default_truth.to_csv(truth / "default_truth.csv", index=False, date_format="%Y-%m-%d")
    churn_truth.to_csv(truth / "churn_truth.csv", index=False, date_format="%Y-%m-%d")
    anomaly_table = pa.concat_tables(anomalies).to_pandas()
    anomaly_table.to_csv(truth / "anomalies.csv", index=False)
    dirty = dirt.listing()
    dirty.to_csv(truth / "dirty_rows.csv", index=False)

    onboarded = profile.onboard_month[:, None] <= np.arange(n_months)[None, :]
    monthly = [
        {
            "month_end": str(tl.month_ends[t]),
            "macro": round(float(macro[t]), 4),
            "customers": int((onboarded[:, t] & (path.churn[:, t] != 1)).sum()),
            "borrowers": int(credit_open[:, t].sum()),
            "new_defaults": int((default_month == t).sum()),
            "churn_events": int((path.churn_month == t).sum()),
        }
        for t in range(n_months)
    ]
    first = snap_stats[0]
    summary = GenerationSummary(
        n_customers=n,
        n_accounts=len(accounts),
        n_transactions=n_tx,
        default_rate=first["default_rate"],
        churn_rate=first["churn_rate"],
        oracle_auc_default=first["oracle_auc_default"],
        oracle_auc_churn=first["oracle_auc_churn"],
        anomaly_rate=len(anomaly_table) / max(n_tx, 1),
        rows=rows,
        seconds=round(time.perf_counter() - t0, 2),
        snapshots=snap_stats,
        monthly=monthly,
    )
    meta = summary.as_dict() | {
        "seed": seed,
        "start_date": str(tl.start_date),
        "end_date": str(tl.end_date),
        "n_months": n_months,
        "truth_paths": truth_paths,
        "file_format": file_format,
        "n_dirty_rows": len(dirty),
    }
    meta.pop("seconds")
    (truth / "oracle.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
    log.info("generated %s transactions in %.1f s", f"{n_tx:,}", summary.seconds)
    return summary
