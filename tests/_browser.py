"""Headless Chromium for the browser tests: Debian's ``chromium`` driven by Playwright.

Nothing downloads a browser: Playwright starts the system binary through
``executable_path`` with a fresh profile in the test's temporary folder, and
every console error, page error and failed request is collected for the test
to assert on.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

#: Where Debian installs the browser (the real binary first, then the wrapper script).
CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "chromium", "chromium-browser")
ARGS = [
    "--no-sandbox",  # Chromium refuses to run as root with its sandbox
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    """The system Chromium, or None when it is not installed."""
    for candidate in CANDIDATES:
        found = shutil.which(candidate) if not candidate.startswith("/") else candidate
        if found and Path(found).exists():
            return found
    return None


@dataclass
class Problems:
    """What went wrong while pages loaded."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return (
            self.console_errors + self.page_errors + self.failed_requests + self.external_requests
        )


@contextmanager
def chromium_page(tmp_path: Path, *, width: int = 1400, height: int = 1000) -> Iterator[tuple]:
    """Yield ``(page, problems)`` of a headless Chromium with a fresh profile under ``tmp_path``.

    Requests to anything but ``file:``, ``data:``, ``blob:`` or 127.0.0.1 are recorded
    as external (and aborted: the tests run offline).
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_path()
    if executable is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("RISKINSIGHTS_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    problems = Problems()
    profile = tmp_path / "chromium-profile"
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=ARGS,
            viewport={"width": width, "height": height},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()

            def route(r):
                url = r.request.url
                if url.startswith(
                    ("file:", "data:", "blob:", "http://127.0.0.1", "ws://127.0.0.1")
                ):
                    r.continue_()
                else:
                    problems.external_requests.append(url)
                    r.abort()

            context.route("**/*", route)
            page.on(
                "console",
                lambda m: problems.console_errors.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: problems.page_errors.append(str(e)))
            page.on(
                "requestfailed",
                lambda r: problems.failed_requests.append(f"{r.url} {r.failure}"),
            )
            yield page, problems
        finally:
            context.close()
