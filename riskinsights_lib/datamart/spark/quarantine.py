"""Quarantine and reconciliation in Spark: every raw row loaded or rejected with a reason.

The rules are those of :mod:`riskinsights_lib.datamart.sources` (the shared
contract) judged in the order of the DuckDB build (``quality._rules``): the
first broken rule wins; then, among the rows that passed, a repeated key keeps
its first row in file order (file, then row number) and rejects the others.
What differs from the DuckDB build is only how: no bitmaps or rowids here, but
joins against the parents' loaded keys and one window per key, which is how a
cluster does it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from riskinsights_lib.datamart.contract import (
    HISTORY_MIN_MONTH_SHARE,
    HISTORY_SOURCE,
)
from riskinsights_lib.datamart.quality import RejectRateError
from riskinsights_lib.datamart.sources import Source, source_by_name
from riskinsights_lib.datamart.spark.casts import typed_sql
from riskinsights_lib.datamart.spark.read import read_source
from riskinsights_lib.datamart.spark.rules import (
    quoted,
    raw_struct,
    spark_rules,
    sql_str,
    text_col,
)
from riskinsights_lib.privacy import pseudonymise

__all__ = [
    "SparkJudged",
    "derive_history",
    "judge_source",
    "spark_rules",
    "write_rejects",
    "idmap_frame",
    "reconciliation",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SparkJudged:
    """A judged source: raw row count, reasons and details by rule number, files."""

    name: str
    raw_rows: int
    reasons: tuple[str, ...]
    details: tuple[str, ...]
    files: tuple[str, ...]
    path: str  # Parquet of the judged rows
    loaded_rows: int = 0
    rule_counts: dict[int, int] | None = None  # rejected rows by rule number


def derive_history(spark, raw_dir: Path, dialect=None) -> tuple[dt.date, dt.date]:
    """The history ``(start, end)`` from the raw month ends held by a real share of rows
    (as :func:`riskinsights_lib.datamart.quality.derive_history`)."""
    name, column = HISTORY_SOURCE
    raw, _ = read_source(spark, raw_dir, source_by_name(name), dialect)
    raw.createOrReplaceTempView("_raw_history")
    row = spark.sql(
        f"""
        WITH m AS (
            SELECT d, count(*) AS n FROM (
                SELECT {typed_sql(f"nullif(trim(raw__{column}), '')", "DATE")} AS d
                FROM _raw_history) GROUP BY d HAVING d IS NOT NULL
        )
        SELECT min(d), max(d) FROM m
        WHERE n >= {HISTORY_MIN_MONTH_SHARE} * (SELECT percentile(n, 0.5) FROM m)
        """
    ).collect()[0]
    if row is None or row[1] is None:
        raise ValueError(f"raw_dir: {name} has no parseable {column}, cannot derive the history")
    return row[0].replace(day=1), row[1]


def judge_source(
    spark,
    raw_dir: Path,
    source: Source,
    *,
    history_end: dt.date,
    history_start: dt.date | None = None,
    work_dir: Path,
    dialect=None,
) -> SparkJudged:
    """Read and judge every raw row of ``source``; write the judged rows (typed columns,
    ``_file_no``, ``_row``, ``_rule``, ``_raw`` for rejected rows) to Parquet under
    ``work_dir`` and register the loaded rows as the temp view ``cln_<name>``.

    Parents must be judged first (``cln_<parent>`` exists)."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    name = source.name
    raw, files = read_source(spark, raw_dir, source, dialect)
    trimmed = [
        F.expr(f"nullif(trim({quoted('raw__' + c)}), '')").alias(f"txt__{c}")
        for c in source.column_names
    ]
    df = raw.select("*", *trimmed)
    df = df.select(
        "*",
        *[F.expr(typed_sql(text_col(c.name), c.sql_type)).alias(c.name) for c in source.columns],
    )
    for i, (col, parent) in enumerate(source.parents.items()):
        pkey = source_by_name(parent).key[0]
        keys = spark.table(f"cln_{parent}").select(F.col(pkey).alias(f"_p{i}")).distinct()
        df = df.join(keys, df[col] == keys[f"_p{i}"], "left").select(
            df["*"], (F.col(col).isNotNull() & F.col(f"_p{i}").isNull()).alias(f"_orphan_{i}")
        )
    rules = spark_rules(source, history_end, history_start)
    rule_no = "CASE " + " ".join(f"WHEN {c} THEN {i + 1}" for i, (_, c, _) in enumerate(rules))
    df = df.withColumn("_rule", F.expr(rule_no + " END").cast("int"))
    first = Window.partitionBy(*source.key, F.col("_rule").isNull()).orderBy("_file_no", "_row")
    df = df.withColumn(
        "_rule",
        F.when(
            F.col("_rule").isNull() & (F.row_number().over(first) > 1), F.lit(len(rules) + 1)
        ).otherwise(F.col("_rule")),
    )
    df = df.withColumn("_raw", F.when(F.col("_rule").isNotNull(), F.expr(raw_struct(source))))
    path = Path(work_dir) / f"judged_{name}"
    df.select("_file_no", "_row", *source.column_names, "_rule", "_raw").write.mode(
        "overwrite"
    ).parquet(str(path))
    judged = spark.read.parquet(str(path))
    judged.createOrReplaceTempView(f"_judged_{name}")
    judged.where("_rule IS NULL").select(*source.column_names).createOrReplaceTempView(
        f"cln_{name}"
    )
    by_rule = dict(
        spark.sql(f"SELECT _rule, count(*) FROM _judged_{name} GROUP BY _rule").collect()
    )
    raw_rows = sum(by_rule.values())
    log.info("judged %s: %s raw rows", name, f"{raw_rows:,}")
    return SparkJudged(
        name=name,
        raw_rows=raw_rows,
        reasons=tuple(r for r, _, _ in rules) + ("duplicate_id",),
        details=tuple(d for _, _, d in rules) + ("repeats the key of an earlier row",),
        files=tuple(files),
        path=str(path),
        loaded_rows=int(by_rule.get(None, 0)),
        rule_counts={int(k): int(v) for k, v in by_rule.items() if k is not None},
    )


