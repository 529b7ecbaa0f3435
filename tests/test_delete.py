"""Deleting by id takes one id or a list of ids, on both backends (#24, item 9).

``delete_documents("12")`` deleted the articles "1" and "2" (a string iterated as its
characters) and kept "12"; ``delete([12])`` raised a raw TypeError.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

import searcher
from searcher import QueryError
from tests.support import ARTICLES

NUMBERED = [
    replace(article, id=new_id)
    for article, new_id in zip(ARTICLES, ["1", "2", "12", "123"], strict=False)
]


@pytest.fixture(scope="module", params=["whoosh", "manticore"])
def location(request, tmp_path_factory):
    if request.param == "whoosh":
        return str(tmp_path_factory.mktemp("delete") / "index")
    return request.getfixturevalue("sphinx_cluster").location


@pytest.fixture
def ix(location):
    report = searcher.build_index(NUMBERED, location, rebuild=True)
    assert report.added == len(NUMBERED)
    with searcher.open_index(location) as index:
        yield index


def live_ids(ix) -> set[str]:
    return {article_id for article_id in ("1", "2", "12", "123") if ix.get(article_id)}


def test_a_single_string_is_one_id(ix, location):
    report = searcher.delete_documents("12", location)
    assert (report.deleted, report.unknown) == (1, [])
    assert live_ids(ix) == {"1", "2", "123"}
    report = ix.delete("1")
    assert (report.deleted, report.unknown) == (1, [])
    assert live_ids(ix) == {"2", "123"}


def test_a_list_and_a_generator_of_ids(ix, location):
    report = searcher.delete_documents(["12", "tidak-ada", "12"], location)
    assert (report.deleted, report.unknown) == (1, ["tidak-ada"])
    report = ix.delete(i for i in ("1", "2"))
    assert (report.deleted, report.unknown) == (2, [])
    assert live_ids(ix) == {"123"}


@pytest.mark.parametrize("bad", [[12], 12, None, b"12", ["1", None], {"1": 1}])
def test_ids_of_the_wrong_type_are_a_query_error_naming_ids(ix, location, bad):
    with pytest.raises(QueryError, match=r"^ids: expected an id or a list of ids"):
        searcher.delete_documents(bad, location)
    with pytest.raises(QueryError, match=r"^ids: "):
        ix.delete(bad)
    assert live_ids(ix) == {"1", "2", "12", "123"}  # nothing deleted
