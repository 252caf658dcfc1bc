"""The anomaly dashboard served by ``riskinsights dashboard`` (Voila), driven in headless Chromium.

The test starts the command on a free port with ``MPLBACKEND=Agg`` in its environment
(the known trap: charts would vanish from widget outputs), moves the alert-budget
slider and checks the flagged count and precision against the library's own
computation, checks the customer drop-down starts on the top case with its
timeline, picks another customer, and keeps a screenshot in the test's folder.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from _browser import chromium_page

from riskinsights_lib.anomaly.callbacks import (
    customer_timeline,
    flag_summary,
    flagged_customers,
    threshold_for_budget,
)
from riskinsights_lib.dashboard import load_explorer

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def dashboard(ci_run, tmp_path):
    pytest.importorskip("voila")
    port = _free_port()
    log = (tmp_path / "dashboard.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "riskinsights_lib.cli",
            "dashboard",
            "--run-dir",
            str(ci_run),
            "--port",
            str(port),
        ],
        env={**os.environ, "MPLBACKEND": "Agg"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:  # listening is enough: a GET of / would start a kernel of its own
        assert proc.poll() is None, (tmp_path / "dashboard.log").read_text()[-2000:]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "the dashboard did not listen within 90 s"
            time.sleep(0.5)
    try:
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def _expected(rows, budget: int) -> dict:
    scores = rows["score"].to_numpy()
    threshold = threshold_for_budget(scores, budget)
    return flag_summary(scores, rows["anomaly_type"], threshold) | {"threshold": threshold}


def _counts(page) -> str:
    return page.locator(".widget-html-content").filter(has_text="flagged").first.inner_text()


def test_slider_customer_and_timeline_in_a_real_browser(dashboard, ci_run, tmp_path):
    inputs = load_explorer(ci_run)
    rows, budget = inputs.rows, inputs.settings["budget"]
    with chromium_page(tmp_path, width=1400, height=1200) as (page, problems):
        page.set_default_timeout(120_000)
        page.goto(dashboard, wait_until="commit")
        page.locator(".widget-slider").first.wait_for(timeout=240_000)
        first = _expected(rows, budget)
        assert f"{first['flagged']:,} of {len(rows):,}" in _counts(page)
        assert f"precision {first['precision']:.1%}" in _counts(page)

        top = flagged_customers(rows, first["threshold"], top=50)[0]
        select = page.locator(".widget-dropdown select").first
        assert select.input_value() == top  # starts on the top case, not blank
        output = page.locator(".widget-output").last
        output.locator("img").first.wait_for(timeout=60_000)  # the timeline chart is there
        flagged_rows = int(customer_timeline(rows, top, first["threshold"])["flagged"].sum())
        assert output.locator("table tbody tr").count() == flagged_rows

        new_budget = 5 * budget
        readout = page.locator(".widget-readout").first
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(str(new_budget))
        page.keyboard.press("Enter")
        moved = _expected(rows, new_budget)
        page.wait_for_function(
            "text => [...document.querySelectorAll('.widget-html-content')]"
            ".some(e => e.innerText.includes(text))",
            arg=f"{moved['flagged']:,} of {len(rows):,}",
            timeout=60_000,
        )
        assert moved["flagged"] != first["flagged"]
        assert f"precision {moved['precision']:.1%}" in _counts(page)
        assert f"recall {moved['recall']:.1%}" in _counts(page)

        options = select.locator("option").all_inner_texts()
        assert len(options) > 1
        before = output.locator("img").first.get_attribute("src")
        second = next(o for o in options if o != select.input_value())
        select.select_option(second)
        n_flagged = int(customer_timeline(rows, second, moved["threshold"])["flagged"].sum())
        page.wait_for_function(  # the new customer's chart and flagged rows replaced the old
            """([before, n]) => {
                const out = [...document.querySelectorAll('.widget-output')].pop();
                const img = out && out.querySelector('img');
                return img && img.getAttribute('src') !== before
                    && out.querySelectorAll('table tbody tr').length === n;
            }""",
            arg=[before, n_flagged],
            timeout=120_000,
        )
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        assert problems.page_errors == [] and problems.failed_requests == []
        assert problems.external_requests == []
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
