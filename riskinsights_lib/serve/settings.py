"""Service settings: flags and environment in, one frozen object out; API keys from env or file.

Keys are never stored in clear beyond this module: :class:`Settings` keeps
their SHA-256 digests, and logs name a key only by :func:`fingerprint`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "KEYS_ENV",
    "KEYS_FILE_ENV",
    "MIN_KEY_LENGTH",
    "Settings",
    "SettingsError",
    "fingerprint",
    "key_digest",
    "read_api_keys",
]

KEYS_ENV = "RISKINSIGHTS_API_KEYS"
KEYS_FILE_ENV = "RISKINSIGHTS_API_KEYS_FILE"
MIN_KEY_LENGTH = 16
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class SettingsError(ValueError):
    """A setting a person got wrong: the message is one line, naming the flag, variable or file."""


def key_digest(key: str) -> bytes:
    """SHA-256 digest of a key (what the service compares, in constant time)."""
    return hashlib.sha256(key.encode("utf-8")).digest()


def fingerprint(key: str) -> str:
    """Short public fingerprint of a key for logs: ``sha256:`` and 8 hex characters."""
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


def _keys_from_text(text: str, where: str) -> list[str]:
    keys = []
    for n, line in enumerate(text.replace(",", "\n").splitlines(), start=1):
        key = line.strip()
        if not key or key.startswith("#"):
            continue
        if len(key) < MIN_KEY_LENGTH or any(c.isspace() for c in key):
            raise SettingsError(
                f"{where}: key {n} is shorter than {MIN_KEY_LENGTH} characters or holds spaces"
            )
        keys.append(key)
    return keys


def read_api_keys(keys_file: str | os.PathLike | None = None) -> list[str]:
    """API keys from ``keys_file`` (one per line, ``#`` comments), else ``$RISKINSIGHTS_API_KEYS_FILE``,
    else ``$RISKINSIGHTS_API_KEYS`` (comma-separated). Empty list when none is configured."""
    path = keys_file or os.environ.get(KEYS_FILE_ENV)
    if path:
        p = Path(path).expanduser()
        if not p.is_file():
            raise SettingsError(f"{p}: API key file not found")
        return _keys_from_text(p.read_text(encoding="utf-8"), str(p))
    return _keys_from_text(os.environ.get(KEYS_ENV, ""), KEYS_ENV)


@dataclass(frozen=True)
class Settings:
    """Everything the service needs to start (see ``riskinsights serve --help``)."""

    run_dir: Path | None = None
    registry: bool = False
    tracking_uri: str | None = None
    datamart: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    key_digests: tuple[bytes, ...] = field(default=(), repr=False)
    key_fingerprints: tuple[str, ...] = ()
    insecure_local: bool = False
    max_batch: int = 1000
    max_body_bytes: int = 4_000_000
    log_level: str = "info"

    @classmethod
    def with_keys(cls, keys: list[str], **kwargs) -> Settings:
        """Settings holding the digests and fingerprints of ``keys`` (never the keys)."""
        return cls(
            key_digests=tuple(key_digest(k) for k in keys),
            key_fingerprints=tuple(fingerprint(k) for k in keys),
            **kwargs,
        )

    def check(self) -> Settings:
        """Refuse unsafe combinations with one line each; returns self."""
        if not self.key_digests and not self.insecure_local:
            raise SettingsError(
                f"no API key configured: set {KEYS_ENV} or {KEYS_FILE_ENV} (or --api-keys-file), "
                "or pass --insecure-local for a laptop demo"
            )
        if self.insecure_local and self.host not in LOOPBACK:
            raise SettingsError(f"--insecure-local: only on a loopback host, not {self.host!r}")
        if not 1 <= self.max_batch <= 100_000:
            raise SettingsError(f"--max-batch: expected 1..100000 rows, got {self.max_batch}")
        if not 0 < self.port < 65536:
            raise SettingsError(f"--port: expected 1..65535, got {self.port}")
        return self

    @property
    def auth_enabled(self) -> bool:
        return bool(self.key_digests)
