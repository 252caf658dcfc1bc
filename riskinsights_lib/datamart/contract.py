"""The file-level contract of the raw extracts, stated once for every engine.

:mod:`riskinsights_lib.datamart.sources` says which columns each source has,
their types, keys and per-column rules. This module holds the rules that do not
belong to one column: the CSV dialect, the tokens that spell "no value", the
number format, the date floor and how the history bounds are derived, the
patterns that mark personal data by content, and the control-file format. The
DuckDB build compiles them to SQL (:mod:`~riskinsights_lib.datamart.quality`);
another engine (Spark) compiles the same constants to its own dialect.
Documented in ``docs/data_contract.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ENCODINGS",
    "CsvDialect",
    "NULL_TOKENS",
    "NUMBER_SEPARATOR_PATTERN",
    "PLAIN_NUMBER_PATTERN",
    "DATE_FLOOR",
    "HISTORY_SOURCE",
    "HISTORY_MIN_MONTH_SHARE",
    "PII_PATTERNS",
    "PII_DATE_PATTERN",
    "CODE_PATTERN",
    "CONTROL_SUFFIX",
    "CONTROL_FORMAT",
    "MONEY_DECIMALS",
]

#: Encodings a CSV extract may declare (``etl_star_schema.csv_encoding``).
ENCODINGS = ("utf-8", "latin-1", "cp1252")


@dataclass(frozen=True)
class CsvDialect:
    """How the CSV extracts are written: RFC 4180 with this encoding, delimiter and quote.

    One header row; a quote inside a quoted value is doubled; quoted values may hold
    the delimiter and line breaks; lines end in LF or CRLF; a UTF-8 byte-order mark is
    allowed.
    """

    encoding: str = "utf-8"
    delimiter: str = ","
    quote: str = '"'

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise ValueError(f"csv_encoding: expected one of {ENCODINGS}, got {self.encoding!r}")
        for name, char in (("csv_delimiter", self.delimiter), ("csv_quote", self.quote)):
            if len(char) != 1 or char in "\r\n":
                raise ValueError(f"{name}: expected one character (not a line break)")
        if self.delimiter == self.quote:
            raise ValueError("csv_quote: expected a character other than csv_delimiter")


#: Texts that spell "no value" in an id, key or required column: such a row is
#: rejected with reason ``null_token`` (an empty value is ``missing_key`` or empty).
NULL_TOKENS = ("NULL", "null", "Null", "N/A", "n/a", "-", "None")

#: A number written with group separators (``1_000``, ``1,000``, ``12,5``): the contract
#: allows digits, one dot and an optional exponent only. Reason ``number_format``.
NUMBER_SEPARATOR_PATTERN = r"[+-]?[0-9]+([_,][0-9]+)+(\.[0-9]*)?"

#: A number as the contract writes it (what a control file sums).
PLAIN_NUMBER_PATTERN = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"

#: No date of the contract lies before this day (reason ``past_date``).
DATE_FLOOR = "1900-01-01"

#: The history is derived from this source and column: its start is the first day of
#: the earliest month end, its end the latest month end, among the month ends that hold
#: at least :data:`HISTORY_MIN_MONTH_SHARE` of the median month's rows (so a stray
#: corrupted date cannot move a bound). Columns flagged ``history_bounded`` must lie
#: within it (before: ``past_date``; after: ``future_date``).
HISTORY_SOURCE = ("balances", "month_end")
HISTORY_MIN_MONTH_SHARE = 0.1

#: Personal data recognised by content, whatever column it landed in (regular
#: expressions matched against a whole trimmed value, RE2/Java compatible). A value of
#: ``etl_reject.raw_record`` that matches one is masked.
PII_PATTERNS = {
    "email": r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}",
    "phone": r"(\+|00)[0-9][0-9 ()/-]{7,}[0-9]|0[0-9]{1,3}[ -][0-9 -]{5,}[0-9]",
    "national_id": r"[0-9]{7}[A-Za-z]{1,2}|[A-Za-z]{2}[0-9]{6}[A-Da-d]|[0-9]{3}-[0-9]{2}-[0-9]{4}",
    "postcode": r"[A-Za-z][0-9][0-9Ww] ?[0-9A-Za-z]{4}",
    "street_address": r"[0-9]+[A-Za-z]? [A-Za-z .'-]+ (Street|St|Road|Rd|Avenue|Ave|Lane|Park|Drive|Close|Court|Place|Square|Terrace|Way|Crescent|Grove|View|Hill|Green|Row|Quay|Gardens)\.?(,.*)?",
}
#: In a source that holds personal data, a text value of a non-personal column is kept
#: in ``raw_record`` only when it looks like a code (a name that slipped there does not).
CODE_PATTERN = r"[a-z0-9_]{1,40}"
#: A date, masked in ``raw_record`` when it lands in a column that is not a date (a
#: birth date in a shifted row).
PII_DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}[/.][0-9]{1,2}[/.][0-9]{4}"

#: A control file sits beside its extract: ``<extract file name>`` + this suffix.
CONTROL_SUFFIX = ".ctl.json"
#: The ``format`` value of a control file.
CONTROL_FORMAT = "riskinsights-control/1"
#: Money sums of a control file: each value rounded to this many decimals, summed exactly.
MONEY_DECIMALS = 2
