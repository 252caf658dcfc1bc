"""Unit tests of the Spark engine's own pieces, each against the DuckDB build's behaviour."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pytest

from riskinsights_lib.datamart.checks import quality_checks
from riskinsights_lib.datamart.rules import compile_rules, typed
from riskinsights_lib.datamart.sources import SOURCES, source_by_name
from riskinsights_lib.params import ParamsError, validate_params

#: Spellings a bank extract uses: both engines must type them identically.
SPELLINGS = {
    "DOUBLE": [
        "12",
        "12.5",
        "-3",
        "+4",
        "1e3",
        "1E-2",
        ".5",
        "5.",
        "00012",
        "12,3x",
        "1.234,56",
        "EUR 40",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "12d",
        "12f",
        "1.5e",
        "--",
        "1e400",
        "0.01",
        "-1000000000",
        "999999999.99",
    ],
    "INTEGER": [
        "12",
        "12.5",
        "-12.5",
        "13.5",
        "12.4999",
        "1E-2",
        ".5",
        "2147483647",
        "2147483648",
        "-2147483649",
        "nan",
        "1e3",
        "12d",
        "x",
        "-3",
        "+4",
    ],
    "DATE": [
        "2023-01-05",
        "2023-1-5",
        "2023/01/05",
        "2023-02-30",
        "31/12/1979",
        "19xx-05-01",
        "2023-13-01",
        "2023-01-05 10:00:00",
        "2023-01-05T10:00:00",
        "20230105",
        "2023-01",
        "2023",
        "yesterday",
        "2023-01-05Z",
        "1900-01-01",
        "2031-01-31",
    ],
    "TIMESTAMP": [
        "2023-01-05 10:00:00",
        "2023-01-05T10:00:00",
        "2023-01-05",
        "2023-01-05 10:00",
        "2023-01-05 10:00:00.123456",
        "2023-01-05 10:00:00+01",
        "2023-01-05 10:00:60",
        "2023-02-30 10:00:00",
        "2023-01-05 25:00:00",
        "yesterday",
        "2030-01-01 10:00:00",
    ],
    "BOOLEAN": ["true", "false", "t", "f", "1", "0", "yes", "no", "TRUE", "Y", "n", "on", "2"],
}
#: Spellings DuckDB accepts and the Spark engine rejects on purpose (no bank writes them;
#: a row with one is quarantined as unparseable by Spark instead of loaded).
SPARK_STRICTER = {
    "DOUBLE": ["1_000"],
    "INTEGER": ["1_000"],  # (the contract now rejects both first, as number_format)
    "DATE": ["epoch", "infinity"],
}


def _duckdb_values(sql_type: str, values: list[str]) -> list:
    expr = typed("v", sql_type)  # the DuckDB build's own cast
    with duckdb.connect() as con:
        return [
            con.execute(
                f"SELECT {expr} FROM (SELECT NULLIF(TRIM(?), '') AS \"txt__v\")", [v]
            ).fetchall()[0][0]
            for v in values
        ]


def _spark_values(spark, sql_type: str, values: list[str]) -> list:
    from riskinsights_lib.datamart.spark.casts import typed_sql

    df = spark.createDataFrame([(i, v) for i, v in enumerate(values)], "i INT, v STRING")
    expr = typed_sql("nullif(trim(v), '')", sql_type)
    rows = df.selectExpr("i", f"{expr} AS x").collect()
    return [r.x for r in sorted(rows, key=lambda r: r.i)]


@pytest.mark.parametrize("sql_type", sorted(SPELLINGS))
def test_spark_types_raw_text_as_duckdb_does(spark, sql_type):
    values = SPELLINGS[sql_type]
    got = _spark_values(spark, sql_type, values)
    want = _duckdb_values(sql_type, values)
    assert dict(zip(values, got, strict=True)) == dict(zip(values, want, strict=True))


@pytest.mark.parametrize("sql_type", sorted(SPARK_STRICTER))
def test_exotic_spellings_are_rejected_by_spark(spark, sql_type):
    values = SPARK_STRICTER[sql_type]
    assert all(v is not None for v in _duckdb_values(sql_type, values))
    assert _spark_values(spark, sql_type, values) == [None] * len(values)


def test_complete_months_and_years_equal_duckdb_date_sub(spark):
    from riskinsights_lib.datamart.spark.dims import complete_months

    rng = random.Random(5)
    days = [dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 30_000)) for _ in range(400)]
    days += [dt.date(2020, 2, 29), dt.date(2023, 1, 31), dt.date(2023, 2, 28), dt.date(2024, 2, 29)]
    pairs = [(a, b) for a, b in zip(days, days[1:] + days[:1], strict=True)]
    pairs = [(min(a, b), max(a, b)) for a, b in pairs] + [
        (dt.date(2023, 1, 31), dt.date(2023, 2, 28)),
        (dt.date(2020, 2, 29), dt.date(2021, 2, 28)),
        (dt.date(2020, 2, 29), dt.date(2024, 2, 28)),
    ]
    df = spark.createDataFrame(pairs, "a DATE, b DATE")
    months = complete_months("a", "b")
    got = [
        (r.m, r.y) for r in df.selectExpr(f"{months} AS m", f"floor({months} / 12) AS y").collect()
    ]
    with duckdb.connect() as con:
        want = [
            tuple(
                con.execute(
                    "SELECT date_sub('month', ?, ?), date_sub('year', ?, ?)", [a, b, a, b]
                ).fetchall()[0]
            )
            for a, b in pairs
        ]
    assert got == want


def test_spark_rules_are_the_duckdb_rules_one_for_one():
    from riskinsights_lib.datamart.spark.quarantine import spark_rules

    end = dt.date(2024, 12, 31)
    for source in SOURCES:
        duck = [(r, d) for r, _, d in compile_rules(source, end, dt.date(2023, 1, 1))]
        assert [(r, d) for r, _, d in spark_rules(source, end, dt.date(2023, 1, 1))] == duck, (
            source.name
        )


def test_every_check_has_spark_sql():
    from riskinsights_lib.datamart.spark.checks import spark_check_sql

    for check in quality_checks():
        assert spark_check_sql(check, "run").startswith("SELECT")


def test_csv_row_numbers_follow_the_file_with_quoted_line_breaks(spark, tmp_path):
    from riskinsights_lib.datamart.spark.read import read_source

    raw = tmp_path / "raw"
    (raw / "countries").mkdir(parents=True)
    (raw / "countries" / "part-0.csv").write_text(
        'country_code,country_name,region\nIE,Ireland,Europe\nFR,"Fra\nnce",Europe\n'
        'US,"United ""States""",Americas\n'
    )
    (raw / "countries" / "part-1.csv").write_text("region,country_code\nAsia,JP\n,\nEurope,DE\n")
    df, files = read_source(spark, raw, source_by_name("countries"))
    rows = sorted(tuple(r) for r in df.collect())
    assert files == ["raw/countries/part-0.csv", "raw/countries/part-1.csv"]
    assert rows == [
        ("raw/countries/part-0.csv", 0, 1, "IE", "Ireland", "Europe"),
        ("raw/countries/part-0.csv", 0, 2, "FR", "Fra\nnce", "Europe"),
        ("raw/countries/part-0.csv", 0, 3, "US", 'United "States"', "Americas"),
        ("raw/countries/part-1.csv", 1, 1, "JP", None, "Asia"),
        ("raw/countries/part-1.csv", 1, 2, None, None, None),
        ("raw/countries/part-1.csv", 1, 3, "DE", None, "Europe"),
    ]
    with duckdb.connect() as con:  # DuckDB reads the same rows in the same order
        n = [
            con.execute(
                f"SELECT count(*) FROM read_csv('{f}', header = true, all_varchar = true, "
                "null_padding = true, strict_mode = false, quote = '\"', escape = '\"', "
                "parallel = false)"
            ).fetchall()[0][0]
            for f in sorted((raw / "countries").iterdir())
        ]
    assert n == [3, 3]


