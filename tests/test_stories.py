"""Near-duplicates and stories (issue #15): the grouping modules, the index's saved
groups, collapsed searches, the story page and API, and the CLI.

The hand-made corpus: a1/a2 are one agency text printed by two outlets (a3, added
later, a third print); c1 is another article about the same toll road opening the
same day (same story, not a copy); b1 is about a flood (another story); d1 has c1's
title a month later (outside the story window: a story of its own).
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

import numpy as np
import pytest

import searcher
from searcher.cli import main
from searcher.duplicates import DuplicateGroups, Signer, similarity
from searcher.models import Article
from searcher.stories import StoryClusters, story_terms
from searcher.whoosh import grouping
from searcher.whoosh.writer import build_index
from tests.support import web_client

TOLL = (
    "Presiden Joko Widodo meresmikan ruas jalan tol Semarang Demak sepanjang dua puluh "
    "tujuh kilometer pada Senin pagi. Jalan tol itu dibangun dengan tanggul laut untuk "
    "menahan banjir rob di pesisir utara Jawa Tengah. Menurut Presiden, tol ini akan "
    "memangkas waktu tempuh dari Semarang ke Demak menjadi dua puluh menit saja."
)
TOLL_OTHER = (
    "Warga Demak menyambut gembira peresmian jalan tol Semarang Demak oleh Presiden "
    "Joko Widodo. Mereka berharap tol dengan tanggul laut itu mengakhiri banjir rob "
    "yang setiap tahun merendam rumah di pesisir."
)
TOLL_MONTH_LATER = (
    "Sebulan setelah peresmian oleh Presiden Joko Widodo, warga Demak "
    "mengeluhkan tarif jalan tol Semarang Demak yang dinilai mahal. Pengelola "
    "mencatat rata-rata delapan ribu kendaraan melintas setiap hari."
)
FLOOD = (
    "Hujan deras sejak Minggu malam membuat banjir setinggi satu meter merendam ratusan "
    "rumah warga di Bekasi Timur. Petugas pemadam kebakaran mengevakuasi warga lanjut "
    "usia dengan perahu karet, dan dapur umum didirikan di kantor kelurahan."
)
MONDAY = datetime(2019, 9, 2, 8)
# Other news of those days (f1..f6), so that words are as rare as in a real corpus.
OTHER_NEWS = [
    (
        "Timnas Indonesia Kalah dari Malaysia",
        "Tim nasional sepak bola Indonesia kalah dua "
        "gol tanpa balas dari Malaysia di Stadion Utama Gelora Bung Karno dalam kualifikasi "
        "Piala Dunia. Pelatih Simon McMenemy mengakui lini belakang timnya kurang disiplin.",
    ),
    (
        "Harga Cabai Merah Naik di Pasar Induk",
        "Harga cabai merah keriting di Pasar Induk "
        "Kramat Jati naik menjadi enam puluh ribu rupiah per kilogram. Pedagang menyebut pasokan "
        "dari petani di Garut berkurang karena musim kemarau panjang.",
    ),
    (
        "Gempa Magnitudo 5 Guncang Maluku",
        "Gempa bermagnitudo lima mengguncang Kabupaten "
        "Seram Bagian Barat, Maluku, Kamis dini hari. Badan Meteorologi, Klimatologi, dan "
        "Geofisika menyatakan gempa tidak berpotensi tsunami.",
    ),
    (
        "Film Horor Lokal Tembus Sejuta Penonton",
        "Film horor produksi rumah produksi lokal "
        "menembus satu juta penonton dalam sepekan penayangan di bioskop. Sutradara film itu "
        "berterima kasih kepada penonton yang memadati layar di berbagai kota.",
    ),
    (
        "Rupiah Menguat terhadap Dolar AS",
        "Nilai tukar rupiah menguat tipis terhadap dolar "
        "Amerika Serikat pada perdagangan sore. Analis menilai investor menanti keputusan suku "
        "bunga bank sentral Amerika pekan depan.",
    ),
    (
        "Kebakaran Hutan Meluas di Riau",
        "Kebakaran hutan dan lahan di Provinsi Riau meluas "
        "hingga ribuan hektare. Kabut asap membuat sekolah diliburkan dan penerbangan di Bandara "
        "Sultan Syarif Kasim tertunda beberapa jam.",
    ),
]


def toll(doc_id, source, hours=0, body=TOLL, title="Jokowi Resmikan Tol Semarang-Demak"):
    return Article(
        doc_id,
        title,
        body,
        url=f"https://{source}/{doc_id}",
        source=source,
        published=MONDAY + timedelta(hours=hours),
    )


def corpus() -> list[Article]:
    return [
        toll("a1", "kompas.com"),
        toll(
            "a2",
            "tempo.co",
            hours=1,
            body=TOLL + " Demikian disampaikan Presiden.",
            title="Tol Semarang-Demak Diresmikan Jokowi",
        ),
        toll(
            "c1",
            "okezone.com",
            hours=3,
            body=TOLL_OTHER,
            title="Warga Demak Sambut Peresmian Tol Semarang-Demak",
        ),
        Article(
            "b1",
            "Banjir Rendam Ratusan Rumah di Bekasi",
            FLOOD,
            source="detik.com",
            published=MONDAY + timedelta(hours=2),
        ),
        toll(
            "d1",
            "merdeka.com",
            hours=24 * 30,
            body=TOLL_MONTH_LATER,
            title="Warga Demak Sambut Peresmian Tol Semarang-Demak",
        ),
    ] + [
        Article(
            f"f{n}", title, body, source="antaranews.com", published=MONDAY + timedelta(days=n - 3)
        )
        for n, (title, body) in enumerate(OTHER_NEWS, 1)
    ]


@pytest.fixture
def groups_index(tmp_path):
    path = tmp_path / "ix"
    report = build_index(corpus(), path)
    assert report.added == 11
    return path


def assignments(path) -> dict[str, tuple[str, str]]:
    return {
        doc_id: (dup, story) for doc_id, (dup, story, _) in grouping.read_assignments(path).items()
    }


# -- the grouping modules -------------------------------------------------------------------
def test_signatures_are_deterministic_and_estimate_jaccard():
    first, second = Signer(), Signer()
    assert np.array_equal(first.sign(TOLL), second.sign(TOLL))
    assert similarity(first.sign(TOLL), first.sign(TOLL)) == 1.0
    assert similarity(first.sign(TOLL), first.sign(TOLL + " Demikian disampaikan Presiden.")) > 0.8
    assert similarity(first.sign(TOLL), first.sign(FLOOD)) < 0.2
    assert first.sign("") is None and first.sign("!!! ...") is None


def test_a_copy_joins_the_group_of_its_original_and_other_texts_stay_apart():
    signer, groups = Signer(), DuplicateGroups()
    assert groups.add("a1", signer.sign(TOLL)) == "a1"
    assert groups.add("b1", signer.sign(FLOOD)) == "b1"
    assert groups.add("a2", signer.sign(TOLL + " Demikian.")) == "a1"
    assert groups.add("c1", signer.sign(TOLL_OTHER)) == "c1"
    assert groups.add("e1", None) == "e1"  # no words: a group of its own
    assert groups.group == ["a1", "b1", "a1", "c1", "e1"]


def test_story_clusters_join_within_the_window_only():
    clusters = StoryClusters(threshold=0.3, window_days=3)
    articles = [
        (a.id, story_terms(a.title, a.body), a.published.timestamp())
        for a in sorted(corpus(), key=lambda a: (a.published, a.id))
    ]
    clusters.count(terms for _, terms, _ in articles)
    stories = {doc_id: clusters.add(doc_id, terms, moment) for doc_id, terms, moment in articles}
    assert stories == {
        "a1": "a1",
        "a2": "a1",
        "c1": "a1",
        "b1": "b1",
        "d1": "d1",
        **{f"f{n}": f"f{n}" for n in range(1, 7)},
    }
    assert clusters.add("x", story_terms("Jokowi", TOLL), None) == "x"  # undated: its own


# -- index time ------------------------------------------------------------------------
def test_the_index_saves_duplicate_groups_and_stories(groups_index):
    assert assignments(groups_index) == {
        "a1": ("a1", "a1"),
        "a2": ("a1", "a1"),
        "c1": ("c1", "a1"),
        "b1": ("b1", "b1"),
        "d1": ("d1", "d1"),
        **{f"f{n}": (f"f{n}", f"f{n}") for n in range(1, 7)},
    }


def test_a_later_copy_joins_the_existing_group_and_story(groups_index):
    report = build_index(
        [toll("a3", "antaranews.com", hours=5, body="Antara. " + TOLL)], groups_index
    )
    assert report.added == 1
    found = assignments(groups_index)
    assert found["a3"] == ("a1", "a1")
    assert found["a1"] == ("a1", "a1") and found["c1"] == ("c1", "a1")  # unchanged


@pytest.mark.parametrize("procs", [1, 2])
def test_groups_do_not_depend_on_input_order_or_processes(tmp_path, procs):
    shuffled = corpus()
    random.Random(procs).shuffle(shuffled)
    build_index(shuffled, tmp_path / "ix", procs=procs, commit_every=2)
    reference = tmp_path / "reference"
    build_index(corpus(), reference, procs=1)
    assert assignments(tmp_path / "ix") == assignments(reference)


def test_a_lost_state_is_rebuilt_from_the_index_and_deleted_articles_leave_it(groups_index):
    (groups_index / grouping.GROUPS_FILE).unlink()
    searcher.delete_documents(["b1"], groups_index)
    build_index([toll("a3", "antaranews.com", hours=5, body="Antara. " + TOLL)], groups_index)
    found = assignments(groups_index)
    assert set(found) == {"a1", "a2", "a3", "c1", "d1"} | {f"f{n}" for n in range(1, 7)}
    assert found["a3"] == ("a1", "a1") and found["a2"] == ("a1", "a1")


def test_a_killed_runs_half_written_state_is_removed_by_the_next(groups_index):
    stale = groups_index / f".{grouping.GROUPS_FILE}.99999.tmp"
    stale.write_bytes(b"half")
    build_index([toll("a3", "antaranews.com", hours=5, body="Antara. " + TOLL)], groups_index)
    assert not stale.exists() and assignments(groups_index)["a3"] == ("a1", "a1")


@pytest.mark.parametrize("emptied", [False, True])
def test_an_empty_index_groups_and_searches(tmp_path, emptied):
    folder = tmp_path / "ix"
    if emptied:  # every article deleted
        build_index(corpus(), folder)
        searcher.delete_documents([a.id for a in corpus()], folder)
    assert build_index([], folder).added == 0
    assert build_index([], folder).added == 0  # a second run over the saved (empty) state
    with searcher.open_index(folder) as index:
        assert index.search("tol", collapse=True).total == 0
        assert index.stories() == [] and index.story("a1") is None


def test_indexing_without_grouping_saves_no_state(tmp_path):
    build_index(corpus(), tmp_path / "ix", group=False)
    assert not (tmp_path / "ix" / grouping.GROUPS_FILE).exists()
    with searcher.open_index(tmp_path / "ix") as index:
        result = index.search("tol semarang demak")
    assert {hit.id for hit in result.hits} == {"a1", "a2", "c1", "d1"}
    assert all(hit.versions == 0 and hit.story is None for hit in result.hits)


# -- query time -------------------------------------------------------------------------
def test_copies_collapse_into_one_hit_with_the_others_listed(groups_index):
    with searcher.open_index(groups_index) as index:
        result = index.search("tol semarang demak", collapse=True)
        every = index.search("tol semarang demak", collapse=False)
        assert index.search("tol semarang demak").total == 4  # the library's default
    assert result.total == 3 and every.total == 4
    shown = {hit.id: hit for hit in result.hits}
    assert set(shown) == {"c1", "d1"} | ({"a1", "a2"} & set(shown))
    copy_hit = next(hit for hit in result.hits if hit.id in ("a1", "a2"))
    other = "a2" if copy_hit.id == "a1" else "a1"
    assert copy_hit.versions == 1
    assert [(c.id, c.source) for c in copy_hit.copies] == [
        (other, {"a1": "kompas.com", "a2": "tempo.co"}[other])
    ]
    assert (copy_hit.story, copy_hit.story_size) == ("a1", 3)
    assert shown["d1"].versions == 0 and (shown["d1"].story, shown["d1"].story_size) == ("d1", 1)
    assert {hit.id for hit in every.hits} == {"a1", "a2", "c1", "d1"}
    assert all(hit.versions == 0 and not hit.copies for hit in every.hits)


def test_collapsing_keeps_the_best_ranked_copy_for_each_sort(groups_index):
    with searcher.open_index(groups_index) as index:
        newest = index.search("tol", sort="newest", collapse=True)
        oldest = index.search("tol", sort="oldest", collapse=True)
        one_source = index.search("tol", filters={"source": "tempo.co"}, collapse=True)
    assert [hit.id for hit in newest.hits] == ["d1", "c1", "a2"]
    assert [hit.id for hit in oldest.hits] == ["a1", "c1", "d1"]
    # A filter applies before collapsing: the copy of that source stands alone.
    assert [(hit.id, hit.versions) for hit in one_source.hits] == [("a2", 0)]


def test_a_search_without_matches_collapses_to_nothing(groups_index):
    with searcher.open_index(groups_index) as index:
        result = index.search("zzzqqq", collapse=True)
    assert (result.total, result.hits) == (0, [])


def test_paging_counts_groups(groups_index):
    with searcher.open_index(groups_index) as index:
        pages = [
            index.search("tol", sort="oldest", per_page=2, page=n, collapse=True) for n in (1, 2)
        ]
    assert [p.total for p in pages] == [3, 3]
    assert [[hit.id for hit in p.hits] for p in pages] == [["a1", "c1"], ["d1"]]


def test_one_hit_per_story_with_its_size_sources_and_other_headlines(groups_index):
    with searcher.open_index(groups_index) as index:
        result = index.search("tol semarang demak", sort="oldest", collapse="story")
        newest = index.search("tol semarang demak", sort="newest", collapse="story")
        json_hit = result.hits[0].to_json()
        with pytest.raises(searcher.QueryError, match="collapse"):
            index.search("tol", collapse="maybe")
    assert result.total == 2 == len(result.hits)
    first, second = result.hits
    assert (first.id, first.story, first.story_size, first.story_sources) == ("a1", "a1", 3, 3)
    assert (first.story_matches, first.versions) == (3, 1)  # a2 is a copy of a1
    # Other headlines: one per duplicate group and title (a2, a1's copy, is not one).
    assert [(h.id, h.source) for h in first.headlines] == [("c1", "okezone.com")]
    assert (second.id, second.story_size, second.story_matches, second.headlines) == (
        "d1",
        1,
        1,
        (),
    )
    assert [hit.id for hit in newest.hits] == ["d1", "c1"]  # each story's newest match
    assert json_hit["story"] == {
        "id": "a1",
        "size": 3,
        "sources": 3,
        "matches": 3,
        "headlines": [
            {
                "id": "c1",
                "title": "Warga Demak Sambut Peresmian Tol Semarang-Demak",
                "source": "okezone.com",
            }
        ],
    }


@pytest.mark.parametrize("collapse", ["story", "duplicates", "none"])
def test_facet_and_day_counts_are_the_totals_their_filters_give(groups_index, collapse):
    """#21: a facet's count is what clicking it shows, whatever the collapsing."""
    with searcher.open_index(groups_index) as index:
        for query in ("tol", "tol semarang demak", "*", "warga"):
            result = index.search(query, facets=True, collapse=collapse)
            assert sum(1 for _ in result.hits) == min(result.total, 10)
            for name, key in (("source", "source"), ("category", "category")):
                for facet in result.facets[name]:
                    narrowed = index.search(query, collapse=collapse, filters={key: facet.value})
                    assert narrowed.total == facet.count, (query, name, facet)
            for bucket in result.histogram:
                day = bucket.value
                narrowed = index.search(
                    query, collapse=collapse, filters={"since": day, "until": day}
                )
                assert narrowed.total == bucket.count, (query, day)


