"""The web front end through Flask's test client, over an index of corpus/sample.jsonl.

In the sample corpus sample-001..005 are about human trafficking
("perdagangan orang", TPPO) and sample-006 about the trade balance
("neraca perdagangan").
"""

from __future__ import annotations

import json
import re
import time
from datetime import date, datetime
from pathlib import Path

import pytest

import searcher
from tests.support import web_client
from web import close_index, create_app
from web.formatting import format_date, format_day, format_number
from web.pages import days_label
from web.timeline import build as build_timeline

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "corpus" / "sample.jsonl"
TRAFFICKING = {"sample-001", "sample-002", "sample-003", "sample-004", "sample-005"}
API_KEYS = {"query", "total", "page", "per_page", "sort", "hits", "suggestion"}
HOSTILE = "<script>alert(1)</script>"


# -- fixtures --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def index_dir(sample_index) -> Path:
    """The session's index of corpus/sample.jsonl (tests/conftest.py); not written to."""
    return sample_index


@pytest.fixture
def app(index_dir):
    app = create_app({"TESTING": True, "INDEX": str(index_dir)})
    yield app
    close_index(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def odd_index_dir(tmp_path_factory) -> Path:
    """Articles with ids that hold slashes and URL syntax, and hostile text and links."""
    folder = tmp_path_factory.mktemp("odd")
    records = [
        {
            "id": "seeds/prabowo-laos-tppo.txt",
            "title": "Prabowo dan Laos Bahas TPPO",
            "body": "Presiden membahas perdagangan orang dengan Laos.\n\nKorban dipulangkan.",
            "url": "https://www.antaranews.com/berita/1",
            "source": "Antara",
            "category": "nasional",
            "published": "2024-09-10T13:30:00+07:00",
        },
        {
            "id": "a b/c?d#e",
            "title": f"Judul {HOSTILE} banjir",
            "source": "<b>Sumber</b>",
            "body": f"Banjir besar. {HOSTILE} <img src=x onerror=alert(2)> banjir lagi.",
            "url": "javascript:alert(3)",
            "category": "daerah",
            "published": "2024-01-05",
        },
    ]
    corpus = folder / "odd.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    path = folder / "ix"
    searcher.index_sources([str(corpus)], str(path))
    return path


@pytest.fixture
def odd_client(odd_index_dir):
    with web_client(odd_index_dir) as client:
        yield client


# -- helpers ----------------------------------------------------------------------------
def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def api(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    return response.get_json()


def hit_ids(html: str) -> list[str]:
    return re.findall(r'<h2 class="hit-title"><a href="/article/([^"?]+)', html)


def total_of(html: str) -> int:
    # Stories when one card stands for a story (the default), else articles.
    match = re.search(r"<strong>([\d.]+)</strong> (?:peristiwa|berita)", html)
    assert match, "no result count on the page"
    return int(match.group(1).replace(".", ""))


def chips(html: str) -> list[str]:
    found = re.findall(r'class="chip chip-active"[^>]*>(.*?)</a>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in found]


def library_search(index_dir, q, **options) -> searcher.SearchResult:
    options.setdefault("collapse", "story")  # as the web app searches (#21)
    with searcher.open_index(str(index_dir)) as index:
        return index.search(q, **options)


# -- home ----------------------------------------------------------------------------------
def test_home_page_has_a_focused_search_form_and_the_latest_stories(client, index_dir):
    html = page(client, "/")
    assert '<html lang="id">' in html
    assert re.search(r'<form class="searchbar[^"]*" action="/search" method="get"', html)
    assert re.search(r'<input id="q"[^>]*name="q"[^>]*autofocus', html)
    # #21: the stories of the index's latest three days instead of fixed examples.
    assert 'href="/search?q=perdagangan+orang"' not in html
    with searcher.open_index(str(index_dir)) as index:
        days = sorted(
            {s.last.date() for s in index.story_list(sort="latest", per_page=100).stories},
            reverse=True,
        )[:3]  # the latest three days with news
        latest = index.story_list(since=days[-1], until=days[0], sort="active", per_page=8)
    assert latest.stories and "Peristiwa terkini" in html
    # The days themselves, not a span across the gaps between them (#25).
    assert f'<span class="muted">· {days_label(days)}</span>' in html
    assert html.count('class="hit story-card"') == len(latest.stories)
    for story in latest.stories:
        assert f'href="/story/{story.id}"' in html
    assert "<strong>44</strong> berita dari" in html
    assert "<strong>6</strong> sumber" in html
    assert "24 Jan 2023 – 3 Jun 2025" in html


def test_the_count_names_what_it_counts(client, index_dir):
    # One card per story by default: the total counts stories, and says so (#21).
    with searcher.open_index(index_dir) as ix:
        stories = ix.search("pemerintah", collapse="story").total
        copies = ix.search("pemerintah", collapse="duplicates").total
    html = client.get("/search?q=pemerintah").get_data(as_text=True)
    assert f"<strong>{stories}</strong> peristiwa" in html
    html = client.get("/search?q=pemerintah&collapse=1").get_data(as_text=True)
    assert f"<strong>{copies}</strong> berita" in html


def test_empty_query_shows_the_home_page(client):
    html = page(client, "/search?q=+++")
    assert "autofocus" in html and "hit-title" not in html


# -- results --------------------------------------------------------------------------------
def test_search_ranks_the_trafficking_articles_first_with_marked_snippets(client):
    html = page(client, "/search?q=perdagangan+orang")
    ids = hit_ids(html)
    assert set(ids[:5]) == TRAFFICKING
    snippets = re.findall(r'<p class="hit-snippet">(.*?)</p>', html, re.S)
    assert len(snippets) == len(ids) == 6  # every concept required (#21)
    assert all("<mark>" in s for s in snippets[:5])
    assert "<mark>Perdagangan</mark> <mark>Orang</mark>" in html  # sample-001's title
    assert '<a href="/article/sample-001?q=perdagangan+orang">' in html
    assert 'href="https://wartanusantara.example/' in html
    assert 'rel="noopener noreferrer"' in html
    assert (
        total_of(html)
        == library_search(client.application.config["INDEX"], "perdagangan orang").total
    )
    assert re.search(r"\(\d+,\d\d detik\)", html)


def test_result_shows_source_and_indonesian_date(client):
    html = page(client, "/search?q=satgas+tppo+perbatasan")
    assert hit_ids(html)[0] == "sample-002"
    first = html.split('<li class="hit">')[1]
    assert '<span class="hit-source">Harian Merdeka Raya</span>' in first
    assert '<time datetime="2023-07-03T14:00:00">3 Jul 2023</time>' in first


def test_source_filter_narrows_results_and_shows_a_removable_chip(client):
    everything = page(client, "/search?q=perdagangan+orang")
    html = page(client, "/search?q=perdagangan+orang&source=Warta+Nusantara")
    total = total_of(html)
    assert 0 < total < total_of(everything)
    result = library_search(
        client.application.config["INDEX"],
        "perdagangan orang",
        filters=searcher.Filters.build(source="Warta Nusantara"),
    )
    assert total == result.total
    assert hit_ids(html) == [hit.id for hit in result.hits]
    assert all(hit.source == "Warta Nusantara" for hit in result.hits)
    assert chips(html) == ["Sumber: Warta Nusantara × (hapus)"]
    # The chip links to the same search without the filter.
    assert re.search(r'<a class="chip chip-active" href="/search\?q=perdagangan\+orang"', html)
    # The facet is ticked and other sources keep their counts (choosing one more widens).
    assert re.search(
        r'class="facet-item is-selected"[^>]*>\s*<span class="facet-check"[^>]*>'
        r'</span>\s*<span class="facet-value">Warta Nusantara</span>\s*'
        rf'<span class="facet-count">{total}</span>',
        html,
    )
    assert "source=Warta+Nusantara&amp;source=Harian+Merdeka+Raya" in html


def test_source_and_category_filters_combine(client):
    by_source = total_of(page(client, "/search?q=perdagangan+orang&source=Warta+Nusantara"))
    html = page(client, "/search?q=perdagangan+orang&source=Warta+Nusantara&category=hukum")
    assert total_of(html) <= by_source
    assert chips(html) == ["Sumber: Warta Nusantara × (hapus)", "Kategori: hukum × (hapus)"]
    assert "Hapus semua" in html
    expected = library_search(
        client.application.config["INDEX"],
        "perdagangan orang",
        filters=searcher.Filters.build(source="Warta Nusantara", category="hukum"),
    )
    assert hit_ids(html) == [hit.id for hit in expected.hits]
    assert all(h.category == "hukum" and h.source == "Warta Nusantara" for h in expected.hits)


def test_facet_counts_match_the_filtered_totals(client):
    html = page(client, "/search?q=perdagangan+orang")
    facets = re.findall(
        r'<span class="facet-value">([^<]+)</span>\s*'
        r'<span class="facet-count">(\d+)</span>',
        html,
    )
    assert facets, "no facet"
    groups = api(client, "/api/search?q=perdagangan+orang&facets=1")["facets"]
    kinds = {f["value"]: kind for kind, values in groups.items() for f in values}
    for name, count in facets:
        filtered = api(client, f"/api/search?q=perdagangan+orang&{kinds[name]}={name}")
        assert filtered["total"] == int(count), name


def test_date_range_filter(client):
    html = page(client, "/search?q=perdagangan+orang&since=2024-01-01&until=2024-12-31")
    data = api(
        client, "/api/search?q=perdagangan+orang&since=2024-01-01&until=2024-12-31&per_page=100"
    )
    assert data["total"] == total_of(html) > 0
    assert all(hit["published"].startswith("2024-") for hit in data["hits"])
    assert chips(html) == ["Sejak: 1 Jan 2024 × (hapus)", "Sampai: 31 Des 2024 × (hapus)"]
    assert 'name="since" value="2024-01-01"' in html


def test_sort_newest_orders_by_date(client):
    html = page(client, "/search?q=perdagangan+orang&sort=terbaru")
    data = api(client, "/api/search?q=perdagangan+orang&sort=terbaru&per_page=100")
    dates = [hit["published"] for hit in data["hits"]]
    assert dates == sorted(dates, reverse=True) and len(dates) == data["total"]
    assert data["sort"] == "newest"
    assert hit_ids(html) == [hit["id"] for hit in data["hits"][:10]]
    assert '<span class="sort-option is-active" aria-current="true">Terbaru</span>' in html
    oldest = api(client, "/api/search?q=perdagangan+orang&sort=terlama&per_page=100")
    assert [h["published"] for h in oldest["hits"]] == sorted(dates)
    assert api(client, "/api/search?q=perdagangan+orang&sort=newest&per_page=100") == data


def test_paging(client):
    first = page(client, "/search?q=pemerintah&per_page=5")
    second = page(client, "/search?q=pemerintah&per_page=5&page=2")
    assert len(hit_ids(first)) == len(hit_ids(second)) == 5
    assert not set(hit_ids(first)) & set(hit_ids(second))
    data = api(client, "/api/search?q=pemerintah&per_page=10")
    assert hit_ids(first) + hit_ids(second) == [hit["id"] for hit in data["hits"]]
    assert 'rel="next" href="/search?q=pemerintah&amp;per_page=5&amp;page=2"' in first
    assert '<ol class="hits" start="6">' in second
    assert '<span class="pager-page is-current" aria-current="page">2</span>' in second
    assert "6–10 dari" in second


def test_page_past_the_end_is_a_friendly_empty_page(client):
    html = page(client, "/search?q=perdagangan+orang&page=99")
    assert "Halaman 99 kosong" in html and not hit_ids(html)


def test_a_misspelling_is_corrected_with_a_link_to_the_words_as_typed(client):
    html = page(client, "/search?q=perdagngan")
    assert "Menampilkan hasil untuk\n  <strong>perdagangan</strong>." in html
    assert '<a href="/search?q=perdagngan&amp;asis=1">perdagngan</a> sesuai ketikan' in html
    assert hit_ids(html) == hit_ids(page(client, "/search?q=perdagangan"))
    typed = page(client, "/search?q=perdagngan&asis=1")
    assert not hit_ids(typed) and "Menampilkan hasil untuk" not in typed
    assert 'Mungkin maksud Anda:\n  <a href="/search?q=perdagangan">' in typed


def test_the_page_says_which_words_were_left_out(client):
    html = page(client, "/search?q=perdagangan+orang+zzzqqq")
    assert "tanpa kata <strong>‘zzzqqq’</strong>" in html
    assert api(client, "/api/search?q=perdagangan+orang+zzzqqq")["dropped"] == ["zzzqqq"]


def test_the_blend_sort_is_offered_in_indonesian(client):
    html = page(client, "/search?q=pemerintah")
    assert 'href="/search?q=pemerintah&amp;sort=relevan-terbaru">Relevan &amp; terbaru</a>' in html
    data = api(client, "/api/search?q=pemerintah&sort=relevan-terbaru&per_page=100")
    assert data["sort"] == "blend"
    assert api(client, "/api/search?q=pemerintah&sort=blend&per_page=100") == data
    relevance = api(client, "/api/search?q=pemerintah&per_page=100")
    assert {h["id"] for h in data["hits"]} == {h["id"] for h in relevance["hits"]}


def test_nothing_found_has_a_helpful_empty_state(client):
    html = page(client, "/search?q=qwzxv&source=Kabar+Kota")
    assert "Tidak ada berita yang cocok dengan “qwzxv”" in html
    assert 'href="/search?q=qwzxv">cari tanpa filter</a>' in html
    assert 'href="/search?q=perdagangan+orang"' in html  # examples to try


def test_timeline_is_an_svg_with_tooltips_and_links(client):
    html = page(client, "/search?q=perdagangan+orang")
    svg = re.search(r'<svg class="timeline-chart".*?</svg>', html, re.S).group(0)
    titles = re.findall(r"<title>([^<]+)</title>", svg)
    assert "Juni 2023: 1 peristiwa" in titles  # one card per story: stories (#25)
    assert '<rect class="bar"' in svg
    assert "since=2023-06-01&amp;until=2023-06-30" in svg
    # Drawn on the server: the page's only script is the small external app.js.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/app.js" defer>']


# -- articles ------------------------------------------------------------------------------
def test_article_page_marks_the_query_words(client):
    html = page(client, "/article/sample-001?q=perdagangan+orang")
    assert (
        '<h1 class="article-title">Polisi Bongkar Jaringan <mark>Perdagangan</mark> '
        "<mark>Orang</mark>, 27 Calon Pekerja Migran Diselamatkan</h1>"
    ) in html
    assert "membongkar jaringan <mark>perdagangan</mark> <mark>orang</mark>" in html
    assert "<p>Kepala Subdirektorat Remaja" in html  # one <p> a paragraph
    assert "Rabu, 14 Juni 2023, 10.15 WIB" in html
    assert 'href="https://wartanusantara.example/hukum/2023/06/14/' in html
    assert "Berita terkait" in html
    related = re.findall(r'<a href="/article/([^"?]+)\?q=perdagangan\+orang">', html)
    assert related and "sample-001" not in related
    assert set(related) & TRAFFICKING
    assert 'href="/search?q=perdagangan+orang">‹ Kembali' in html


def test_article_without_query_has_no_marks(client):
    html = page(client, "/article/sample-006")
    assert "<mark>" not in html and "Neraca Perdagangan" in html


def test_article_with_an_unparseable_query_is_shown_unmarked(client):
    html = page(client, "/article/sample-001?q=" + "x" * 1500)
    assert "Polisi Bongkar Jaringan" in html and "<mark>" not in html


def test_article_ids_may_hold_slashes_and_url_syntax(odd_client):
    html = page(odd_client, "/article/seeds/prabowo-laos-tppo.txt?q=tppo")
    assert "Prabowo dan Laos Bahas <mark>TPPO</mark>" in html
    data = api(odd_client, "/api/article/seeds/prabowo-laos-tppo.txt")
    assert data["id"] == "seeds/prabowo-laos-tppo.txt"
    search = page(odd_client, "/search?q=banjir")
    assert '<a href="/article/a%20b/c%3Fd%23e?q=banjir">' in search
    assert api(odd_client, "/api/article/a%20b/c%3Fd%23e")["id"] == "a b/c?d#e"


def test_unknown_article_is_404(client):
    html = page(client, "/article/tidak-ada", status=404)
    assert "Berita tidak ditemukan" in html
    data = api(client, "/api/article/tidak-ada", status=404)
    assert data["status"] == 404 and "tidak-ada" in data["error"]
    page(client, "/no/such/page", status=404)


def test_api_article_is_the_stored_document(client, index_dir):
    with searcher.open_index(str(index_dir)) as index:
        expected = index.get("sample-003").to_json()
    assert api(client, "/api/article/sample-003") == expected


# -- API ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, options, url",
    [
        ("perdagangan orang", {}, "/api/search?q=perdagangan+orang"),
        (
            "perdagangan orang",
            {"page": 2, "per_page": 3, "sort": "oldest"},
            "/api/search?q=perdagangan+orang&page=2&per_page=3&sort=terlama",
        ),
        (
            "banjir",
            {"filters": {"source": ["Kabar Kota"], "since": "2024-01-01"}},
            "/api/search?q=banjir&source=Kabar+Kota&since=2024-01-01",
        ),
        ("perdagngan", {}, "/api/search?q=perdagngan"),
    ],
)
def test_api_search_is_the_library_json(client, index_dir, query, options, url):
    data = api(client, url)
    assert set(data) == API_KEYS | ({"corrected_query"} if query == "perdagngan" else set())
    assert data == library_search(index_dir, query, **options).to_json()


def test_api_search_can_add_facets_and_histogram(client, index_dir):
    data = api(client, "/api/search?q=perdagangan+orang&facets=1")
    assert set(data) == API_KEYS | {"facets", "histogram"}
    result = library_search(index_dir, "perdagangan orang", facets=True)
    assert data["facets"]["source"] == [
        {"value": f.value, "count": f.count} for f in result.facets["source"]
    ]
    assert data["histogram"] == [{"period": f.value, "count": f.count} for f in result.histogram]
    assert sum(item["count"] for item in data["histogram"]) <= data["total"]


def test_api_stats(client):
    data = api(client, "/api/stats")
    assert data["documents"] == 44 and "path" not in data
    assert data["sources"]["Warta Nusantara"] == 9


# -- bad input ------------------------------------------------------------------------------
BAD = [
    ("page=0", "page"),
    ("page=abc", "page"),
    ("page=-1", "page"),
    ("page=1.5", "page"),
    ("page=99999999999", "page"),
    ("per_page=1000", "per_page"),
    ("per_page=0", "per_page"),
    ("since=garbage", "since"),
    ("until=2024-13-45", "until"),
    ("since=2024-05-01&until=2024-01-01", "since"),
    ("sort=foo", "sort"),
    ("q=" + "a" * 2000, "q"),
    ("facets=maybe", "facets"),
]


@pytest.mark.parametrize("args, parameter", [b for b in BAD if b[1] != "facets"])
def test_bad_parameters_are_400_pages(client, args, parameter):
    url = "/search?" + (args if args.startswith("q=") else "q=banjir&" + args)
    html = page(client, url, status=400)
    assert "Permintaan tidak valid" in html
    assert f'<p class="notice-message">{parameter}: ' in html
    assert "Traceback" not in html


@pytest.mark.parametrize("args, parameter", BAD)
def test_bad_parameters_are_400_json(client, args, parameter):
    url = "/api/search?" + (args if args.startswith("q=") else "q=banjir&" + args)
    data = api(client, url, status=400)
    assert data["status"] == 400 and data["parameter"] == parameter
    assert data["error"].startswith(f"{parameter}: ")


def test_bad_query_syntax_is_never_a_500(client):
    for q in [
        '"unterminated',
        "title:",
        "(((",
        "published:[x TO",
        "a*",
        "*",
        "~",
        "AND OR NOT",
        "\x00\x01",
        "🙂" * 10,
        "sumber:",
        "-",
        "+",
    ]:
        for url in ("/search", "/api/search"):
            response = client.get(url, query_string={"q": q})
            assert response.status_code in (200, 400), (q, response.status_code)


def test_hostile_query_is_escaped_everywhere(client):
    for url in (
        f"/search?q={HOSTILE}",
        f"/search?q={HOSTILE}&source={HOSTILE}",
        f"/article/sample-001?q={HOSTILE}",
        f"/search?q={HOSTILE}&page=0",
        f"/search?q={HOSTILE}&since={HOSTILE}",
    ):
        html = client.get(url).get_data(as_text=True)
        assert HOSTILE not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_hostile_article_text_and_links_are_neutralised(odd_client):
    html = page(odd_client, "/search?q=banjir")
    assert HOSTILE not in html and "<img src=x" not in html and "<b>Sumber</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html
    article = page(odd_client, "/article/a%20b/c%3Fd%23e?q=banjir")
    assert HOSTILE not in article and "<img src=x" not in article
    assert "javascript:" not in article
    assert "&lt;img src=x onerror=alert(2)&gt; <mark>banjir</mark> lagi" in article


def test_security_headers(client):
    for url in ("/", "/search?q=banjir", "/api/search?q=banjir", "/article/x", "/search?page=0"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"


def test_pages_load_nothing_from_other_sites(client):
    for url in ("/", "/search?q=banjir", "/article/sample-011?q=banjir"):
        html = page(client, url)
        loaded = re.findall(r'<(?:script|img|iframe)[^>]* src="([^"]+)"', html)
        loaded += re.findall(r'<link(?![^>]* rel="alternate")[^>]* href="([^"]+)"', html)
        assert loaded and all(url.startswith("/static/") for url in loaded), loaded
        # Feeds a reader may subscribe to (#26) are links, not loads, and ours.
        feeds = re.findall(r'<link[^>]* rel="alternate"[^>]* href="([^"]+)"', html)
        assert all(url.startswith("/") and not url.startswith("//") for url in feeds), feeds
        assert "style=" not in html and "onclick" not in html


# -- index availability -------------------------------------------------------------------
def test_missing_index_is_a_friendly_503_until_it_is_built(tmp_path):
    path = tmp_path / "later"
    app = create_app({"TESTING": True, "INDEX": str(path)})
    client = app.test_client()
    for url in ("/", "/search?q=banjir", "/article/sample-001"):
        html = page(client, url, status=503)
        assert "Indeks belum tersedia" in html
        assert f"python -m searcher index corpus/ --index {path}" in html
    data = api(client, "/api/search?q=banjir", status=503)
    assert data["status"] == 503
    # Built while the server runs: the next request just works.
    searcher.index_sources([str(SAMPLE)], str(path))
    assert "hit-title" in page(client, "/search?q=banjir")
    close_index(app)


def test_reindex_is_visible_without_restart(tmp_path):
    path = tmp_path / "ix"
    searcher.index_sources([str(SAMPLE)], str(path))
    app = create_app({"TESTING": True, "INDEX": str(path)})
    client = app.test_client()
    assert api(client, "/api/search?q=zebrakuda")["total"] == 0
    extra = tmp_path / "extra.jsonl"
    extra.write_text(
        json.dumps(
            {
                "id": "extra-1",
                "title": "Zebrakuda Lahir di Ragunan",
                "body": "Seekor zebrakuda lahir.",
                "source": "Kabar Kota",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    searcher.index_sources([str(extra)], str(path))
    deadline = time.monotonic() + 60  # a hang detector: a busy machine may take seconds
    while api(client, "/api/search?q=zebrakuda")["total"] != 1:
        assert time.monotonic() < deadline, "the new article never showed up"
        time.sleep(0.2)
    assert "Zebrakuda" in page(client, "/article/extra-1")
    close_index(app)


def test_home_page_survives_failing_statistics(client, monkeypatch):
    def broken(self):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(searcher.Index, "stats", broken)
    html = page(client, "/")
    assert 'name="q"' in html and "berita dari" not in html


def test_undated_articles_do_not_break_search(tmp_path):
    corpus = tmp_path / "undated.jsonl"
    record = {
        "id": "tanpa-tanggal",
        "title": "Perdagangan Orang Tanpa Tanggal",
        "body": "Perdagangan orang di sebuah desa.",
    }
    corpus.write_text(json.dumps(record) + "\n", encoding="utf-8")
    path = tmp_path / "ix"
    searcher.index_sources([str(SAMPLE), str(corpus)], str(path))
    app = create_app({"TESTING": True, "INDEX": str(path)})
    client = app.test_client()
    try:
        html = page(client, "/search?q=perdagangan+orang+tanpa+tanggal")
        assert "tanpa-tanggal" in hit_ids(html)
        assert "<strong>45</strong> berita dari" in page(client, "/")
    finally:
        close_index(app)


def test_unexpected_errors_are_a_friendly_page_without_traceback(index_dir):
    app = create_app({"TESTING": True, "INDEX": str(index_dir)})

    def boom():
        raise RuntimeError("secret detail")

    app.add_url_rule("/boom", view_func=boom)
    app.add_url_rule("/api/boom", "api_boom", view_func=boom)
    client = app.test_client()
    html = page(client, "/boom", status=500)
    assert "Terjadi kesalahan" in html and "secret detail" not in html
    assert "secret" not in json.dumps(api(client, "/api/boom", status=500))


def test_post_is_not_allowed(client):
    assert client.post("/search?q=banjir").status_code == 405


# -- formatting ----------------------------------------------------------------------------
def test_indonesian_dates_and_numbers():
    long = "Selasa, 10 September 2019, 13.30 WIB"
    assert format_date(datetime(2019, 9, 10, 13, 30), "long") == long
    assert format_date(datetime(2024, 2, 29), "long") == "Kamis, 29 Februari 2024"
    assert format_date(datetime(2023, 8, 17, 9, 5)) == "17 Agu 2023"
    assert format_date(None) == ""
    assert format_day("2019-09-01") == "1 Sep 2019" and format_day("kemarin") == "kemarin"
    assert format_number(25506) == "25.506" and format_number(0.0712, 2) == "0,07"


def test_timeline_fills_gaps_and_links_each_period():
    counts = [searcher.FacetCount("2023-11", 2), searcher.FacetCount("2024-02", 4)]
    timeline = build_timeline(counts)
    assert [bar.count for bar in timeline.bars] == [2, 0, 0, 4]
    assert timeline.by_month and timeline.first_label == "Nov 2023"
    assert timeline.last_label == "Feb 2024"
    assert (timeline.bars[1].since, timeline.bars[1].until) == ("2023-12-01", "2023-12-31")
    assert timeline.bars[3].title == "Februari 2024: 4 berita" and timeline.peak.count == 4
    assert timeline.bars[3].height > timeline.bars[0].height > 0 == timeline.bars[1].height
    days = build_timeline(
        [searcher.FacetCount("2019-09-10", 1), searcher.FacetCount("2019-09-12", 3)]
    )
    assert [b.since for b in days.bars] == ["2019-09-10", "2019-09-11", "2019-09-12"]
    assert days.bars[0].since == days.bars[0].until and days.first_label == "10 Sep 2019"
    assert build_timeline([]) is None
    assert date.fromisoformat(days.bars[-1].until) == date(2019, 9, 12)


def test_the_server_says_at_start_why_it_cannot_search_yet(tmp_path, index_dir, monkeypatch):
    from searcher.whoosh import storage as index_module
    from web.server import startup_note

    assert startup_note(str(index_dir)) is None
    missing = tmp_path / "belum-ada"
    assert startup_note(str(missing)).startswith(f"no index in {missing} yet")
    old = tmp_path / "lama"
    searcher.build_index([searcher.Article("a", "Banjir", "Banjir lagi.")], str(old))
    monkeypatch.setattr(index_module, "SCHEMA_VERSION", index_module.SCHEMA_VERSION + 1)
    note = startup_note(str(old))
    assert "built by another version of searcher" in note and "--rebuild" in note
    assert startup_note("manticore://127.0.0.1:1/articles").startswith("no Manticore/Sphinx node")
