"""The DuckDB star-schema datamart (02_etl_star_schema).

Raw extracts -> quarantine (``etl_reject``) and reconciliation -> dimensions
and facts (Kimball star schema) -> point-in-time model marts -> data-quality
checks. SQL lives in ``riskinsights_lib/datamart/sql/*.sql``; every column is
documented once in :func:`data_dictionary`.
"""

from riskinsights_lib.datamart.build import (
    EtlSummary,
    build_datamart,
    connect,
    read_sql,
    table_columns,
)
from riskinsights_lib.datamart.dictionary import data_dictionary, describe_column
from riskinsights_lib.datamart.erd import draw_erd
from riskinsights_lib.datamart.quality import RejectRateError
from riskinsights_lib.datamart.schema import (
    FOREIGN_KEYS,
    MART_KEYS,
    MART_LABELS,
    TABLES,
)

__all__ = [
    "EtlSummary",
    "FOREIGN_KEYS",
    "MART_KEYS",
    "MART_LABELS",
    "RejectRateError",
    "TABLES",
    "build_datamart",
    "connect",
    "data_dictionary",
    "describe_column",
    "draw_erd",
    "read_sql",
    "table_columns",
]
