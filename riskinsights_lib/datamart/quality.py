"""Quarantine and reconciliation: every raw row is loaded or rejected with a reason.

:func:`judge_source` reads a source's raw files as text (no copy of the text),
casts each value with ``TRY_CAST`` and judges each row by the rules of its
:class:`~riskinsights_lib.datamart.sources.Source`. The first broken rule wins,
in the order of :data:`~riskinsights_lib.datamart.sources.REJECT_REASONS`
(the order of docs/data_contract.md): missing key, null token, number format,
unparseable value, orphan foreign key, value out of range, date before the
history, date after it, then duplicate id among the rows that passed (the first in file order is kept). The judged rows go to
the temp table ``_judged_<name>`` (typed; rule number; the raw text, personal
data masked, of the rows rejected or whose key repeats); the view ``cln_<name>``
holds the loaded ones. :func:`write_rejects` copies the rejected rows into
``etl_reject`` with their original values as JSON, natural ids hashed and
personal data masked by column and by content (:data:`~riskinsights_lib.datamart.contract.PII_PATTERNS`).

Two facts are learnt in one pass over the files before judging, so that the
judging pass needs no join with another large table and keeps file order: the
hashes of keys that occur more than once, and the foreign-key values missing
from the parent's loaded rows.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import duckdb
import pandas as pd

from riskinsights_lib.datamart.contract import HISTORY_MIN_MONTH_SHARE, HISTORY_SOURCE
from riskinsights_lib.datamart.load import RawFile, union_all
from riskinsights_lib.datamart.rules import (
    compile_rules,
    raw_json,
    raw_record,
    sql_str,
    trimmed,
    typed,
)
from riskinsights_lib.datamart.sources import Source, source_by_name

__all__ = [
    "Judged",
    "RejectRateError",
    "REJECT_DDL",
    "derive_history",
    "judge_source",
    "repeated_hashes",
    "write_rejects",
    "reconciliation",
    "check_reject_rate",
]

log = logging.getLogger(__name__)

REJECT_DDL = """
CREATE TABLE IF NOT EXISTS etl_reject (
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    raw_record VARCHAR,
    reason VARCHAR NOT NULL,
    detail VARCHAR,
    run_id VARCHAR NOT NULL
)
"""


class RejectRateError(RuntimeError):
    """A source rejected more than the allowed share of its rows."""

    def __init__(self, source: str, rate: float, max_rate: float, reason: str, n_reason: int):
        self.source, self.rate, self.max_rate, self.reason = source, rate, max_rate, reason
        super().__init__(
            f"{source}: {rate:.2%} of raw rows rejected, above max_reject_rate={max_rate:.2%}; "
            f"most common reason: {reason} ({n_reason:,} rows). See etl_reject for the rows."
        )


@dataclass(frozen=True)
class Judged:
    """A judged source: its raw row count and the reasons behind its rule numbers."""

    name: str
    raw_rows: int
    reasons: tuple[str, ...]
    details: tuple[str, ...]


def derive_history(
    con: duckdb.DuckDBPyConnection, files: dict[str, list[RawFile]]
) -> tuple[dt.date, dt.date]:
    """The history ``(start, end)``: the first day of the earliest and the latest month end
    of :data:`HISTORY_SOURCE` held by a real share of rows.

    A corrupted far-past or far-future month end must not move a bound, so month ends
    with under :data:`HISTORY_MIN_MONTH_SHARE` of the median month's rows are ignored.
    """
    source, column = HISTORY_SOURCE
    row = con.execute(
        f"""
        WITH m AS (
            SELECT TRY_CAST(NULLIF(TRIM("raw__{column}"), '') AS DATE) AS d, count(*) AS n
            FROM {union_all(files[source])} GROUP BY 1 HAVING d IS NOT NULL
        )
        SELECT min(d), max(d) FROM m
        WHERE n >= {HISTORY_MIN_MONTH_SHARE} * (SELECT median(n) FROM m)
        """
    ).fetchall()[0]
    if row is None or row[1] is None:
        raise ValueError(f"raw_dir: {source} has no parseable {column}, cannot derive the history")
    return row[0].replace(day=1), row[1]


#: A membership bitmap has at least this many bits per value (false alarms under 1/64).
#: A value's hash picks one bit; a set bit means "maybe" and an exact check follows, so
#: the size only trades speed for false alarms. Bitmaps held in variables, unlike joins,
#: keep the judging pass in file order.
_BITS_PER_VALUE = 64


def _set_bitmap(con: duckdb.DuckDBPyConnection, variable: str, table: str) -> None:
    """``variable`` := bitmap of the hashes ``h`` in ``table``; ``<variable>_n`` := its
    number of bits (a power of two, 2^12 to 2^24, growing with the number of values)."""
    n = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    bits = min(max(1 << (n * _BITS_PER_VALUE).bit_length(), 1 << 12), 1 << 24)
    con.execute(f"SET VARIABLE {variable}_n = {bits}::UBIGINT")
    con.execute(
        f"SET VARIABLE {variable} = "
        f"(SELECT bitstring_agg((h % {bits})::INTEGER, 0, {bits - 1}) FROM {table})"
    )


def _maybe_in(variable: str, hash_expr: str) -> str:
    bit = f"({hash_expr} % getvariable('{variable}_n'))::INTEGER"
    return f"coalesce(get_bit(getvariable('{variable}'), {bit}) = 1, false)"


def repeated_hashes(hashes: str) -> str:
    """SQL: the distinct values of column ``h`` of the subquery ``hashes`` that occur more
    than once. Found by sorting (neighbours equal), which at 100 million rows is about
    three times faster than a hash aggregate with one group per row."""
    return (
        f"SELECT DISTINCT h FROM (SELECT h, lag(h) OVER (ORDER BY h) AS _prev FROM {hashes}) "
        "WHERE h = _prev"
    )


def _learn_keys(con: duckdb.DuckDBPyConnection, source: Source, files: list[RawFile]) -> None:
    """One pass over the files: ``_dupkeys_<name>`` (hashes of typed keys seen more than
    once) and ``_orphans_<name>_<i>`` (typed values of foreign key i not in the parent),
    each also as a bitmap variable of the same name.

    The pass keeps the foreign keys' raw text and types only its distinct values, and it
    needs no file order (so it lets DuckDB write rows in any order): at 100 million rows
    this halves the pass."""
    name = source.name
    columns = {c.name: c for c in source.columns}
    fks = list(source.parents.items())
    keys = ", ".join(typed(k, columns[k].sql_type) for k in source.key)
    cols = ", ".join([f"hash({keys}) AS h"] + [f'"raw__{col}"' for col, _ in fks])
    raw = ", ".join([trimmed(list(source.key))] + [f'"raw__{col}"' for col, _ in fks])
    _without_order(
        con,
        f"CREATE OR REPLACE TEMP TABLE _keys_{name} AS "
        f"SELECT {cols} FROM (SELECT {raw} FROM {union_all(files)})",
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _dupkeys_{name} AS "
        + repeated_hashes(f"(SELECT h FROM _keys_{name})")
    )
    _set_bitmap(con, f"_dupkeys_{name}", f"_dupkeys_{name}")
    if fks:  # the distinct raw values of each foreign key, in one scan
        fk_raw = [f'"raw__{col}"' for col, _ in fks]
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _fkraw_{name} AS SELECT {', '.join(fk_raw)} "
            f"FROM _keys_{name} GROUP BY GROUPING SETS ({', '.join(f'({r})' for r in fk_raw)})"
        )
    for i, (col, parent) in enumerate(fks):
        pkey = source_by_name(parent).key[0]
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _orphans_{name}_{i} AS
            SELECT DISTINCT v, hash(v) AS h
            FROM (
                SELECT {typed(col, columns[col].sql_type)} AS v
                FROM (SELECT {trimmed([col])} FROM _fkraw_{name})
            ) k
            ANTI JOIN cln_{parent} p ON p."{pkey}" = k.v
            WHERE k.v IS NOT NULL
            """
        )
        _set_bitmap(con, f"_orphans_{name}_{i}", f"_orphans_{name}_{i}")
    con.execute(f"DROP TABLE _keys_{name}")
    con.execute(f"DROP TABLE IF EXISTS _fkraw_{name}")