@pytest.mark.parametrize(("later_days", "period"), [(200, "2019-W36"), (500, "2019-09")])
def test_week_and_month_counts_are_the_totals_their_filters_give(groups_index, later_days, period):
    # a1's story on two days of September, and an article months later: counted by ISO
    # week over a span of up to 62 weeks, by month beyond (#26).
    build_index(
        [
            toll("a3", "antaranews.com", hours=30, body="Antara. " + TOLL),
            toll("z1", "kompas.com", hours=24 * later_days, body=TOLL_MONTH_LATER),
        ],
        groups_index,
    )
    with searcher.open_index(groups_index) as index:
        for collapse in ("story", "duplicates", "none"):
            result = index.search("tol", facets=True, collapse=collapse)
            assert all(len(bucket.value) == len(period) for bucket in result.histogram)
            for bucket in result.histogram:
                narrowed = index.search(
                    "tol", collapse=collapse, filters={"since": bucket.value, "until": bucket.value}
                )
                assert narrowed.total == bucket.count, (collapse, bucket)
            if collapse == "story":
                assert (period, 1) in [(b.value, b.count) for b in result.histogram]


def test_no_page_shows_two_cards_of_one_story(groups_index):
    with searcher.open_index(groups_index) as index:
        for query in ("tol", "*", "warga demak", "banjir OR tol"):
            for sort in ("relevance", "newest", "oldest"):
                result = index.search(query, sort=sort, per_page=2, collapse="story")
                stories = []
                for page in range(1, result.pages + 1):
                    hits = index.search(
                        query, sort=sort, per_page=2, page=page, collapse="story"
                    ).hits
                    stories += [hit.story for hit in hits]
                assert len(stories) == len(set(stories)) == result.total, (query, sort)


