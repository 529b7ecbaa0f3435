"""Atom feeds of any search and any story, exports over HTTP, and the dates people use
on the result page (#26). Feeds are parsed back with feedparser."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import feedparser
import pytest

import searcher
from searcher import export
from searcher.results import date_histogram
from web import close_index, create_app, presets, timeline

NOW = datetime(2019, 9, 30, 15, 0)  # the clock of the result pages in these tests


def record(
    doc_id: str, title: str, published: str, *, source: str = "Kompas", body: str = ""
) -> dict:
    return {
        "id": doc_id,
        "title": title,
        "content": body or f"{title}. Berita lengkap.",
        "source": source,
        "date": published,
        "category": "nasional",
        "url": f"https://contoh.id/{doc_id}",
    }


# 30 September days of flood news (one on the 10th is copied by Tempo: a story), an
# article two hours before NOW and one from March.
RECORDS = [
    record(f"sep-{day:02d}", f"Banjir hari ke-{day} di kota", f"2019-09-{day:02d}")
    for day in range(1, 31)
]
RECORDS += [
    record("fresh", "Banjir bandang terbaru di Garut", "2019-09-30T13:00:00+07:00"),
    record("march", "Banjir lama di bulan Maret", "2019-03-05"),
    record("copy", "Banjir hari ke-10 di kota", "2019-09-10", source="Tempo"),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("feeds") / "news.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    index = corpus.parent / "index"
    searcher.index_sources([str(corpus)], str(index))
    app = create_app({"INDEX": str(index), "TESTING": True, "NOW": NOW})
    yield app
    close_index(app)


@pytest.fixture
def client(app):
    return app.test_client()


def parsed(response):
    assert response.status_code == 200
    assert response.content_type == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


# -- Atom --------------------------------------------------------------------------------
def test_a_search_feed_is_valid_atom_newest_first(client):
    feed = parsed(client.get("/search.atom?q=banjir&per_page=3"))
    assert feed.feed.title == "banjir · Searcher"
    assert [e.link for e in feed.entries] == [
        "https://contoh.id/fresh",
        "https://contoh.id/sep-30",
        "https://contoh.id/sep-29",
    ]
    first = feed.entries[0]
    assert first.title == "Banjir bandang terbaru di Garut"
    assert first.id == "http://localhost/article/fresh"
    assert first.updated == "2019-09-30T13:00:00+07:00"
    assert first.author == "Kompas"
    assert first.summary.startswith("Banjir bandang terbaru di Garut")
    alternate = [link.href for link in feed.feed.links if link.rel == "alternate"]
    assert alternate == ["http://localhost/search?q=banjir&sort=terbaru&per_page=3"]


def test_a_search_feed_takes_the_search_s_filters(client):
    feed = parsed(client.get("/search.atom?q=banjir&source=Tempo"))
    assert [e.link for e in feed.entries] == ["https://contoh.id/copy"]
    feed = parsed(client.get("/search.atom?q=banjir&since=2019-03-01&until=2019-03-31"))
    assert [e.link for e in feed.entries] == ["https://contoh.id/march"]
    feed = parsed(client.get("/search.atom?q=banjir&sort=terlama&per_page=1"))
    assert [e.link for e in feed.entries] == ["https://contoh.id/march"]


def test_a_feed_without_matches_is_still_valid(client):
    feed = parsed(client.get("/search.atom?q=gempa"))
    assert feed.entries == [] and feed.feed.updated == "2000-01-01T00:00:00+00:00"


def test_a_story_feed_lists_its_articles_newest_first(client):
    hits = client.get("/api/search?q=banjir&collapse=0&per_page=100").get_json()["hits"]
    story = next(h["story"]["id"] for h in hits if h["id"] == "copy")
    members = client.get(f"/api/story/{story}").get_json()["hits"]
    assert {"copy", "sep-10"} <= {h["id"] for h in members}
    feed = parsed(client.get(f"/story/{story}.atom"))
    assert feed.feed.title == f"Peristiwa: {members[0]['title']} · Searcher"
    assert [e.link for e in feed.entries] == [h["url"] for h in reversed(members)]
    assert client.get("/story/tidak-ada.atom").status_code == 404


def test_feeds_answer_304_to_their_etag_and_a_changed_feed_has_another(client):
    first = client.get("/search.atom?q=banjir")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert modified == "Mon, 30 Sep 2019 06:00:00 GMT"  # 13:00 WIB
    again = client.get("/search.atom?q=banjir", headers={"If-None-Match": etag})
    assert (again.status_code, again.data) == (304, b"")
    since = client.get("/search.atom?q=banjir", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    other = client.get("/search.atom?q=banjir&source=Tempo", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag


def test_a_feed_needs_a_query_and_good_parameters(client):
    assert client.get("/search.atom").status_code == 400
    assert client.get("/search.atom?q=banjir&since=kemarin-lusa").status_code == 400


def test_the_pages_link_their_feeds(client):
    page = client.get("/search?q=banjir&source=Kompas").get_data(as_text=True)
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Umpan Atom: banjir" '
        'href="/search.atom?q=banjir&amp;source=Kompas">'
    ) in page
    assert 'href="/search.csv?q=banjir&amp;source=Kompas"' in page
    story = client.get("/api/search?q=banjir+bandang").get_json()["hits"][0]["story"]["id"]
    page = client.get(f"/story/{story}").get_data(as_text=True)
    assert (
        f'type="application/atom+xml" title="Umpan Atom peristiwa ini" href="/story/{story}.atom"'
        in page
    )


def test_text_xml_cannot_hold_is_left_out_of_feeds(client, tmp_path):
    from web.feeds import _xml_text

    assert _xml_text("a\x00b\x1bc\ud800d\ufffe e\n") == "abcd e\n"


# -- exports over HTTP ----------------------------------------------------------------------
def test_csv_export_has_the_api_s_columns_and_every_match(client):
    response = client.get("/search.csv?q=banjir&sort=terbaru")
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="searcher.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    api = client.get("/api/search?q=banjir&sort=terbaru&per_page=100").get_json()
    assert list(rows[0]) == list(export.COLUMNS)
    assert set(api["hits"][0]) | {"story_size"} == set(export.COLUMNS)
    assert [r["id"] for r in rows] == [h["id"] for h in api["hits"]]
    assert len(rows) == api["total"] == 32
    assert rows[0]["snippet"] and "<mark>" not in rows[0]["snippet"]


def test_jsonl_export_is_the_api_s_hits_line_by_line(client):
    response = client.get("/search.jsonl?q=banjir&collapse=0&limit=5")
    assert response.content_type == "application/x-ndjson; charset=utf-8"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    api = client.get("/api/search?q=banjir&collapse=0&per_page=5").get_json()
    assert lines == api["hits"]


@pytest.mark.parametrize(
    "args", ["q=banjir&limit=0", "q=banjir&limit=10001", "q=", "q=banjir&since=besok"]
)
def test_a_bad_export_request_is_400_before_any_row(client, args):
    assert client.get(f"/search.csv?{args}").status_code == 400


# -- dates people use -----------------------------------------------------------------------
def test_presets_count_back_from_now_and_show_when_the_index_has_articles_there(client):
    page = client.get("/search?q=banjir").get_data(as_text=True)
    for label, since in (
        ("24 jam", "2019-09-29T15:00"),
        ("7 hari", "2019-09-24"),
        ("30 hari", "2019-09-01"),
        ("tahun ini", "2019-01-01"),
    ):
        assert f'href="/search?q=banjir&amp;since={since}">{label}</a>' in page
    day = client.get("/api/search?q=banjir&since=2019-09-29T15:00&sort=newest").get_json()
    assert [hit["id"] for hit in day["hits"]] == ["fresh", "sep-30"]
    chosen = client.get("/search?q=banjir&since=2019-09-24").get_data(as_text=True)
    assert '<a class="chip chip-active" href="/search?q=banjir&amp;since=2019-09-24">' in chosen


def test_presets_are_hidden_where_they_would_find_nothing():
    newest = datetime(2019, 10, 26, 12, 0)  # CLICK-ID's newest article
    today = datetime(2026, 12, 6, 9, 0)
    assert presets.presets(newest, "", today) == []
    shown = presets.presets(datetime(2026, 11, 20), "2026-11-07", today)
    assert [(p.label, p.active) for p in shown] == [("30 hari", True), ("tahun ini", False)]


def test_recent_hits_show_relative_times(client):
    page = client.get("/search?q=banjir+bandang+garut&per_page=1").get_data(as_text=True)
    assert 'title="Senin, 30 September 2019, 13.00 WIB">2 jam lalu</time>' in page


@pytest.mark.parametrize(
    ("published", "text"),
    [
        (NOW - timedelta(seconds=20), "baru saja"),
        (NOW - timedelta(minutes=12), "12 menit lalu"),
        (NOW - timedelta(hours=2, minutes=59), "2 jam lalu"),
        (datetime(2019, 9, 30), "hari ini"),
        (datetime(2019, 9, 29), "kemarin"),
        (datetime(2019, 9, 29, 14, 0), "kemarin"),
        (datetime(2019, 9, 25, 8, 0), "5 hari lalu"),
        (datetime(2019, 9, 23, 16, 0), "7 hari lalu"),
        (datetime(2019, 9, 23, 14, 0), "23 Sep 2019"),
        (NOW + timedelta(hours=1), "30 Sep 2019"),
        (None, ""),
    ],
)
def test_relative_times(published, text):
    assert presets.relative(published, NOW) == text


def test_a_month_of_results_has_a_bar_a_day_and_a_longer_span_a_bar_a_week(client):
    month = client.get("/api/search?q=banjir&since=2019-09-01&until=2019-09-30&facets=1")
    histogram = month.get_json()["histogram"]
    assert len(histogram) == 30 and histogram[0]["period"] == "2019-09-01"
    drawn = timeline.build(date_histogram({h["period"]: h["count"] for h in histogram}))
    assert (len(drawn.bars), drawn.unit) == (30, "hari")
    everything = client.get("/api/search?q=banjir&facets=1").get_json()["histogram"]
    assert [h["period"] for h in everything][:2] == ["2019-W10", "2019-W35"]
    weeks = timeline.build(date_histogram({"2019-03-05": 1, "2019-09-30": 2}))
    assert weeks.unit == "pekan" and len(weeks.bars) == 31
    assert (weeks.bars[0].since, weeks.bars[0].until) == ("2019-03-04", "2019-03-10")
    assert weeks.bars[0].title == "pekan 4 Maret 2019: 1 berita"
    years = timeline.build(date_histogram({"2018-01-05": 1, "2019-09-30": 2}))
    assert years.unit == "bulan" and len(years.bars) == 21
