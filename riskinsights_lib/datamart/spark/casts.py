"""Typed values from raw text in Spark SQL, accepting what the DuckDB build's ``TRY_CAST`` accepts.

Spark's own casts accept other spellings than DuckDB's (``'12d'`` is a double,
``'2023'`` a date, ``'12.5'`` an integer 12), so every cast here first checks
the text against an explicit grammar, then converts it. The grammar is that of
DuckDB 1.x for the spellings a bank extract uses; ``tests/test_spark_casts.py``
runs both engines over a battery of spellings and lists the exotic ones
(hexadecimal, digit separators, ``'epoch'``) that Spark rejects and DuckDB
accepts: such a value is quarantined as unparseable by Spark, never loaded wrong.

Every function returns a Spark SQL expression (text) over an expression ``x``
holding the trimmed text (NULL when empty).
"""

from __future__ import annotations

__all__ = ["typed_sql", "NUMBER_RE", "DATE_RE", "TIMESTAMP_RE", "TRUE_WORDS", "FALSE_WORDS"]

#: A decimal number: sign, digits with an optional point, optional exponent.
NUMBER_RE = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"
#: A calendar date, year-month-day with '-' or '/' (one or two digit month and day).
DATE_RE = r"^[0-9]{4}(-[0-9]{1,2}-|/[0-9]{1,2}/)[0-9]{1,2}$"
#: A date and optional time: date, 'T' or space, hh:mm[:ss[.fraction]] and a zone (ignored, as
#: DuckDB does); a zone needs a time.
TIMESTAMP_RE = (
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"([T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?( ?(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?))?)?$"
)
TRUE_WORDS = ("true", "t", "1", "yes", "y")
FALSE_WORDS = ("false", "f", "0", "no", "n")

_INT_RANGE = {"INTEGER": (-(2**31), 2**31 - 1), "BIGINT": (-(2**63), 2**63 - 1)}
_SPARK_INT = {"INTEGER": "INT", "BIGINT": "BIGINT"}


def _words(words: tuple[str, ...]) -> str:
    return ", ".join(f"'{w}'" for w in words)


def _double(x: str) -> str:
    # NaN and infinity are no amounts: finite values only (as the DuckDB build's isfinite()).
    return (
        f"CASE WHEN {x} RLIKE '{NUMBER_RE}' AND abs(CAST({x} AS DOUBLE)) < double('Infinity') "
        f"THEN CAST({x} AS DOUBLE) END"
    )


def _integer(x: str, sql_type: str) -> str:
    # DuckDB rounds a decimal spelling half away from zero ('12.5' -> 13); so does Spark's
    # round() on a DECIMAL. Out-of-range values give NULL.
    low, high = _INT_RANGE[sql_type]
    dec = f"CAST({x} AS DECIMAL(38, 6))"
    rounded = f"round({dec}, 0)"
    return (
        f"CASE WHEN {x} RLIKE '{NUMBER_RE}' AND {dec} IS NOT NULL "
        f"AND {rounded} BETWEEN {low} AND {high} "
        f"THEN CAST({rounded} AS {_SPARK_INT[sql_type]}) END"
    )


def _timestamp(x: str) -> str:
    zone = r"^([^ T]+[T ][0-9:.]+) ?(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?)$"
    bare = f"regexp_replace({x}, '{zone}', '$1')"
    return f"CASE WHEN {x} RLIKE '{TIMESTAMP_RE}' THEN CAST({bare} AS TIMESTAMP_NTZ) END"


def _date(x: str) -> str:
    dashed = f"replace({x}, '/', '-')"
    return (
        f"CASE WHEN {x} RLIKE '{DATE_RE}' THEN CAST({dashed} AS DATE) "
        f"ELSE CAST({_timestamp(x)} AS DATE) END"
    )


def _boolean(x: str) -> str:
    return (
        f"CASE WHEN lower({x}) IN ({_words(TRUE_WORDS)}) THEN true "
        f"WHEN lower({x}) IN ({_words(FALSE_WORDS)}) THEN false END"
    )


def typed_sql(x: str, sql_type: str) -> str:
    """Spark SQL typing the text expression ``x`` as the contract's ``sql_type`` (NULL if it
    does not parse). ``sql_type`` is a DuckDB type name of :class:`~riskinsights_lib.datamart.sources.Column`."""
    if sql_type == "VARCHAR":
        return x
    if sql_type == "DOUBLE":
        return _double(x)
    if sql_type in _INT_RANGE:
        return _integer(x, sql_type)
    if sql_type == "DATE":
        return _date(x)
    if sql_type == "TIMESTAMP":
        return _timestamp(x)
    if sql_type == "BOOLEAN":
        return _boolean(x)
    raise ValueError(f"sql_type: no Spark cast for {sql_type!r}")
