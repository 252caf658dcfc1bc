"""Control files and the byte pre-scan, unit by unit (the corpus tests drive them end to end)."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest

from riskinsights_lib.datamart import diagnose
from riskinsights_lib.datamart.contract import CsvDialect
from riskinsights_lib.datamart.controls import (
    Control,
    ControlTotals,
    control_path,
    read_control,
    write_control,
)
from riskinsights_lib.datamart.diagnose import describe_reader_error, scan_bytes
from riskinsights_lib.datamart.errors import ExtractError
from riskinsights_lib.datamart.extracts import inspect_file
from riskinsights_lib.datamart.sources import source_by_name


def test_writer_totals_equal_what_02_finds_in_the_file(tmp_path):
    """01 sums Arrow values; 02 sums the text of the written file: they must agree to the cent,
    including half cents, negative values, dirty text and empty values."""
    amounts = ["12.345", "-12.345", "1,000", "EUR 40", "", " 7.1 ", "0.30000000000000004", "1e3"]
    table = pa.table(
        {
            "account_id": pa.array(["A1"] * len(amounts)),
            "month_end": pa.array(["2023-01-31"] * len(amounts)),
            "balance": pa.array(amounts),
            "instalment_due": pa.array([1.005, 2.675, None, 0.125, 3.0, 1e-3, 99.995, 0.0]),
            "days_past_due": pa.array(["0"] * len(amounts)),
        }
    )
    totals = ControlTotals({"balance", "instalment_due"})
    totals.add(table)
    path = tmp_path / "raw" / "balances.csv"
    path.parent.mkdir()
    pcsv.write_csv(table, path)
    write_control(path, totals.control(path))
    raw = inspect_file(
        duckdb.connect(),
        path,
        "raw/balances.csv",
        source_by_name("balances"),
        dialect=CsvDialect(),
        require_controls=True,
        work_dir=tmp_path / "work",
    )
    assert raw.control == "checked" and raw.rows == len(amounts)
    assert json.loads(control_path(path).read_text())["sums"] == {
        "balance": raw.sums["balance"],
        "instalment_due": raw.sums["instalment_due"],
    }
    assert Decimal(raw.sums["balance"]) == Decimal("12.35") - Decimal("12.35") + Decimal(
        "7.10"
    ) + Decimal("0.30") + Decimal("1000.00")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"format": "other/1", "rows": 1}', 'key "format"'),
        ('{"format": "riskinsights-control/1", "rows": true}', 'key "rows"'),
        ('{"format": "riskinsights-control/1", "rows": -1}', 'key "rows"'),
        ('{"format": "riskinsights-control/1", "rows": 1, "sums": {"amount": "x"}}', "sums.amount"),
        ('{"format": "riskinsights-control/1", "rows": 1, "bytes": "9"}', 'key "bytes"'),
    ],
)
def test_malformed_controls_are_named(tmp_path, text, problem):
    extract = tmp_path / "accounts.csv"
    control_path(extract).write_text(text)
    with pytest.raises(ExtractError, match=problem) as err:
        read_control(extract)
    assert str(err.value).startswith(f"{tmp_path.name}/accounts.csv.ctl.json: ")


def test_control_round_trip(tmp_path):
    extract = tmp_path / "x.csv"
    write_control(extract, Control(rows=3, sums={"amount": Decimal("1.5")}, bytes=10))
    assert read_control(extract) == Control(rows=3, sums={"amount": Decimal("1.50")}, bytes=10)
    assert read_control(tmp_path / "none.csv") is None


def test_byte_scan_finds_the_line_across_chunk_boundaries(tmp_path, monkeypatch):
    monkeypatch.setattr(diagnose, "_CHUNK", 7)  # multi-byte characters split between chunks
    path = tmp_path / "x.csv"
    good = "a,b\nZoë,Ó Sé\n€,’\n".encode()
    path.write_bytes(good)
    assert scan_bytes(path, "x.csv", encoding="utf-8").size == len(good)
    path.write_bytes(good + b"ok,1\nbad,\xe9t\xe9\n")
    with pytest.raises(ExtractError, match=r"^x\.csv: line 5: bytes that are not valid utf-8"):
        scan_bytes(path, "x.csv", encoding="utf-8")
    path.write_bytes(good + "é".encode()[:1])  # cut inside the last character
    with pytest.raises(ExtractError, match=r"^x\.csv: line 4: "):
        scan_bytes(path, "x.csv", encoding="utf-8")


def test_reader_errors_keep_the_line_number_and_drop_the_line():
    message = (
        "Invalid Input Error: CSV Error on Line: 12\nOriginal Line: C1,Aoife,aoife@example.ie\n"
        "Expected Number of Columns: 3 Found: 2"
    )
    assert describe_reader_error("raw/x.csv", message) == (
        "raw/x.csv: line 12: a row with the wrong number of fields"
    )
