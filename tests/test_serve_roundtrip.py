"""API scores equal what the notebooks wrote for the same rows (04's SQL, 05's list, 06's export)."""

import math

import duckdb
import numpy as np
import pandas as pd
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from riskinsights_lib import anomaly as an  # noqa: E402
from riskinsights_lib.serve.app import create_app  # noqa: E402
from riskinsights_lib.serve.schemas import ANOMALY_CONTEXT  # noqa: E402
from riskinsights_lib.serve.settings import Settings  # noqa: E402

KEY = "roundtrip-key-0123456789"
H = {"X-API-Key": KEY}
OOT = "2023-12-31"


@pytest.fixture(scope="module")
def client(served_run):
    app = create_app(Settings.with_keys([KEY], run_dir=served_run.root))
    with TestClient(app) as c:
        c.app_state = app.state
        yield c


def _json_value(v):
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v)
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return v


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    return [
        {c: _json_value(v) for c, v in zip(columns, r, strict=True)}
        for r in frame[columns].itertuples(index=False)
    ]


def _batch(client, model: str, rows: list[dict]) -> list[dict]:
    out = []
    for start in range(0, len(rows), 500):
        r = client.post(
            f"/v1/{model}/score/batch", json={"rows": rows[start : start + 500]}, headers=H
        )
        assert r.status_code == 200, r.text[:500]
        out += r.json()["results"]
    return out


def test_default_scores_equal_the_notebooks_sql(client, served_run):
    sql = (served_run.models / "default" / "scorecard.sql").read_text().rstrip().rstrip(";")
    with duckdb.connect(str(served_run.datamart), read_only=True) as con:
        in_db = con.execute(f"SELECT * FROM ({sql}) WHERE snapshot_date = DATE '{OOT}'").df()
        mart = con.execute(f"SELECT * FROM mart_default WHERE snapshot_date = DATE '{OOT}'").df()
    features = [s.name for s in client.app_state.served.default.specs]
    both = mart.merge(in_db[["customer_id", "score", "pd", "grade"]], on="customer_id")
    assert len(both) == len(mart) > 100
    api = pd.DataFrame(_batch(client, "default", _rows(both, features)))
    assert np.abs(api["score"] - both["score"]).max() < 1e-6
    assert np.abs(api["pd"] - both["pd"]).max() < 1e-9
    assert (api["grade"] == both["grade"]).all()


def test_churn_probabilities_and_reasons_equal_the_notebooks_list(client, served_run):
    listed = pd.read_csv(served_run.exports / "churn_targeting_list.csv", keep_default_na=False)
    with duckdb.connect(str(served_run.datamart), read_only=True) as con:
        mart = con.execute(f"SELECT * FROM mart_churn WHERE snapshot_date = DATE '{OOT}'").df()
    both = listed.merge(mart, on="customer_id", suffixes=("", "_mart"))
    assert len(both) == len(listed) == len(mart)
    features = [s.name for s in client.app_state.served.churn.specs]
    api = pd.DataFrame(_batch(client, "churn", _rows(both, features)))
    rel = np.abs(api["probability"] - both["churn_probability"]) / both["churn_probability"]
    assert rel.max() < 1e-5  # the list is written with 6 significant digits
    listed_reasons = both[["reason_1", "reason_2", "reason_3"]].to_numpy().tolist()
    assert [[r for r in row if r] for row in listed_reasons] == api["reasons"].tolist()
    # deciles as in 05's decile table: position in the probability order cut in tenths
    p = both["churn_probability"].to_numpy()
    higher = np.array([(p > v).sum() for v in p])
    expected = higher * 10 // len(p) + 1
    unique = ~both["churn_probability"].duplicated(keep=False).to_numpy()
    assert unique.mean() > 0.5
    assert (api["decile"].to_numpy()[unique] == expected[unique]).all()


def test_anomaly_scores_and_reasons_equal_the_notebooks_export(client, served_run):
    top = pd.read_csv(served_run.exports / "anomaly_top_transactions.csv", keep_default_na=False)
    with duckdb.connect(str(served_run.datamart), read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        an.materialise(con, an.derived_features_sql("mart_transaction_features"), "tx_features",
                       columns=[*an.CONTEXT_COLUMNS, *an.DETECTOR_FEATURES])  # fmt: skip
        rows = an.rows_by_ids(con, "tx_features", top["transaction_id"])
    assert len(rows) == len(top) > 10
    features = [s.name for s in client.app_state.served.anomaly.specs]
    context = [c for c in ANOMALY_CONTEXT if c in rows.columns]
    api = pd.DataFrame(_batch(client, "anomaly", _rows(rows, features + context)))
    assert np.abs(api["score"] - top["score"].astype(float)).max() < 1e-12
    assert api["flagged"].all() == (top["score"].astype(float) >= api["threshold"]).all()
    expected = [
        [r for r in row if r]
        for row in top[["reason_1", "reason_2", "reason_3"]].to_numpy().tolist()
    ]
    assert api["reasons"].tolist() == expected
