"""The built site in a real browser (Debian's headless Chromium via Playwright): both languages, the language
switcher, Chinese search (it fails silently without jieba or the \\u200b separator), the diagram, progress in
localStorage, the filters, hostile catalog text. Every test also checks that the page logged no console error,
opened no dialog and made no request to any host but 127.0.0.1. Screenshots go to build/test-artifacts/."""

from __future__ import annotations

import functools
import json
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from ..conftest import REPO, require

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
ARTIFACTS = REPO / "build" / "test-artifacts"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@pytest.fixture(scope="module")
def base_url(built_site):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(built_site)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    require(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "playwright is not installed (pip install playwright; never `playwright install`)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Watch:
    """Console errors, dialogs and requests to other hosts seen by one page."""

    def __init__(self, page, base_url: str):
        self.host = urlsplit(base_url).netloc
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._dialog)
        page.on("request", self._request)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.netloc != self.host:
            self.foreign.append(request.url)


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                  locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = Watch(page, base_url)
    page.watch = watch
    yield page
    context.close()
    assert watch.errors == [], "console errors"
    assert watch.dialogs == [], "a dialog opened: catalog text ran as script?"
    assert watch.foreign == [], "requests to a host other than 127.0.0.1"


def shot(page, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if full_page:
        page.evaluate("() => window.scrollTo(0, 0)")  # else the sticky header is drawn mid-page
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def test_home_page_loads_in_both_languages(page, base_url, test_catalog):
    page.goto(base_url)
    assert page.title() == "LLM Roadmap"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("a.rm-card").count() == len(test_catalog.roadmaps)
    shot(page, "home-en")
    page.goto(base_url + "zh/")
    assert page.locator("html").get_attribute("lang") == "zh"
    assert page.locator("h1").first.inner_text().startswith("大模型学习路线图")
    assert "示例路线图" in page.locator(".rm-cards").inner_text()
    shot(page, "home-zh")


def switch_language(page, lang: str) -> None:
    page.hover(".md-header__option .md-select")
    page.click(f"a.rm-alternate[hreflang={lang}]")
    page.wait_for_load_state("load")


def test_language_switcher_keeps_the_page(page, base_url):
    page.goto(base_url + "roadmaps/demo/")
    switch_language(page, "zh")
    assert page.url == base_url + "zh/roadmaps/demo/"
    assert page.locator("h1").first.inner_text().startswith("示例路线图")
    switch_language(page, "en")
    assert page.url == base_url + "roadmaps/demo/"
    page.goto(base_url + "zh/topics/quantization/")
    switch_language(page, "en")
    assert page.url == base_url + "topics/quantization/"


def search(page, query: str) -> list[str]:
    """The paths (and #anchors) of Material's search results for `query` (empty when nothing matches)."""
    box = page.locator("input.md-search__input")
    box.click()
    # Clear first and wait for the idle message, so results of an earlier query are never read as this one's.
    box.fill("")
    box.press("End")
    page.wait_for_function(
        "() => { const m = document.querySelector('.md-search-result__meta');"
        " return !m || !/\\d|No matching|没有|找到/.test(m.textContent) }")
    box.fill(query)  # Chinese is inserted without key events; Material searches on keyup, so send one
    box.press("End")
    page.wait_for_function(
        "() => { const m = document.querySelector('.md-search-result__meta');"
        " return m && /\\d|No matching|没有|找到/.test(m.textContent) }")
    hrefs = page.locator(".md-search-result__item > a.md-search-result__link").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))")
    found = []
    for href in hrefs:
        parts = urlsplit(href)  # drop Material's ?h= highlight parameter
        found.append(parts.path + (f"#{parts.fragment}" if parts.fragment else ""))
    return found


@pytest.mark.parametrize(("query", "expected"), [
    ("量化", "topics/quantization/"),
    ("模型量化", "roadmaps/demo/#compression"),
    ("LoRA 微调", "topics/peft-lora/"),
])
def test_chinese_search_finds_the_right_pages(page, base_url, query, expected):
    page.goto(base_url + "zh/")
    found = search(page, query)
    assert any(expected in href for href in found), (query, found)
    assert all(href.startswith("/zh/") for href in found)  # only the Chinese site's own index
    if query == "LoRA 微调":
        shot(page, "search-zh")