def test_hits_carry_story_and_versions_in_json(groups_index):
    with searcher.open_index(groups_index) as index:
        hit = index.search("tol", sort="oldest", collapse=True).hits[0].to_json()
    assert hit["story"] == {"id": "a1", "size": 3}
    assert hit["versions"] == 1
    assert hit["copies"] == [{"id": "a2", "source": "tempo.co", "url": "https://tempo.co/a2"}]


def test_a_story_lists_its_articles_oldest_first(groups_index):
    with searcher.open_index(groups_index) as index:
        story = index.story("a1")
        assert index.story("b1").hits[0].id == "b1"
        assert index.story("nope") is None
        largest = index.stories(limit=2)
        recent = index.stories(since=datetime(2019, 9, 10))
    assert [hit.id for hit in story.hits] == ["a1", "a2", "c1"]
    assert [(f.value, f.count) for f in story.histogram] == [("2019-09-02", 3)]
    assert [(s.id, s.size, s.sources) for s in largest] == [("a1", 3, 3), ("b1", 1, 1)]
    assert largest[0].title == "Jokowi Resmikan Tol Semarang-Demak"
    assert [s.id for s in recent] == ["d1"]


def test_the_representative_article_is_the_one_nearest_the_story_centre():
    from collections import Counter

    from searcher.stories import representative

    saga = [
        Counter({"bahas": 2, "paripurna": 2, "kamis": 2, "revisi": 1, "kpk": 1}),  # first
        Counter({"revisi": 2, "uu": 2, "kpk": 2, "dpr": 2, "sah": 1}),
        Counter({"revisi": 2, "uu": 2, "kpk": 2, "dpr": 1, "demo": 1}),
        Counter({"uu": 2, "kpk": 2, "dpr": 2, "tolak": 2, "mahasiswa": 1}),
    ]
    # The second shares revisi, uu, kpk and dpr with all the others; the first little.
    assert representative(saga) == 1
    assert representative(saga[:2]) == 0  # two articles: the first
    assert representative([Counter(), *saga[1:3]]) == 1  # an article without words is not


