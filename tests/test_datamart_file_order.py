"""Row numbers of rejects stay right when DuckDB reads a large file in parallel.

The judging pass appends each file's rows in file order and a row's number is
its position; an operator that reorders rows (a join does, once a file is read
by several threads) would silently move every reject's row number. The small
fixtures are read on one thread and cannot show that, so this test judges a
file of 600,000 rows with bad rows planted far apart.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from riskinsights_lib.datamart.contract import CsvDialect
from riskinsights_lib.datamart.extracts import inspect_file
from riskinsights_lib.datamart.load import source_files
from riskinsights_lib.datamart.quality import REJECT_DDL, judge_source, write_rejects
from riskinsights_lib.datamart.sources import source_by_name

N = 600_000
ORPHAN_ACCOUNT, BAD_AMOUNT, ORPHAN_COUNTRY, DUPLICATE = 1_000, 250_000, 431_517, 599_998
EXPECTED = {  # data row (1-based) -> reason
    ORPHAN_ACCOUNT: "orphan_foreign_key",
    BAD_AMOUNT: "unparseable_value",
    ORPHAN_COUNTRY: "orphan_foreign_key",
    DUPLICATE: "duplicate_id",
}


def _write_transactions(path) -> None:
    """Row k has id ``T<k>``, except the planted bad rows."""
    rows = np.arange(1, N + 1)
    ids = np.char.add("T", rows.astype(str)).astype(object)
    accounts = np.array(["A1", "A2", "A3"], dtype=object)[rows % 3]
    amounts = np.char.mod("%.2f", 1 + rows % 500 / 7).astype(object)
    countries = np.full(N, "IE", dtype=object)
    accounts[ORPHAN_ACCOUNT - 1] = "A404"
    amounts[BAD_AMOUNT - 1] = "12,3x"
    countries[ORPHAN_COUNTRY - 1] = "ZZ"
    ids[DUPLICATE - 1] = "T10"
    table = pa.table(
        {
            "transaction_id": ids.astype(str),
            "account_id": accounts.astype(str),
            "ts": np.full(N, "2023-03-01 12:00:00"),
            "amount": amounts.astype(str),
            "direction": np.full(N, "D"),
            "channel": np.full(N, "card_present"),
            "mcc": np.full(N, "5411"),
            "merchant_country": countries.astype(str),
        }
    )
    pcsv.write_csv(table, path)


def inspect_extracts_of(con, raw, source):
    """The checked files of one source (as the build does before judging)."""
    return [
        inspect_file(
            con,
            path,
            path.relative_to(raw.parent).as_posix(),
            source,
            dialect=CsvDialect(),
            require_controls=False,
            work_dir=raw.parent / "work",
        )
        for path in source_files(raw, source.name)
    ]


def test_reject_row_numbers_survive_a_parallel_read(tmp_path):
    raw = tmp_path / "raw"
    (raw / "transactions").mkdir(parents=True)
    _write_transactions(raw / "transactions" / "part-00000.csv")
    con = duckdb.connect()
    con.execute("SET threads = 2")
    # the parents, as if loaded by the earlier sources
    con.execute("CREATE VIEW cln_accounts AS FROM (VALUES ('A1'), ('A2'), ('A3')) v(account_id)")
    con.execute("CREATE VIEW cln_mcc AS SELECT 5411 AS mcc")
    con.execute("CREATE VIEW cln_countries AS SELECT 'IE' AS country_code")
    con.execute('CREATE TABLE _idmap ("natural" VARCHAR, hashed VARCHAR)')
    source = source_by_name("transactions")
    files = inspect_extracts_of(con, raw, source)
    judged = judge_source(con, files, source, history_end=dt.date(2023, 12, 31))
    con.execute(REJECT_DDL)
    write_rejects(con, judged, "order-test")

    got = dict(con.execute("SELECT row_number, reason FROM etl_reject ORDER BY 1").fetchall())
    assert got == EXPECTED
    assert judged.raw_rows == N
    misplaced = con.execute(
        "SELECT count(*) FROM _judged_transactions "
        "WHERE _rule IS NULL AND transaction_id <> 'T' || (rowid + 1)"
    ).fetchall()[0][0]
    assert misplaced == 0  # every loaded row sits at its own position
