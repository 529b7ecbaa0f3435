"""The same behaviour on both backends: the embedded Whoosh index and a
Manticore/Sphinx cluster (two real ``searchd`` nodes, one shard each).

Every test in the first part runs once per backend over the same tiny
hand-written corpus, with exact expectations.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import replace
from datetime import datetime

import pytest

import searcher
from searcher import Filters, QueryError
from searcher.cli import main
from tests.support import ARTICLES, ids

NEWEST = ["banjir-2", "banjir-1", "dagang-1", "tppo-2", "tppo-1", "bekas-1", "korupsi-1", "covid-1"]


@pytest.fixture(scope="module", params=["whoosh", "manticore"])
def location(request, tmp_path_factory):
    """Where the tiny corpus is indexed, on each backend in turn."""
    if request.param == "whoosh":
        return str(tmp_path_factory.mktemp("backends") / "index")
    return request.getfixturevalue("sphinx_cluster").location


@pytest.fixture(autouse=True)
def cluster_files_in_tmp(tmp_path, monkeypatch):
    """A cluster's fetch state and tombstones live in the current folder: the test's own,
    not the checkout (where they would outlive the run and steer the next one)."""
    monkeypatch.chdir(tmp_path)


# Locations that hold exactly ARTICLES. A test that names ``location`` among its
# arguments may write there (it is how tests reach the index to change it): it gets a
# fresh build (in its own folder, where a cluster keeps its state files) and the next
# test rebuilds too; read-only tests share one build per backend.
BUILT: set[str] = set()


def writes(request) -> bool:
    return "location" in inspect.signature(request.function).parameters


@pytest.fixture(autouse=True)
def writers_spoil_the_built_index(request):
    yield
    if writes(request):
        BUILT.clear()


@pytest.fixture
def ix(location, request):
    """The index holding exactly ARTICLES (see BUILT: do not write through ``ix``
    in a test that does not also ask for ``location``)."""
    if location not in BUILT or writes(request):
        report = searcher.build_index(ARTICLES, location, rebuild=True)
        assert report.added == len(ARTICLES)
        BUILT.add(location)
    with searcher.open_index(location) as index:
        yield index


# -- ranking and analysis ------------------------------------------------------------
def test_trafficking_ranks_above_the_trade_balance(ix):
    result = ix.search("perdagangan orang")
    # The concept is required (#21): not "perdagangan" alone (the trade balance),
    # "pedagang" (dagang) or "orang" alone.
    assert set(ids(result)) == {"tppo-1", "tppo-2"}
    assert result.total == 2 and result.dropped == ()
    assert all(hit.score > 0 for hit in result.hits)
    assert "<mark>Perdagangan</mark>" in result.hits[0].title_highlighted.html
    assert "<mark>perdagangan</mark> <mark>orang</mark>" in result.hits[0].snippet.html


def test_a_phrase_matches_only_the_phrase(ix):
    assert set(ids(ix.search('"perdagangan orang"'))) == {"tppo-1", "tppo-2"}


def test_quotes_are_literal(ix):
    # The written words in this order (#21), not their stems: "memulangkan korban"
    # is in tppo-2, "pulangkan korban" nowhere (though both stem to "pulang korban").
    assert ids(ix.search('"memulangkan korban"')) == ["tppo-2"]
    assert ids(ix.search('"pulangkan korban"')) == []
    assert ids(ix.search("pulangkan korban")) == ["tppo-2"]


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest", "blend"])
def test_every_concept_counts_in_every_sort(ix, sort):
    # banjir-2 is newer but has no "jakarta" (#21).
    result = ix.search("banjir jakarta", sort=sort)
    assert (ids(result), result.total, result.dropped) == (["banjir-1"], 1, ())


def test_a_concept_found_nowhere_is_left_out_and_said(ix):
    result = ix.search("banjir surabaya")
    assert set(ids(result)) == {"banjir-1", "banjir-2"}
    assert result.dropped == ("surabaya",)
    assert result.to_json()["dropped"] == ["surabaya"]


def test_the_blend_sort_orders_the_relevance_set(ix):
    relevance = ix.search("pemerintah", per_page=20)
    blend = ix.search("pemerintah", per_page=20, sort="blend")
    assert set(ids(blend)) == set(ids(relevance)) and blend.total == relevance.total
    assert ids(blend) != ids(relevance)  # banjir-1, the newest, moves up


def test_an_inflected_form_finds_its_stem(ix):
    assert set(ids(ix.search("memperdagangkan"))) == {"tppo-1", "tppo-2", "dagang-1", "bekas-1"}


def test_a_protected_name_is_not_its_overstemmed_word(ix):
    assert ids(ix.search("Bekasi")) == ["tppo-1"]
    assert ids(ix.search("bekas")) == ["bekas-1"]


def test_hyphenated_words_and_their_parts(ix):
    for text in ("covid-19", "COVID", "ktp", "e-KTP", "e\u2010KTP", "Soekarno-Hatta"):
        assert ids(ix.search(text)) == ["covid-1"], text


def test_wildcards_and_near_spellings(ix):
    assert ids(ix.search("korup*")) == ["korupsi-1"]
    assert ids(ix.search("korupsu~")) == ["korupsi-1"]


def test_did_you_mean(ix):
    # An absent word is searched as its far more frequent spelling (#21)...
    corrected = ix.search("pemerintak")
    assert (corrected.corrected_query, corrected.suggestion) == ("pemerintah", None)
    assert ids(corrected) == ids(ix.search("pemerintah"))
    # ...or, searched as typed, suggested.
    typed = ix.search("pemerintak", as_typed=True)
    assert (typed.total, typed.corrected_query, typed.suggestion) == (0, None, "pemerintah")
    assert ix.search("pemerintah").suggestion is None


# -- boolean operators and restrictions ---------------------------------------------
def test_exclusions(ix):
    assert ids(ix.search("banjir -jakarta")) == ["banjir-2"]
    assert ids(ix.search("banjir NOT jakarta")) == ["banjir-2"]
    everything_but = ix.search("-banjir", per_page=20)
    assert everything_but.total == 6
    assert not {"banjir-1", "banjir-2"} & set(ids(everything_but))


@pytest.mark.parametrize(
    "text",
    [
        "banjir - jakarta",
        "Banjir – Jakarta",
        "banjir — jakarta",
        "banjir -- jakarta",
        "- banjir jakarta",
        "banjir jakarta -",
        "banjir + jakarta",
        "banjir - - jakarta",
        "banjir \u2212 jakarta",
        "BANJIR - jakarta -",
    ],
)
def test_a_dash_between_spaces_is_punctuation_not_a_negation(ix, text):
    # A pasted headline or dateline ("JAKARTA - Presiden ...") keeps every word (#12),
    # and every word counts (#21).
    assert ids(ix.search(text)) == ["banjir-1"]
    assert ix.search(text).total == 1


def test_only_an_attached_sign_is_an_operator(ix):
    assert ids(ix.search("banjir --jakarta")) == ["banjir-2"]  # a run of signs: one minus
    assert ids(ix.search("banjir -jakarta -")) == ["banjir-2"]
    assert set(ids(ix.search("+korban - perdagangan"))) == {"tppo-1", "tppo-2"}
    assert ids(ix.search("pemerintah -(jakarta OR korupsi OR bekas OR neraca OR korban)")) == []
    assert ids(ix.search("soekarno-hatta")) == ["covid-1"]  # a dash inside a word is a word


@pytest.mark.parametrize("text", ["\\", '""', "!!!!", "-", "– —", "yang", "", "()"])
def test_a_query_without_words_finds_nothing_and_says_why(ix, text):
    result = ix.search(text)
    assert (result.total, ids(result)) == (0, [])
    assert result.message and result.message.startswith("q: the query has no words")
    assert result.to_json()["message"] == result.message


def test_only_a_bare_star_means_every_article(ix):
    result = ix.search("*", per_page=20)
    assert result.total == len(ARTICLES) and result.message is None
    assert ix.search("sumber:kompas").message is None  # restrictions alone are fine


def test_a_range_of_words_is_no_range(ix):
    # Ranges are for dates only: "[a TO zzzz]" is the word "zzzz" (and "a", "to"),
    # not every word of the dictionary (#12).
    assert ix.search("[a TO zzzz]").total == 0
    # Every word counts, "to" too (#21).
    assert ids(ix.search("[banjir TO bandang]")) == []
    assert ids(ix.search("[banjir bandang]")) == ["banjir-2"]
    assert ids(ix.search("title:[banjir bandang]")) == ["banjir-2"]
    assert ids(ix.search("tanggal:[2019-10-01 TO 2019-10-31]")) == ["banjir-1"]


def test_required_words(ix):
    result = ix.search("+korban perdagangan")
    assert set(ids(result)) == {"tppo-1", "tppo-2"}


def test_source_restrictions_in_the_query(ix):
    assert set(ids(ix.search("sumber:kompas"))) == {"tppo-1", "dagang-1", "korupsi-1"}
    assert set(ids(ix.search("sumber:Kompas perdagangan"))) == {"tppo-1", "dagang-1"}
    assert ids(ix.search("banjir NOT sumber:tempo")) == ["banjir-2"]
    assert set(ids(ix.search("banjir sumber:tempo OR sumber:detik"))) == {"banjir-1", "banjir-2"}


def test_filters(ix):
    assert set(ids(ix.search("perdagangan", filters={"category": "hukum"}))) == {"tppo-1", "tppo-2"}
    assert set(
        ids(
            ix.search(
                "perdagangan", filters=Filters.build(source=["detik", "KOMPAS"], since="2019-09-11")
            )
        )
    ) == {"tppo-2", "dagang-1"}
    assert set(ids(ix.search("perdagangan", filters={"until": "2019-09-10"}))) == {
        "tppo-1",
        "bekas-1",
    }


def test_dates_in_the_query(ix):
    assert set(ids(ix.search("perdagangan tanggal:[2019-09-11 TO 2019-09-30]"))) == {
        "tppo-2",
        "dagang-1",
    }
    assert ids(ix.search("tanggal:2019-10")) == ["banjir-1"]


# -- facets, sorting, paging -------------------------------------------------------------
def test_facets_and_histogram(ix):
    result = ix.search("pemerintah", facets=True)
    assert [(f.value, f.count) for f in result.facets["source"]] == [
        ("Kompas", 2),
        ("Tempo", 2),
        ("Detik", 1),
    ]
    assert [(f.value, f.count) for f in result.facets["category"]] == [
        ("ekonomi", 2),
        ("hukum", 2),
        ("daerah", 1),
    ]
    assert [(f.value, f.count) for f in result.histogram] == [
        ("2019-08-20", 1),
        ("2019-09-01", 1),
        ("2019-09-12", 1),
        ("2019-09-15", 1),
        ("2019-10-01", 1),
    ]
    # 2019-08-20 to 2019-11-05 spans over 62 days: counted per ISO week (#26).
    wide = ix.search("-zzzz", facets=True)
    assert [(f.value, f.count) for f in wide.histogram] == [
        ("2019-W34", 1),
        ("2019-W35", 1),
        ("2019-W37", 3),
        ("2019-W40", 1),
        ("2019-W45", 1),
    ]


def test_sorting_by_date_puts_undated_articles_last(ix):
    assert ids(ix.search("-zzzz", sort="newest", per_page=10)) == NEWEST
    assert ids(ix.search("-zzzz", sort="oldest", per_page=10)) == NEWEST[-2::-1] + ["covid-1"]


def test_paging(ix):
    page2 = ix.search("-zzzz", sort="newest", per_page=3, page=2)
    assert (page2.total, page2.pages, ids(page2)) == (8, 3, NEWEST[3:6])
    assert ids(ix.search("-zzzz", sort="newest", per_page=3, page=3)) == NEWEST[6:]
    assert ids(ix.search("-zzzz", sort="newest", per_page=3, page=4)) == []


def test_bad_parameters_are_query_errors(ix):
    for options in ({"page": 0}, {"per_page": 1000}, {"sort": "popular"}):
        with pytest.raises(QueryError):
            ix.search("banjir", **options)
    with pytest.raises(QueryError, match="since"):
        ix.search("banjir", filters={"since": "kemarin lusa"})


def test_categories_are_normalised_and_the_outlets_label_kept(ix, location):
    labels = [
        replace(ARTICLES[2], id="ekbis-1", category="Ekbis", author="Andi"),
        replace(ARTICLES[7], id="economy-1", category="  ECONOMY "),
        replace(ARTICLES[3], id="bola-1", category="Super Skor"),
        replace(ARTICLES[4], id="ragam-1", category="Kolom Khusus"),
    ]
    assert searcher.build_index(labels, location).added == 4
    document = ix.get("ekbis-1")
    assert (document.category, document.category_raw, document.author) == (
        "ekonomi",
        "Ekbis",
        "Andi",
    )
    assert document.to_json()["category_raw"] == "Ekbis"
    assert ix.get("economy-1").category_raw == "  ECONOMY "
    everything = ix.search("-zzzz", facets=True)
    assert [(f.value, f.count) for f in everything.facets["category"]] == [
        ("ekonomi", 4),
        ("hukum", 3),
        ("daerah", 2),
        ("bola", 1),
        ("kesehatan", 1),
        ("kolom khusus", 1),
    ]
    economy = {"dagang-1", "bekas-1", "ekbis-1", "economy-1"}
    for text in ("kategori:ekonomi", "kategori:Ekbis", "category:BISNIS", "kategori:economy"):
        assert set(ids(ix.search(text, per_page=20))) == economy, text
    for label in ("ekonomi", "Money", " ekbis "):
        assert set(ids(ix.search("-zzzz", filters={"category": label}))) == economy, label
    assert ids(ix.search("kategori:sepakbola")) == ["bola-1"]
    assert ids(ix.search("-zzzz", filters={"category": "KOLOM  khusus"})) == ["ragam-1"]
    assert [(f.value, f.count) for f in ix.stats().categories][:1] == [("ekonomi", 4)]

    from web import close_index, create_app

    app = create_app({"TESTING": True, "INDEX": location})
    try:
        client = app.test_client()
        article = client.get("/api/article/ekbis-1").get_json()
        assert (article["category"], article["category_raw"], article["author"]) == (
            "ekonomi",
            "Ekbis",
            "Andi",
        )
        # ekbis-1 and economy-1 are copies of other articles: every copy, not one a group
        found = client.get("/api/search?q=-zzzz&category=Bisnis&per_page=20&collapse=0").get_json()
        assert {hit["id"] for hit in found["hits"]} == economy
    finally:
        close_index(app)


# -- documents ----------------------------------------------------------------------------
def test_get_and_highlight_a_document(ix):
    document = ix.get("tppo-2")
    assert (document.title, document.source, document.category, document.published) == (
        "Korban Perdagangan Orang Dipulangkan",
        "Detik",
        "hukum",
        datetime(2019, 9, 12, 9, 30),
    )
    assert document.body == ARTICLES[1].body
    assert ix.get("covid-1").published is None
    assert ix.get("tidak-ada") is None
    title, body = ix.highlight_document("tppo-2", "korban")
    assert title.html == "<mark>Korban</mark> Perdagangan Orang Dipulangkan"
    assert "<mark>korban</mark>" in body.html


def test_more_like_this(ix):
    related = ix.more_like_this("tppo-1", limit=3)
    assert related[0].id == "tppo-2"
    assert "tppo-1" not in [hit.id for hit in related]
    assert ix.more_like_this("tidak-ada") == []


def test_stats(ix):
    stats = ix.stats()
    assert stats.documents == 8
    assert [(f.value, f.count) for f in stats.sources] == [
        ("Kompas", 3),
        ("Tempo", 3),
        ("Detik", 2),
    ]
    assert (stats.earliest, stats.latest) == (
        datetime(2019, 8, 20, 12, 0),
        datetime(2019, 11, 5, 6, 0),
    )
    assert stats.size_bytes > 0


# -- indexing ---------------------------------------------------------------------------------
def test_reindexing_is_idempotent_and_updates_changed_articles(ix, location):
    again = searcher.build_index(ARTICLES, location)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 8)
    changed = replace(ARTICLES[1], body="Korban diselamatkan dari kapal nelayan.")
    report = searcher.build_index([changed, *ARTICLES[2:]], location)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 6)
    assert ids(ix.search("nelayan")) == ["tppo-2"]
    assert "Malaysia" not in ix.get("tppo-2").body
    assert ix.stats().documents == 8


def test_a_repeated_id_is_reported_and_the_first_kept(ix, location):
    twice = replace(ARTICLES[0], id="baru-1", title="Berita Baru")
    clash = replace(twice, title="Berita Kembar", origin="kembar.jsonl:2")
    report = searcher.build_index([twice, clash], location)
    assert (report.added, len(report.rejected)) == (1, 1)
    assert "duplicate id 'baru-1'" in report.rejected[0].reason
    assert report.read == 2
    assert ix.get("baru-1").title == "Berita Baru"


def test_a_rebuild_holds_exactly_the_new_articles(ix, location):
    report = searcher.build_index(ARTICLES[:2], location, rebuild=True)
    assert report.added == 2
    assert ix.stats().documents == 2
    assert set(ids(ix.search("perdagangan"))) == {"tppo-1", "tppo-2"}


def test_a_deleted_article_leaves_results_facets_related_and_stats(ix, location):
    assert ix.more_like_this("tppo-1", limit=3)[0].id == "tppo-2"
    report = ix.delete(["tppo-2", "tidak-ada", "tppo-2"])
    assert (report.deleted, report.unknown) == (1, ["tidak-ada"])
    assert ix.get("tppo-2") is None
    result = ix.search("pemerintah", facets=True)
    assert "tppo-2" not in ids(result)
    assert result.total == 4
    assert [(f.value, f.count) for f in result.facets["source"]] == [("Kompas", 2), ("Tempo", 2)]
    assert [(f.value, f.count) for f in result.facets["category"]] == [
        ("ekonomi", 2),
        ("daerah", 1),
        ("hukum", 1),
    ]
    assert "tppo-2" not in [hit.id for hit in ix.more_like_this("tppo-1", limit=5)]
    stats = ix.stats()
    assert stats.documents == 7
    assert [(f.value, f.count) for f in stats.sources] == [
        ("Kompas", 3),
        ("Tempo", 3),
        ("Detik", 1),
    ]
    again = searcher.delete_documents(["tppo-2"], location)
    assert (again.deleted, again.unknown) == (0, ["tppo-2"])


def test_the_web_api_cannot_delete(ix, location):
    from web import close_index, create_app

    app = create_app({"TESTING": True, "INDEX": location})
    try:
        client = app.test_client()
        for path in ("/api/article/tppo-1", "/article/tppo-1", "/api/delete?id=tppo-1"):
            assert client.delete(path).status_code in (404, 405)
            assert client.post(path).status_code in (404, 405)
        assert client.get("/api/article/tppo-1").status_code == 200
    finally:
        close_index(app)
    assert ix.get("tppo-1") is not None


def test_the_cli_deletes_and_reports_unknown_ids(ix, location, tmp_path, capsys):
    listed = tmp_path / "ids.txt"
    listed.write_text("# ditarik redaksi\nbanjir-2\n\nhilang-9\n", encoding="utf-8")
    where = ["--backend", location] if "://" in location else ["--index", location]
    assert main(["delete", "banjir-1", "--ids-from", str(listed), *where]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("2 deleted, 1 unknown (")
    assert captured.err == "unknown id: hilang-9\n"
    assert ids(ix.search("banjir")) == []
    assert ix.stats().documents == 6


# -- shells ----------------------------------------------------------------------------------
def test_the_cli_takes_the_backend(ix, location, capsys):
    assert (
        main(
            ["query", "perdagangan orang", "--backend", location, "--json"]
            if "://" in location
            else ["query", "perdagangan orang", "--index", location, "--json"]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 2
    assert {h["id"] for h in data["hits"]} == {"tppo-1", "tppo-2"}


def test_the_web_app_serves_either_backend(ix, location):
    from web import close_index, create_app

    app = create_app({"TESTING": True, "INDEX": location})
    try:
        client = app.test_client()
        page = client.get("/search?q=perdagangan+orang")
        assert page.status_code == 200
        assert "<mark>Perdagangan</mark>" in page.get_data(as_text=True)
        api = client.get("/api/search?q=banjir&facets=1").get_json()
        assert {h["id"] for h in api["hits"]} == {"banjir-1", "banjir-2"}
        assert {f["value"] for f in api["facets"]["source"]} == {"Tempo", "Detik"}
        article = client.get("/article/tppo-1?q=bekasi")
        assert article.status_code == 200
        assert "<mark>Bekasi</mark>" in article.get_data(as_text=True)
    finally:
        close_index(app)


# -- duplicates and stories ----------------------------------------------------------------
def test_copies_collapse_and_stories_group_alike_on_both_backends(location):
    from tests.test_stories import TOLL, corpus, toll

    searcher.build_index(corpus(), location, rebuild=True)
    with searcher.open_index(location) as index:
        collapsed = index.search("tol semarang demak", sort="oldest", collapse=True)
        every = index.search("tol semarang demak", sort="oldest")
        story = index.story("a1")
        assert index.story("nope") is None
        largest = index.stories(limit=2)
        recent = index.stories(since=datetime(2019, 9, 10))
    assert (collapsed.total, every.total) == (3, 4)
    assert [(hit.id, hit.versions) for hit in collapsed.hits] == [("a1", 1), ("c1", 0), ("d1", 0)]
    assert [(c.id, c.source) for c in collapsed.hits[0].copies] == [("a2", "tempo.co")]
    assert [(hit.story, hit.story_size) for hit in collapsed.hits] == [
        ("a1", 3),
        ("a1", 3),
        ("d1", 1),
    ]
    assert [hit.id for hit in story.hits] == ["a1", "a2", "c1"]
    assert [(f.value, f.count) for f in story.histogram] == [("2019-09-02", 3)]
    assert [(s.id, s.size, s.sources, s.title) for s in largest] == [
        ("a1", 3, 3, "Jokowi Resmikan Tol Semarang-Demak"),
        ("b1", 1, 1, "Banjir Rendam Ratusan Rumah di Bekasi"),
    ]
    assert [s.id for s in recent] == ["d1"]
    # A later copy joins the existing group and story; older assignments stay.
    searcher.build_index([toll("a3", "antaranews.com", hours=5, body="Antara. " + TOLL)], location)
    with searcher.open_index(location) as index:
        assert [hit.id for hit in index.story("a1").hits] == ["a1", "a2", "c1", "a3"]
        again = index.search("tol semarang demak", sort="oldest", collapse=True)
    assert [(hit.id, hit.versions) for hit in again.hits] == [("a1", 2), ("c1", 0), ("d1", 0)]


def test_one_hit_per_story_alike_on_both_backends(location):
    from tests.test_stories import corpus

    searcher.build_index(corpus(), location, rebuild=True)
    with searcher.open_index(location) as index:
        result = index.search("tol semarang demak", sort="oldest", collapse="story")
    assert result.total == 2
    assert [
        (hit.id, hit.story, hit.story_size, hit.story_sources, hit.story_matches, hit.versions)
        for hit in result.hits
    ] == [("a1", "a1", 3, 3, 3, 1), ("d1", "d1", 1, 1, 1, 0)]
    assert [(h.id, h.source) for h in result.hits[0].headlines] == [("c1", "okezone.com")]


def test_story_lists_pages_and_deleted_first_articles_alike_on_both_backends(location):
    from tests.test_stories import TOLL, corpus, toll

    searcher.build_index(
        corpus() + [toll("a3", "antaranews.com", hours=30, body="Antara. " + TOLL)],
        location,
        rebuild=True,
    )
    with searcher.open_index(location) as index:
        window = index.story_list(since="2019-09-02", until="2019-09-02", sort="active")
        tempo = index.story_list(source="tempo.co")
        page = index.story("a1", per_page=2, page=2)
        day = index.story("a1", since="2019-09-03", until="2019-09-03", sort="newest")
    assert [(s.id, s.active, s.size) for s in window.stories] == [
        ("a1", 3, 4),
        ("b1", 1, 1),
        ("f3", 1, 1),
    ]
    assert window.stories[0].title == "Jokowi Resmikan Tol Semarang-Demak"
    assert [(s.id, s.active) for s in tempo.stories] == [("a1", 1)]
    assert [h.id for h in page.hits] == ["c1", "a3"] and (page.total, page.size) == (4, 4)
    assert [h.id for h in day.hits] == ["a3"] and len(day.histogram) == 2
    searcher.delete_documents(["a1"], location)
    with searcher.open_index(location) as index:
        old, current = index.story("a1"), index.story("a2")
        hit = index.search("tol semarang demak", sort="oldest", collapse="story").hits[0]
    assert old.id == current.id == "a2" and [h.id for h in current.hits] == ["a2", "c1", "a3"]
    assert (hit.id, hit.story) == ("a2", "a2")


def test_story_mode_facets_and_histogram_count_stories_on_both_backends(location):
    # The page counts stories (one card each): so do its facets and timeline (#25).
    from tests.test_stories import corpus

    searcher.build_index(corpus(), location, rebuild=True)
    with searcher.open_index(location) as index:
        result = index.search("tol semarang demak", collapse="story", facets=True)
        narrowed = {
            f.value: index.search(
                "tol semarang demak", collapse="story", filters=Filters.build(source=[f.value])
            ).total
            for f in result.facets["source"]
        }
    assert result.total == 2
    assert sum(f.count for f in result.histogram) == result.total
    assert {f.value: f.count for f in result.facets["source"]} == narrowed
