"""The catalog in real headless Chromium (Debian's chromium + chromedriver, driven by selenium): pages
render, every link resolves, search and filters work, nothing is fetched from the network, and
screenshots are saved under artifacts/screenshots/. Skipped without a browser, except under CI."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from codegen import ir
from tests.docs.conftest import ROOT, generate_docs, hostile_contract, write_tree

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = ROOT / "artifacts" / "screenshots"

if not os.environ.get("CI"):
    pytest.importorskip("selenium")  # CI installs it; elsewhere the test is skipped without it
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver must be installed in CI (.ci/run)")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    profile = tempfile.mkdtemp(prefix="docs-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def site(contracts: tuple[ir.Contract, ...], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    write_tree(generate_docs((*contracts, hostile_contract())), root)
    return root / "docs" / "html"


def shot(driver: webdriver.Chrome, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, min(int(height) + 120, 6000))
    assert driver.save_screenshot(str(SHOTS / f"{name}.png"))


def visible_cards(driver: webdriver.Chrome) -> list[str]:
    cards = driver.find_elements(By.CSS_SELECTOR, "[data-contract]")
    return [c.get_attribute("data-contract") or "" for c in cards if c.is_displayed()]


def test_index_search_and_filters(browser: webdriver.Chrome, site: Path, contracts: tuple[ir.Contract, ...]) -> None:
    browser.set_window_size(1280, 900)
    browser.get((site / "index.html").as_uri())
    assert browser.title == "Data contracts catalog"
    assert browser.execute_script("return getComputedStyle(document.body).backgroundColor") != "rgba(0, 0, 0, 0)"
    all_cards = visible_cards(browser)
    assert len(all_cards) == len(contracts) + 1
    shot(browser, "index-desktop")
    search = browser.find_element(By.ID, "q")
    search.send_keys("sales.orders.v1")
    assert visible_cards(browser) == ["orders"]
    assert browser.find_element(By.ID, "count").text == "1 contract"
    search.clear()
    search.send_keys("no-such-contract-anywhere")
    assert visible_cards(browser) == [] and browser.find_element(By.ID, "empty").is_displayed()
    search.clear()
    browser.execute_script("document.getElementById('q').dispatchEvent(new Event('input', {bubbles: true}))")
    Select(browser.find_element(By.ID, "owner")).select_by_value("sales-platform")
    assert visible_cards(browser) == ["orders"]
    Select(browser.find_element(By.ID, "owner")).select_by_value("")
    Select(browser.find_element(By.ID, "tag")).select_by_value("sales")
    assert "orders" in visible_cards(browser)
    Select(browser.find_element(By.ID, "tag")).select_by_value("")
    Select(browser.find_element(By.ID, "port")).select_by_value("table")
    assert "orders" in visible_cards(browser) and len(visible_cards(browser)) < len(all_cards)
    browser.get((site / "index.html").as_uri() + "?q=orders")
    assert "orders" in visible_cards(browser)


def test_pages_render_and_links_resolve(browser: webdriver.Chrome, site: Path) -> None:
    browser.set_window_size(1280, 900)
    pages = sorted(site.glob("*.html"))
    for page in pages:
        browser.get(page.as_uri())
        assert browser.find_element(By.TAG_NAME, "h1").text.strip(), page.name
        ids = set(browser.execute_script("return Array.from(document.querySelectorAll('[id]')).map(e => e.id)"))
        for href in browser.execute_script("return Array.from(document.links).map(a => a.href)"):
            url = urlparse(href)
            if url.scheme == "mailto":
                continue
            assert url.scheme == "file", (page.name, href)
            target = Path(unquote(url.path))
            assert target.is_file(), (page.name, href)
            if url.fragment and target == page:
                assert unquote(url.fragment) in ids, (page.name, href)
        # Nothing came from the network: every loaded resource is a local file.
        resources = browser.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
        assert all(r.startswith("file://") for r in resources), resources
        assert browser.execute_script("return document.styleSheets.length") == 1
        font = browser.execute_script("return getComputedStyle(document.body).fontFamily")
        assert font.startswith("system-ui"), font  # the bundled stylesheet applied


def test_contract_page_and_hostile_page(browser: webdriver.Chrome, site: Path) -> None:
    browser.set_window_size(1280, 900)
    browser.get((site / "orders.html").as_uri())
    assert "OrderPlaced" in browser.find_element(By.ID, "record-OrderPlaced").text
    assert "sales.orders.v1" in browser.find_element(By.TAG_NAME, "main").text
    shot(browser, "contract-desktop")
    browser.set_window_size(390, 844)
    browser.get((site / "orders.html").as_uri())
    # Readable on a phone: the page itself never scrolls sideways (wide tables scroll in their box).
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(browser, "contract-phone")
    browser.set_window_size(1280, 900)
    browser.get((site / "evil-script.html").as_uri())
    assert browser.execute_script("return document.querySelectorAll('script, img').length") == 0
    assert '<script>alert("x")</script>' in browser.find_element(By.TAG_NAME, "h1").text
    shot(browser, "contract-hostile")
