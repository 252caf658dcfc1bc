"""Quarantine and reconciliation: every raw row is loaded or rejected with a reason.

:func:`validate_source` casts a staged source (``raw_<name>``, all text) with
``TRY_CAST`` and judges each row by the rules of its
:class:`~riskinsights_lib.datamart.sources.Source`. The first broken rule wins,
in the order of :data:`~riskinsights_lib.datamart.sources.REJECT_REASONS`
(the order of docs/data_contract.md): missing key, unparseable value, orphan
foreign key, value out of range, date in the future, then duplicate id among
the rows that passed (the first in file order is kept). Good rows go to the
temp table ``cln_<name>`` (typed); the others to ``etl_reject`` with their
original values as JSON, direct personal data masked and natural ids hashed.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

import duckdb
import pandas as pd

from riskinsights_lib.datamart.sources import Source, source_by_name

__all__ = [
    "RejectRateError",
    "REJECT_DDL",
    "derive_history_end",
    "validate_source",
    "reconciliation",
    "check_reject_rate",
]

log = logging.getLogger(__name__)

MASK = "***"

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


def _text(col: str, alias: str = "t") -> str:
    """The raw text of ``col`` (kept as ``raw__<col>``), empty strings as NULL."""
    prefix = f"{alias}." if alias else ""
    return f"NULLIF(TRIM({prefix}\"raw__{col}\"), '')"


def _typed(col: str, sql_type: str) -> str:
    text = _text(col, alias="")
    if sql_type == "VARCHAR":
        return text
    if sql_type == "BOOLEAN":
        return (
            f"CASE lower({text}) WHEN '1' THEN true WHEN '0' THEN false "
            f"WHEN 'yes' THEN true WHEN 'no' THEN false ELSE TRY_CAST({text} AS BOOLEAN) END"
        )
    if sql_type in ("DOUBLE", "INTEGER", "BIGINT"):
        # A number must be finite: 'nan' and 'inf' parse as DOUBLE but are no amounts.
        return (
            f"CASE WHEN isfinite(TRY_CAST({text} AS DOUBLE)) "
            f"THEN TRY_CAST({text} AS {sql_type}) END"
        )
    return f"TRY_CAST({text} AS {sql_type})"


def _qualified_row_rule(source: Source) -> str:
    """``source.row_rule`` with every column name quoted and taken from ``t``."""
    names = sorted(source.column_names, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")
    return pattern.sub(lambda m: f't."{m.group(1)}"', source.row_rule or "false")


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _rules(source: Source, history_end: dt.date) -> list[tuple[str, str, str]]:
    """``(reason, condition, detail)`` in judging order, on ``t`` (typed) and ``p<i>`` (parents)."""
    rules: list[tuple[str, str, str]] = []
    for key in source.key:
        rules.append(("missing_key", f"{_text(key)} IS NULL", f"{key} is empty"))
    for c in source.columns:
        if c.sql_type != "VARCHAR":
            rules.append(
                (
                    "unparseable_value",
                    f'{_text(c.name)} IS NOT NULL AND t."{c.name}" IS NULL',
                    f"{c.name} is not a valid {c.sql_type.lower()}",
                )
            )
    for c in source.columns:
        if c.required and c.name not in source.key:
            rules.append(("unparseable_value", f't."{c.name}" IS NULL', f"{c.name} is empty"))
    for i, (col, parent) in enumerate(source.parents.items()):
        pkey = source_by_name(parent).key[0]
        rules.append(
            (
                "orphan_foreign_key",
                f't."{col}" IS NOT NULL AND p{i}."{pkey}" IS NULL',
                f"{col} not in {parent}",
            )
        )
    for c in source.columns:
        if c.allowed is not None:
            values = ", ".join(_sql_str(v) for v in c.allowed)
            rules.append(
                (
                    "out_of_range",
                    f't."{c.name}" NOT IN ({values})',
                    f"{c.name} is not an accepted value",
                )
            )
        if c.low is not None:
            rules.append(("out_of_range", f't."{c.name}" < {c.low!r}', f"{c.name} below {c.low:g}"))
        if c.high is not None:
            rules.append(
                ("out_of_range", f't."{c.name}" > {c.high!r}', f"{c.name} above {c.high:g}")
            )
        if c.low_date is not None:
            rules.append(
                (
                    "out_of_range",
                    f"t.\"{c.name}\" < DATE '{c.low_date}'",
                    f"{c.name} before {c.low_date}",
                )
            )
    if source.row_rule:
        rules.append(
            ("out_of_range", f"coalesce({_qualified_row_rule(source)}, false)", source.row_rule)
        )
    limit = f"TIMESTAMP '{history_end.isoformat()} 23:59:59.999999'"
    for c in source.columns:
        if c.not_future:
            rules.append(
                (
                    "future_date",
                    f't."{c.name}" > {limit}',
                    f"{c.name} after the history end {history_end}",
                )
            )
    return rules


def _raw_record(source: Source) -> str:
    """JSON text of the raw row: direct personal data masked, natural ids hashed."""
    parts = []
    for c in source.columns:
        raw = f't."raw__{c.name}"'
        if c.personal:
            value = f"CASE WHEN {raw} IS NULL THEN NULL ELSE '{MASK}' END"
        elif c.name in source.hashed:
            value = f"coalesce(h_{c.name}.hashed, {raw})"
        else:
            value = raw
        parts.append(f"'{c.name}', {value}")
    return f"CAST(json_object({', '.join(parts)}) AS VARCHAR)"


def derive_history_end(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The end of the history: the latest balance month end held by a real share of accounts.

    A corrupted far-future month end must not move the end of the history, so
    month ends with under 10% of the median month's rows are ignored. Reads the
    staged ``raw_balances``.
    """
    row = con.execute(
        """
        WITH m AS (
            SELECT TRY_CAST(NULLIF(TRIM(month_end), '') AS DATE) AS d, count(*) AS n
            FROM raw_balances GROUP BY 1 HAVING d IS NOT NULL
        )
        SELECT max(d) FROM m WHERE n >= 0.1 * (SELECT median(n) FROM m)
        """
    ).fetchall()[0]
    if row is None or row[0] is None:
        raise ValueError(
            "raw_dir: balances has no parseable month_end, cannot derive the history end"
        )
    return row[0]