KPK = "Dewan Perwakilan Rakyat mengesahkan revisi Undang-Undang Komisi Pemberantasan Korupsi"


def kpk_story() -> list[Article]:
    titles = [
        "Revisi Dibahas pada Paripurna DPR Kamis Besok",
        "DPR Sahkan Revisi UU KPK",
        "Revisi UU KPK Disahkan DPR",
        "Mahasiswa Tolak Revisi UU KPK yang Disahkan DPR",
    ]
    bodies = [
        f"{KPK} dalam rapat paripurna yang akan digelar Kamis besok di Senayan.",
        f"{KPK} dalam rapat paripurna di Senayan, Selasa.",
        f"{KPK} dalam rapat paripurna, Selasa siang.",
        "Ribuan mahasiswa menolak revisi Undang-Undang Komisi Pemberantasan Korupsi "
        "yang disahkan Dewan Perwakilan Rakyat.",
    ]
    return [
        Article(f"k{n}", title, body, source=f"media{n}.com", published=MONDAY + timedelta(hours=n))
        for n, (title, body) in enumerate(zip(titles, bodies, strict=True))
    ]


def test_a_story_is_named_by_its_most_representative_headline(tmp_path):
    build_index(corpus() + kpk_story(), tmp_path / "ix")
    with searcher.open_index(tmp_path / "ix") as index:
        story = index.story("k0")
        listed = {s.id: s for s in index.story_list(sort="largest").stories}
    assert [hit.id for hit in story.hits] == ["k0", "k1", "k2", "k3"]
    # Not the first article's headline: the one nearest the story's centre.
    assert story.title == "Revisi UU KPK Disahkan DPR" == listed["k0"].title
    assert story.to_json()["title"] == story.title


