"""BI exports: files per table and format, round trips, dictionary, relationships, manifest, privacy."""

from __future__ import annotations

import hashlib
import json
import re

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from test_bi_minimart import RUN_ID, build_minimart

from riskinsights_lib import bi
from riskinsights_lib.bi import exports
from riskinsights_lib.privacy import pseudonym_key, pseudonymise

STAMP = "20240101T000000Z"
FKS = {
    ("fact_account_month", "account_key"): ("dim_account", "account_key"),
    ("fact_account_month", "customer_key"): ("dim_customer", "customer_key"),
    ("fact_transaction", "channel_key"): ("dim_channel", "channel_key"),
    ("fact_transaction", "mcc_key"): ("dim_merchant_category", "mcc_key"),
    ("dim_account", "product_key"): ("dim_product", "product_key"),
    ("mart_churn", "customer_id"): ("dim_customer", "customer_id"),
}


def _describe_all(con, tables, kpis) -> pd.DataFrame:
    rows = [
        {"table": t, "column": c, "description": f"{t}.{c}", "unit": ""}
        for t in tables
        for c in con.table(t).columns
    ]
    return pd.concat([pd.DataFrame(rows), bi.kpi_descriptions(kpis)], ignore_index=True)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    con = duckdb.connect()
    build_minimart(con)
    out = tmp_path_factory.mktemp("exports")
    kpis = bi.compute_kpis(con, top_n=3)
    tables = bi.datamart_tables(con)
    manifest = bi.export_bi_bundle(
        con,
        out,
        kpis=kpis,
        descriptions=_describe_all(con, tables, kpis),
        seed=7,
        stamp=STAMP,
        commit="abc123",
        foreign_keys=FKS,
    )
    yield con, out, kpis, manifest
    con.close()


def _typed_csv(path, con, select: str) -> pd.DataFrame:
    """Read a CSV with pandas, parsing the columns DuckDB types as dates/timestamps."""
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE {select}").fetchall()}
    dates = [c for c, t in types.items() if t == "DATE" or t.startswith("TIMESTAMP")]
    strings = {c: "string" for c, t in types.items() if t == "VARCHAR"}
    return pd.read_csv(path, dtype=strings, parse_dates=dates, encoding="utf-8")


def _norm_text(s: pd.Series) -> list:
    return [None if pd.isna(v) else str(v).lower() for v in s.astype(object)]


