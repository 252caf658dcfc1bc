"""The row rules of the contract, compiled to DuckDB SQL.

:func:`compile_rules` turns a :class:`~riskinsights_lib.datamart.sources.Source`
and the constants of :mod:`~riskinsights_lib.datamart.contract` into ``(reason,
condition, detail)`` triples in judging order; :func:`raw_json` and
:func:`raw_record` build the JSON kept for a rejected row, personal data masked
by column and by content. Nothing here reads data; another engine compiles the
same contract to its own dialect.
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
from riskinsights_lib.datamart.sources import Source, id_columns

__all__ = ["MASK", "compile_rules", "raw_json", "raw_record", "trimmed", "typed", "sql_str"]

MASK = "***"


def trimmed(columns: list[str]) -> str:
    """Select list: each raw ``raw__<col>`` trimmed, empty as NULL, as ``txt__<col>``.

    Computed once per value in an inner query; every cast and rule reads it."""
    return ", ".join(f'NULLIF(TRIM("raw__{c}"), \'\') AS "txt__{c}"' for c in columns)


def _text(col: str, alias: str = "t") -> str:
    """The trimmed raw text of ``col`` (``txt__<col>`` of :func:`_trimmed`)."""
    prefix = f"{alias}." if alias else ""
    return f'{prefix}"txt__{col}"'


def typed(col: str, sql_type: str) -> str:
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


def sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_NUMERIC = ("DOUBLE", "INTEGER", "BIGINT")
_DATES = ("DATE", "TIMESTAMP")


def compile_rules(
    source: Source, history_end: dt.date, history_start: dt.date | None = None
) -> list[tuple[str, str, str]]:
    """``(reason, condition, detail)`` in judging order, on ``t`` (typed and raw columns)."""
    rules: list[tuple[str, str, str]] = []
    for key in source.key:
        rules.append(("missing_key", f"{_text(key)} IS NULL", f"{key} is empty"))
    tokens = ", ".join(sql_str(v) for v in NULL_TOKENS)
    longest = max(len(v) for v in NULL_TOKENS)
    for col in id_columns(source):
        rules.append(
            (
                "null_token",
                f"strlen({_text(col)}) <= {longest} AND {_text(col)} IN ({tokens})",
                f"{col} is spelled as a null token",
            )
        )
    for c in source.columns:
        if c.sql_type in _NUMERIC:
            text = _text(c.name)
            rules.append(
                (
                    "number_format",
                    f"(contains({text}, '_') OR contains({text}, ',')) "
                    f"AND regexp_full_match({text}, {sql_str(NUMBER_SEPARATOR_PATTERN)})",
                    f"{c.name} has a digit group separator",
                )
            )
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
        rules.append(
            (
                "orphan_foreign_key",
                f't."{col}" IN (SELECT v FROM _orphans_{source.name}_{i})',
                f"{col} not in {parent}",
            )
        )
    for c in source.columns:
        if c.allowed is not None:
            values = ", ".join(sql_str(v) for v in c.allowed)
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
    if source.row_rule:
        rules.append(
            ("out_of_range", f"coalesce({_qualified_row_rule(source)}, false)", source.row_rule)
        )
    for c in source.columns:
        if c.sql_type not in _DATES:
            continue
        if c.history_bounded and history_start is not None:
            rules.append(
                (
                    "past_date",
                    f"t.\"{c.name}\" < DATE '{history_start.isoformat()}'",
                    f"{c.name} before the history start {history_start}",
                )
            )
        if c.low_date is not None:
            rules.append(
                (
                    "past_date",
                    f"t.\"{c.name}\" < DATE '{c.low_date}'",
                    f"{c.name} before {c.low_date}",
                )
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


_PII_ANY = "|".join(f"(?:{p})" for p in PII_PATTERNS.values())


def _masked(source: Source, col: str) -> str:
    """The raw text of ``col`` for ``raw_record``: masked when it is personal data by
    column or by content (:data:`PII_PATTERNS`; a date outside a date column; in a
    source holding personal data, a value that does not parse as its column's type)."""
    c = source.column(col)
    raw = f't."raw__{col}"'
    if c.personal:
        return f"CASE WHEN {raw} IS NULL THEN NULL ELSE '{MASK}' END"
    if col in source.hashed:
        return raw  # replaced by its keyed hash in write_rejects
    text = f"TRIM({raw})"
    masks = [f"regexp_full_match({text}, {sql_str(_PII_ANY)})"]
    if c.sql_type not in _DATES:
        masks.append(f"regexp_full_match({text}, {sql_str(PII_DATE_PATTERN)})")
    if any(x.personal for x in source.columns):
        masks.append(
            f"NOT regexp_full_match({text}, {sql_str(CODE_PATTERN)})"
            if c.sql_type == "VARCHAR"
            else f't."{col}" IS NULL'
        )
    return (
        f"CASE WHEN {raw} IS NULL THEN NULL WHEN {' OR '.join(masks)} THEN '{MASK}' ELSE {raw} END"
    )


def raw_json(source: Source) -> str:
    """JSON text of the raw row (``t.raw__<col>``), personal data masked (:func:`_masked`)."""
    parts = [f"'{c.name}', {_masked(source, c.name)}" for c in source.columns]
    return f"CAST(json_object({', '.join(parts)}) AS VARCHAR)"


def raw_record(source: Source) -> str:
    """``etl_reject.raw_record``: the kept JSON (``j._raw``) with natural ids hashed."""
    parts = []
    for c in source.columns:
        raw = f"json_extract_string(j._raw, '$.\"{c.name}\"')"
        value = f"coalesce(h_{c.name}.hashed, {raw})" if c.name in source.hashed else raw
        parts.append(f"'{c.name}', {value}")
    return f"CAST(json_object({', '.join(parts)}) AS VARCHAR)"
