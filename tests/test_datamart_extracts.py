"""A corpus of damaged extracts, each with its expected outcome.

Every case damages one file of a clean hand-made raw layer (with control files)
and builds the datamart: it either stops with one :class:`ExtractError` line
naming the file and the line (and never a value from the file), or it loads
with every raw row loaded or quarantined. Planted personal values are searched
for in every error message, log record and ``etl_reject`` row.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from riskinsights_lib.datamart import build_datamart, connect
from riskinsights_lib.datamart.contract import CsvDialect
from riskinsights_lib.datamart.controls import control_path
from riskinsights_lib.datamart.errors import ExtractError
from riskinsights_lib.datamart.fixtures import SNAPSHOTS, make_clean_raw, write_raw

KEY = "test-pseudonym-key"
PERSONAL = ("first_name", "last_name", "address", "email", "phone", "national_id", "postcode")


@pytest.fixture(scope="module")
def clean_raw(tmp_path_factory, raw_frames) -> Path:
    root = tmp_path_factory.mktemp("clean") / "run"
    write_raw(raw_frames, root / "raw", dirty=False)
    return root


@pytest.fixture()
def run(tmp_path, clean_raw) -> Path:
    root = tmp_path / "run"
    shutil.copytree(clean_raw, root)
    return root


def _planted(customers: pd.DataFrame) -> set[str]:
    """Every personal value of the raw layer (and the birth dates)."""
    values = {str(v) for c in PERSONAL for v in customers[c]}
    values |= {str(v) for v in customers["birth_date"]}
    return {v for v in values if len(v) >= 4}


#: Planted personal values: no error message and no etl_reject row may hold one.
PLANTED = _planted(make_clean_raw()["customers"])


@pytest.fixture(scope="module")
def planted(raw_frames) -> set[str]:
    return _planted(raw_frames["customers"])


def _build(root: Path, **kwargs):
    summary = build_datamart(
        root / "raw",
        root / "datamart.duckdb",
        run_id="corpus",
        snapshots=SNAPSHOTS,
        pseudonym_key=KEY,
        progress=False,
        **kwargs,
    )
    with connect(root / "datamart.duckdb") as con:
        rejected = con.execute("SELECT raw_record || ' ' || detail FROM etl_reject").fetchall()
    _assert_no_personal([r[0] for r in rejected], PLANTED)
    return summary


def _stop(root: Path, **kwargs) -> str:
    with pytest.raises(ExtractError) as err:
        _build(root, **kwargs)
    message = str(err.value)
    assert "\n" not in message and "Error" not in message  # one line, no DuckDB text
    # no DuckDB error travels with it (its text quotes the offending line)
    assert err.value.__cause__ is None
    assert err.value.__context__ is None or err.value.__suppress_context__
    assert not (root / "datamart.duckdb").exists()
    _assert_no_personal([message], PLANTED)
    return message


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _drop_control(path: Path) -> None:
    control_path(path).unlink()


def _assert_no_personal(texts: list[str], planted: set[str]) -> None:
    leaks = [(t[:60], v) for t in texts for v in planted if v in t]
    assert not leaks, leaks


# ---------------------------------------------------------------- stops


def test_truncated_mid_line_stops_on_its_control(run, planted):
    part = run / "raw" / "transactions" / "part-00001.csv"
    data = part.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 6
    part.write_bytes(data[:cut])
    message = _stop(run)
    assert message.startswith("raw/transactions/part-00001.csv: control mismatch: expected ")
    assert f"found {cut:,}" in message
    _assert_no_personal([message], planted)


def test_truncated_mid_line_without_control_names_the_last_line(run):
    part = run / "raw" / "transactions" / "part-00001.csv"
    data = part.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 6
    part.write_bytes(data[:cut])
    _drop_control(part)
    line = data[:cut].count(b"\n") + 1
    message = _stop(run)
    assert message.startswith(f"raw/transactions/part-00001.csv: line {line}: ")
    assert "fields where the header has 8" in message and "truncated?" in message


def test_header_only_stops_with_control_and_without(run):
    part = run / "raw" / "transactions" / "part-00000.csv"
    part.write_bytes(_lines(part)[0])
    message = _stop(run)
    assert re.match(
        r"raw/transactions/part-00000.csv: control mismatch: expected [\d,]+ bytes", message
    )
    _drop_control(part)
    message = _stop(run)
    assert message == (
        "raw/transactions/part-00000.csv: header only, no data rows (transactions cannot be empty)"
    )


def test_zero_bytes_stops(run):
    path = run / "raw" / "accounts.csv"
    path.write_bytes(b"")
    _drop_control(path)
    assert _stop(run) == "raw/accounts.csv: empty file (0 bytes): expected a header line"


def test_money_sum_mismatch_names_the_column(run):
    part = run / "raw" / "transactions" / "part-00000.csv"
    ctl = json.loads(control_path(part).read_text())
    ctl.pop("bytes")
    ctl["sums"]["amount"] = "1.00"
    control_path(part).write_text(json.dumps(ctl))
    message = _stop(run)
    assert message.startswith(
        "raw/transactions/part-00000.csv: control mismatch: column amount: expected sum 1.00, found "
    )


def test_row_count_mismatch(run):
    path = run / "raw" / "accounts.csv"
    ctl = json.loads(control_path(path).read_text())
    ctl.pop("bytes")
    ctl["rows"] += 1
    control_path(path).write_text(json.dumps(ctl))
    message = _stop(run)
    assert message == (
        f"raw/accounts.csv: control mismatch: expected {ctl['rows']:,} rows, "
        f"found {ctl['rows'] - 1:,}"
    )


def test_missing_control_stops_when_required(run):
    _drop_control(run / "raw" / "mcc.csv")
    message = _stop(run, require_controls=True)
    assert message == (
        "raw/mcc.csv: no control file mcc.csv.ctl.json (etl_star_schema.require_controls is true)"
    )


def test_malformed_control_names_its_line(run):
    control_path(run / "raw" / "mcc.csv").write_text('{"format": \n')
    assert _stop(run).startswith("raw/mcc.csv.ctl.json: line 2: not a JSON control file")


@pytest.mark.parametrize(("column", "renamed"), [("account_id", None), ("channel", "chanel")])
def test_required_column_missing_or_renamed_stops(run, column, renamed):
    part = run / "raw" / "transactions" / "part-00000.csv"
    frame = pd.read_csv(part, dtype=str, keep_default_na=False)
    frame = frame.rename(columns={column: renamed}) if renamed else frame.drop(columns=column)
    frame.to_csv(part, index=False)
    _drop_control(part)
    message = _stop(run)
    assert message.startswith(
        f"raw/transactions/part-00000.csv: line 1: required column '{column}' is missing"
    )
    assert ("renamed?" in message) == bool(renamed)


def test_unbalanced_quote_names_the_line(run):
    path = run / "raw" / "accounts.csv"
    lines = _lines(path)
    lines[5] = lines[5].replace(b",", b',"', 1)  # a quote opened and never closed
    path.write_bytes(b"".join(lines))
    _drop_control(path)
    assert _stop(run) == (
        "raw/accounts.csv: line 6: a quoted value that starts on this line is never closed "
        "(unbalanced quote)"
    )


def test_stray_quote_names_the_line(run, planted):
    path = run / "raw" / "customers.csv"
    lines = _lines(path)
    lines[5] = lines[5].replace(b",", b',"', 1)  # closes at the next quoted value
    path.write_bytes(b"".join(lines))
    _drop_control(path)
    message = _stop(run)
    assert message == (
        "raw/customers.csv: line 6: text after a closing quote "
        "(a quote inside a value must be doubled)"
    )
    _assert_no_personal([message], planted)


def test_extra_field_in_a_row_names_the_line(run, planted):
    path = run / "raw" / "customers.csv"
    lines = _lines(path)
    lines[3] = lines[3].replace(b",", b",,", 1)
    path.write_bytes(b"".join(lines))
    _drop_control(path)
    message = _stop(run)
    assert message == "raw/customers.csv: line 4: 14 fields where the header has 13"
    _assert_no_personal([message], planted)


def test_binary_garbage_names_the_line(run):
    part = run / "raw" / "transactions" / "part-00001.csv"
    n = len(_lines(part))
    part.write_bytes(part.read_bytes() + b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    _drop_control(part)
    message = _stop(run)
    assert message.startswith(
        f"raw/transactions/part-00001.csv: line {n + 1}: bytes that are not valid utf-8 text"
    )
    part.write_bytes(b"".join(_lines(part)[:n]) + b"T1,A1\x00\x00,x\n")
    assert _stop(run) == (
        f"raw/transactions/part-00001.csv: line {n + 1}: binary data (a NUL byte): "
        "not a text CSV file"
    )


def test_latin1_file_read_as_utf8_names_the_line(run, planted):
    path = run / "raw" / "customers.csv"
    text = path.read_text("utf-8").replace("Aoife3,", "Zoë3,")
    path.write_bytes(text.encode("latin-1"))
    _drop_control(path)
    message = _stop(run)
    assert message.startswith("raw/customers.csv: line 5: bytes that are not valid utf-8 text")
    assert "csv_encoding" in message
    _assert_no_personal([message], planted)


def test_parquet_damaged_or_without_a_required_column_stops(tmp_path, raw_frames):
    root = tmp_path / "run"
    _write_parquet(raw_frames, root / "raw")
    path = root / "raw" / "accounts.parquet"
    path.write_bytes(path.read_bytes()[:100])
    assert _stop(root) == "raw/accounts.parquet: control mismatch: expected " + (
        f"{json.loads(control_path(path).read_text())['bytes']:,} bytes, found 100 "
        "(the file was cut or changed after its control was written)"
    )
    _drop_control(path)
    assert _stop(root) == (
        "raw/accounts.parquet: not a readable Parquet file (damaged or not Parquet)"
    )
    raw_frames["accounts"].drop(columns="customer_id").to_parquet(path, index=False)
    assert _stop(root).startswith(
        "raw/accounts.parquet: line 1: required column 'customer_id' is missing"
    )


# ---------------------------------------------------------------- loads


def _loaded(summary, source: str) -> int:
    return summary.sources[source]["loaded_rows"]


def test_quoted_newline_bom_and_crlf_load(run, raw_frames):
    path = run / "raw" / "customers.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[2, "address"] = "Apartment 4\nMain Street, Dublin"
    text = frame.to_csv(index=False, lineterminator="\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    _drop_control(path)
    part = run / "raw" / "transactions" / "part-00000.csv"
    part.write_bytes(part.read_bytes().replace(b"\n", b"\r\n"))
    _drop_control(part)
    summary = _build(run)
    for source, frame in raw_frames.items():
        assert _loaded(summary, source) == len(frame), source
    assert summary.controls_missing == 2 and summary.controls_failed == 0


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_declared_single_byte_encodings_load(run, raw_frames, encoding):
    path = run / "raw" / "customers.csv"
    text = path.read_text("utf-8").replace("Aoife3,", "Zoë3,").replace("Murphy4,", "O’Murphy4,")
    if encoding == "latin-1":
        text = text.replace("’", "'")
    path.write_bytes(text.encode(encoding))
    _drop_control(path)
    summary = _build(run, dialect=CsvDialect(encoding=encoding))
    assert _loaded(summary, "customers") == len(raw_frames["customers"])


def test_semicolon_dialect_loads(run, raw_frames):
    path = run / "raw" / "accounts.csv"
    pd.read_csv(path, dtype=str, keep_default_na=False).to_csv(path, index=False, sep=";")
    for other in (run / "raw").rglob("*.csv"):
        if other != path:
            frame = pd.read_csv(other, dtype=str, keep_default_na=False)
            frame.to_csv(other, index=False, sep=";")
        _drop_control(other)
    summary = _build(run, dialect=CsvDialect(delimiter=";"))
    assert _loaded(summary, "accounts") == len(raw_frames["accounts"])


def test_optional_column_missing_is_a_failed_check_and_extras_are_listed(run, raw_frames):
    part = run / "raw" / "transactions" / "part-00000.csv"
    frame = pd.read_csv(part, dtype=str, keep_default_na=False)
    frame.drop(columns="mcc").rename(columns={"merchant_country": "merchant_cntry"}).to_csv(
        part, index=False
    )
    accounts = run / "raw" / "accounts.csv"
    frame = pd.read_csv(accounts, dtype=str, keep_default_na=False)
    frame.drop(columns="credit_limit").assign(branch="Dublin 2").to_csv(accounts, index=False)
    for path in (part, accounts):
        _drop_control(path)
    summary = _build(run)
    assert summary.missing_optional_columns == {
        "raw/accounts.csv": ["credit_limit"],
        "raw/transactions/part-00000.csv": ["mcc", "merchant_country"],
    }
    assert summary.extra_columns == {
        "raw/accounts.csv": ["branch"],
        "raw/transactions/part-00000.csv": ["merchant_cntry"],
    }
    assert {
        "column_present_raw/accounts.csv_credit_limit",
        "column_present_raw/transactions/part-00000.csv_mcc",
        "column_present_raw/transactions/part-00000.csv_merchant_country",
    } <= set(summary.failed_checks)
    assert _loaded(summary, "accounts") == len(raw_frames["accounts"])


def test_field_shifted_rows_are_quarantined_with_personal_data_masked(
    run, raw_frames, planted, caplog
):
    customers = run / "raw" / "customers.csv"
    frame = pd.read_csv(customers, dtype=str, keep_default_na=False)
    shifted = frame.iloc[7].copy()
    # national_id, e-mail, phone and a name land in non-personal columns
    shifted["onboarding_date"] = shifted["national_id"]
    shifted["marital_status"] = shifted["email"]
    shifted["pep_flag"] = shifted["first_name"]
    shifted["customer_id"] = "C9100001"
    pd.concat([frame, shifted.to_frame().T]).to_csv(customers, index=False)
    part = run / "raw" / "transactions" / "part-00000.csv"
    tx = pd.read_csv(part, dtype=str, keep_default_na=False)
    bad = tx.iloc[3].copy()
    bad["transaction_id"] = "T91000000001"
    bad["merchant_country"] = frame.loc[2, "national_id"]
    bad["mcc"] = frame.loc[2, "phone"]
    bad["channel"] = frame.loc[2, "birth_date"]
    pd.concat([tx, bad.to_frame().T]).to_csv(part, index=False)
    for path in (customers, part):
        _drop_control(path)
    with caplog.at_level(logging.DEBUG):
        summary = _build(run, max_reject_rate=0.1)
    assert summary.rejects_by_reason["customers"] == {"unparseable_value": 1}
    assert summary.rejects_by_reason["transactions"] == {"unparseable_value": 1}
    with connect(run / "datamart.duckdb") as con:
        records = [r[0] for r in con.execute("SELECT raw_record FROM etl_reject").fetchall()]
        details = [r[0] for r in con.execute("SELECT detail FROM etl_reject").fetchall()]
    shifted_tx = json.loads(next(r for r in records if "T91000000001" in r))
    assert shifted_tx["merchant_country"] == shifted_tx["mcc"] == shifted_tx["channel"] == "***"
    _assert_no_personal(records + details + [r.getMessage() for r in caplog.records], planted)


def test_parquet_extracts_with_controls_load(tmp_path, raw_frames):
    root = tmp_path / "run"
    _write_parquet(raw_frames, root / "raw")
    summary = _build(root, require_controls=True)
    assert summary.controls_checked == len(list((root / "raw").rglob("*.parquet")))
    for source, frame in raw_frames.items():
        assert _loaded(summary, source) == len(frame), source


def _write_parquet(frames: dict[str, pd.DataFrame], raw_dir: Path) -> None:
    """The frames as Parquet extracts, each with its control file (as 01 writes them)."""
    import pyarrow as pa

    from riskinsights_lib.generate.writer import write_table

    for name, frame in frames.items():
        path = raw_dir / (
            f"{name}/part-00000.parquet" if name == "transactions" else f"{name}.parquet"
        )
        write_table(pa.Table.from_pandas(frame, preserve_index=False), path, "parquet")


def test_generated_parquet_extracts_match_their_controls(tmp_path):
    from riskinsights_lib.generate import generate_bank
    from riskinsights_lib.params import load_params

    ci = load_params(Path(__file__).parents[1] / "params" / "ci.yaml")
    generate_bank(
        tmp_path,
        n_customers=300,
        start_date=ci.run.start_date,
        n_months=ci.run.n_months,
        snapshots=SNAPSHOTS,
        seed=ci.run.seed,
        progress=False,
        **(ci.section("generate_data") | {"file_format": "parquet", "truth_paths": 10}),
    )
    extracts = sorted((tmp_path / "raw").rglob("*.parquet"))
    assert all(control_path(p).is_file() for p in extracts)
    assert not list((tmp_path / "raw").rglob("*.partial"))
    summary = _build(tmp_path, require_controls=True)
    assert summary.controls_checked == len(extracts) and summary.controls_missing == 0
    dirty = pd.read_csv(tmp_path / "truth" / "dirty_rows.csv")
    rejected = sum(v["rejected_rows"] for v in summary.sources.values())
    assert rejected == len(dirty)


def test_a_stop_records_the_control_counts(run):
    from riskinsights_lib.datamart.report import extract_failure_metrics

    part = run / "raw" / "transactions" / "part-00001.csv"
    part.write_bytes(part.read_bytes()[:-10])
    _drop_control(run / "raw" / "mcc.csv")
    with pytest.raises(ExtractError) as err:
        _build(run)
    n_files = len(list((run / "raw").rglob("*.csv")))
    assert extract_failure_metrics(err.value) == {
        "controls_checked": n_files - 2,
        "controls_missing": 1,
        "controls_failed": 1,
        "extract_problems": 1,
    }


def test_a_wrong_delimiter_is_named(run):
    assert _stop(run, dialect=CsvDialect(delimiter=";")).startswith(
        "raw/mcc.csv: line 1: required column 'mcc' is missing from the header; the header is "
        "one column holding ',': set etl_star_schema.csv_delimiter"
    )


#: Row-level damage planted in one clean layer: (file, data row, column, text, reason).
ROW_CASES = [
    ("transactions/part-00000.csv", 3, "transaction_id", "NULL", "null_token"),
    ("transactions/part-00000.csv", 5, "account_id", "N/A", "null_token"),
    ("transactions/part-00000.csv", 7, "mcc", "-", "null_token"),
    ("transactions/part-00001.csv", 2, "amount", "1_000", "number_format"),
    ("transactions/part-00001.csv", 4, "amount", "1,000.00", "number_format"),
    ("transactions/part-00001.csv", 6, "ts", "1970-01-01 00:00:00", "past_date"),
    ("transactions/part-00001.csv", 8, "ts", "2031-01-01 00:00:00", "future_date"),
    ("accounts.csv", 4, "open_date", "1800-01-01", "past_date"),
    ("accounts.csv", 6, "customer_id", "null", "null_token"),
    ("balances.csv", 10, "balance", "2,500", "number_format"),
    ("balances.csv", 12, "account_id", "", "missing_key"),
    ("customers.csv", 9, "onboarding_date", "1899-12-31", "past_date"),
]


def test_row_damage_is_quarantined_with_its_reason_and_nothing_else_is_lost(run, raw_frames):
    by_file: dict[str, list] = {}
    for case in ROW_CASES:
        by_file.setdefault(case[0], []).append(case)
    for file, cases in by_file.items():
        path = run / "raw" / file
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for _, row, column, text, _ in cases:
            frame.loc[row - 1, column] = text
        frame.to_csv(path, index=False)
        _drop_control(path)
    summary = _build(run, max_reject_rate=0.5)
    with connect(run / "datamart.duckdb") as con:
        got = con.execute("SELECT file, row_number, reason FROM etl_reject").fetchall()
        recon = con.execute("SELECT bool_and(balanced) FROM etl_reconciliation").fetchall()
    expected = {(f"raw/{f}", row, reason) for f, row, _, _, reason in ROW_CASES}
    assert expected <= set(got)
    # the only other rejects are the dependants of a quarantined parent (orphans)
    assert {r for _, _, r in set(got) - expected} <= {"orphan_foreign_key"}
    assert recon == [(True,)]
    for source, frame in raw_frames.items():
        counts = summary.sources[source]
        assert counts["raw_rows"] == len(frame) == counts["loaded_rows"] + counts["rejected_rows"]