def test_story_lists_filter_by_window_source_and_category_and_page(groups_index):
    with searcher.open_index(groups_index) as index:
        largest = index.story_list(sort="largest", per_page=2)
        second = index.story_list(sort="largest", per_page=2, page=2)
        window = index.story_list(since="2019-09-02", until="2019-09-02", sort="active")
        tempo = index.story_list(source="tempo.co")
        latest = index.story_list(sort="latest", per_page=3)
        with pytest.raises(searcher.QueryError, match="sort"):
            index.story_list(sort="biggest")
    assert largest.total == second.total == 9  # a1's story, b1, d1, f1..f6
    assert [(s.id, s.size, s.active) for s in largest.stories] == [("a1", 3, 3), ("b1", 1, 1)]
    assert [s.id for s in second.stories] == ["d1", "f1"]
    # 2 September: a1, a2, c1 (story a1), b1 and f3.
    assert [(s.id, s.active) for s in window.stories] == [("a1", 3), ("b1", 1), ("f3", 1)]
    assert [(s.id, s.active, s.size) for s in tempo.stories] == [("a1", 1, 3)]
    assert [s.id for s in latest.stories] == ["d1", "f6", "f5"]
    assert window.to_json()["stories"][0] == {
        "id": "a1",
        "size": 3,
        "title": "Jokowi Resmikan Tol Semarang-Demak",
        "first": "2019-09-02T08:00:00",
        "last": "2019-09-02T11:00:00",
        "sources": 3,
        "active": 3,
    }


