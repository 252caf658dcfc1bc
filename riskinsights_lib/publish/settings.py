"""Where to publish: the ``bi_reporting.publish`` setting turned into a libpq URL.

A publish target is named without ever holding a password:

===========================  ===============================================================
``""``                       publishing is off (the default)
``"env"``                    the standard ``PG*`` variables (``PGHOST``, ``PGPORT``,
                             ``PGDATABASE``, ``PGUSER``, ``PGSERVICE``; password from
                             ``PGPASSWORD`` or ``~/.pgpass``), read by libpq itself
``"env:NAME"``               a full URL kept in the environment variable ``NAME`` (it may
                             carry a password: it lives in the environment, not in params)
``"service:NAME"``           a section of the libpq service file (``~/.pg_service.conf`` or
                             ``PGSERVICEFILE``); password from the service file or ``~/.pgpass``
``"postgresql://u@h:p/db"``  a URL **without** a password (password from ``PGPASSWORD`` or
                             ``~/.pgpass``); a URL with a password is refused
===========================  ===============================================================

Everything shown to people goes through :func:`redact`, which masks any
password a URL or a keyword/value connection string might carry.
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qsl, quote, urlsplit

__all__ = ["PublishTargetError", "check_target", "resolve_target", "redact", "schema_name"]

_SCHEMES = ("postgresql://", "postgres://")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,47}$")


class PublishTargetError(ValueError):
    """The publish setting is malformed or would put a password in params; one line."""


def _url_has_password(url: str) -> bool:
    parts = urlsplit(url)
    if parts.password:
        return True
    return any(k.lower() == "password" for k, _ in parse_qsl(parts.query))


def check_target(spec: str) -> str:
    """Validate a ``bi_reporting.publish`` value without reading the environment.

    Returns the value unchanged; raises :class:`PublishTargetError` (one line, the
    password never quoted) when it has an unknown form or carries a password.
    """
    spec = spec.strip()
    if spec in ("", "env"):
        return spec
    if spec.startswith("env:"):
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", spec[4:]):
            raise PublishTargetError("publish: expected env:VARIABLE_NAME after 'env:'")
        return spec
    if spec.startswith("service:"):
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", spec[8:]):
            raise PublishTargetError("publish: expected service:NAME (a libpq service section)")
        return spec
    if spec.startswith(_SCHEMES):
        if _url_has_password(spec):
            raise PublishTargetError(
                "publish: the URL carries a password; keep it in PGPASSWORD, ~/.pgpass, a "
                "service file or a URL in an environment variable (env:NAME), never in params"
            )
        return spec
    raise PublishTargetError(
        "publish: expected '', 'env', 'env:NAME', 'service:NAME' or a postgresql:// URL "
        f"without password, got a value starting {redact(spec)[:12]!r}"
    )


def resolve_target(spec: str) -> str:
    """The libpq URL of a publish setting (see the module docstring for the forms).

    Raises :class:`PublishTargetError` when publishing is off, the form is unknown,
    or ``env:NAME`` names an unset variable.
    """
    spec = check_target(spec)
    if spec == "":
        raise PublishTargetError("publish: publishing is off (empty setting)")
    if spec == "env":
        return "postgresql://"
    if spec.startswith("env:"):
        url = os.environ.get(spec[4:], "").strip()
        if not url.startswith(_SCHEMES):
            raise PublishTargetError(
                f"publish: environment variable {spec[4:]} is unset or not a postgresql:// URL"
            )
        return url
    if spec.startswith("service:"):
        return f"postgresql://?service={quote(spec[8:])}"
    return spec


def redact(text: str) -> str:
    """``text`` with passwords of URLs (``user:secret@``) and ``password=...`` masked."""
    text = re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)
    return re.sub(r"(?i)(password\s*=\s*)('[^']*'|[^\s&]+)", r"\1***", text)


def schema_name(template: str, run_id: str) -> str:
    """The target schema: ``template`` with ``{run_id}`` replaced by a safe form of the run id.

    Raises :class:`PublishTargetError` unless the result is a lower-case identifier
    (letters, digits, ``_``; at most 48 characters so the staging name still fits).
    """
    safe_run = re.sub(r"[^a-z0-9_]", "_", run_id.lower())
    name = template.replace("{run_id}", safe_run)
    if not _IDENT.fullmatch(name):
        raise PublishTargetError(
            f"publish_schema: expected a lower-case identifier of at most 48 characters "
            f"(letters, digits, _), got {name!r}"
        )
    return name
