"""A throw-away local PostgreSQL server for tests, benchmarks and trying a publish.

:class:`LocalPostgres` runs ``initdb`` and ``pg_ctl`` into a temporary folder
and listens on 127.0.0.1 on a free port, with password (SCRAM) authentication
for a superuser whose password is generated and handed over only through the
``PGPASSWORD`` environment of the caller's choice. The server refuses to run as
root, so under root every server command runs as the ``postgres`` OS user
(``runuser``) and the folder is handed to that user. ``stop()`` stops the
server by its data directory (``pg_ctl stop``) and removes the folder.

Example
-------
>>> with LocalPostgres() as pg:  # doctest: +SKIP
...     print(pg.url)            # postgresql://riskadmin@127.0.0.1:54321/postgres
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = ["LocalPostgres", "find_pg_bin"]

_OS_USER = "postgres"


def find_pg_bin() -> Path | None:
    """Folder of the PostgreSQL server binaries (``initdb``, ``pg_ctl``), or ``None``."""
    env = os.environ.get("RISKINSIGHTS_PG_BIN")
    candidates = [env] if env else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    which = shutil.which("initdb")
    if which:
        candidates.append(str(Path(which).parent))
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalPostgres:
    """A PostgreSQL server in a temporary folder on 127.0.0.1 (see the module docstring)."""

    def __init__(self, *, user: str = "riskadmin", bin_dir: Path | None = None) -> None:
        self.user = user
        self.password = secrets.token_urlsafe(18)
        self.bin_dir = bin_dir or find_pg_bin()
        if self.bin_dir is None:
            raise RuntimeError("postgres: initdb/pg_ctl not found (install the postgresql package)")
        self.port = 0
        self.root: Path | None = None
        self._as_root = hasattr(os, "geteuid") and os.geteuid() == 0

    @property
    def url(self) -> str:
        """Connection URL without the password (libpq reads it from ``PGPASSWORD``)."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "server not started"
        return self.root / "data"

    def env(self) -> dict[str, str]:
        """``PG*`` variables that reach this server as the superuser (password included)."""
        return {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGDATABASE": "postgres",
            "PGPASSWORD": self.password,
        }

    def _run(self, *args: str, timeout: float = 120) -> None:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", _OS_USER, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"postgres: {args[0]} failed: {tail[0]}")

    def start(self) -> LocalPostgres:
        """``initdb`` a fresh cluster and start it; returns ``self``."""
        # Under root the server runs as ``postgres``: every folder above the data
        # directory must be traversable by that user, which $TMPDIR may not be.
        base = os.environ.get("RISKINSIGHTS_PG_TMP") or ("/tmp" if self._as_root else None)
        self.root = Path(tempfile.mkdtemp(prefix="riskinsights-pg-", dir=base))
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n", encoding="utf-8")
        pwfile.chmod(0o600)
        if self._as_root:
            shutil.chown(self.root, _OS_USER)
            shutil.chown(pwfile, _OS_USER)
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            self.user,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        pwfile.unlink()
        self.port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=30 -c shared_buffers=128MB"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder."""
        if self.root is None:
            return
        try:
            if (self.data_dir / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