def validate_source(
    con: duckdb.DuckDBPyConnection, source: Source, *, history_end: dt.date, run_id: str
) -> tuple[int, int]:
    """Split ``raw_<name>`` into ``cln_<name>`` (typed, loaded) and ``etl_reject`` rows.

    Parent sources must be validated first (``cln_<parent>`` exists) so that a
    foreign key is judged against the rows actually loaded; ``_idmap``
    (natural -> hashed id) must exist for the raw records. Returns
    ``(loaded_rows, rejected_rows)``.
    """
    name = source.name
    staged = ", ".join(f'"{c}" AS "raw__{c}"' for c in source.column_names)
    typed = ", ".join(f'{_typed(c.name, c.sql_type)} AS "{c.name}"' for c in source.columns)
    rules = _rules(source, history_end)
    # The rules are evaluated once: the first broken one's number picks reason and detail.
    rule_no = (
        "CASE "
        + " ".join(f"WHEN {cond} THEN {i + 1}" for i, (_, cond, _) in enumerate(rules))
        + " END"
    )
    reasons = "[" + ", ".join(_sql_str(r) for r, _, _ in rules) + "]"
    details = "[" + ", ".join(_sql_str(d) for _, _, d in rules) + "]"
    joins = " ".join(
        f'LEFT JOIN (SELECT DISTINCT "{source_by_name(p).key[0]}" FROM cln_{p}) p{i} '
        f'ON p{i}."{source_by_name(p).key[0]}" = t."{col}"'
        for i, (col, p) in enumerate(source.parents.items())
    )
    cols = ", ".join(f't."{c}"' for c in source.column_names)
    # One pass: cast, judge, keep the typed columns only (the raw text stays in raw_<name>).
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _judged_{name} AS
        SELECT _rid, * EXCLUDE (_rid, _rule), {reasons}[_rule] AS reason, {details}[_rule] AS detail
        FROM (
            SELECT t._rid, {cols}, {rule_no} AS _rule
            FROM (SELECT rowid AS _rid, {staged}, {typed}
                  FROM (SELECT rowid, * FROM raw_{name})) t
            {joins}
        )
        """
    )
    keys = ", ".join(f'"{k}"' for k in source.key)
    # Duplicates: only keys seen more than once are windowed; the first in file order wins.
    # Counting 64-bit hashes of the keys finds the candidates without a hash table of
    # every key (100M transaction ids at scale); the window then works on exact keys.
    con.execute(
        f"""
        UPDATE _judged_{name} SET reason = 'duplicate_id',
               detail = 'repeats the key of an earlier row'
        WHERE _rid IN (
            SELECT _rid FROM (
                SELECT _rid, row_number() OVER (PARTITION BY {keys} ORDER BY _rid) AS k
                FROM _judged_{name}
                WHERE reason IS NULL AND hash({keys}) IN (
                    SELECT hash({keys}) AS h FROM _judged_{name} WHERE reason IS NULL
                    GROUP BY h HAVING count(*) > 1
                )
            ) WHERE k > 1
        )
        """
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW cln_{name} AS "
        f"SELECT * EXCLUDE (reason, detail) FROM _judged_{name} WHERE reason IS NULL"
    )
    hash_joins = " ".join(
        f'LEFT JOIN _idmap h_{c} ON h_{c}.natural = TRIM(t."raw__{c}")' for c in source.hashed
    )
    con.execute(
        f"""
        INSERT INTO etl_reject
        SELECT '{name}', f._file, t._rid - f.first_rowid + 1, {_raw_record(source)},
               j.reason, j.detail, ?
        FROM _judged_{name} j
        JOIN (SELECT rowid AS _rid, _file_id, {staged} FROM raw_{name}) t USING (_rid)
        JOIN _files_{name} f USING (_file_id)
        {hash_joins}
        WHERE j.reason IS NOT NULL
        ORDER BY j._rid
        """,
        [run_id],
    )
    con.execute(f"DROP TABLE raw_{name}")  # the raw text is no longer needed
    loaded = con.execute(f"SELECT count(*) FROM cln_{name}").fetchall()[0][0]
    rejected = con.execute("SELECT count(*) FROM etl_reject WHERE source = ?", [name]).fetchall()[
        0
    ][0]
    log.info("validated %s: %s loaded, %s rejected", name, f"{loaded:,}", f"{rejected:,}")
    return int(loaded), int(rejected)


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
    con: duckdb.DuckDBPyConnection, source: str, raw_rows: int, max_reject_rate: float
) -> None:
    """Raise :class:`RejectRateError` when ``source`` rejected more than ``max_reject_rate``."""
    rejected, reason, n_reason = con.execute(
        """
        SELECT (SELECT count(*) FROM etl_reject WHERE source = $1),
               arg_max(reason, n), max(n)
        FROM (SELECT reason, count(*) AS n FROM etl_reject WHERE source = $1 GROUP BY reason)
        """,
        [source],
    ).fetchall()[0]
    rate = rejected / raw_rows if raw_rows else 0.0
    if rate > max_reject_rate:
        raise RejectRateError(source, rate, max_reject_rate, reason, int(n_reason))
