"""Request ids, one log line per request, body-size limit and a last-resort 500, as ASGI middleware.

The log line carries the request id, method, route template (never the path
with its ids), status and latency; never headers, query values or the body.
An unexpected exception is logged by type and code location only (no message,
which could quote data) and answers a JSON 500 with the request id.
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
import uuid
from typing import Any

__all__ = ["RequestContextMiddleware", "configure_logging"]

log = logging.getLogger("riskinsights.serve")
access = logging.getLogger("riskinsights.serve.access")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def configure_logging(level: str = "info") -> None:
    """One-line log records on stderr for the service's loggers."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("riskinsights.serve")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    return " <- ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(frames)
    )


class RequestContextMiddleware:
    """Pure ASGI middleware: request id, size limit, access log, JSON 500."""

    def __init__(self, app: Any, max_body_bytes: int = 4_000_000) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        start = time.perf_counter()
        status = {"code": 500, "started": False}

        async def send_with_id(message: dict) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["started"] = message["status"], True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            length = headers.get("content-length", "0")
            if not length.isdigit() or int(length) > self.max_body_bytes:
                await self._reply(
                    send_with_id, 413, "too_large", "body above the size limit", request_id
                )
            else:
                await self.app(scope, receive, send_with_id)
        except Exception as exc:  # last resort: never a traceback to the client
            log.error(
                "request_id=%s unhandled %s at %s", request_id, type(exc).__name__, _where(exc)
            )
            if not status["started"]:
                await self._reply(send_with_id, 500, "internal_error", "internal error", request_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            access.info(
                "request_id=%s method=%s route=%s status=%d latency_ms=%.2f",
                request_id, scope.get("method", "-"), template, status["code"],
                (time.perf_counter() - start) * 1000,
            )  # fmt: skip

    @staticmethod
    async def _reply(send: Any, status: int, code: str, message: str, request_id: str) -> None:
        body = json.dumps(
            {"error": code, "message": message, "errors": [], "request_id": request_id}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
