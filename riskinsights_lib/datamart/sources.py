"""The raw extracts the ETL reads: columns, types, keys, rules and personal data.

One :class:`Source` per raw file, in load order (a parent before its children,
so that orphan foreign keys are judged against the rows actually loaded). The
rules mirror ``docs/data_contract.md``; every rule that a raw row can break maps
to one reject reason of :data:`REJECT_REASONS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from riskinsights_lib.datamart.contract import DATE_FLOOR

__all__ = [
    "REJECT_REASONS",
    "REASON_LABELS",
    "Column",
    "Source",
    "SOURCES",
    "PERSONAL_COLUMNS",
    "PRODUCT_TYPES",
    "CREDIT_PRODUCTS",
    "DEPOSIT_PRODUCTS",
    "CHANNELS",
    "CUSTOMER_INITIATED_CHANNELS",
    "DIRECTIONS",
    "source_by_name",
    "MONEY_COLUMNS",
    "id_columns",
]

#: Reject reasons, in the order a row is judged (the first broken rule wins).
#: The codes are those of ``truth/dirty_rows.csv`` (docs/data_contract.md).
REJECT_REASONS = (
    "missing_key",
    "null_token",
    "number_format",
    "unparseable_value",
    "orphan_foreign_key",
    "out_of_range",
    "past_date",
    "future_date",
    "duplicate_id",
)
#: What each reason means, for reports.
REASON_LABELS = {
    "missing_key": "missing key",
    "null_token": "id spelled as a null token",
    "number_format": "number with a separator",
    "unparseable_value": "unparseable value",
    "orphan_foreign_key": "orphan foreign key",
    "out_of_range": "value out of range",
    "past_date": "date before the history",
    "future_date": "date in the future",
    "duplicate_id": "duplicate id",
}

PRODUCT_TYPES = ("current_account", "savings", "credit_card", "personal_loan", "mortgage")
CREDIT_PRODUCTS = ("credit_card", "personal_loan", "mortgage")
DEPOSIT_PRODUCTS = ("current_account", "savings")
#: Channels of a customer-initiated transaction (with direction "D"), per the data contract.
CUSTOMER_INITIATED_CHANNELS = ("card_present", "card_online", "atm", "transfer")
DIRECTIONS = ("D", "C")  # debit (money out), credit (money in)
CHANNELS = ("card_present", "card_online", "atm", "transfer", "direct_debit", "salary_credit")


@dataclass(frozen=True)
class Column:
    """One raw column and the rules its values must follow.

    ``sql_type`` is the DuckDB type the text is cast to with ``TRY_CAST``;
    ``required`` means an empty value rejects the row; ``allowed`` lists the
    accepted values of a code; ``low``/``high`` bound a number (inclusive);
    ``not_future`` rejects dates after the end of the history, ``low_date``
    dates before that day (ISO; reason ``past_date``), ``history_bounded`` dates
    before the start of the history; ``personal`` marks direct personal data, never
    copied past the raw layer; ``optional`` columns may be absent from a file (a
    failed check, not a stop); ``money`` columns are summed in control files.
    """

    name: str
    sql_type: str = "VARCHAR"
    required: bool = False
    allowed: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None
    not_future: bool = False
    low_date: str | None = DATE_FLOOR
    personal: bool = False
    optional: bool = False
    money: bool = False
    history_bounded: bool = False


@dataclass(frozen=True)
class Source:
    """One raw extract: its columns, key and foreign keys (``column -> parent source``)."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    parents: dict[str, str] = field(default_factory=dict)
    #: Extra row rule in SQL on the typed columns (reason "value out of range").
    row_rule: str | None = None
    #: Natural id columns replaced by their keyed hash in ``etl_reject.raw_record``.
    hashed: tuple[str, ...] = ()
    #: An extract of this source may hold no rows (else a header-only file stops the run).
    may_be_empty: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"column: {name!r} is not a column of {self.name}")


_MONEY = 1e9  # no amount, balance or limit of a retail bank reaches a billion EUR