def test_a_story_page_is_paged_sorted_and_filtered_by_day(groups_index):
    build_index([toll("a3", "antaranews.com", hours=30, body="Antara. " + TOLL)], groups_index)
    with searcher.open_index(groups_index) as index:
        first = index.story("a1", per_page=2)
        second = index.story("a1", per_page=2, page=2)
        newest = index.story("a1", sort="newest", per_page=2)
        day = index.story("a1", since="2019-09-03", until="2019-09-03")
    assert [h.id for h in first.hits] == ["a1", "a2"] and [h.id for h in second.hits] == [
        "c1",
        "a3",
    ]
    assert (first.total, first.size, first.pages) == (4, 4, 2)
    assert [h.id for h in newest.hits] == ["a3", "c1"]
    assert [h.id for h in day.hits] == ["a3"] and (day.total, day.size) == (1, 4)
    # The timeline and the sources are the whole story's on every page.
    assert [(f.value, f.count) for f in day.histogram] == [("2019-09-02", 3), ("2019-09-03", 1)]
    assert len(second.sources) == 4


def test_a_story_whose_first_article_was_deleted_has_a_new_id(groups_index):
    """#24 item 19: the deleted id must not stand for the story any more."""
    searcher.delete_documents(["a1"], groups_index)
    with searcher.open_index(groups_index) as index:
        old = index.story("a1")
        current = index.story("a2")
        hit = index.search("tol semarang demak", sort="oldest", collapse="story").hits[0]
        listed = index.stories(limit=1)[0]
    assert old.id == current.id == "a2"  # the oldest remaining article names it now
    assert [h.id for h in current.hits] == ["a2", "c1"]
    assert (hit.id, hit.story) == ("a2", "a2") and listed.id == "a2"


# -- web ---------------------------------------------------------------------------------
@pytest.fixture
def client(groups_index):
    with web_client(groups_index) as client:
        yield client


def test_the_results_page_shows_one_card_per_story(client):
    html = client.get("/search?q=tol&sort=terlama").get_data(as_text=True)
    assert html.count('class="hit"') == 2  # a1's story (a1, a2, c1) and d1
    assert "dan 1 versi lain: tempo.co" in html
    assert 'href="/story/a1?q=tol"' in html and "3 artikel · 3 sumber" in html
    assert "(3 cocok dengan pencarian)" in html
    assert 'href="/article/c1?q=tol">Warga Demak Sambut Peresmian Tol Semarang-Demak' in html
    assert 'href="/search?q=tol&amp;sort=terlama&amp;collapse=0"' in html
    copies = client.get("/search?q=tol&collapse=1").get_data(as_text=True)
    assert copies.count('class="hit"') == 3 and "3 artikel tentang peristiwa ini" in copies
    assert 'name="collapse" value="1"' in copies
    every = client.get("/search?q=tol&collapse=0").get_data(as_text=True)
    assert "versi lain" not in every and 'name="collapse" value="0"' in every
    assert every.count('class="hit"') == 4


