"""Errors as JSON that names the field: one body shape for every 4xx/5xx, never an input value.

Validation messages are pydantic's own message text (which states the rule,
e.g. "Input should be less than or equal to 120"), with the input value and
context dropped; locations become dotted field paths (``rows.3.annual_income``).
A list longer than the batch cap answers 413 instead of 422.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "ApiError",
    "ErrorBody",
    "FieldError",
    "error_response",
    "install_error_handlers",
    "responses_for",
]


class FieldError(BaseModel):
    """One problem with one field of the request."""

    model_config = ConfigDict(extra="forbid")
    field: str = Field(description="Where: a dotted path into the body, a header or a path part")
    message: str = Field(description="What was expected (never the value sent)")
    type: str = Field(description="Machine-readable kind, e.g. less_than_equal, missing")


class ErrorBody(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(extra="forbid")
    error: str = Field(description="Machine-readable error code", examples=["invalid_request"])
    message: str = Field(description="One line for a person")
    errors: list[FieldError] = Field(default_factory=list)
    request_id: str = Field(description="Quote it when asking for support")


class ApiError(Exception):
    """An error with a status, a code, a one-line message and the field it concerns."""

    def __init__(
        self, status: int, code: str, message: str, *, field: str | None = None, kind: str = ""
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.errors = [FieldError(field=field, message=message, type=kind or code)] if field else []


_DESCRIPTIONS = {
    400: "The body could not be read (e.g. not UTF-8 text)",
    401: "No X-API-Key header",
    403: "The X-API-Key is not a valid key",
    404: "Not found",
    413: "Too many rows (above the batch cap) or a body above the size limit",
    422: "The request does not follow the contract: each error names the field",
    503: "The models or the datamart are not loaded yet",
}


def responses_for(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for these error statuses, all with :class:`ErrorBody`."""
    return {s: {"model": ErrorBody, "description": _DESCRIPTIONS[s]} for s in statuses}


def _request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", "-"))


def error_response(
    request: Request, status: int, code: str, message: str, errors: list[FieldError] | None = None
) -> JSONResponse:
    """The JSON response of an error (adds the request id)."""
    body = ErrorBody(
        error=code, message=message, errors=errors or [], request_id=_request_id(request)
    )
    headers = {"WWW-Authenticate": "APIKey"} if status == 401 else None
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return (".".join(parts) or "body")[:200]


def _clean(err: dict[str, Any]) -> FieldError:
    kind = str(err.get("type", "invalid"))
    message = str(err.get("msg", "invalid value"))
    if kind == "json_invalid":
        message = "the body is not valid JSON"
    return FieldError(field=_field_path(tuple(err.get("loc", ()))), message=message, type=kind)


async def _on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [_clean(e) for e in exc.errors()]
    cap = getattr(request.app.state, "settings", None)
    too_long = [e for e in errors if e.type == "too_long" and e.field == "rows"]
    if too_long and cap is not None:
        msg = f"rows: at most {cap.max_batch} rows per request; split the batch"
        return error_response(request, 413, "batch_too_large", msg, too_long)
    first = errors[0].field if errors else "body"
    msg = f"{len(errors)} invalid field(s), first: {first}"
    return error_response(request, 422, "invalid_request", msg, errors[:50])


async def _on_api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(request, exc.status, exc.code, exc.message, exc.errors)


async def _on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
    code = codes.get(exc.status_code, "http_error")
    response = error_response(request, exc.status_code, code, str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def install_error_handlers(app) -> None:
    """Register the JSON error handlers on a FastAPI app."""
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(StarletteHTTPException, _on_http)
