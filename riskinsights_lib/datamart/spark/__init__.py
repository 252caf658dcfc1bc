"""The datamart built with Apache Spark (``etl_star_schema.engine: spark``).

Same contract as the DuckDB build (tables, keys, reject rules, checks, marts),
written as Parquet under ``<run>/tables/`` and exposed through
``<run>/datamart.duckdb`` views. PySpark is imported lazily (optional extra).
"""

from riskinsights_lib.datamart.spark.build import TABLES_DIR, build_datamart_spark

__all__ = ["TABLES_DIR", "build_datamart_spark"]
