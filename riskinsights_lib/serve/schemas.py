"""The API contract: strict pydantic v2 request models built from the loaded models' feature specs.

Every request model forbids unknown fields and validates strictly (a JSON
``true`` is not a number, ``"3"`` is not an integer, ``3.5`` is not an
integer); numbers must be finite and within the feature's accepted range;
categories must be ones the model was trained on; every feature must be
present, ``null`` meaning missing. Response models are fixed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from riskinsights_lib.anomaly.features import CHANNELS
from riskinsights_lib.serve.domain import FeatureSpec

__all__ = [
    "ModelInfoOut",
    "DefaultResult",
    "ChurnResult",
    "AnomalyResult",
    "features_model",
    "batch_model",
    "single_response",
    "batch_response",
    "example_row",
    "ANOMALY_CONTEXT",
]

STRICT = ConfigDict(extra="forbid", strict=True, protected_namespaces=())


def _integral_float(value: Any) -> Any:
    """JSON Schema counts 3.0 as an integer: accept it as 3; 3.5, "3" and true stay errors."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def _field_type(spec: FeatureSpec) -> Any:
    if spec.kind == "boolean":
        return bool
    if spec.kind == "category":
        if spec.categories:
            return Literal[tuple(spec.categories)]  # type: ignore[valid-type]
        return Annotated[str, Field(min_length=1, max_length=100)]
    base = int if spec.kind == "integer" else float
    bounds: dict[str, Any] = {}
    if spec.minimum is not None:
        bounds["ge"] = int(spec.minimum) if base is int else spec.minimum
    if spec.maximum is not None:
        bounds["le"] = int(spec.maximum) if base is int else spec.maximum
    if base is float:
        return Annotated[float, Field(allow_inf_nan=False, **bounds)]
    return Annotated[int, Field(**bounds), BeforeValidator(_integral_float)]  # constraints first


def _describe(spec: FeatureSpec) -> str:
    text = spec.description or spec.name.replace("_", " ")
    if spec.minimum is not None and spec.maximum is not None:
        text += f"; accepted {spec.minimum:g} to {spec.maximum:g}"
    if spec.nullable:
        text += "; null = missing"
    return text


#: Optional transaction context the anomaly reasons quote (not model inputs).
ANOMALY_CONTEXT: dict[str, Any] = {
    "ts": (
        datetime | None,
        # JSON has no datetime type: an ISO 8601 string is the strict form here
        Field(
            None, strict=False, description="Transaction time (ISO 8601), for the hour in reasons"
        ),
    ),
    "channel": (Literal[CHANNELS] | None, Field(None, description="Channel of the transaction")),  # type: ignore[valid-type]
    "merchant_country": (
        Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None,
        Field(None, description="ISO 3166 alpha-2 country of the merchant"),
    ),
    "mcc": (
        Annotated[int, Field(ge=0, le=9999), BeforeValidator(_integral_float)] | None,
        Field(None, description="Merchant category code"),
    ),
    "amount": (
        Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)] | None,
        Field(None, description="Amount in EUR"),
    ),
    "prior_median_amount": (
        Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)] | None,
        Field(None, description="The customer's median amount before this transaction (EUR)"),
    ),
}


def example_row(specs: list[FeatureSpec]) -> dict[str, Any]:
    """A valid example request row: each feature's example value."""
    return {s.name: s.example for s in specs}


def features_model(
    name: str, specs: list[FeatureSpec], *, context: dict[str, Any] | None = None
) -> type[BaseModel]:
    """A strict request model with one required (nullable) field per feature."""
    fields: dict[str, Any] = {}
    for s in specs:
        typ = _field_type(s)
        typ = typ | None if s.nullable else typ
        fields[s.name] = (typ, Field(..., description=_describe(s)))
    for key, value in (context or {}).items():
        if key not in fields:
            fields[key] = value
    config = ConfigDict(**STRICT, json_schema_extra={"examples": [example_row(specs)]})
    return create_model(name, __config__=config, **fields)


def batch_model(name: str, row_model: type[BaseModel], max_rows: int) -> type[BaseModel]:
    """A strict batch request: ``rows``, a list of 1..``max_rows`` feature rows."""
    return create_model(
        name,
        __config__=STRICT,
        rows=(
            list[row_model],
            Field(
                ...,
                min_length=1,
                max_length=max_rows,
                description=f"1 to {max_rows} rows; more answers 413",
            ),
        ),
    )


class ModelInfoOut(BaseModel):
    """Which model answered."""

    name: str = Field(examples=["riskinsights-default-scorecard"])
    version: str = Field(
        description="Registry version, or sha256 of the model file in a run folder"
    )
    run_id: str | None = Field(description="The run that trained it")


class DefaultResult(BaseModel):
    pd: float = Field(ge=0, le=1, description="Probability of default within 12 months")
    score: float = Field(description="Scorecard points (higher = safer)")
    grade: str = Field(description="Grade of the master scale (G1 = safest)")
    reasons: list[str] = Field(description="Characteristics costing the most points, worst first")


class ChurnResult(BaseModel):
    probability: float = Field(ge=0, le=1, description="Probability of churn within 6 months")
    decile: int | None = Field(
        ge=1, le=10, description="Decile among the reference snapshot (1 = riskiest)"
    )
    reasons: list[str] = Field(description="Features pushing the churn risk up the most (SHAP)")


class AnomalyResult(BaseModel):
    score: float = Field(ge=0, le=1, description="Isolation Forest score (higher = more unusual)")
    flagged: bool = Field(description="score >= the run's alert threshold")
    threshold: float = Field(description="The run's alert threshold")
    reasons: list[str] = Field(description="Why it looks unusual, strongest first")


def single_response(name: str, result: type[BaseModel]) -> type[BaseModel]:
    """Response of a single-row call: the result's fields plus ``model``."""
    return create_model(name, __base__=result, model=(ModelInfoOut, ...))


def batch_response(name: str, result: type[BaseModel]) -> type[BaseModel]:
    """Response of a batch call: ``model``, ``n`` and ``results`` in request order."""
    return create_model(
        name, model=(ModelInfoOut, ...), n=(int, Field(..., ge=0)), results=(list[result], ...)
    )