def _without_order(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Run ``sql`` with ``preserve_insertion_order`` off (faster writes), then restore it."""
    before = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.execute("SET preserve_insertion_order = false")
    try:
        con.execute(sql)
    finally:
        con.execute(f"SET preserve_insertion_order = {str(before).lower()}")


def _judge_files(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    files: list[RawFile],
    rules: list[tuple[str, str, str]],
) -> list[int]:
    """Append every file's rows to ``_judged_<name>`` in file order; return each file's
    first rowid. No join runs here (joins do not keep the order): orphan foreign keys
    are only flagged as possible (``_fkcand``) by the bitmaps and settled afterwards."""
    name = source.name
    staged = ", ".join(f'"raw__{c}"' for c in source.column_names)
    typed_cols = ", ".join(f'{typed(c.name, c.sql_type)} AS "{c.name}"' for c in source.columns)
    trimmed_cols = trimmed(source.column_names)
    names = ", ".join(f'"{c.name}"' for c in source.columns)
    keys = ", ".join(f't."{k}"' for k in source.key)
    rule_no = (
        "CASE "
        + " ".join(
            f"WHEN {cond} THEN {i + 1}"
            for i, (reason, cond, _) in enumerate(rules)
            if reason != "orphan_foreign_key"
        )
        + " END"
    )
    fk_cand = " OR ".join(
        [
            _maybe_in(f"_orphans_{name}_{i}", f'hash(t."{col}")')
            for i, col in enumerate(source.parents)
        ]
        or ["false"]
    )
    select = f"""
        SELECT {{file_id}} AS _file_id, {names}, _rule::UTINYINT AS _rule, _fkcand,
               CASE WHEN _rule IS NOT NULL OR _fkcand OR {_maybe_in(f"_dupkeys_{name}", f"hash({keys})")}
                    THEN {raw_json(source)} END AS _raw
        FROM (
            SELECT t.*, {rule_no} AS _rule, {fk_cand} AS _fkcand
            FROM (SELECT *, {typed_cols} FROM (SELECT {staged}, {trimmed_cols} FROM {{scan}})) t
        ) t
    """
    first_rowid, n = [], 0
    for file_id, raw in enumerate(files):
        query = select.replace("{file_id}", str(file_id)).replace("{scan}", raw.scan)
        if file_id == 0:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _judged_{name} AS {query}")
        else:
            con.execute(f"INSERT INTO _judged_{name} {query}")
        first_rowid.append(n)
        n = con.execute(f"SELECT count(*) FROM _judged_{name}").fetchall()[0][0]
    return first_rowid + [n]


def _settle_orphans(
    con: duckdb.DuckDBPyConnection, source: Source, rules: list[tuple[str, str, str]]
) -> None:
    """Possible orphans: an exact orphan foreign key wins over every later rule."""
    fk_rules = [(i, cond) for i, (r, cond, _) in enumerate(rules) if r == "orphan_foreign_key"]
    if not fk_rules:
        return
    cases = " ".join(f"WHEN {cond} THEN {i + 1}" for i, cond in fk_rules)
    con.execute(
        f"""
        UPDATE _judged_{source.name} AS t SET _rule = CASE {cases} ELSE _rule END
        WHERE _fkcand AND (_rule IS NULL OR _rule > {fk_rules[-1][0] + 1})
        """
    )


def judge_source(
    con: duckdb.DuckDBPyConnection,
    files: list[RawFile],
    source: Source,
    *,
    history_end: dt.date,
    history_start: dt.date | None = None,
) -> Judged:
    """Read and judge every raw row of ``source`` into ``_judged_<name>`` and ``cln_<name>``.

    Parent sources must be judged first (``cln_<parent>`` exists) so that a
    foreign key is judged against the rows actually loaded. Rows are appended
    file by file in file order, so a row's ``rowid`` minus its file's first
    ``rowid`` (``_files_<name>``) is its row number within the file.
    """
    name = source.name
    _learn_keys(con, source, files)
    rules = compile_rules(source, history_end, history_start)
    bounds = _judge_files(con, source, files, rules)
    _settle_orphans(con, source, rules)
    files_frame = pd.DataFrame(
        {
            "_file_id": range(len(files)),
            "_file": [f.name for f in files],
            "first_rowid": bounds[:-1],
        }
    )
    con.register("_files_df", files_frame)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _files_{name} AS SELECT _file_id::INTEGER AS _file_id, "
        "_file::VARCHAR AS _file, first_rowid::BIGINT AS first_rowid FROM _files_df"
    )
    con.unregister("_files_df")
    # Duplicates among the rows that passed: the first in file order wins. Only keys whose
    # hash repeats (learnt above) are ranked, on their exact values.
    exact = ", ".join(f'"{k}"' for k in source.key)
    con.execute(
        f"""
        UPDATE _judged_{name} SET _rule = {len(rules) + 1}
        WHERE rowid IN (
            SELECT _rid FROM (
                SELECT rowid AS _rid, row_number() OVER (PARTITION BY {exact} ORDER BY rowid) AS k
                FROM _judged_{name}
                WHERE _rule IS NULL AND hash({exact}) IN (SELECT h FROM _dupkeys_{name})
            ) WHERE k > 1
        )
        """
    )
    names = ", ".join(f'"{c.name}"' for c in source.columns)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW cln_{name} AS "
        f"SELECT {names} FROM _judged_{name} WHERE _rule IS NULL"
    )
    judged = Judged(
        name=name,
        raw_rows=int(bounds[-1]),
        reasons=tuple(r for r, _, _ in rules) + ("duplicate_id",),
        details=tuple(d for _, _, d in rules) + ("repeats the key of an earlier row",),
    )
    log.info("judged %s: %s raw rows", name, f"{bounds[-1]:,}")
    return judged


def reject_counts(con: duckdb.DuckDBPyConnection, judged: Judged) -> dict[str, int]:
    """Rejected rows of a judged source by reason."""
    rows = con.execute(
        f"SELECT _rule, count(*) FROM _judged_{judged.name} WHERE _rule IS NOT NULL GROUP BY 1"
    ).fetchall()
    counts: dict[str, int] = {}
    for rule, n in rows:
        reason = judged.reasons[rule - 1]
        counts[reason] = counts.get(reason, 0) + int(n)
    return counts


def write_rejects(con: duckdb.DuckDBPyConnection, judged: Judged, run_id: str) -> int:
    """Append the rejected rows of ``judged`` to ``etl_reject`` (in file order).

    ``_idmap`` (natural -> hashed id) must hold every natural id of the rejected
    rows. Returns the number of rows written.
    """
    name = judged.name
    source = source_by_name(name)
    reasons = "[" + ", ".join(sql_str(r) for r in judged.reasons) + "]"
    details = "[" + ", ".join(sql_str(d) for d in judged.details) + "]"
    hash_joins = " ".join(
        f"LEFT JOIN _idmap h_{c} ON h_{c}.natural = TRIM(json_extract_string(j._raw, '$.\"{c}\"'))"
        for c in source.hashed
    )
    before = con.execute("SELECT count(*) FROM etl_reject").fetchall()[0][0]
    con.execute(
        f"""
        INSERT INTO etl_reject
        SELECT '{name}', f._file, j._rid - f.first_rowid + 1, {raw_record(source)},
               {reasons}[j._rule], {details}[j._rule], ?
        FROM (SELECT rowid AS _rid, _file_id, _rule, _raw FROM _judged_{name}
              WHERE _rule IS NOT NULL) j
        JOIN _files_{name} f USING (_file_id)
        {hash_joins}
        ORDER BY j._rid
        """,
        [run_id],
    )
    written = con.execute("SELECT count(*) FROM etl_reject").fetchall()[0][0] - before
    return int(written)


def reconciliation(
    con: duckdb.DuckDBPyConnection, raw_counts: dict[str, int], run_id: str
) -> pd.DataFrame:
    """Write and return ``etl_reconciliation``: raw = loaded + rejected per source."""
    rows = []
    for source, raw in raw_counts.items():
        loaded = con.execute(f"SELECT count(*) FROM cln_{source}").fetchall()[0][0]
        rejected = con.execute(
            "SELECT count(*) FROM etl_reject WHERE source = ?", [source]
        ).fetchall()[0][0]
        rows.append(
            {
                "source": source,
                "raw_rows": int(raw),
                "loaded_rows": int(loaded),
                "rejected_rows": int(rejected),
                "reject_rate": rejected / raw if raw else 0.0,
                "balanced": raw == loaded + rejected,
                "run_id": run_id,
            }
        )
    frame = pd.DataFrame(rows)
    con.register("_recon_df", frame)
    con.execute(
        """
        CREATE OR REPLACE TABLE etl_reconciliation AS
        SELECT source::VARCHAR AS source, raw_rows::BIGINT AS raw_rows,
               loaded_rows::BIGINT AS loaded_rows, rejected_rows::BIGINT AS rejected_rows,
               reject_rate::DOUBLE AS reject_rate, balanced::BOOLEAN AS balanced,
               run_id::VARCHAR AS run_id
        FROM _recon_df
        """
    )
    con.unregister("_recon_df")
    return frame


def check_reject_rate(
    con: duckdb.DuckDBPyConnection, judged: Judged, max_reject_rate: float
) -> None:
    """Raise :class:`RejectRateError` when ``judged`` rejected more than ``max_reject_rate``."""
    counts = reject_counts(con, judged)
    rejected = sum(counts.values())
    log.info("%s: %s rejected", judged.name, f"{rejected:,}")
    rate = rejected / judged.raw_rows if judged.raw_rows else 0.0
    if rate > max_reject_rate:
        reason = max(sorted(counts), key=counts.get)
        raise RejectRateError(judged.name, rate, max_reject_rate, reason, counts[reason])