def test_parquet_row_numbers_come_from_the_row_index(spark, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from riskinsights_lib.datamart.spark.read import read_raw_file

    path = tmp_path / "mcc.parquet"
    table = pa.table({"mcc": [f"{5000 + i}" for i in range(5000)], "description": ["d"] * 5000})
    pq.write_table(table, path, row_group_size=700)
    df = read_raw_file(spark, path, source_by_name("mcc"), file_name="raw/mcc.parquet", file_no=0)
    rows = df.select("_row", "raw__mcc").collect()
    assert sorted((r._row, r.raw__mcc) for r in rows) == [
        (i + 1, f"{5000 + i}") for i in range(5000)
    ]


def test_the_session_keeps_the_contract_settings(spark):
    from riskinsights_lib.datamart.spark.session import FIXED_CONF, spark_session

    again = spark_session("local[2]", {"spark.sql.session.timeZone": "Europe/Dublin"})
    assert again.conf.get("spark.sql.session.timeZone") == "UTC"
    assert again.conf.get("spark.sql.ansi.enabled") == FIXED_CONF["spark.sql.ansi.enabled"]
    with pytest.raises(ValueError, match="spark conf: expected keys starting with 'spark.'"):
        spark_session("local[2]", {"executor.memory": "1g"})


def _ci(changes: dict) -> dict:
    """params/ci.yaml with ``changes`` merged into its sections (params must be complete)."""
    import yaml

    from riskinsights_lib.paths import PROJECT_ROOT

    data = yaml.safe_load((PROJECT_ROOT / "params" / "ci.yaml").read_text())
    for section, values in changes.items():
        data[section] = {**data[section], **values}
    return data


def test_spark_params_are_validated():
    ok = validate_params(
        _ci(
            {
                "etl_star_schema": {"engine": "spark"},
                "spark": {"master": "local[2]", "conf": {"spark.executor.memory": "2g"}},
            }
        ),
        "p.yaml",
    )
    assert ok.spark.master == "local[2]" and ok.etl_star_schema.engine == "spark"
    for bad, where in [
        ({"spark": {"master": "local[two]"}}, "spark.master"),
        ({"spark": {"conf": {"executor.memory": "2g"}}}, "spark.conf"),
        ({"etl_star_schema": {"engine": "polars"}}, "etl_star_schema.engine"),
    ]:
        with pytest.raises(ParamsError, match=rf"^p.yaml: {where}"):
            validate_params(_ci(bad), "p.yaml")


def test_the_engine_dispatch_names_mistakes(tmp_path):
    from riskinsights_lib.datamart.engine import build

    with pytest.raises(ValueError, match="engine: expected one of"):
        build(
            "polars", tmp_path, tmp_path / "d.duckdb", run_id="r", snapshots=[], pseudonym_key="k"
        )
    with pytest.raises(ValueError, match="memory_limit: DuckDB settings"):
        build("spark", tmp_path, tmp_path / "d.duckdb", memory_limit="2GB")


def test_notebook_02_receives_the_spark_section(tmp_path):
    from riskinsights_lib.notebooks import discover_notebooks, notebook_parameters
    from riskinsights_lib.paths import PROJECT_ROOT

    params = validate_params(_ci({"spark": {"master": "local[1]"}}), "p.yaml")
    spec = next(
        s for s in discover_notebooks(PROJECT_ROOT / "notebooks") if s.name.startswith("02")
    )
    values = notebook_parameters(spec, params, tmp_path)
    assert values["spark_master"] == "local[1]" and values["spark_conf"] == {}
    assert values["engine"] == "duckdb"
