"""The ``/v1`` scoring endpoints, built from whatever models were loaded.

For each model: ``POST /v1/<model>/score`` (one row of features) and
``POST /v1/<model>/score/batch`` (``{"rows": [...]}``, capped). Plus
``GET /v1/customers/{customer_id}``: the latest snapshot of a pseudonymous
customer in the run's datamart, scored by the default and churn models.
Scoring runs in FastAPI's thread pool (plain ``def`` endpoints).
"""

from datetime import date
from typing import Annotated, Any

import duckdb
import pandas as pd
from fastapi import APIRouter, Body, Depends, Path, Request
from pydantic import BaseModel, Field

from riskinsights_lib.serve.auth import require_api_key
from riskinsights_lib.serve.domain import frame_from_rows
from riskinsights_lib.serve.errors import ApiError, responses_for
from riskinsights_lib.serve.loading import CHURN_TABLE, DEFAULT_TABLE, ServedModels
from riskinsights_lib.serve.schemas import (
    ANOMALY_CONTEXT,
    AnomalyResult,
    ChurnResult,
    DefaultResult,
    ModelInfoOut,
    batch_model,
    batch_response,
    example_row,
    features_model,
    single_response,
)

__all__ = ["scoring_router", "CustomerScores"]

_SCORE_ERRORS = responses_for(400, 401, 403, 413, 422)
_RESULTS = {"default": DefaultResult, "churn": ChurnResult, "anomaly": AnomalyResult}
_TITLES = {
    "default": ("Default", "Probability of default (12 months), score, grade and reason codes"),
    "churn": ("Churn", "Probability of churn (6 months), decile and SHAP reasons in words"),
    "anomaly": ("Anomaly", "Anomaly score of a transaction, flag at the run's threshold, reasons"),
}


def _score(scorer: Any, rows: list[BaseModel]) -> list[dict[str, Any]]:
    dicts = [r.model_dump() for r in rows]
    frame = frame_from_rows(dicts, scorer.specs)
    extra = [k for k in (dicts[0] if dicts else {}) if k not in frame.columns]
    for k in extra:  # context columns (anomaly reasons quote them)
        frame[k] = pd.Series([d.get(k) for d in dicts], dtype=object)
    return scorer.score_frame(frame)


def _add_model(router: APIRouter, key: str, scorer: Any, max_batch: int) -> None:
    title, summary = _TITLES[key]
    context = ANOMALY_CONTEXT if key == "anomaly" else None
    row = features_model(f"{title}Features", scorer.specs, context=context)
    batch = batch_model(f"{title}Batch", row, max_batch)
    single_out = single_response(f"{title}Score", _RESULTS[key])
    batch_out = batch_response(f"{title}BatchScores", _RESULTS[key])
    example = example_row(scorer.specs)

    def score_one(features: Annotated[row, Body(examples=[example])]) -> Any:  # type: ignore[valid-type]
        return {**_score(scorer, [features])[0], "model": scorer.info.public()}

    def score_batch(
        body: Annotated[batch, Body(examples=[{"rows": [example, example]}])],  # type: ignore[valid-type]
    ) -> Any:
        results = _score(scorer, body.rows)
        return {"model": scorer.info.public(), "n": len(results), "results": results}

    router.add_api_route(
        f"/{key}/score", score_one, methods=["POST"], response_model=single_out,
        summary=f"{title}: score one row", description=summary, responses=_SCORE_ERRORS,
        tags=[title], operation_id=f"score_{key}",
    )  # fmt: skip
    router.add_api_route(
        f"/{key}/score/batch", score_batch, methods=["POST"], response_model=batch_out,
        summary=f"{title}: score up to {max_batch} rows", description=summary,
        responses=_SCORE_ERRORS, tags=[title], operation_id=f"score_{key}_batch",
    )  # fmt: skip


class CustomerScores(BaseModel):
    """The latest snapshot of one customer in the datamart, scored."""

    customer_id: str
    default_snapshot: date | None = Field(description="Snapshot of the default features used")
    default: DefaultResult | None = Field(description="null when not in the credit population")
    churn_snapshot: date | None = Field(description="Snapshot of the churn features used")
    churn: ChurnResult | None = Field(description="null when not in the churn population")
    models: list[ModelInfoOut]


def _latest(con: duckdb.DuckDBPyConnection, table: str, customer_id: str) -> pd.DataFrame:
    return con.execute(
        f'SELECT * FROM "{table}" WHERE customer_id = ? ORDER BY snapshot_date DESC LIMIT 1',
        [customer_id],
    ).df()


def _add_lookup(router: APIRouter, served: ServedModels) -> None:
    def lookup(
        request: Request,
        customer_id: str = Path(
            ...,
            min_length=1,
            max_length=64,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="Pseudonymous customer id of the datamart",
        ),  # fmt: skip
    ) -> Any:
        con = request.app.state.datamart
        if con is None:
            raise ApiError(503, "not_ready", "the datamart is not open")
        cur = con.cursor()
        try:
            out: dict[str, Any] = {"customer_id": customer_id, "models": []}
            for key, table in (("default", DEFAULT_TABLE), ("churn", CHURN_TABLE)):
                scorer = getattr(served, key)
                rows = _latest(cur, table, customer_id) if scorer else pd.DataFrame()
                out[f"{key}_snapshot"] = rows["snapshot_date"].iloc[0].date() if len(rows) else None
                out[key] = scorer.score_frame(rows)[0] if len(rows) else None
                if len(rows):
                    out["models"].append(scorer.info.public())
        finally:
            cur.close()
        if out["default"] is None and out["churn"] is None:
            raise ApiError(
                404, "not_found", "customer_id: not in the datamart's marts", field="customer_id"
            )
        return out

    router.add_api_route(
        "/customers/{customer_id}", lookup, methods=["GET"], response_model=CustomerScores,
        summary="Score a customer of the datamart by pseudonymous id",
        description="Reads the customer's latest snapshot features (read-only) and scores them.",
        responses=responses_for(401, 403, 404, 422, 503), tags=["Customers"],
        operation_id="lookup_customer",
    )  # fmt: skip


def scoring_router(served: ServedModels, max_batch: int) -> APIRouter:
    """The authenticated ``/v1`` router for the loaded models."""
    router = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)])
    for key, scorer in served.loaded.items():
        _add_model(router, key, scorer, max_batch)
    if served.datamart is not None and (served.default or served.churn):
        _add_lookup(router, served)
    return router