def test_the_story_page_shows_its_articles_on_a_timeline(client):
    response = client.get("/story/a1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('class="hit"') == 3 and 'class="timeline"' in html
    assert "kompas.com (1), okezone.com (1), tempo.co (1)" in html
    missing = client.get("/story/unknown")
    assert missing.status_code == 404 and "Peristiwa tidak ditemukan" in missing.get_data(
        as_text=True
    )


def test_the_api_collapses_by_default_and_validates_collapse(client):
    collapsed = client.get("/api/search?q=tol").get_json()
    copies = client.get("/api/search?q=tol&collapse=1").get_json()
    every = client.get("/api/search?q=tol&collapse=0").get_json()
    assert (collapsed["total"], copies["total"], every["total"]) == (2, 3, 4)
    assert all(set(hit) >= {"story", "versions"} for hit in collapsed["hits"])
    assert {hit["story"]["sources"] for hit in collapsed["hits"]} == {3, 1}
    bad = client.get("/api/search?q=tol&collapse=maybe")
    assert bad.status_code == 400 and "collapse" in bad.get_json()["error"]
    story = client.get("/api/story/a1").get_json()
    assert story["size"] == 3 and [h["id"] for h in story["hits"]] == ["a1", "a2", "c1"]
    assert client.get("/api/story/unknown").status_code == 404


def test_facet_counts_on_the_page_are_the_totals_they_lead_to(groups_index):
    import re

    # Kompas.com's second article of the toll story: two articles, one story.
    build_index(
        [
            toll(
                "a4",
                "kompas.com",
                hours=2,
                title="Warga Demak Sambut Tol Baru",
                body=TOLL_OTHER + " Tambahan dari Kompas.",
            )
        ],
        groups_index,
    )
    with web_client(groups_index) as client:

        def counts(html):
            return {
                value: int(count)
                for value, count in re.findall(
                    r'class="facet-value">([^<]+)</span>\s*<span class="facet-count">(\d+)', html
                )
            }

        def total(html):
            found = re.search(r"<strong>(\d+)</strong> (?:peristiwa|berita)", html)
            return int(found.group(1)) if found else 0

        for url in ("/search?q=tol", "/search?q=tol&source=tempo.co", "/search?q=tol&collapse=1"):
            html = client.get(url).get_data(as_text=True)
            for value, count in counts(html).items():
                if "collapse=1" in url:
                    narrowed = f"/search?q=tol&collapse=1&source={value}"
                else:
                    narrowed = f"/search?q=tol&source={value}"
                assert total(client.get(narrowed).get_data(as_text=True)) == count, (url, value)
        assert (
            counts(client.get("/search?q=tol&source=tempo.co").get_data(as_text=True))["kompas.com"]
            == 1
        )


def test_the_stories_page_and_api_list_stories_of_a_window(client):
    html = client.get("/stories?since=2019-09-02&until=2019-09-02").get_data(as_text=True)
    assert "<h1" in html and "<strong>3</strong> peristiwa" in html
    cards = html.split('class="hit story-card"')[1:]
    assert [card.split('href="/story/')[1].split('"')[0] for card in cards] == ["a1", "b1", "f3"]
    assert "3 artikel · 3 sumber" in cards[0]
    assert 'href="/stories?since=2019-09-02&amp;until=2019-09-02&amp;sort=terbesar"' in html
    tempo = client.get("/api/stories?source=tempo.co").get_json()
    assert [(s["id"], s["active"], s["size"]) for s in tempo["stories"]] == [("a1", 1, 3)]
    paged = client.get("/api/stories?sort=terbesar&per_page=2&page=2").get_json()
    assert (paged["total"], [s["id"] for s in paged["stories"]]) == (9, ["d1", "f1"])
    assert client.get("/api/stories?sort=biggest").status_code == 400
    assert client.get("/stories?since=kemarin").status_code == 400


def test_the_story_page_is_paged_sorted_and_its_days_are_links(groups_index):
    copies = [
        toll(f"x{n:03d}", f"media{n % 5}.com", hours=1 + n % 40, body=TOLL + f" Salinan {n}.")
        for n in range(120)
    ]
    build_index(copies, groups_index)
    with web_client(groups_index) as client:
        first = client.get("/story/a1").get_data(as_text=True)
        last = client.get("/story/a1?page=3&sort=terbaru").get_data(as_text=True)
        day = client.get("/story/a1?since=2019-09-03&until=2019-09-03").get_data(as_text=True)
        api = client.get("/api/story/a1?per_page=10&page=2").get_json()
    # 123 articles: 50 a page (a 10,000-article story was one 2.78 MB page, #24).
    assert first.count('class="hit"') == 50 and "1–50 dari 123 artikel" in first
    assert 'href="/story/a1?page=3"' in first and len(first) < 80_000
    assert last.count('class="hit"') == 23
    assert '<a href="/story/a1?since=2019-09-03&amp;until=2019-09-03"' in first  # a bar
    assert day.count('class="hit"') == 50 and "72 artikel pada 3 Sep 2019" in day
    assert (api["size"], api["total"], api["page"], len(api["hits"])) == (123, 123, 2, 10)


def test_a_story_whose_first_article_was_deleted_redirects(groups_index):
    searcher.delete_documents(["a1"], groups_index)
    with web_client(groups_index) as client:
        page = client.get("/story/a1?q=tol")
        api = client.get("/api/story/a1")
        current = client.get("/story/a2")
    assert page.status_code == 301 and page.headers["Location"] == "/story/a2?q=tol"
    assert api.status_code == 301 and api.headers["Location"] == "/api/story/a2"
    assert current.status_code == 200


# -- CLI ---------------------------------------------------------------------------------
def test_cli_lists_the_largest_stories(groups_index, capsys):
    assert main(["stories", "--index", str(groups_index), "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert out == (
        "1. Jokowi Resmikan Tol Semarang-Demak\n   3 articles, 3 sources, 2019-09-02 · story a1\n"
    )
    assert main(["stories", "--index", str(groups_index), "--since", "2019-09-10", "--json"]) == 0
    assert [s["id"] for s in json.loads(capsys.readouterr().out)] == ["d1"]
    assert (
        main(
            [
                "stories",
                "--index",
                str(groups_index),
                "--since",
                "2019-09-02",
                "--until",
                "2019-09-02",
                "--sort",
                "active",
                "--source",
                "tempo.co",
                "--json",
            ]
        )
        == 0
    )
    assert [(s["id"], s["active"]) for s in json.loads(capsys.readouterr().out)] == [("a1", 1)]
    assert main(["stories", "--index", str(groups_index), "--since", "kemarin lusa"]) == 2
    assert "--since" in capsys.readouterr().err


def test_cli_query_collapses_unless_told_not_to(groups_index, capsys):
    assert main(["query", "tol", "--index", str(groups_index), "--sort", "oldest"]) == 0
    out = capsys.readouterr().out
    assert "+1 other version(s): tempo.co" in out and "1-2 of 2 results" in out
    assert "story: 3 articles, 3 sources (3 matching) · story a1" in out
    assert "  - Warga Demak Sambut Peresmian Tol Semarang-Demak (okezone.com)" in out
    assert (
        main(["query", "tol", "--index", str(groups_index), "--collapse", "duplicates", "--json"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["total"] == 3
    assert main(["query", "tol", "--index", str(groups_index), "--no-collapse", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 4


# -- real news ---------------------------------------------------------------------------
@pytest.mark.slow
def test_grouping_real_news_does_not_depend_on_the_order_of_the_articles():
    from searcher.ingest import read_articles
    from tests.support import shared_path

    news = []
    for record in read_articles([shared_path("data/news/clickid-2019.jsonl.gz")]):
        if isinstance(record, Article):
            news.append(record)
        if len(news) == 3000:
            break
    results = []
    for seed in (1, 2):
        shuffled = list(news)
        random.Random(seed).shuffle(shuffled)
        collector = grouping.Collector(rebuild=True)
        for article in shuffled:
            collector.add(article)
        entries = collector.assign()
        results.append(
            dict(zip(entries.ids, zip(entries.duplicate, entries.story, strict=True), strict=True))
        )
    assert results[0] == results[1]
    copies = [doc_id for doc_id, (dup, _) in results[0].items() if dup != doc_id]
    assert copies, "CLICK-ID reprints agency copy: some articles must be grouped"
    # A copy's group is named after an article of the same story.
    assert all(
        results[0][doc_id][1] == results[0][results[0][doc_id][0]][1]
        for doc_id in copies
        if results[0][doc_id][0] in results[0]
    )
