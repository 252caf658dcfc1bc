"""Kimball conventions, privacy, the data dictionary and the ERD of the datamart."""

from __future__ import annotations

import re

import matplotlib
import pandas as pd
import pytest

from riskinsights_lib.datamart import connect, data_dictionary, draw_erd, table_columns
from riskinsights_lib.datamart.erd import main as erd_main
from riskinsights_lib.datamart.schema import DIMENSIONS, FACTS, FOREIGN_KEYS, MARTS, TABLES

matplotlib.use("Agg")


@pytest.fixture(scope="module", params=["dirty_mart", "tiny_run"])
def mart(request):
    """(db path, run_id, raw folder) of the hand-made and of the generated datamart."""
    if request.param == "dirty_mart":
        root, _, summary = request.getfixturevalue("dirty_mart")
        return root / "datamart.duckdb", summary.run_id, root / "raw"
    paths = request.getfixturevalue("tiny_run")
    return paths.datamart, paths.root.name, paths.raw


def test_every_table_is_built_and_described(mart):
    db, run_id, _ = mart
    with connect(db) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        comments = dict(con.execute("SELECT table_name, comment FROM duckdb_tables()").fetchall())
        meta = con.execute("SELECT * FROM etl_table").df().set_index("table_name")
    assert tables == set(TABLES)
    for table in FACTS:
        assert "grain: " + TABLES[table][1] in comments[table]
        assert meta.loc[table, "grain"] == TABLES[table][1]
    assert (meta["run_id"] == run_id).all()


def test_unknown_member_and_every_fact_key_resolves(mart):
    db, _, _ = mart
    with connect(db) as con:
        for dim in DIMENSIONS:
            key = TABLES[dim][2][0]
            assert (
                con.execute(f"SELECT count(*) FROM {dim} WHERE {key} = -1").fetchall()[0][0] == 1
            ), dim
        for (child, col), (parent, pcol) in FOREIGN_KEYS.items():
            orphans = con.execute(
                f"SELECT count(*) FROM {child} c ANTI JOIN {parent} p ON c.{col} = p.{pcol}"
            ).fetchall()[0][0]
            nulls = con.execute(f"SELECT count(*) FROM {child} WHERE {col} IS NULL").fetchall()[0][
                0
            ]
            assert orphans == 0 and nulls == 0, (child, col)
        failed = con.execute("SELECT check_name FROM etl_check WHERE NOT passed").fetchall()
    assert failed == []


def test_scd2_versions_never_overlap_and_current_row_is_open_ended(mart):
    db, _, _ = mart
    with connect(db) as con:
        dim = con.execute("SELECT * FROM dim_customer WHERE customer_key <> -1").df()
    dim = dim.sort_values(["customer_id", "valid_from"])
    prev_to = dim.groupby("customer_id")["valid_to"].shift()
    nxt = dim["valid_from"][prev_to.notna()]
    assert (nxt == prev_to[prev_to.notna()] + pd.Timedelta(days=1)).all()  # contiguous, no overlap
    assert (dim["valid_from"] <= dim["valid_to"]).all()
    current = dim[dim["is_current"]]
    assert current["customer_id"].is_unique and len(current) == dim["customer_id"].nunique()
    assert (current["valid_to"] == pd.Timestamp("9999-12-31")).all()
    assert (dim.loc[~dim["is_current"], "valid_to"] < pd.Timestamp("9999-12-31")).all()
    assert dim.groupby("customer_id").size().max() > 1  # some customers do change


def test_fact_rows_point_at_the_version_valid_on_their_day(mart):
    db, _, _ = mart
    with connect(db) as con:
        wrong = con.execute(
            """
            SELECT count(*) FROM fact_transaction f
            JOIN dim_customer c USING (customer_key)
            JOIN dim_account a USING (account_key)
            WHERE a.customer_id <> c.customer_id
               OR CAST(f.ts AS DATE) NOT BETWEEN c.valid_from AND c.valid_to
            """
        ).fetchall()[0][0]
        unknown = con.execute(
            "SELECT count(*) FROM fact_transaction WHERE customer_key = -1"
        ).fetchall()[0][0]
    assert wrong == 0
    assert unknown == 0


def test_run_id_on_every_table(mart):
    db, run_id, _ = mart
    with connect(db) as con:
        for table in TABLES:
            if table in MARTS:
                continue  # model-ready marts: lineage in etl_table (a constant column would be a feature)
            assert "run_id" in table_columns(con, table), table
            values = {r[0] for r in con.execute(f"SELECT DISTINCT run_id FROM {table}").fetchall()}
            assert values <= {run_id}, table


def _personal_values(raw_dir) -> set[str]:
    customers = pd.read_csv(raw_dir / "customers.csv", dtype=str, keep_default_na=False)
    values: set[str] = set()
    for col in (
        "first_name",
        "last_name",
        "email",
        "phone",
        "national_id",
        "address",
        "postcode",
        "birth_date",
        "customer_id",
    ):
        values |= {v for v in customers[col] if len(v) >= 4}
    accounts = pd.read_csv(raw_dir / "accounts.csv", dtype=str, keep_default_na=False)
    values |= {v for v in accounts["account_id"] if len(v) >= 4}
    # a surname can also be a place ("Clare", "Poland"): reference values are not personal data
    reference: set[str] = set()
    for name in ("countries", "postcodes", "mcc"):
        frame = pd.read_csv(raw_dir / f"{name}.csv", dtype=str, keep_default_na=False)
        reference |= set(frame.to_numpy().ravel())
    return values - reference


def test_no_personal_data_anywhere_in_the_datamart(mart):
    db, _, raw_dir = mart
    personal = _personal_values(raw_dir)
    names = {v for v in personal if re.fullmatch(r"[A-Za-z'\- ]+", v)}
    found = []
    with connect(db) as con:
        text_cols = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR'"
        ).fetchall()
        for table, col in text_cols:
            values = {
                r[0]
                for r in con.execute(
                    f'SELECT DISTINCT "{col}" FROM {table} WHERE "{col}" IS NOT NULL'
                ).fetchall()
            }
            exact = values & personal
            if exact:
                found.append((table, col, sorted(exact)[:3]))
            # personal values inside longer text (e.g. the JSON of a rejected row)
            long_text = [v for v in values if len(v) > 40]
            for value in long_text:
                hits = [p for p in personal - names if p in value] + [
                    n for n in names if re.search(rf"\b{re.escape(n)}\b", value)
                ]
                if hits:
                    found.append((table, col, hits[:3]))
    assert not found, found


def test_the_dictionary_documents_every_column_with_its_type(mart):
    db, _, _ = mart
    with connect(db) as con:
        live = con.execute(
            'SELECT table_name AS "table", column_name AS "column", data_type AS type '
            "FROM information_schema.columns"
        ).df()
    doc = data_dictionary()
    merged = live.merge(
        doc, on=["table", "column"], how="outer", suffixes=("_live", "_doc"), indicator=True
    )
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["type_live"] == merged["type_doc"]).all(), merged[
        merged["type_live"] != merged["type_doc"]
    ]
    assert doc["description"].str.len().gt(3).all()


def test_the_erd_is_drawn_from_the_live_schema(mart, tmp_path):
    db, _, _ = mart
    with connect(db) as con:
        fig = draw_erd(con)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert set(FACTS + DIMENSIONS) <= texts
    assert "signed_amount" in texts  # a column read from information_schema
    assert "13 foreign keys" in fig.axes[0].get_title(loc="left")
    out = tmp_path / "schema.png"
    assert erd_main([str(db), str(out)]) == 0
    assert out.stat().st_size > 20_000
