"""One entry point for both datamart engines: DuckDB (embedded default) or Spark.

``build(engine, ...)`` calls :func:`riskinsights_lib.datamart.build.build_datamart`
unchanged for ``"duckdb"``, and
:func:`riskinsights_lib.datamart.spark.build.build_datamart_spark` for ``"spark"``
(imported only then: PySpark is an optional extra). Either way the result is
``<run>/datamart.duckdb`` holding the same contract and an
:class:`~riskinsights_lib.datamart.build.EtlSummary`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from riskinsights_lib.datamart.build import EtlSummary, build_datamart

__all__ = ["ENGINES", "build", "describe_engine"]

ENGINES = ("duckdb", "spark")


def build(
    engine: str,
    raw_dir: str | os.PathLike,
    db_path: str | os.PathLike,
    *,
    spark_master: str = "local[*]",
    spark_conf: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> EtlSummary:
    """Build the datamart with ``engine`` (``"duckdb"`` or ``"spark"``).

    ``kwargs`` are those of :func:`~riskinsights_lib.datamart.build.build_datamart`
    (DuckDB-only tuning such as ``memory_limit`` and ``threads`` is refused with Spark);
    ``spark_master`` and ``spark_conf`` are used by Spark only.
    """
    if engine == "duckdb":
        return build_datamart(raw_dir, db_path, **kwargs)
    if engine == "spark":
        unsupported = sorted(k for k in ("memory_limit", "threads") if kwargs.get(k) is not None)
        if unsupported:
            raise ValueError(
                f"{', '.join(unsupported)}: DuckDB settings; give Spark settings in spark.conf"
            )
        kwargs = {k: v for k, v in kwargs.items() if k not in ("memory_limit", "threads")}
        from riskinsights_lib.datamart.spark.build import build_datamart_spark

        return build_datamart_spark(
            raw_dir, db_path, master=spark_master, conf=spark_conf, **kwargs
        )
    raise ValueError(f"engine: expected one of {list(ENGINES)}, got {engine!r}")


def describe_engine(engine: str, summary: EtlSummary, *, spark_master: str | None = None) -> str:
    """One Markdown sentence for the 02 report: which engine built the datamart, where, how fast."""
    if engine == "spark":
        where = f"Apache Spark (master `{spark_master}`)" if spark_master else "Apache Spark"
        store = (
            "The tables are Parquet folders under `<run>/tables/` (transactions partitioned by "
            "month); `datamart.duckdb` holds a view per table, so 03-06 read them unchanged."
        )
    else:
        where, store = "DuckDB (embedded)", "The tables live in `datamart.duckdb`."
    return f"Built with **{where}** in {summary.seconds:,.1f} s. {store}"