def reject_counts(judged: SparkJudged) -> dict[str, int]:
    """Rejected rows of ``judged`` by reason."""
    counts: dict[str, int] = {}
    for rule, n in (judged.rule_counts or {}).items():
        reason = judged.reasons[rule - 1]
        counts[reason] = counts.get(reason, 0) + int(n)
    return counts


def check_reject_rate(spark, judged: SparkJudged, max_reject_rate: float) -> dict[str, int]:
    """Raise :class:`RejectRateError` (the DuckDB build's) when ``judged`` rejected more
    than ``max_reject_rate``; return its reject counts by reason."""
    counts = reject_counts(judged)
    rejected = sum(counts.values())
    rate = rejected / judged.raw_rows if judged.raw_rows else 0.0
    if rate > max_reject_rate:
        reason = max(sorted(counts), key=counts.get)
        raise RejectRateError(judged.name, rate, max_reject_rate, reason, counts[reason])
    return counts


def idmap_frame(spark, key: str):
    """Natural customer and account ids -> keyed hash (the temp view ``_idmap``): the ids
    of the loaded customers and accounts and every id in a rejected row. The distinct ids
    are hashed on the driver with :func:`riskinsights_lib.privacy.pseudonymise`, the same
    function as the DuckDB build, so both engines give the same pseudonyms."""
    from riskinsights_lib.datamart.sources import SOURCES

    parts = [
        "SELECT customer_id AS v FROM cln_customers",
        "SELECT customer_id FROM cln_accounts",
        "SELECT account_id FROM cln_accounts",
    ] + [
        f"SELECT trim(_raw.`{c}`) FROM _judged_{s.name} WHERE _rule IS NOT NULL"
        for s in SOURCES
        for c in s.hashed
    ]
    naturals = sorted(
        r[0]
        for r in spark.sql(
            f"SELECT DISTINCT v FROM ({' UNION ALL '.join(parts)}) WHERE v IS NOT NULL AND v <> ''"
        ).collect()
    )
    frame = spark.createDataFrame(
        list(zip(naturals, pseudonymise(naturals, key), strict=True)),
        "natural STRING, hashed STRING",
    )
    frame.createOrReplaceTempView("_idmap")
    return frame


def _record_json(source: Source) -> str:
    parts = []
    for c in source.columns:
        raw = f"j._raw.`{c.name}`"
        value = f"coalesce(h_{c.name}.hashed, {raw})" if c.name in source.hashed else raw
        parts.append(f"'{c.name}', {value}")
    return f"to_json(named_struct({', '.join(parts)}), map('ignoreNullFields', 'false'))"


def rejects_sql(judged: SparkJudged, run_id: str, order: int) -> str:
    """Spark SQL: the ``etl_reject`` rows of ``judged`` (with ``_src``, ``_file_no`` for order)."""
    source = source_by_name(judged.name)
    files = ", ".join(sql_str(f) for f in judged.files)
    reasons = ", ".join(sql_str(r) for r in judged.reasons)
    details = ", ".join(sql_str(d) for d in judged.details)
    joins = " ".join(
        f"LEFT JOIN _idmap h_{c} ON h_{c}.natural = trim(j._raw.`{c}`)" for c in source.hashed
    )
    return f"""
        SELECT {order} AS _src, j._file_no, '{judged.name}' AS source,
               element_at(array({files}), j._file_no + 1) AS file,
               j._row AS row_number, {_record_json(source)} AS raw_record,
               element_at(array({reasons}), j._rule) AS reason,
               element_at(array({details}), j._rule) AS detail,
               {sql_str(run_id)} AS run_id
        FROM (SELECT * FROM _judged_{judged.name} WHERE _rule IS NOT NULL) j
        {joins}
    """


def write_rejects(spark, judged: list[SparkJudged], run_id: str):
    """``etl_reject`` of every source, in source then file order (a DataFrame)."""
    sql = " UNION ALL ".join(rejects_sql(j, run_id, i) for i, j in enumerate(judged))
    return spark.sql(sql).orderBy("_src", "_file_no", "row_number").drop("_src", "_file_no")


def reconciliation(
    spark, judged: list[SparkJudged], counts: dict[str, dict[str, int]], run_id: str
):
    """``etl_reconciliation``: raw = loaded + rejected per source (a DataFrame, source order)."""
    rows = []
    for j in judged:
        rejected = sum(counts[j.name].values())
        loaded = j.loaded_rows
        rows.append(
            (
                j.name,
                j.raw_rows,
                loaded,
                rejected,
                rejected / j.raw_rows if j.raw_rows else 0.0,
                j.raw_rows == loaded + rejected,
                run_id,
            )
        )
    return spark.createDataFrame(
        rows,
        "source STRING, raw_rows BIGINT, loaded_rows BIGINT, rejected_rows BIGINT, "
        "reject_rate DOUBLE, balanced BOOLEAN, run_id STRING",
    )
