"""Wrong arguments and a closed index (issue #12): on both backends, every mistake is a
:class:`searcher.SearcherError` with one sentence naming the parameter, never a
``TypeError`` or an engine's own exception, and a closed index stops working."""

from __future__ import annotations

import threading

import pytest

import searcher
from searcher import Filters, IndexClosedError, QueryError
from tests.support import ARTICLES


@pytest.fixture(scope="module", params=["whoosh", "manticore"])
def location(request, tmp_path_factory):
    if request.param == "whoosh":
        path = str(tmp_path_factory.mktemp("errors") / "index")
    else:
        path = request.getfixturevalue("sphinx_cluster").location
    report = searcher.build_index(ARTICLES, path, rebuild=True, procs=1)
    assert report.added == len(ARTICLES)
    return path


@pytest.fixture
def ix(location):
    with searcher.open_index(location) as index:
        yield index


CALLS = [
    ("search(['x'])", lambda ix: ix.search(["x"]), "q: expected a string, got list"),
    ("search({})", lambda ix: ix.search({}), "q: expected a string, got dict"),
    ("search(None)", lambda ix: ix.search(None), "q: expected a string, got None"),
    ("suggest(5)", lambda ix: ix.suggest(5), "q: expected a string, got int"),
    ("get(None)", lambda ix: ix.get(None), "doc_id: expected a string, got None"),
    ("get(5)", lambda ix: ix.get(5), "doc_id: expected a string, got int"),
    (
        "more_like_this(None)",
        lambda ix: ix.more_like_this(None),
        "doc_id: expected a string, got None",
    ),
    (
        "more_like_this(limit=0)",
        lambda ix: ix.more_like_this("tppo-1", limit=0),
        "limit: expected a whole number from 1 to 100, got 0",
    ),
    (
        "highlight_document(id, None)",
        lambda ix: ix.highlight_document("tppo-1", None),
        "q: expected a string, got None",
    ),
    (
        "filters=5",
        lambda ix: ix.search("banjir", filters=5),
        "filters: expected Filters or a dict, got int",
    ),
    (
        "filters={'sumber': 'x'}",
        lambda ix: ix.search("banjir", filters={"sumber": "x"}),
        "filters: expected the keys source, category, since and until, got sumber",
    ),
    (
        "filters={'source': 5}",
        lambda ix: ix.search("banjir", filters={"source": 5}),
        "source: expected a string or a list of strings, got int",
    ),
]


@pytest.mark.parametrize(("name", "call", "message"), CALLS, ids=[c[0] for c in CALLS])
def test_wrong_arguments_are_query_errors_naming_the_parameter(ix, name, call, message):
    with pytest.raises(QueryError) as raised:
        call(ix)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"source": 5}, "source: expected a string or a list of strings, got int"),
        ({"category": b"x"}, "category: expected a string or a list of strings, got bytes"),
        (
            {"category": [b"x"]},
            "category: expected a string or a list of strings, got a list holding bytes",
        ),
        ({"source": {"a": 1}}, "source: expected a string or a list of strings, got dict"),
    ],
)
def test_filters_build_refuses_what_is_not_text(arguments, message):
    with pytest.raises(QueryError) as raised:
        Filters.build(**arguments)
    assert str(raised.value) == message


def test_filters_build_still_takes_strings_lists_tuples_and_sets():
    assert Filters.build(source="Kompas", category=("hukum", " ", None)).sources == ("Kompas",)
    assert Filters.build(category={"hukum"}).categories == ("hukum",)


def test_a_closed_index_refuses_every_call(location):
    index = searcher.open_index(location)
    assert index.search("banjir").total == 2
    index.close()
    index.close()  # closing twice is fine
    for call in (
        lambda: index.search("banjir"),
        lambda: index.get("tppo-1"),
        lambda: index.more_like_this("tppo-1"),
        lambda: index.stats(),
        lambda: index.suggest("banjr"),
        lambda: index.highlight_document("tppo-1", "banjir"),
    ):
        with pytest.raises(IndexClosedError) as raised:
            call()
        assert str(raised.value) == (
            f"the index {index.path} is closed; open it again with searcher.open_index()"
        )


def test_closing_while_threads_search_gives_them_a_clear_error(location):
    index = searcher.open_index(location)
    started = threading.Barrier(5)
    errors: list[BaseException] = []
    words = ["banjir", "perdagangan orang", "korupsi", "vaksin", "pasar bekas"]

    def search(number: int) -> None:
        started.wait()
        try:
            for round_ in range(100_000):
                index.search(
                    words[(number + round_) % len(words)], page=1 + round_ % 3, facets=True
                )
                index.get("tppo-1")
        except BaseException as error:  # noqa: BLE001 (recorded, checked below)
            errors.append(error)

    threads = [threading.Thread(target=search, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    started.wait()
    index.search("banjir")
    index.close()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    assert len(errors) == 4
    assert all(isinstance(error, IndexClosedError) for error in errors), errors
