"""The one error a publish raises: one line naming the table and the server error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from riskinsights_lib.publish.load import server_message

__all__ = ["PublishError", "about"]


class PublishError(RuntimeError):
    """A publish failed; one line naming the table and the server error (no password)."""


@contextmanager
def about(where: str) -> Iterator[None]:
    """Turn any database error inside the block into a one-line :class:`PublishError`."""
    try:
        yield
    except PublishError:
        raise
    except Exception as exc:  # psycopg, ADBC and Arrow errors all end here
        raise PublishError(f"publish {where}: {server_message(exc)}") from None
