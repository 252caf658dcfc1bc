"""The reports of a CI-scale run open in a real headless Chromium: offline, titled, no errors."""

from __future__ import annotations

import re

import pytest
from _browser import chromium_page

from riskinsights_lib.offline import external_resources

pytestmark = pytest.mark.slow


def test_index_and_every_report_load_offline_without_errors(ci_run, tmp_path):
    pages = [ci_run / "index.html", *sorted((ci_run / "reports").glob("*.html"))]
    assert len(pages) == 7, pages
    for path in pages:
        assert external_resources(path.read_text(encoding="utf-8")) == [], path.name
    with chromium_page(tmp_path) as (page, problems):
        for path in pages:
            page.goto(path.as_uri(), wait_until="load")
            title = page.title()
            assert title and title != "Notebook", path.name
            if path.name != "index.html":
                assert re.match(r"0\d ", title), title
                assert page.locator('a[href="../index.html"]').count() == 1
                assert page.locator("#headline-figures").count() == 1, path.name
                assert "{'" not in page.inner_text("body"), f"{path.name} shows a raw dict"
            else:
                assert page.locator("section.nb").count() == 6
                assert page.locator("table.figs tr").count() >= 6 * 3
            page.screenshot(path=str(tmp_path / f"{path.stem}.png"), full_page=True)
        assert problems.all() == []
    assert len(list(tmp_path.glob("*.png"))) == 7
