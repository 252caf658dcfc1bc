"""The Spark session of a datamart build: master, settings and the fixed ones parity needs.

Settings that the build's correctness depends on are fixed here and cannot be
overridden by ``conf``: the session time zone (UTC, so that dates and
timestamps never shift with the machine's zone), ANSI mode (off: a raw value
that does not parse is judged by the quarantine rules, never an exception),
timestamps without time zone in Parquet (read back by DuckDB as ``TIMESTAMP``)
and the Parquet timestamp encoding (INT64 microseconds, not legacy INT96).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

__all__ = ["FIXED_CONF", "DEFAULT_CONF", "spark_session", "stop_session"]

log = logging.getLogger(__name__)

#: Settings the datamart's contract depends on (``conf`` may not change them).
FIXED_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
}

#: Defaults for a build on one machine; ``conf`` overrides them.
DEFAULT_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.memory": "2g",
    "spark.sql.sources.partitionOverwriteMode": "static",
}


def spark_session(
    master: str = "local[*]",
    conf: Mapping[str, object] | None = None,
    *,
    app_name: str = "riskinsights-datamart",
):
    """Start (or reuse) a Spark session for a datamart build.

    Parameters
    ----------
    master : ``local[*]``, ``local[N]`` or a cluster URL (``spark://host:7077``,
        ``yarn``, ``k8s://...``).
    conf : extra Spark settings (``spark.*`` keys, values as text); the fixed
        settings of :data:`FIXED_CONF` win over them.

    Raises
    ------
    ImportError
        When PySpark is not installed (``pip install -e ".[spark]"``).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ImportError(
            'etl_star_schema.engine=spark needs PySpark and Java 17: pip install -e ".[spark]"'
        ) from None
    if not isinstance(master, str) or not master:
        raise ValueError(f"spark master: expected a URL such as 'local[*]', got {master!r}")
    settings = {**DEFAULT_CONF, **{str(k): str(v) for k, v in (conf or {}).items()}}
    for key in settings:
        if not key.startswith("spark."):
            raise ValueError(f"spark conf: expected keys starting with 'spark.', got {key!r}")
    clash = sorted(k for k in settings if k in FIXED_CONF and settings[k] != FIXED_CONF[k])
    if clash:
        log.warning("spark conf: %s fixed by the datamart contract, ignored", ", ".join(clash))
    settings.update(FIXED_CONF)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if master.startswith("local"):  # a local build listens on the loopback interface only
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        settings.setdefault("spark.driver.bindAddress", "127.0.0.1")
        settings.setdefault("spark.driver.host", "127.0.0.1")
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    for key, value in FIXED_CONF.items():  # a reused session may have been started otherwise
        if not key.startswith(("spark.driver.", "spark.executor.")):
            spark.conf.set(key, value)
    spark.sparkContext.setLogLevel("ERROR")
    log.info("spark %s on %s", spark.version, master)
    return spark


def stop_session(spark) -> None:
    """Stop ``spark`` (its JVM stays up for the next session of this process)."""
    spark.stop()
