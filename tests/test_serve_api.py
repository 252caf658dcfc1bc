"""The scoring API in-process (FastAPI TestClient): every endpoint, auth, the contract, the batch cap."""

import json
import logging

import duckdb
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from riskinsights_lib.serve.app import create_app  # noqa: E402
from riskinsights_lib.serve.schemas import example_row  # noqa: E402
from riskinsights_lib.serve.settings import Settings  # noqa: E402

KEY = "test-key-0123456789abcdef"
OTHER_KEY = "another-key-0123456789ab"
H = {"X-API-Key": KEY}
MODELS = ("default", "churn", "anomaly")


@pytest.fixture(scope="module")
def app(served_run):
    settings = Settings.with_keys([KEY, OTHER_KEY], run_dir=served_run.root, max_batch=50)
    return create_app(settings)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


def _example(app, model: str) -> dict:
    return example_row(getattr(app.state.served, model).specs)


def test_health_needs_no_key_and_everything_else_does(client):
    assert client.get("/health").json() == {"status": "ok"}
    protected = [("GET", "/ready"), ("GET", "/version"), ("GET", "/v1/customers/abc")]
    protected += [("POST", f"/v1/{m}/score") for m in MODELS]
    protected += [("POST", f"/v1/{m}/score/batch") for m in MODELS]
    for method, path in protected:
        missing = client.request(method, path, json={})
        wrong = client.request(method, path, json={}, headers={"X-API-Key": "x" * 24})
        assert missing.status_code == 401, path
        assert wrong.status_code == 403, path
        assert missing.json()["errors"][0]["field"] == "X-API-Key"
        assert "x" * 24 not in wrong.text


def test_both_configured_keys_work_and_openapi_documents_auth(client):
    for key in (KEY, OTHER_KEY):
        assert client.get("/ready", headers={"X-API-Key": key}).status_code == 200
    spec = client.get("/openapi.json").json()
    assert "APIKeyHeader" in spec["components"]["securitySchemes"]
    for path, ops in spec["paths"].items():
        for op in ops.values():
            if path != "/health":
                assert {"401", "403"} <= set(op["responses"]), path
                assert op.get("security"), path


def test_ready_and_version_name_the_models_run_and_commit(client, served_run):
    ready = client.get("/ready", headers=H).json()
    assert ready == {"ready": True, "models": list(MODELS), "datamart": True}
    version = client.get("/version", headers=H).json()
    run = json.loads((served_run.root / "run.json").read_text())
    assert version["run_id"] == run["run_id"] and version["git_commit"] == run["git_commit"]
    names = {m["name"] for m in version["models"]}
    assert names == {"riskinsights-default-scorecard", "riskinsights-churn", "riskinsights-anomaly"}
    assert all(m["version"].startswith("sha256:") for m in version["models"])


@pytest.mark.parametrize("model", MODELS)
def test_single_and_batch_scoring_agree(client, app, model):
    row = _example(app, model)
    one = client.post(f"/v1/{model}/score", json=row, headers=H)
    assert one.status_code == 200, one.text
    batch = client.post(f"/v1/{model}/score/batch", json={"rows": [row, row]}, headers=H)
    assert batch.status_code == 200, batch.text
    body = batch.json()
    assert body["n"] == 2 and body["model"] == one.json()["model"]
    single = {k: v for k, v in one.json().items() if k != "model"}
    assert body["results"][0] == single == body["results"][1]


def test_default_result_has_pd_score_grade_reasons(client, app):
    out = client.post("/v1/default/score", json=_example(app, "default"), headers=H).json()
    assert 0 < out["pd"] < 1 and out["grade"].startswith("G")
    assert out["model"]["name"] == "riskinsights-default-scorecard"
    assert all(isinstance(r, str) and r for r in out["reasons"])


def test_missing_values_are_accepted_where_the_model_has_a_missing_bin(client, app):
    for model in MODELS:
        row = {k: None for k in _example(app, model)}
        r = client.post(f"/v1/{model}/score", json=row, headers=H)
        assert r.status_code == 200, (model, r.text)
    out = client.post("/v1/default/score", json=row_of(app, "default", None), headers=H).json()
    assert any("not available" in reason for reason in out["reasons"])


def row_of(app, model, value):
    return {k: value for k in _example(app, model)}


def _numeric_field(app, model):
    return next(s for s in getattr(app.state.served, model).specs if s.kind == "number")