SOURCES: tuple[Source, ...] = (
    Source(
        "mcc",
        (
            Column("mcc", "INTEGER", required=True, low=0, high=9999),
            Column("description", required=True),
            Column("category_group", required=True),
        ),
        key=("mcc",),
    ),
    Source(
        "countries",
        (
            Column("country_code", required=True),
            Column("country_name", required=True),
            Column("region", required=True),
        ),
        key=("country_code",),
    ),
    Source(
        "postcodes",
        (Column("postcode_area", required=True), Column("region", required=True)),
        key=("postcode_area",),
    ),
    Source(
        "customers",
        (
            Column("customer_id", required=True),
            Column("first_name", personal=True, optional=True),
            Column("last_name", personal=True, optional=True),
            Column(
                "birth_date",
                "DATE",
                required=True,
                not_future=True,
                personal=True,
            ),
            Column("address", personal=True, optional=True),
            Column("postcode", personal=True, optional=True),
            Column("city", personal=True, optional=True),
            Column("email", personal=True, optional=True),
            Column("phone", personal=True, optional=True),
            Column("national_id", personal=True, optional=True),
            Column("onboarding_date", "DATE", required=True, not_future=True),
            Column("marital_status", optional=True),
            Column("pep_flag", "BOOLEAN", optional=True),
        ),
        key=("customer_id",),
        hashed=("customer_id",),
    ),
    Source(
        "customer_attributes",
        (
            Column("customer_id", required=True),
            Column("effective_from", "DATE", required=True, not_future=True),
            Column("segment", optional=True),
            Column("employment_status", optional=True),
            Column("annual_income", "DOUBLE", low=0, high=_MONEY, optional=True, money=True),
            Column("kyc_risk_rating", optional=True),
        ),
        key=("customer_id", "effective_from"),
        parents={"customer_id": "customers"},
        hashed=("customer_id",),
    ),
    Source(
        "accounts",
        (
            Column("account_id", required=True),
            Column("customer_id", required=True),
            Column("product_type", required=True, allowed=PRODUCT_TYPES),
            Column("open_date", "DATE", required=True, not_future=True),
            Column("close_date", "DATE", not_future=True),
            Column("credit_limit", "DOUBLE", low=0, high=_MONEY, optional=True, money=True),
            Column("principal", "DOUBLE", low=0, high=_MONEY, optional=True, money=True),
            Column("interest_rate", "DOUBLE", low=0, high=1, optional=True),
            Column("term_months", "INTEGER", low=1, high=600, optional=True),
        ),
        key=("account_id",),
        parents={"customer_id": "customers"},
        row_rule="close_date < open_date",
        hashed=("account_id", "customer_id"),
    ),
    Source(
        "balances",
        (
            Column("account_id", required=True),
            Column("month_end", "DATE", required=True, not_future=True, history_bounded=True),
            Column("balance", "DOUBLE", required=True, low=-_MONEY, high=_MONEY, money=True),
            Column("credit_limit", "DOUBLE", low=0, high=_MONEY, optional=True, money=True),
            Column("instalment_due", "DOUBLE", low=0, high=_MONEY, optional=True, money=True),
            Column("instalment_paid", "DOUBLE", low=0, high=_MONEY, optional=True, money=True),
            Column("days_past_due", "INTEGER", low=0, high=3650),
        ),
        key=("account_id", "month_end"),
        parents={"account_id": "accounts"},
        row_rule="month_end <> last_day(month_end)",
        hashed=("account_id",),
    ),
    Source(
        "transactions",
        (
            Column("transaction_id", required=True),
            Column("account_id", required=True),
            Column("ts", "TIMESTAMP", required=True, not_future=True, history_bounded=True),
            Column("amount", "DOUBLE", required=True, low=0.01, high=_MONEY, money=True),
            Column("direction", required=True, allowed=DIRECTIONS),
            Column("channel", required=True, allowed=CHANNELS),
            Column("mcc", "INTEGER", low=0, high=9999, optional=True),
            Column("merchant_country", optional=True),
        ),
        key=("transaction_id",),
        parents={"account_id": "accounts", "mcc": "mcc", "merchant_country": "countries"},
        hashed=("account_id",),
    ),
)

#: Raw columns holding direct personal data (never copied past the raw layer).
PERSONAL_COLUMNS = {s.name: [c.name for c in s.columns if c.personal] for s in SOURCES}


#: Money columns (by name, over every source): control files sum them.
MONEY_COLUMNS = frozenset(c.name for s in SOURCES for c in s.columns if c.money)


def id_columns(source: Source) -> list[str]:
    """Key, foreign-key and required columns: a null token there rejects the row."""
    names = list(source.key) + [c for c in source.parents if c not in source.key]
    names += [c.name for c in source.columns if c.required and c.name not in names]
    return names


def source_by_name(name: str) -> Source:
    """The :class:`Source` called ``name``."""
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(f"source: expected one of {[s.name for s in SOURCES]}, got {name!r}")
