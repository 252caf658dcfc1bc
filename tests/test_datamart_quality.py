"""Quarantine and reconciliation: each bad row rejected with its reason, nothing else lost."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from riskinsights_lib.datamart import RejectRateError, build_datamart, connect
from riskinsights_lib.datamart.fixtures import SNAPSHOTS, write_raw
from riskinsights_lib.datamart.sources import PERSONAL_COLUMNS, REJECT_REASONS

KEY = "test-pseudonym-key"


def test_each_bad_row_is_quarantined_with_its_reason(dirty_mart):
    root, expected, _ = dirty_mart
    with connect(root / "datamart.duckdb") as con:
        got = con.execute("SELECT source, file, row_number, reason FROM etl_reject").df()
    key = ["source", "file", "row_number"]
    merged = got.merge(expected, on=key, how="outer", suffixes=("", "_expected"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["reason"] == merged["reason_expected"]).all(), merged
    # every reason is exercised by the fixture
    assert set(expected["reason"]) == set(REJECT_REASONS)


def test_nothing_else_is_lost(dirty_mart, raw_frames):
    root, _, summary = dirty_mart
    with connect(root / "datamart.duckdb") as con:
        recon = con.execute("SELECT * FROM etl_reconciliation").df().set_index("source")
        n_tx = con.execute("SELECT count(*) FROM fact_transaction").fetchall()[0][0]
        n_bal = con.execute("SELECT count(*) FROM fact_account_month").fetchall()[0][0]
        tx_ids = {
            r[0] for r in con.execute("SELECT transaction_id FROM fact_transaction").fetchall()
        }
        n_customers = con.execute(
            "SELECT count(DISTINCT customer_id) FROM dim_customer WHERE customer_key <> -1"
        ).fetchall()[0][0]
    assert (recon["raw_rows"] == recon["loaded_rows"] + recon["rejected_rows"]).all()
    assert recon["balanced"].all()
    # every genuine row is loaded: loaded = rows of the clean frames
    for source, frame in raw_frames.items():
        assert recon.loc[source, "loaded_rows"] == len(frame), source
    assert n_tx == len(raw_frames["transactions"]) and n_bal == len(raw_frames["balances"])
    assert tx_ids == set(raw_frames["transactions"]["transaction_id"])
    assert n_customers == len(raw_frames["customers"])
    assert summary.sources["transactions"]["rejected_rows"] == 10
    assert summary.checks_failed == 0


def test_reject_detail_names_the_column(dirty_mart):
    root, _, _ = dirty_mart
    with connect(root / "datamart.duckdb") as con:
        rows = con.execute("SELECT source, reason, detail FROM etl_reject").df()
    detail = rows.set_index(["source", "reason"])["detail"]
    assert "amount" in detail[("transactions", "unparseable_value")]
    assert "customer_id" in detail[("accounts", "orphan_foreign_key")]
    assert "days_past_due" in detail[("balances", "out_of_range")]


def test_raw_records_mask_personal_data_and_hash_ids(dirty_mart, raw_frames):
    root, _, _ = dirty_mart
    with connect(root / "datamart.duckdb") as con:
        records = [
            json.loads(r[0])
            for r in con.execute(
                "SELECT raw_record FROM etl_reject WHERE source = 'customers'"
            ).fetchall()
        ]
        acc = [
            json.loads(r[0])
            for r in con.execute(
                "SELECT raw_record FROM etl_reject WHERE source = 'accounts'"
            ).fetchall()
        ]
    for record in records:
        for col in PERSONAL_COLUMNS["customers"]:
            assert record[col] in ("***", None), col
        assert record["customer_id"] not in set(raw_frames["customers"]["customer_id"])
    natural_accounts = set(raw_frames["accounts"]["account_id"])
    assert all(r["account_id"] not in natural_accounts for r in acc)


def test_reject_rate_above_the_limit_stops_the_run(dirty_raw, tmp_path):
    root, _ = dirty_raw
    db = tmp_path / "datamart.duckdb"
    with pytest.raises(RejectRateError) as err:
        build_datamart(
            root / "raw",
            db,
            run_id="r",
            snapshots=SNAPSHOTS,
            pseudonym_key=KEY,
            max_reject_rate=0.05,
            progress=False,
        )
    message = str(err.value)
    # customers is the first source above 5% (5 of 29 rows); the reasons tie at one row each
    assert message.startswith("customers: 17.24% of raw rows rejected")
    assert err.value.reason in REJECT_REASONS and err.value.reason in message
    assert not db.exists() and not list(tmp_path.glob("*.building*"))


def test_parquet_extracts_load_like_csv(tmp_path, raw_frames):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, frame in raw_frames.items():
        if name == "transactions":
            (raw / name).mkdir()
            frame.to_parquet(raw / name / "part-00000.parquet", index=False)
        else:
            frame.to_parquet(raw / f"{name}.parquet", index=False)
    summary = build_datamart(
        raw,
        tmp_path / "dm.duckdb",
        run_id="pq",
        snapshots=SNAPSHOTS,
        pseudonym_key=KEY,
        progress=False,
    )
    assert all(s["rejected_rows"] == 0 for s in summary.sources.values()), summary.rejects_by_reason
    assert summary.table_rows["fact_transaction"] == len(raw_frames["transactions"])
    assert summary.checks_failed == 0


def test_missing_raw_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="raw_dir"):
        build_datamart(
            tmp_path / "nope",
            tmp_path / "x.duckdb",
            run_id="r",
            snapshots=SNAPSHOTS,
            pseudonym_key=KEY,
        )


def test_generated_dirty_rows_are_rejected_exactly(tiny_run):
    truth = pd.read_csv(tiny_run.truth / "dirty_rows.csv")
    with connect(tiny_run.datamart) as con:
        got = con.execute("SELECT source, file, row_number, reason FROM etl_reject").df()
    merged = got.merge(truth, on=["source", "file", "row_number"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["reason"] == merged["defect"]).all()


def test_write_raw_fixture_round_trip(tmp_path, raw_frames):
    # the fixture writer itself: no bad rows -> nothing expected
    expected = write_raw(raw_frames, tmp_path / "raw", dirty=False)
    assert expected.empty