@pytest.mark.parametrize(
    ("mutate", "kind"),
    [
        (lambda row, f: row.update({f.name: True}), "float_type"),  # no bool -> number coercion
        (lambda row, f: row.update({f.name: "12.5"}), "float_type"),  # no text -> number
        (lambda row, f: row.update({f.name: f.maximum * 10 + 1}), "less_than_equal"),
        (lambda row, f: row.update({"unexpected_field": 1}), "extra_forbidden"),
        (lambda row, f: row.pop(f.name), "missing"),
    ],
)
def test_contract_violations_answer_422_naming_the_field_not_the_value(
    client, app, mutate, kind, caplog
):
    spec = _numeric_field(app, "default")
    row = _example(app, "default")
    mutate(row, spec)
    with caplog.at_level(logging.INFO, logger="riskinsights.serve"):
        r = client.post("/v1/default/score", json=row, headers=H)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_request" and body["request_id"] == r.headers["x-request-id"]
    err = body["errors"][0]
    assert err["type"] == kind
    assert err["field"] in {spec.name, "unexpected_field"}
    assert "input" not in err and "Traceback" not in r.text
    # the sent value is never echoed (the field's own bound may be quoted, and may contain "12.5")
    bound = str(spec.maximum) if kind == "less_than_equal" else ""
    assert "12.5" not in r.text.replace(bound or "\0", "") and str(f"{spec.maximum * 10 + 1}") not in r.text
    assert "12.5" not in caplog.text and "unexpected_field" not in caplog.text


def test_strict_integers_and_categories(client, app):
    specs = app.state.served.default.specs
    integer = next((s for s in specs if s.kind == "integer"), None)
    category = next((s for s in specs if s.kind == "category"), None)
    if integer is not None:
        row = _example(app, "default") | {integer.name: 1.5}
        assert client.post("/v1/default/score", json=row, headers=H).status_code == 422
    if category is not None:
        row = _example(app, "default") | {category.name: "not-a-category"}
        r = client.post("/v1/default/score", json=row, headers=H)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == category.name


def test_non_finite_numbers_and_broken_json_are_422(client, app):
    spec = _numeric_field(app, "churn")
    text = json.dumps(_example(app, "churn")).replace(
        f'"{spec.name}": {json.dumps(_example(app, "churn")[spec.name])}', f'"{spec.name}": NaN'
    )
    r = client.post(
        "/v1/churn/score", content=text, headers={**H, "content-type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == spec.name
    r = client.post(
        "/v1/churn/score", content=b"{not json", headers={**H, "content-type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"


def test_batch_cap_answers_413_and_empty_batch_422(client, app):
    row = _example(app, "anomaly")
    too_many = client.post("/v1/anomaly/score/batch", json={"rows": [row] * 51}, headers=H)
    assert too_many.status_code == 413
    assert too_many.json()["errors"][0]["field"] == "rows" and "50" in too_many.json()["message"]
    at_cap = client.post("/v1/anomaly/score/batch", json={"rows": [row] * 50}, headers=H)
    assert at_cap.status_code == 200 and at_cap.json()["n"] == 50
    empty = client.post("/v1/anomaly/score/batch", json={"rows": []}, headers=H)
    assert empty.status_code == 422
    bad_row = client.post("/v1/anomaly/score/batch", json={"rows": [row, {"x": 1}]}, headers=H)
    assert bad_row.status_code == 422
    assert bad_row.json()["errors"][0]["field"].startswith("rows.1.")


def test_oversized_body_is_413(client):
    r = client.post("/v1/default/score", content=b" " * 4_000_001, headers=H)
    assert r.status_code == 413 and r.json()["error"] == "too_large"


def test_anomaly_context_is_quoted_in_reasons_and_flag_follows_the_threshold(client, app):
    row = _example(app, "anomaly") | {
        "night_initiated": 1.0,
        "ts": "2024-03-02T02:14:00",
        "channel": "atm",
        "merchant_country": "BR",
    }
    out = client.post("/v1/anomaly/score", json=row, headers=H).json()
    assert out["flagged"] == (out["score"] >= out["threshold"])
    bad = client.post("/v1/anomaly/score", json=row | {"merchant_country": "Brazil"}, headers=H)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "merchant_country"


def test_customer_lookup_scores_the_latest_snapshot(client, served_run):
    with duckdb.connect(str(served_run.datamart), read_only=True) as con:
        cid, snap = con.execute(
            "SELECT customer_id, max(snapshot_date) FROM mart_default GROUP BY 1 ORDER BY 1 LIMIT 1"
        ).fetchone()
    r = client.get(f"/v1/customers/{cid}", headers=H)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["customer_id"] == cid and body["default_snapshot"] == snap.isoformat()
    assert 0 < body["default"]["pd"] < 1
    missing = client.get("/v1/customers/no-such-customer", headers=H)
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "customer_id"
    assert client.get("/v1/customers/bad%20id!", headers=H).status_code == 422


def test_access_log_has_request_id_route_status_latency_and_no_features(client, app, caplog):
    row = _example(app, "default")
    with caplog.at_level(logging.INFO, logger="riskinsights.serve.access"):
        r = client.post("/v1/default/score", json=row, headers={**H, "X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    line = next(rec.getMessage() for rec in caplog.records if "abc-123" in rec.getMessage())
    assert "route=/v1/default/score" in line and "status=200" in line and "latency_ms=" in line
    for name in row:
        assert name not in caplog.text
    assert KEY not in caplog.text


def test_unknown_routes_and_methods_are_json(client):
    assert client.get("/v2/nothing", headers=H).json()["error"] == "not_found"
    r = client.get("/v1/default/score", headers=H)
    assert r.status_code == 405 and r.json()["error"] == "method_not_allowed"
