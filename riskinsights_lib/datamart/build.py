"""Build the datamart: raw extracts -> quarantine -> star schema -> model marts -> checks.

:func:`build_datamart` is the one entry point. It builds into a temporary
file next to ``db_path`` and moves it into place only when every stage has
succeeded, so a failed run never leaves a half-built datamart behind, and a
re-run with the same inputs and ``run_id`` gives the same tables (every table
is written with a deterministic ``ORDER BY``; nothing is random).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from string import Template
from typing import TypeVar

import duckdb
import pandas as pd
from tqdm.auto import tqdm

from riskinsights_lib.datamart.checks import run_checks
from riskinsights_lib.datamart.contract import CsvDialect
from riskinsights_lib.datamart.errors import ExtractError
from riskinsights_lib.datamart.extracts import ExtractsReport, inspect_extracts
from riskinsights_lib.datamart.quality import (
    REJECT_DDL,
    check_reject_rate,
    derive_history,
    judge_source,
    reconciliation,
    write_rejects,
)
from riskinsights_lib.datamart.schema import TABLES, write_table_metadata
from riskinsights_lib.datamart.sources import (
    CHANNELS,
    CREDIT_PRODUCTS,
    CUSTOMER_INITIATED_CHANNELS,
    PRODUCT_TYPES,
    SOURCES,
)
from riskinsights_lib.privacy import pseudonymise

__all__ = ["EtlSummary", "build_datamart", "connect", "table_columns", "read_sql"]

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Previous transactions (same customer and direction) behind the amount habit features.
HABIT_WINDOW = 100
#: Fewer previous transactions than this leave the habit features empty (not applicable).
MIN_HISTORY = 5
#: Transactions per chunk of customers in the window features (bounds their memory).
TX_CHUNK_ROWS = 2_000_000
#: Transactions per time range written to fact_transaction (bounds the sort's memory).
FACT_CHUNK_ROWS = 8_000_000

_CHANNEL_GROUPS = {
    "card_present": "card",
    "card_online": "card",
    "atm": "cash",
    "transfer": "transfer",
    "direct_debit": "bill payment",
    "salary_credit": "income",
}


@dataclass
class EtlSummary:
    """What a datamart build did: rows per source, checks, table sizes and timings."""

    run_id: str
    db_path: str
    history_end: dt.date
    home_country: str
    history_start: dt.date | None = None
    controls_checked: int = 0
    controls_missing: int = 0
    controls_failed: int = 0
    missing_optional_columns: dict[str, list[str]] = field(default_factory=dict)
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, dict[str, int]] = field(default_factory=dict)
    rejects_by_reason: dict[str, dict[str, int]] = field(default_factory=dict)
    checks_failed: int = 0
    n_checks: int = 0
    failed_checks: list[str] = field(default_factory=list)
    table_rows: dict[str, int] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """Plain JSON-able values (dates as ISO strings)."""
        out = asdict(self)
        out["history_end"] = self.history_end.isoformat()
        out["history_start"] = self.history_start.isoformat() if self.history_start else None
        return out


def read_sql(name: str) -> str:
    """The text of ``riskinsights_lib/datamart/sql/<name>.sql``."""
    return (
        resources.files("riskinsights_lib.datamart")
        .joinpath("sql", f"{name}.sql")
        .read_text("utf-8")
    )


def _literal(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return str(int(value)) if isinstance(value, (bool, int)) else repr(value)


def _run_sql(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> None:
    """Run the statements of ``sql/<name>.sql`` with ``$params`` as SQL literals, timing each."""
    sql = Template(read_sql(name)).substitute({k: _literal(v) for k, v in params.items()})
    for i, statement in enumerate(s for s in sql.split(";\n") if s.strip()):
        t0 = time.perf_counter()
        con.execute(statement)
        target = next(
            (w for w in statement.split() if w.startswith(("dim_", "fact_", "mart_", "_"))), ""
        )
        log.debug("%s.sql #%d %s: %.2f s", name, i + 1, target, time.perf_counter() - t0)


def connect(db_path: str | os.PathLike, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the datamart (read-only by default, so that readers never lock writers out)."""
    path = Path(db_path)
    if read_only and not path.is_file():
        raise FileNotFoundError(f"db_path: no datamart at {path} (run 02_etl_star_schema first)")
    return duckdb.connect(str(path), read_only=read_only)


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of ``table`` in schema order."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    if not rows:
        raise KeyError(f"table: {table!r} not found in the datamart")
    return [r[0] for r in rows]


