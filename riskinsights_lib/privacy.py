"""Pseudonymisation: keyed hashes instead of natural ids past the raw layer.

A keyed hash (HMAC-SHA256) cannot be reversed or re-computed without the key,
unlike a plain hash of a guessable id. The key comes from the environment
variable ``RISKINSIGHTS_PSEUDONYM_KEY`` when set, else from the parameter.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable

__all__ = ["KEY_ENV", "pseudonym_key", "pseudonymise"]

KEY_ENV = "RISKINSIGHTS_PSEUDONYM_KEY"


def pseudonym_key(param_key: str) -> str:
    """The key in force: the environment variable wins over the parameter."""
    key = os.environ.get(KEY_ENV) or param_key
    if not key or len(key) < 8:
        raise ValueError(f"pseudonym_key: expected at least 8 characters (or set {KEY_ENV})")
    return key


def pseudonymise(values: Iterable[object], key: str, *, length: int = 16) -> list[str]:
    """Keyed hash of each value, as ``length`` hex characters (stable for a key)."""
    secret = key.encode("utf-8")
    return [
        hmac.new(secret, str(v).encode("utf-8"), hashlib.sha256).hexdigest()[:length]
        for v in values
    ]
