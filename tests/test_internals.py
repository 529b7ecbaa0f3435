"""Whoosh's private internals behind one seam (searcher.whoosh.internals).

The fast paths read Whoosh 2.7's codec directly. These tests fail if a Whoosh
release (or a change of ours) makes any of them fall back to the public API
silently, and check that the fallbacks give the very same results.
"""

from __future__ import annotations

from datetime import datetime

import whoosh

import searcher
from searcher import Article
from searcher.whoosh import internals

QUERIES = [
    "presiden",
    "perdagangan orang",
    "banjir",
    "korup*",
    "korupsi~",
    "antibiotika",
    "bekasi -banjir",
    '"perdagangan orang"',
    "judul:banjir",
    "tanggal:2019-09",
]


def _index(tmp_path):
    """Three segments and a deletion: every reader path the search takes."""
    location = str(tmp_path / "index")
    batches = [
        [
            Article(
                "tppo-1",
                "Perdagangan Orang",
                "Polisi membongkar perdagangan orang di Bekasi.",
                source="Kompas",
                published=datetime(2019, 9, 10),
            ),
            Article(
                "banjir-1", "Banjir", "Banjir merendam Bekasi.", published=datetime(2019, 9, 11)
            ),
        ],
        [
            Article(
                "korupsi-1",
                "Korupsi",
                "KPK menahan tersangka korupsi.",
                source="Tempo",
                published=datetime(2019, 10, 1),
            ),
            Article("obat-1", "Obat", "Dokter memberi antibiotik."),
        ],
        [
            Article(
                "pedagang-1",
                "Pasar",
                "Pedagang pasar berdagang sayur di Bekasi.",
                category="ekonomi",
                published=datetime(2019, 9, 12),
            ),
            # Posting lists of 1-2 documents are inlined: three make a block.
            *(
                Article(f"presiden-{n}", f"Presiden {n}", "Presiden meresmikan jalan tol.")
                for n in range(3)
            ),
        ],
    ]
    for batch in batches:
        assert searcher.build_index(batch, location).added == len(batch)
    assert searcher.delete_documents(["banjir-1"], location).deleted == 1
    return location


def _results(location) -> list:
    with searcher.open_index(location, result_cache=0) as index:
        found = []
        for text in QUERIES:
            result = index.search(text, facets=True)
            found.append(
                (
                    text,
                    result.total,
                    [(h.id, round(h.score, 6)) for h in result.hits],
                    result.facets,
                    result.histogram,
                )
            )
        found.append(("related", [h.id for h in index.more_like_this("tppo-1")]))
        found.append(("stats", index.stats().documents))
        return found


def test_the_installed_whoosh_is_one_the_fast_paths_were_written_for():
    assert internals.FAST, f"Whoosh {whoosh.versionstring()} is not in SUPPORTED_VERSIONS"


def test_no_fast_path_falls_back_on_a_plain_index(tmp_path):
    location = _index(tmp_path)
    before = internals.FALLBACKS.copy()
    results = _results(location)
    assert results[0][1] >= 1  # the searches found something: the paths were taken
    assert before == internals.FALLBACKS


def test_the_fallbacks_give_the_same_results_and_are_counted(tmp_path, monkeypatch):
    location = _index(tmp_path)
    fast = _results(location)
    monkeypatch.setattr(internals, "FAST", False)
    before = internals.FALLBACKS.copy()
    assert _results(location) == fast
    fell_back = internals.FALLBACKS - before
    assert {"field_lengths", "read_postings", "deleted_documents", "expanded_words"} <= set(
        fell_back
    )


def test_our_caches_live_on_our_objects_not_on_whooshs(tmp_path):
    location = _index(tmp_path)
    with searcher.open_index(location) as index:
        index.search("perdagangan orang", facets=True)
        view = index._view()
        objects = [
            view.searcher,
            view.searcher.reader(),
            *(s.reader() for s, _ in view.searcher.leaf_searchers()),
        ]
        assert view.joined and index._postings.size > 0
        for thing in objects:
            assert not [name for name in vars(thing) if name.startswith("_searcher")]