def _register_lookups(con: duckdb.DuckDBPyConnection) -> None:
    products = pd.DataFrame(
        {
            "product_key": pd.array(range(1, len(PRODUCT_TYPES) + 1), dtype="int32"),
            "product_type": list(PRODUCT_TYPES),
            "product_family": [
                "credit" if p in CREDIT_PRODUCTS else "deposit" for p in PRODUCT_TYPES
            ],
            "is_credit": [p in CREDIT_PRODUCTS for p in PRODUCT_TYPES],
        }
    )
    channels = pd.DataFrame(
        {
            "channel_key": pd.array(range(1, len(CHANNELS) + 1), dtype="int32"),
            "channel": list(CHANNELS),
            "channel_group": [_CHANNEL_GROUPS[c] for c in CHANNELS],
            "is_card_not_present": [c == "card_online" for c in CHANNELS],
            "is_customer_initiated": [c in CUSTOMER_INITIATED_CHANNELS for c in CHANNELS],
        }
    )
    for name, frame in (("_ref_product", products), ("_ref_channel", channels)):
        con.register(f"{name}_df", frame)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_df")
        con.unregister(f"{name}_df")


def _register_idmap(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Natural customer and account ids -> keyed hash, as the temp table ``_idmap``: the
    ids of the loaded customers and accounts, and every id in a rejected row."""
    rejected = " ".join(
        f"UNION ALL SELECT TRIM(json_extract_string(_raw, '$.\"{c}\"')) "
        f"FROM _judged_{s.name} WHERE _rule IS NOT NULL"
        for s in SOURCES
        for c in s.hashed
    )
    naturals = [
        r[0]
        for r in con.execute(
            f"""
            SELECT DISTINCT v FROM (
                SELECT customer_id AS v FROM cln_customers
                UNION ALL SELECT customer_id FROM cln_accounts
                UNION ALL SELECT account_id FROM cln_accounts
                {rejected}
            ) WHERE v IS NOT NULL AND v <> '' ORDER BY v
            """
        ).fetchall()
    ]
    frame = pd.DataFrame({"natural": naturals, "hashed": pseudonymise(naturals, key)})
    con.register("_idmap_df", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE _idmap AS SELECT * FROM _idmap_df")
    con.unregister("_idmap_df")


def _pack(blocks: list[tuple[T, T, int]], max_rows: int) -> list[tuple[T, T]]:
    """Consecutive ``(first, last, rows)`` blocks merged into ranges ``(first, last)`` of at
    most ``max_rows`` rows each (a block with more goes alone)."""
    ranges: list[list[T]] = []
    total = 0
    for first, last, n in blocks:
        if not ranges or total + n > max_rows:
            ranges.append([first, last])
            total = 0
        ranges[-1][1] = last
        total += n
    return [(first, last) for first, last in ranges]


def _month_ranges(con: duckdb.DuckDBPyConnection, max_rows: int) -> list[tuple[dt.date, dt.date]]:
    """Ranges ``[lo, hi)`` of whole months of the loaded transactions, in time order, each
    holding at most ``max_rows`` transactions (a month with more goes alone)."""
    months = con.execute(
        "SELECT date_trunc('month', ts)::DATE AS m, count(*) FROM cln_transactions "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return _pack([(m, (m + dt.timedelta(days=32)).replace(day=1), n) for m, n in months], max_rows)


def _customer_chunks(con: duckdb.DuckDBPyConnection, max_rows: int) -> list[tuple[int, int]]:
    """Ranges ``(first, last)`` of customer numbers (``_tx.cnum``), each holding at most
    ``max_rows`` transactions (a customer with more goes alone)."""
    counts = con.execute("SELECT cnum, count(*) FROM _tx GROUP BY cnum ORDER BY cnum").fetchall()
    return _pack([(cnum, cnum, n) for cnum, n in counts], max_rows)


def _derive_home_country(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute(
        "SELECT merchant_country FROM cln_transactions WHERE merchant_country IS NOT NULL "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchall()
    return rows[0][0] if rows else "unknown"


def _missing_columns(extracts: ExtractsReport) -> dict[str, tuple[str, list[str], int]]:
    return {
        f.name: (source, list(f.missing_optional), f.rows)
        for source, files in extracts.files.items()
        for f in files
        if f.missing_optional
    }


def _extract_fields(extracts: ExtractsReport) -> dict:
    return {
        "controls_checked": extracts.controls_checked,
        "controls_missing": extracts.controls_missing,
        "controls_failed": extracts.controls_failed,
        "missing_optional_columns": extracts.missing_optional,
        "extra_columns": extracts.extra_columns,
    }


def build_datamart(
    raw_dir: str | os.PathLike,
    db_path: str | os.PathLike,
    *,
    run_id: str,
    snapshots: Sequence[str | dt.date],
    pseudonym_key: str,
    max_reject_rate: float = 0.02,
    feature_lookback_months: int = 6,
    history_end: dt.date | None = None,
    history_start: dt.date | None = None,
    dialect: CsvDialect | None = None,
    require_controls: bool = False,
    home_country: str | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    progress: bool = True,
) -> EtlSummary:
    """Build the DuckDB star-schema datamart from the raw extracts of one run.

    Parameters
    ----------
    raw_dir : folder of the raw extracts (``<run>/raw``), CSV or Parquet.
    db_path : the datamart file to (re)create (``<run>/datamart.duckdb``).
    run_id : audit value written into every table (the run folder's name).
    snapshots : month-end dates of the model marts (ISO strings or dates).
    pseudonym_key : key of the keyed hash that replaces customer and account ids
        (pass :func:`riskinsights_lib.privacy.pseudonym_key` to honour the environment).
    max_reject_rate : stop with :class:`RejectRateError` when a source rejects more.
    feature_lookback_months : month ends of history behind each snapshot's features.
    history_end : last day of the history; derived from the balances when None.
    history_start : first day of the history; derived from the balances when None.
    dialect : encoding, delimiter and quote of the CSV extracts (UTF-8, comma, double quote
        when None).
    require_controls : stop when an extract has no control file (else a warning, counted
        in ``controls_missing``).
    home_country : the bank's country (ISO alpha-2); the most frequent merchant
        country when None.
    memory_limit : DuckDB memory limit (e.g. ``"3GB"``); DuckDB's default when None.
    threads : DuckDB threads; DuckDB's default (the number of cores) when None. One more
        than the cores can keep them busy while large builds spill to disk.
    progress : show a progress bar over the stages.

    Returns
    -------
    EtlSummary
    """
    raw_dir, db_path = Path(raw_dir), Path(db_path)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw_dir: {raw_dir} is not a folder")
    if not run_id:
        raise ValueError("run_id: expected a non-empty string")
    if not 0 <= max_reject_rate <= 1:
        raise ValueError(f"max_reject_rate: expected a share in [0, 1], got {max_reject_rate}")
    if feature_lookback_months < 3:
        raise ValueError(
            f"feature_lookback_months: expected at least 3, got {feature_lookback_months}"
        )
    snaps = sorted({dt.date.fromisoformat(str(s)) for s in snapshots})
    if not snaps:
        raise ValueError("snapshots: expected at least one month-end date")
    start = time.perf_counter()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(db_path.name + ".building")
    for leftover in (tmp, Path(str(tmp) + ".wal")):
        leftover.unlink(missing_ok=True)
    stages = [
        "check extracts",
        "read and judge raw rows",
        "quarantine",
        "dimensions",
        "facts",
        "model marts",
        "checks",
    ]
    bar = tqdm(total=len(stages), desc="datamart", disable=not progress)
    timings: dict[str, float] = {}

    def done(stage: str, t0: float) -> float:
        timings[stage] = round(time.perf_counter() - t0, 3)
        bar.update(1)
        bar.set_postfix_str(stage)
        return time.perf_counter()

    spill_dir = db_path.parent / ".duckdb_tmp"  # DuckDB spills here beyond its memory limit
    work_dir = db_path.parent / ".extracts_tmp"  # transcoded copies of cp1252 extracts
    con = duckdb.connect(str(tmp))
    try:
        con.execute("SET enable_progress_bar = false")  # the stage bar below says enough
        if memory_limit:
            con.execute(f"SET memory_limit = '{memory_limit}'")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.execute(f"SET temp_directory = '{spill_dir}'")
        t0 = time.perf_counter()
        extracts = inspect_extracts(
            con,
            raw_dir,
            dialect=dialect or CsvDialect(),
            require_controls=require_controls,
            work_dir=work_dir,
        )
        t0 = done("check extracts", t0)
        derived = derive_history(con, extracts.files)
        end, begin = history_end or derived[1], history_start or derived[0]
        judged = {}
        for source in SOURCES:  # parents first: orphans are judged against loaded rows
            try:
                judged[source.name] = judge_source(
                    con, extracts.files[source.name], source, history_end=end, history_start=begin
                )
            except (duckdb.InvalidInputException, duckdb.ConversionException):
                # the checks above parsed every file: this is unexpected; never quote DuckDB
                raise ExtractError(
                    f"{source.name}: an extract could not be read while loading "
                    "(it changed after it was checked?)"
                ) from None
            check_reject_rate(con, judged[source.name], max_reject_rate)
        t0 = done("read and judge raw rows", t0)

        _register_idmap(con, pseudonym_key)
        con.execute(REJECT_DDL)
        for j in judged.values():
            write_rejects(con, j, run_id)
        recon = reconciliation(con, {n: j.raw_rows for n, j in judged.items()}, run_id)
        t0 = done("quarantine", t0)

        home = home_country or _derive_home_country(con)
        _register_lookups(con)
        _run_sql(con, "dims", run_id=run_id, history_end=end, home_country=home)
        t0 = done("dimensions", t0)
        _run_sql(con, "facts", run_id=run_id)
        for lo, hi in _month_ranges(con, FACT_CHUNK_ROWS):
            con.execute(
                "INSERT INTO fact_transaction FROM _fact_transaction_rows(?::TIMESTAMP, ?::TIMESTAMP)",
                [lo, hi],
            )
        for source in SOURCES:  # the facts hold the loaded rows now: free the judged copies
            con.execute(f"DROP VIEW cln_{source.name}")
            con.execute(f"DROP TABLE _judged_{source.name}")
        t0 = done("facts", t0)

        con.register("_snapshots_df", pd.DataFrame({"snapshot_date": pd.to_datetime(snaps).date}))
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _snapshots AS SELECT snapshot_date::DATE AS snapshot_date FROM _snapshots_df"
        )
        _run_sql(con, "transaction_prepare")
        _run_sql(con, "customer_features", lookback=feature_lookback_months)
        _run_sql(con, "marts", history_end=end)
        _run_sql(con, "transaction_features", habit_window=HABIT_WINDOW, min_history=MIN_HISTORY)
        for lo, hi in _customer_chunks(con, TX_CHUNK_ROWS):
            t1 = time.perf_counter()
            con.execute(
                "INSERT INTO mart_transaction_features SELECT * EXCLUDE (cnum, seq) "
                "FROM _tx_features(?, ?) ORDER BY cnum, seq",
                [lo, hi],
            )
            log.debug("transaction features %d-%d: %.2f s", lo, hi, time.perf_counter() - t1)
        for temp in ("_tx", "_first_country", "_first_mcc", "_cust_num"):
            con.execute(f"DROP TABLE {temp}")  # free their memory for the checks
        t0 = done("model marts", t0)

        checks = run_checks(con, run_id, missing_columns=_missing_columns(extracts))
        write_table_metadata(con, run_id)
        done("checks", t0)
        table_rows = {
            t: int(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in TABLES
        }
        by_reason = con.execute(
            "SELECT source, reason, count(*) FROM etl_reject GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    finally:
        bar.close()
        shutil.rmtree(spill_dir, ignore_errors=True)
        shutil.rmtree(work_dir, ignore_errors=True)
    con.close()
    os.replace(tmp, db_path)
    Path(str(db_path) + ".wal").unlink(missing_ok=True)

    summary = summarise_build(
        run_id=run_id,
        db_path=db_path,
        history=(begin, end),
        home_country=home,
        extracts=extracts,
        reconciliation=recon.itertuples(),
        rejects=by_reason,
        checks=checks,
        table_rows=table_rows,
        stage_seconds=timings,
        started=start,
    )
    log.info("datamart built in %.1f s: %s", summary.seconds, db_path)
    return summary


def summarise_build(
    *,
    run_id: str,
    db_path: str | Path,
    history: tuple,
    home_country: str,
    extracts: ExtractsReport,
    reconciliation,
    rejects,
    checks,
    table_rows: dict[str, int],
    stage_seconds: dict[str, float],
    started: float,
) -> EtlSummary:
    """The :class:`EtlSummary` of a finished build, whichever engine built it.

    ``reconciliation`` yields rows with ``source, raw_rows, loaded_rows,
    rejected_rows`` attributes (pandas ``itertuples`` or Spark ``Row``s);
    ``rejects`` yields ``(source, reason, count)``; ``checks`` is the
    ``etl_check`` frame; ``started`` is the build's ``time.perf_counter()``.
    """
    reasons: dict[str, dict[str, int]] = {}
    for source, reason, n in rejects:
        reasons.setdefault(source, {})[reason] = int(n)
    begin, end = history
    return EtlSummary(
        run_id=run_id,
        db_path=str(db_path),
        history_end=end,
        history_start=begin,
        home_country=home_country,
        **_extract_fields(extracts),
        sources={
            r.source: {
                "raw_rows": int(r.raw_rows),
                "loaded_rows": int(r.loaded_rows),
                "rejected_rows": int(r.rejected_rows),
            }
            for r in reconciliation
        },
        rejects_by_reason=reasons,
        checks_failed=int((~checks["passed"]).sum()),
        failed_checks=sorted(checks.loc[~checks["passed"], "check_name"]),
        n_checks=len(checks),
        table_rows=table_rows,
        stage_seconds=stage_seconds,
        seconds=round(time.perf_counter() - started, 3),
    )
