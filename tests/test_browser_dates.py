"""In headless Chromium (#26): the date presets beside the date fields, relative times,
a month of results drawn a bar a day, and the page's feed link.

Uses Debian's ``chromium`` like tests/test_browser.py (skipped without it, failed
when ``$CI`` is set); the app's clock is fixed (``NOW``) at 30 September 2019,
15:00 WIB, so the presets count back from inside the test corpus.
"""

from __future__ import annotations

import json
import re
import threading

import pytest

import searcher
from tests.support import chromium
from tests.test_feeds import NOW, RECORDS
from web import close_index, create_app
from web.server import make_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-dates")
    corpus = folder / "news.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    searcher.index_sources([str(corpus)], str(folder / "ix"))
    app = create_app({"INDEX": str(folder / "ix"), "NOW": NOW})
    server = make_server(app=app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.task_dispatcher.shutdown()
    server.close()
    thread.join(timeout=10)
    close_index(app)


@pytest.fixture(scope="module")
def page():
    with chromium() as browser:
        context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        yield page
        assert problems == []


def total(page) -> int:
    return int(page.locator(".results-count strong").inner_text().replace(".", ""))


def test_a_preset_narrows_the_results_to_the_last_seven_days(page, base_url):
    page.goto(base_url + "/search?q=banjir")
    presets = page.locator(".date-presets a")
    assert presets.all_inner_texts() == ["24 jam", "7 hari", "30 hari", "tahun ini"]
    assert total(page) == 32  # 33 articles, Tempo's copy shown under its original
    presets.filter(has_text="7 hari").click()
    page.wait_for_url(re.compile(r"since=2019-09-24$"))
    # 24 to 30 September, and the article of this afternoon.
    assert total(page) == 8
    assert page.locator(".date-presets .chip-active").inner_text() == "7 hari"
    assert page.locator("input[type=date][name=since]").input_value() == "2019-09-24"
    page.locator(".date-presets a", has_text="24 jam").click()
    page.wait_for_url(re.compile(r"since=2019-09-29T15"))
    assert total(page) == 2


def test_a_recent_hit_says_how_long_ago(page, base_url):
    page.goto(base_url + "/search?q=banjir+bandang&sort=terbaru")
    when = page.locator(".hit time").first
    assert when.inner_text() == "2 jam lalu"
    assert when.get_attribute("title") == "Senin, 30 September 2019, 13.00 WIB"


def test_september_is_drawn_a_bar_a_day_and_a_bar_narrows_to_its_day(page, base_url):
    page.goto(base_url + "/search?q=banjir&since=2019-09-01&until=2019-09-30")
    assert page.locator(".timeline-head").inner_text().startswith("Linimasa per hari")
    assert page.locator(".timeline-chart rect.bar").count() == 30
    bar = page.locator(".timeline-chart a").nth(9)
    assert bar.get_attribute("aria-label") == "10 September 2019: 1 peristiwa"
    bar.click()
    page.wait_for_url(re.compile(r"since=2019-09-10&until=2019-09-10"))
    assert total(page) == 1
    assert page.locator(".hit-title").inner_text() == "Banjir hari ke-10 di kota"


def test_the_whole_year_is_drawn_a_bar_a_week(page, base_url):
    page.goto(base_url + "/search?q=banjir")
    assert page.locator(".timeline-head").inner_text().startswith("Linimasa per pekan")
    # A week in March, and the six ISO weeks September 2019 touches (1 September is a Sunday).
    assert page.locator(".timeline-chart rect.bar").count() == 7


def test_the_feed_link_is_found_by_a_feed_reader(page, base_url):
    page.goto(base_url + "/search?q=banjir&source=Tempo")
    href = page.locator('link[rel=alternate][type="application/atom+xml"]').get_attribute("href")
    assert href == "/search.atom?q=banjir&source=Tempo"
    answer = page.request.get(base_url + href)
    assert answer.status == 200 and b"<feed" in answer.body()


def test_a_search_is_saved_from_its_result_page(page, base_url):
    page.goto(base_url + "/search?q=banjir+bandang&source=Kompas")
    page.locator(".export-links a", has_text="Simpan").click()
    page.wait_for_url(re.compile(r"/watches\?q=banjir"))
    page.locator("input[name=name]").fill("bandang")
    assert page.locator("input[name=source]").input_value() == "Kompas"
    page.locator(".watch-form button").click()
    page.wait_for_url(re.compile(r"saved=bandang"))
    assert page.locator(".watch h2").all_inner_texts() == ["bandang"]
    page.locator(".watch button", has_text="Hapus").click()
    page.wait_for_url(re.compile(r"/watches$"))
    assert page.locator(".watch").count() == 0
