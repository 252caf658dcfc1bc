"""Pseudonymisation: keyed hashes instead of natural ids past the raw layer.

A keyed hash (HMAC-SHA256) cannot be reversed or re-computed without the key,
unlike a plain hash of a guessable id. The key comes from the environment
variable ``RISKINSIGHTS_PSEUDONYM_KEY`` or from a file named by the parameter
``run.pseudonym_key_file``; it is never a parameter value, and only a short
fingerprint of it is recorded. The public demo key is allowed for synthetic
runs only, and its use is shown on every report (pseudonyms made with a
published key are reversible by anyone who can guess the ids).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "KEY_ENV",
    "DEMO_KEY",
    "DEMO_NOTICE",
    "PseudonymKeyError",
    "PseudonymKey",
    "resolve_key",
    "key_fingerprint",
    "pseudonym_key",
    "pseudonymise",
]

KEY_ENV = "RISKINSIGHTS_PSEUDONYM_KEY"
#: Set by the runner for its kernels when the run uses the demo key.
DEMO_ENV = "RISKINSIGHTS_DEMO_KEY"
DEMO_KEY = "riskinsights-demo-key"
DEMO_NOTICE = "demo key: pseudonyms are reversible"
MIN_LENGTH = 8
_HOW = (
    f"set the environment variable {KEY_ENV} (at least {MIN_LENGTH} characters) or name a "
    "file holding it in run.pseudonym_key_file"
)


class PseudonymKeyError(ValueError):
    """No usable pseudonym key; the message is one line saying how to set one."""


@dataclass(frozen=True)
class PseudonymKey:
    """The key in force, where it came from, and its recordable fingerprint."""

    value: str
    source: str  # "environment", "file <path>" or "demo"

    @property
    def is_demo(self) -> bool:
        return self.value == DEMO_KEY

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.value)

    def record(self) -> dict[str, object]:
        """What ``run.json`` may hold about the key: never the key itself."""
        return {"source": self.source, "fingerprint": self.fingerprint, "demo": self.is_demo}


def key_fingerprint(key: str) -> str:
    """A short, non-reversible tag of ``key`` (8 hex characters) to tell keys apart in records."""
    return hmac.new(key.encode("utf-8"), b"riskinsights key fingerprint", "sha256").hexdigest()[:8]


def _read_key_file(path: str) -> str:
    file = Path(path).expanduser()
    try:
        key = file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise PseudonymKeyError(f"run.pseudonym_key_file: {file} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise PseudonymKeyError(f"run.pseudonym_key_file: {file}: cannot read ({reason})") from None
    if len(key) < MIN_LENGTH:
        raise PseudonymKeyError(
            f"run.pseudonym_key_file: {file}: expected a key of at least {MIN_LENGTH} characters"
        )
    return key


def resolve_key(key_file: str | None, *, synthetic: bool) -> PseudonymKey:
    """The key in force: the environment, else ``key_file``, else the demo key for synthetic runs.

    Raises :class:`PseudonymKeyError` (one line saying how to set a key) when own
    extracts have no key, or when the key given is too short or unreadable.
    """
    env = os.environ.get(KEY_ENV)
    if env:
        if len(env) < MIN_LENGTH:
            raise PseudonymKeyError(f"{KEY_ENV}: expected at least {MIN_LENGTH} characters")
        return PseudonymKey(env, "environment")
    if key_file:
        return PseudonymKey(_read_key_file(key_file), f"file {Path(key_file).expanduser()}")
    if synthetic:
        return PseudonymKey(DEMO_KEY, "demo")
    raise PseudonymKeyError(f"own extracts need a secret pseudonym key: {_HOW}")


def pseudonym_key(param_key: str | None = None) -> str:
    """The key in force inside a notebook or a library call.

    The environment variable (set by the runner for its kernels) wins; else
    ``param_key``; else the demo key (synthetic data only: the runner refuses
    own extracts without a key before any notebook starts).
    """
    key = os.environ.get(KEY_ENV) or param_key or DEMO_KEY
    if len(key) < MIN_LENGTH:
        raise ValueError(
            f"pseudonym_key: expected at least {MIN_LENGTH} characters (or set {KEY_ENV})"
        )
    return key


def pseudonymise(values: Iterable[object], key: str, *, length: int = 16) -> list[str]:
    """Keyed hash of each value, as ``length`` hex characters (stable for a key)."""
    secret = key.encode("utf-8")
    return [
        hmac.new(secret, str(v).encode("utf-8"), hashlib.sha256).hexdigest()[:length]
        for v in values
    ]
