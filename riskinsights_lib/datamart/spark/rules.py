"""The contract's row rules compiled to Spark SQL (the DuckDB build's ``rules.py``).

Every rule comes from the shared constants of :mod:`riskinsights_lib.datamart.contract`
and the :class:`~riskinsights_lib.datamart.sources.Source` definitions, in the judging order
of :func:`riskinsights_lib.datamart.rules.compile_rules`; :func:`raw_struct` keeps a rejected
row's raw text, personal data masked by column and by content as the DuckDB build masks it.
"""

from __future__ import annotations

import datetime as dt
import re

from riskinsights_lib.datamart.contract import (
    CODE_PATTERN,
    NULL_TOKENS,
    NUMBER_SEPARATOR_PATTERN,
    PII_DATE_PATTERN,
    PII_PATTERNS,
)
from riskinsights_lib.datamart.rules import MASK
from riskinsights_lib.datamart.sources import Source, id_columns

__all__ = ["spark_rules", "raw_struct", "sql_str", "quoted", "text_col"]


def quoted(name: str) -> str:
    return f"`{name}`"


def text_col(col: str) -> str:
    return quoted(f"txt__{col}")


def sql_str(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _row_rule(source: Source) -> str:
    names = sorted(source.column_names, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")
    return pattern.sub(lambda m: quoted(m.group(1)), source.row_rule or "false")


_NUMERIC = ("DOUBLE", "INTEGER", "BIGINT")
_DATES = ("DATE", "TIMESTAMP")


def _full_match(text: str, pattern: str) -> str:
    return f"{text} RLIKE {sql_str('^(?:' + pattern + ')$')}"


def spark_rules(
    source: Source, history_end: dt.date, history_start: dt.date | None = None
) -> list[tuple[str, str, str]]:
    """``(reason, Spark SQL condition, detail)`` in judging order, compiled from the same
    contract as the DuckDB build's :func:`riskinsights_lib.datamart.rules.compile_rules`
    (a test compares the two lists, reason and detail, one for one)."""
    rules: list[tuple[str, str, str]] = []
    for key in source.key:
        rules.append(("missing_key", f"{text_col(key)} IS NULL", f"{key} is empty"))
    tokens = ", ".join(sql_str(v) for v in NULL_TOKENS)
    longest = max(len(v) for v in NULL_TOKENS)
    for col in id_columns(source):
        rules.append(
            (
                "null_token",
                f"length({text_col(col)}) <= {longest} AND {text_col(col)} IN ({tokens})",
                f"{col} is spelled as a null token",
            )
        )
    for c in source.columns:
        if c.sql_type in _NUMERIC:
            text = text_col(c.name)
            rules.append(
                (
                    "number_format",
                    f"(instr({text}, '_') > 0 OR instr({text}, ',') > 0) "
                    f"AND {_full_match(text, NUMBER_SEPARATOR_PATTERN)}",
                    f"{c.name} has a digit group separator",
                )
            )
    for c in source.columns:
        if c.sql_type != "VARCHAR":
            rules.append(
                (
                    "unparseable_value",
                    f"{text_col(c.name)} IS NOT NULL AND {quoted(c.name)} IS NULL",
                    f"{c.name} is not a valid {c.sql_type.lower()}",
                )
            )
    for c in source.columns:
        if c.required and c.name not in source.key:
            rules.append(("unparseable_value", f"{quoted(c.name)} IS NULL", f"{c.name} is empty"))
    for i, (col, parent) in enumerate(source.parents.items()):
        rules.append(("orphan_foreign_key", f"_orphan_{i}", f"{col} not in {parent}"))
    for c in source.columns:
        name = quoted(c.name)
        if c.allowed is not None:
            values = ", ".join(sql_str(v) for v in c.allowed)
            rules.append(
                ("out_of_range", f"{name} NOT IN ({values})", f"{c.name} is not an accepted value")
            )
        if c.low is not None:
            rules.append(("out_of_range", f"{name} < {c.low!r}", f"{c.name} below {c.low:g}"))
        if c.high is not None:
            rules.append(("out_of_range", f"{name} > {c.high!r}", f"{c.name} above {c.high:g}"))
    if source.row_rule:
        rules.append(("out_of_range", f"coalesce({_row_rule(source)}, false)", source.row_rule))
    for c in source.columns:
        if c.sql_type not in _DATES:
            continue
        name = quoted(c.name)
        if c.history_bounded and history_start is not None:
            rules.append(
                (
                    "past_date",
                    f"{name} < DATE '{history_start.isoformat()}'",
                    f"{c.name} before the history start {history_start}",
                )
            )
        if c.low_date is not None:
            rules.append(
                ("past_date", f"{name} < DATE '{c.low_date}'", f"{c.name} before {c.low_date}")
            )
    limit = f"TIMESTAMP_NTZ '{history_end.isoformat()} 23:59:59.999999'"
    for c in source.columns:
        if c.not_future:
            rules.append(
                (
                    "future_date",
                    f"CAST({quoted(c.name)} AS TIMESTAMP_NTZ) > {limit}",
                    f"{c.name} after the history end {history_end}",
                )
            )
    return rules


_PII_ANY = "|".join(f"(?:{p})" for p in PII_PATTERNS.values())


def _masked(source: Source, col: str) -> str:
    """The raw text of ``col`` kept for a rejected row, masked as the DuckDB build masks it
    (:func:`riskinsights_lib.datamart.rules.raw_json`): personal by column or by content."""
    c = source.column(col)
    raw = quoted(f"raw__{col}")
    if c.personal:
        return f"CASE WHEN {raw} IS NULL THEN NULL ELSE '{MASK}' END"
    if col in source.hashed:
        return raw  # replaced by its keyed hash in the rejects
    text = f"trim({raw})"
    masks = [_full_match(text, _PII_ANY)]
    if c.sql_type not in _DATES:
        masks.append(_full_match(text, PII_DATE_PATTERN))
    if any(x.personal for x in source.columns):
        masks.append(
            f"NOT {_full_match(text, CODE_PATTERN)}"
            if c.sql_type == "VARCHAR"
            else f"{quoted(col)} IS NULL"
        )
    return (
        f"CASE WHEN {raw} IS NULL THEN NULL WHEN {' OR '.join(masks)} THEN '{MASK}' ELSE {raw} END"
    )


def raw_struct(source: Source) -> str:
    parts = [f"'{c.name}', {_masked(source, c.name)}" for c in source.columns]
    return f"named_struct({', '.join(parts)})"