def _assert_same_rows(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Same columns and the same multiset of rows (row order is free), value by value."""
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    key = list(want.columns)
    order_g = got.astype(str).sort_values(key).index
    order_w = want.astype(str).sort_values(key).index
    for col in want.columns:
        a = got[col].loc[order_g].reset_index(drop=True)
        b = want[col].loc[order_w].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            np.testing.assert_array_equal(
                a.astype(float).to_numpy(), b.astype(float).to_numpy(), err_msg=col
            )
        elif (
            pd.api.types.is_datetime64_any_dtype(b)
            or b.dropna().map(type).astype(str).str.contains("date").any()
        ):
            fill = pd.Timestamp(0)
            assert (pd.to_datetime(a).fillna(fill) == pd.to_datetime(b).fillna(fill)).all(), col
        else:
            assert _norm_text(a) == _norm_text(b), col


def test_every_table_in_every_format(bundle):
    con, out, kpis, manifest = bundle
    expected = set(bi.datamart_tables(con)) | set(kpis)
    assert {"dim_customer", "dim_account", "fact_transaction", "fact_account_month"} <= expected
    for table in expected:
        for fmt in ("parquet", "csv"):
            assert (out / f"{table}_{STAMP}.{fmt}").is_file(), (table, fmt)
    names = {p.name for p in out.iterdir()}
    assert not any(n.startswith(("etl_reject", "mart_")) for n in names)
    assert {
        f"data_dictionary_{STAMP}.csv",
        f"data_dictionary_{STAMP}.md",
        f"relationships_{STAMP}.csv",
        "manifest.json",
    } <= names


@pytest.mark.parametrize(
    "table",
    [
        "dim_customer",
        "dim_account",
        "fact_account_month",
        "fact_transaction",
        "dim_merchant_category",
    ],
)
def test_datamart_tables_round_trip(bundle, table):
    con, out, _, _ = bundle
    want = con.table(table).df()
    from_parquet = pq.read_table(out / f"{table}_{STAMP}.parquet").to_pandas()
    _assert_same_rows(from_parquet, want)
    from_csv = _typed_csv(out / f"{table}_{STAMP}.csv", con, f"SELECT * FROM {table}")
    _assert_same_rows(from_csv, want)


def test_kpi_tables_round_trip_with_iso_dates(bundle):
    con, out, kpis, _ = bundle
    for name, frame in kpis.items():
        _assert_same_rows(pq.read_table(out / f"{name}_{STAMP}.parquet").to_pandas(), frame)
        back = pd.read_csv(
            out / f"{name}_{STAMP}.csv",
            dtype={c: "string" for c in frame.select_dtypes("string").columns},
        )
        for col in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[col]):
                assert back[col].astype(str).str.fullmatch(r"\d{4}-\d{2}-\d{2}").all(), (name, col)
                back[col] = pd.to_datetime(back[col])
        _assert_same_rows(back, frame)


def test_csv_is_utf8_with_header(bundle):
    con, out, _, _ = bundle
    text = (out / f"dim_customer_{STAMP}.csv").read_bytes().decode("utf-8")
    assert text.splitlines()[0].split(",") == con.table("dim_customer").columns
    assert re.search(r"\b9999-12-31\b", text)


def test_manifest_counts_and_checksums(bundle):
    con, out, kpis, manifest = bundle
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    assert (
        manifest["run_id"] == RUN_ID
        and manifest["seed"] == 7
        and manifest["git_commit"] == "abc123"
    )
    for table in bi.datamart_tables(con):
        assert manifest["row_counts"][table] == con.table(table).shape[0]
    for name, frame in kpis.items():
        assert manifest["row_counts"][name] == len(frame)
    for entry in manifest["files"]:
        assert hashlib.sha256((out / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    assert manifest["n_files"] == len(manifest["files"]) == len(list(out.iterdir())) - 1


def test_dictionary_covers_every_exported_column(bundle):
    con, out, kpis, _ = bundle
    d = pd.read_csv(out / f"data_dictionary_{STAMP}.csv", keep_default_na=False)
    assert list(d.columns) == ["table", "column", "type", "description", "unit"]
    expected = {(t, c) for t in bi.datamart_tables(con) for c in con.table(t).columns}
    expected |= {(k, c) for k, f in kpis.items() for c in f.columns}
    assert set(zip(d["table"], d["column"], strict=True)) == expected
    assert (d["description"] != "").all() and (d["type"] != "").all()
    assert (
        d.loc[(d["table"] == "kpi_delinquency") & (d["column"] == "month_end"), "type"].item()
        == "DATE"
    )
    md = (out / f"data_dictionary_{STAMP}.md").read_text(encoding="utf-8")
    for table in expected:
        assert f"## {table[0]}" in md


def test_kpi_columns_must_be_described():
    with pytest.raises(ValueError, match="kpi_x.mystery"):
        bi.kpi_descriptions({"kpi_x": pd.DataFrame({"month_end": [], "mystery": []})})


def test_relationships(bundle):
    con, out, _, _ = bundle
    rel = pd.read_csv(out / f"relationships_{STAMP}.csv")
    assert ("mart_churn", "customer_id") not in set(
        zip(rel["from_table"], rel["from_column"], strict=True)
    )
    fam = rel.set_index(["from_table", "from_column"])
    assert fam.loc[("fact_account_month", "account_key"), "cardinality"] == "many-to-one"
    assert fam.loc[("fact_account_month", "account_key"), "to_table"] == "dim_account"
    assert (rel["orphan_rows"] == 0).all()
    inferred = bi.relationships(con, bi.datamart_tables(con))
    pairs = set(
        zip(inferred["from_table"], inferred["from_column"], inferred["to_table"], strict=True)
    )
    assert ("fact_transaction", "geography_key", "dim_geography") in pairs
    assert ("dim_account", "product_key", "dim_product") in pairs


def test_refresh_replaces_previous_export(bundle, tmp_path):
    con, _, kpis, _ = bundle
    small = {"kpi_balances": kpis["kpi_balances"]}
    desc = bi.kpi_descriptions(small)
    other = tmp_path / "someone_elses_file.csv"
    other.write_text("x\n1\n")
    bi.export_bi_bundle(
        con, tmp_path, kpis=small, descriptions=desc, tables=["dim_product"], stamp="A", commit="c"
    )
    bi.export_bi_bundle(
        con,
        tmp_path,
        kpis=small,
        descriptions=desc,
        tables=["dim_product"],
        stamp="B",
        commit="c",
        formats=["csv"],
    )
    names = sorted(p.name for p in tmp_path.iterdir())
    assert not [n for n in names if "_A." in n]
    assert "dim_product_B.csv" in names and "dim_product_B.parquet" not in names
    assert other.exists()


def test_argument_checks(bundle, tmp_path):
    con = bundle[0]
    with pytest.raises(ValueError, match="formats"):
        bi.export_tables(con, ["dim_product"], tmp_path, stamp="x", formats=["xlsx"])
    with pytest.raises(ValueError, match="tables"):
        bi.export_tables(con, ["no_such_table"], tmp_path, stamp="x")
    assert re.fullmatch(r"\d{8}T\d{6}Z", bi.run_stamp())
    assert exports.git_commit() != ""


#: Pseudonym key of the tiny_run fixture (tests/conftest.py, TINY_KEY).
TINY_KEY = "riskinsights-demo-key"


def _raw_customers(raw_dir) -> pd.DataFrame:
    files = sorted(raw_dir.glob("customers.*"))
    assert files, "raw customers file of the fixture run"
    f = files[0]
    raw = (
        pd.read_parquet(f)
        if f.suffix == ".parquet"
        else pd.read_csv(f, dtype=str, keep_default_na=False)
    )
    return raw.astype(str)


def _read_export(path) -> tuple[pd.DataFrame | None, str]:
    """(frame or None, text) of one exported file."""
    if path.suffix == ".parquet":
        frame = pq.read_table(path).to_pandas()
        return frame, frame.to_csv(index=False)
    text = path.read_text(encoding="utf-8")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False) if path.suffix == ".csv" else None
    return frame, text


#: Shapes of the raw layer's contact data and national ids (docs/data_contract.md).
PATTERNS = {
    "e-mail": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    "phone": re.compile(r"\+353[ \d]{6,}"),
    "national id": re.compile(r"\b\d{7}[A-Z]{1,2}\b"),
}


def test_no_personal_data_in_any_export(tiny_run, tmp_path):
    """Scan every exported file of the tiny run for the raw layer's personal data.

    No text in any file has the shape of an e-mail, phone number or national id;
    no cell equals a raw e-mail, phone, national id, address, postcode or full
    name; and no row that carries a pseudonymous customer_id holds that
    customer's first name, last name or birth date in any column.
    """
    con = duckdb.connect(str(tiny_run.datamart), read_only=True)
    kpis = bi.compute_kpis(con, top_n=5)
    tables = bi.datamart_tables(con)
    desc = _describe_all(con, tables, kpis)
    bi.export_bi_bundle(con, tmp_path, kpis=kpis, descriptions=desc, stamp=STAMP, commit="c")
    con.close()
    raw = _raw_customers(tiny_run.raw)
    assert raw["email"].str.contains(PATTERNS["e-mail"]).all()
    assert raw["phone"].str.contains(PATTERNS["phone"]).all()
    assert raw["national_id"].str.contains(PATTERNS["national id"]).all()
    personal = set(raw["email"]) | set(raw["phone"]) | set(raw["national_id"])
    personal |= (
        set(raw["address"]) | set(raw["postcode"]) | set(raw["first_name"] + " " + raw["last_name"])
    )
    person = raw.assign(customer_id=pseudonymise(raw["customer_id"], pseudonym_key(TINY_KEY)))
    person = person.set_index("customer_id")[["first_name", "last_name", "birth_date"]]
    files = sorted(tmp_path.iterdir())
    assert len(files) > 2 * len(tables)
    checked_rows = 0
    for path in files:
        frame, text = _read_export(path)
        for what, pattern in PATTERNS.items():
            found = pattern.search(text)
            assert found is None, (path.name, what, found and found.group(0))
        if frame is None:
            continue
        cells = {str(v) for col in frame.columns for v in frame[col].dropna().unique()}
        assert not (cells & personal), (path.name, sorted(cells & personal)[:5])
        if "customer_id" not in frame.columns:
            continue
        joined = frame.astype(str).merge(
            person, left_on="customer_id", right_index=True, suffixes=("", "__raw")
        )
        checked_rows += len(joined)
        for col in frame.columns:
            for attr in ("first_name", "last_name", "birth_date"):
                raw_col = f"{attr}__raw" if attr in frame.columns else attr
                assert not (joined[col].astype(str) == joined[raw_col]).any(), (
                    path.name,
                    col,
                    attr,
                )
    assert checked_rows > 0, "no exported row could be joined to the raw customers"


def test_same_datamart_gives_identical_files(bundle, tmp_path):
    """Checksums depend on the data only, so a BI loader can skip unchanged tables."""
    con, _, kpis, first = bundle
    tables = bi.datamart_tables(con)
    again = bi.export_bi_bundle(
        con,
        tmp_path,
        kpis=kpis,
        descriptions=_describe_all(con, tables, kpis),
        stamp="later",
        commit="abc123",
        foreign_keys=FKS,
    )

    def digest(manifest):
        return {(f["table"], f["format"]): f["sha256"] for f in manifest["files"]}

    assert digest(again) == digest(first)
