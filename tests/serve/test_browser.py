"""A real browser (headless Chromium from the distribution, driven by Playwright) uses the pages as a reader would.

Off CI the test skips with the reason when Chromium or Playwright is missing; with ``CI=true`` it fails
instead (``make test`` installs Chromium when it can). Screenshots go to the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ON_CI, SAMPLE, Cli
from tests.serve.test_server_process import LEDGER, free_port, wait_for

CHROMIUM = os.environ.get("LEDGER_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[dev]')"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; `make test` does it on CI)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    problem = _unavailable()
    if problem:
        if ON_CI:
            pytest.fail(f"CI=true and the browser test cannot run: {problem}")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    where = tmp_path_factory.mktemp("browsed")
    cli = Cli(f"sqlite:///{where / 'ledger.db'}")
    assert cli("init").exit_code == 0
    assert cli("append", "--file", str(SAMPLE)).exit_code == 0
    port = free_port()
    process = subprocess.Popen([LEDGER, "--db", str(where / "ledger.db"), "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/api/health", process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def cells(table: Any) -> list[list[str]]:
    return [[c.strip() for c in row.locator("td").all_inner_texts()] for row in table.locator("tbody tr").all()]


def test_a_reader_sets_date_and_partner_reads_the_rate_and_follows_a_history_link(
        browser: Any, base: str, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{base}/")
        page.fill("#as_of", "2025-06-01")
        page.fill("#partner", "JP")
        page.click("#show")  # a plain form GET: no JavaScript on the page
        page.wait_for_url("**/?as_of=2025-06-01*")
        assert "partner=JP" in page.url
        assert page.inner_text("#as-of") == "2025-06-01"
        measures = {row[0]: row for row in cells(page.locator("#measures"))}
        assert measures["us-232-autos"][2] == "in force" and measures["us-232-autos"][3] == "25%"
        assert measures["us-reciprocal-jp"][2].startswith("suspended")
        page.screenshot(path=str(tmp_path / "state.png"), full_page=True)

        page.goto(f"{base}/rate?partner=JP&product=870323&as_of=2025-06-01")
        assert page.inner_text("#rate") == "27.5%"
        components = cells(page.locator("#components"))
        assert [(row[0], row[3]) for row in components[:-1]] == [("us-232-autos", "+25%"), ("us-hts-2025", "+2.5%")]
        assert page.locator("figure.chart svg").count() == 1
        page.screenshot(path=str(tmp_path / "rate.png"), full_page=True)

        page.goto(f"{base}/?as_of=2025-06-01&partner=JP")
        page.click("#measures >> text=us-reciprocal-jp")
        page.wait_for_url("**/history?measure=us-reciprocal-jp")
        history = cells(page.locator("#history"))
        assert [row[2] for row in history][:2] == ["measure.announced", "measure.suspended"]
        assert all(row[3] == "measure:us-reciprocal-jp" for row in history)
        page.screenshot(path=str(tmp_path / "history.png"), full_page=True)

        page.goto(f"{base}/timeline?partner=JP&since=2025-04-01&until=2025-07-31")
        page.screenshot(path=str(tmp_path / "timeline.png"), full_page=True)
    finally:
        page.close()
    keep = os.environ.get("LEDGER_SCREENSHOTS")  # to look at them, or to refresh docs/img
    if keep:
        for name in ("state", "rate", "history", "timeline"):
            shutil.copy(tmp_path / f"{name}.png", Path(keep) / f"{name}.png")