def test_english_search_does_not_mix_in_chinese(page, base_url):
    page.goto(base_url)
    found = search(page, "quantization")
    assert any("topics/quantization/" in href for href in found), found
    assert not [href for href in found if href.startswith("/zh/")]
    assert search(page, "模型量化") == []
    shot(page, "search-en")


def test_diagram_node_click_navigates(page, base_url):
    page.goto(base_url + "roadmaps/demo/")
    page.locator('svg.rm-map a[href="#compression"]').click()
    page.wait_for_function("() => location.hash === '#compression'")
    heading = page.locator("h3#compression")
    box = heading.bounding_box()
    assert box is not None and 0 <= box["y"] < 900, box
    page.goto(base_url + "zh/roadmaps/demo/")
    shot(page, "roadmap-zh", full_page=True)


def test_progress_survives_a_reload_and_round_trips_through_a_file(page, base_url, tmp_path):
    page.goto(base_url + "roadmaps/demo/")
    box = page.locator('input.rm-progress[data-node="architecture"]')
    box.check()
    count = page.locator(".rm-progress-panel .rm-progress-count")
    assert count.inner_text() == "1 / 2"
    page.reload()
    assert box.is_checked()
    assert count.inner_text() == "1 / 2"
    assert "rm-done" in page.locator('a.rm-dnode[data-node="architecture"]').get_attribute("class")
    shot(page, "roadmap-en", full_page=True)
    page.goto(base_url)
    assert page.locator('.rm-card[data-roadmap="demo"] .rm-progress-count').inner_text() == "1 / 2"
    page.goto(base_url + "zh/roadmaps/demo/")  # the same origin: progress is shared by both languages
    assert page.locator('input.rm-progress[data-node="architecture"]').is_checked()

    with page.expect_download() as download:
        page.click(".rm-export")
    exported = tmp_path / "progress.json"
    download.value.save_as(exported)
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["format"] == "llm-roadmap-progress" and "architecture" in data["progress"]["demo"]

    page.evaluate("() => localStorage.clear()")
    page.reload()
    assert not page.locator('input.rm-progress[data-node="architecture"]').is_checked()
    page.set_input_files(".rm-import input", str(exported))
    page.wait_for_function("() => document.querySelector('input.rm-progress[data-node=architecture]').checked")
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "progress"}', encoding="utf-8")
    page.set_input_files(".rm-import input", str(bad))
    page.wait_for_selector(".rm-progress-note")
    assert page.locator('input.rm-progress[data-node="architecture"]').is_checked()


def test_resource_filters(page, base_url, test_catalog):
    page.goto(base_url + "resources/")
    items = page.locator(".rm-resource-index > li.rm-res")
    total = len(test_catalog.resources)
    assert items.count() == total
    page.select_option('select[data-filter="kind"]', "paper")
    assert page.locator(".rm-resource-index > li.rm-res:visible").count() == 1
    assert page.locator(".rm-filter-count").inner_text() == f"Showing 1 of {total} resources."
    assert "kind=paper" in page.url
    page.click('form.rm-filters button[type="reset"]')
    page.wait_for_function(f"() => document.querySelectorAll('.rm-resource-index > li:not([hidden])').length"
                           f" === {total}")
    page.fill('input[data-filter="text"]', "low-rank")
    assert page.locator(".rm-resource-index > li.rm-res:visible").count() == 1
    page.goto(base_url + "zh/resources/?lang=zh")
    assert page.locator(".rm-resource-index > li.rm-res:visible").count() == 1  # the one Chinese resource
    assert page.locator('select[data-filter="lang"]').input_value() == "zh"


def test_hostile_catalog_text_is_shown_as_text(page, base_url):
    for path in ("roadmaps/evil/", "zh/roadmaps/evil/", "topics/evil-topic/", "resources/", "new/"):
        page.goto(base_url + path)
        page.wait_for_load_state("load")
    page.goto(base_url + "roadmaps/evil/")
    assert page.title().startswith("Evil </title><script>alert(5)</script>")
    assert page.get_by_text("<script>alert(1)</script>").count() >= 1
    heading = page.locator("h2#section-first").inner_text()
    assert heading.startswith('## [x](javascript:alert(7)) {: onclick="alert(7)" }')
    found = search(page, "bold")  # the result snippets are HTML built from the index: still text
    assert found
    page.wait_for_timeout(200)
    assert page.watch.dialogs == []
