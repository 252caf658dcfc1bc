"""API-key access: the ``X-API-Key`` header, checked in constant time against the keys' digests.

A missing key answers 401, a wrong key 403; both are declared in the OpenAPI
document (security scheme ``APIKeyHeader`` plus the two responses). With
``--insecure-local`` and no keys, every request passes and the service says so
at start.
"""

from __future__ import annotations

import hmac
import logging

from fastapi import Request, Security
from fastapi.security import APIKeyHeader

from riskinsights_lib.serve.errors import ApiError
from riskinsights_lib.serve.settings import Settings, key_digest

__all__ = ["API_KEY_HEADER", "AUTH_RESPONSES", "require_api_key", "key_matches"]

log = logging.getLogger("riskinsights.serve")

API_KEY_HEADER = "X-API-Key"
_scheme = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="An API key issued to the calling system (keys from RISKINSIGHTS_API_KEYS "
    "or a key file). Required on every endpoint but /health.",
)

AUTH_RESPONSES: dict[int | str, dict] = {
    401: {"description": "No X-API-Key header", "model": None},
    403: {"description": "The X-API-Key is not a valid key", "model": None},
}


def key_matches(candidate: str, digests: tuple[bytes, ...]) -> bool:
    """True when ``candidate`` is one of the keys; compares every digest, in constant time."""
    probe = key_digest(candidate)
    found = False
    for d in digests:
        found |= hmac.compare_digest(probe, d)
    return found


async def require_api_key(request: Request, key: str | None = Security(_scheme)) -> None:
    """Dependency: pass with a valid key (or when auth is off), else 401/403 as JSON."""
    settings: Settings = request.app.state.settings
    if not settings.auth_enabled:
        return
    if not key:
        raise ApiError(
            401, "unauthorized", f"missing {API_KEY_HEADER} header", field=API_KEY_HEADER
        )
    if not key_matches(key, settings.key_digests):
        raise ApiError(
            403, "forbidden", f"{API_KEY_HEADER} is not a valid key", field=API_KEY_HEADER
        )
