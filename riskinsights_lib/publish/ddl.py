"""PostgreSQL DDL of a publish: tables typed from Arrow, keys, foreign-key indexes, comments.

Tables are created without constraints, loaded, then given their primary keys,
foreign keys and the indexes on the facts' foreign keys (building them after
the load is faster than maintaining them row by row). The column types follow
the Arrow schema the bulk load sends, so the binary ``COPY`` always matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyarrow as pa

__all__ = [
    "UnsupportedTypeError",
    "quote_ident",
    "quote_literal",
    "pg_type",
    "arrow_for_postgres",
    "create_table_sql",
    "primary_key_sql",
    "foreign_key_sql",
    "fk_index_sql",
    "comment_sql",
]


class UnsupportedTypeError(TypeError):
    """An Arrow column type has no PostgreSQL counterpart in the publish."""


def quote_ident(name: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A single-quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _qualified(schema: str, table: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(table)}"


def pg_type(arrow_type: pa.DataType) -> str:
    """The PostgreSQL type written for an Arrow type (``UnsupportedTypeError`` otherwise)."""
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_int16(arrow_type) or pa.types.is_int8(arrow_type):
        return "smallint"
    if pa.types.is_int32(arrow_type):
        return "integer"
    if pa.types.is_int64(arrow_type):
        return "bigint"
    if pa.types.is_float32(arrow_type):
        return "real"
    if pa.types.is_float64(arrow_type):
        return "double precision"
    if pa.types.is_decimal(arrow_type):
        return f"numeric({arrow_type.precision},{arrow_type.scale})"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "text"
    if pa.types.is_date32(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "timestamptz" if arrow_type.tz else "timestamp"
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        return "bytea"
    raise UnsupportedTypeError(f"Arrow type {arrow_type} has no PostgreSQL mapping")


def _wire_type(arrow_type: pa.DataType) -> pa.DataType:
    """The Arrow type sent for a column: unsigned widened, views and dictionaries decoded."""
    if pa.types.is_dictionary(arrow_type):
        return _wire_type(arrow_type.value_type)
    if pa.types.is_string_view(arrow_type):
        return pa.string()
    if pa.types.is_uint8(arrow_type) or pa.types.is_uint16(arrow_type):
        return pa.int32()
    if pa.types.is_uint32(arrow_type):
        return pa.int64()
    if pa.types.is_uint64(arrow_type):
        return pa.decimal128(20, 0)
    if pa.types.is_date64(arrow_type):
        return pa.date32()
    if pa.types.is_timestamp(arrow_type) and arrow_type.unit == "ns":
        return pa.timestamp("us", arrow_type.tz)
    return arrow_type


def arrow_for_postgres(schema: pa.Schema) -> pa.Schema:
    """``schema`` with every type replaced by the one the load sends (see :func:`pg_type`)."""
    return pa.schema([pa.field(f.name, _wire_type(f.type), f.nullable) for f in schema])


def create_table_sql(schema: str, table: str, arrow_schema: pa.Schema) -> str:
    """``CREATE TABLE`` for an Arrow schema (no constraints yet; raises naming the column)."""
    cols = []
    for field in arrow_schema:
        try:
            cols.append(f"{quote_ident(field.name)} {pg_type(field.type)}")
        except UnsupportedTypeError as exc:
            raise UnsupportedTypeError(f"{table}.{field.name}: {exc}") from None
    return f"CREATE TABLE {_qualified(schema, table)} ({', '.join(cols)})"


def primary_key_sql(schema: str, table: str, columns: Iterable[str]) -> str:
    """``ALTER TABLE ... ADD PRIMARY KEY`` (constraint named ``<table>_pkey``)."""
    cols = ", ".join(quote_ident(c) for c in columns)
    return (
        f"ALTER TABLE {_qualified(schema, table)} ADD CONSTRAINT "
        f"{quote_ident(table + '_pkey')} PRIMARY KEY ({cols})"
    )


def foreign_key_sql(schema: str, child: str, column: str, parent: str, parent_column: str) -> str:
    """``ALTER TABLE ... ADD FOREIGN KEY`` (constraint named ``<child>_<column>_fkey``)."""
    return (
        f"ALTER TABLE {_qualified(schema, child)} ADD CONSTRAINT "
        f"{quote_ident(f'{child}_{column}_fkey')} FOREIGN KEY ({quote_ident(column)}) "
        f"REFERENCES {_qualified(schema, parent)} ({quote_ident(parent_column)})"
    )


def fk_index_sql(schema: str, table: str, column: str) -> str:
    """``CREATE INDEX <table>_<column>_idx`` on a foreign-key column."""
    return (
        f"CREATE INDEX {quote_ident(f'{table}_{column}_idx')} "
        f"ON {_qualified(schema, table)} ({quote_ident(column)})"
    )


def comment_sql(
    schema: str,
    table: str,
    *,
    table_comment: str | None,
    column_comments: Mapping[str, str],
    kind: str = "TABLE",
) -> list[str]:
    """``COMMENT ON`` statements for a table (or view: ``kind="VIEW"``) and its columns."""
    target = _qualified(schema, table)
    out = []
    if table_comment:
        out.append(f"COMMENT ON {kind} {target} IS {quote_literal(table_comment)}")
    for column, text in column_comments.items():
        if text:
            out.append(f"COMMENT ON COLUMN {target}.{quote_ident(column)} IS {quote_literal(text)}")
    return out
