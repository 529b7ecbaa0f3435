"""What only the Manticore/Sphinx backend has: locations, term encoding,
sharding, and nodes that go down. Backend-independent behaviour is in
tests/test_backends.py."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import searcher
from searcher import QueryError, SearcherError
from searcher.backends import default_location, resolve
from searcher.cli import main
from searcher.manticore.cluster import Cluster, shard_of
from searcher.manticore.schema import document_id, encode_term, field_text
from tests.support import ARTICLES, ids, require_searchd


# -- pure functions -------------------------------------------------------------------
def test_locations():
    cluster = Cluster.parse("manticore://10.0.0.1:9306,10.0.0.2/berita")
    assert cluster.nodes == (("10.0.0.1", 9306), ("10.0.0.2", 9306))
    assert cluster.table == "berita"
    assert Cluster.parse("sphinx://127.0.0.1:9312").table == "articles"
    for bad in ("manticore://", "manticore://h:1/bad-name"):
        with pytest.raises(SearcherError, match="manticore://HOST:PORT"):
            Cluster.parse(bad)
    with pytest.raises(SearcherError, match="bad port in 'host:port'"):
        Cluster.parse("manticore://host:port/x")


def test_resolving_the_backend(monkeypatch):
    monkeypatch.delenv("SEARCHER_BACKEND", raising=False)
    monkeypatch.delenv("SEARCHER_INDEX", raising=False)
    assert resolve() == "index"
    assert resolve("elsewhere") == "elsewhere"
    assert resolve("elsewhere", "whoosh") == "elsewhere"
    assert resolve(None, "manticore://h:1/t") == "manticore://h:1/t"
    monkeypatch.setenv("SEARCHER_BACKEND", "manticore://h:2/t")
    assert default_location() == resolve() == "manticore://h:2/t"
    assert resolve(None, "whoosh") == "index"  # --backend whoosh beats the environment
    with pytest.raises(SearcherError, match="--backend"):
        resolve(None, "elastic://h:9200")


def test_terms_are_encoded_into_the_engine_alphabet():
    assert encode_term("banjir") == "banjir"
    assert encode_term("covid-19") == "covid_2d_19"
    assert encode_term("bukan_kata") == "bukan_5f_kata"
    assert encode_term("北京") == "_5317__4eac_"
    # Stop words out, stems in, hyphenated parts after the words.
    assert (
        field_text("Anak-anak dan COVID-19 di Bekasi", stem=True) == "anak covid_2d_19 bekasi "
        "covid 19"
    )
    assert field_text("Memperdagangkan orang", stem=False) == "memperdagangkan orang"


def test_document_ids_are_stable_and_positive():
    assert document_id("tppo-1") == document_id("tppo-1") != document_id("tppo-2")
    assert all(0 < document_id(f"id-{n}") < 2**63 for n in range(1000))


# -- a running cluster --------------------------------------------------------------------
def test_articles_are_spread_over_the_shards(sphinx_cluster):
    location = sphinx_cluster.location
    many = [
        ARTICLES[0].__class__(f"n-{n}", f"Berita {n}", "Isi berita banjir.") for n in range(200)
    ]
    searcher.build_index(many, location, rebuild=True)
    with searcher.open_index(location) as ix:
        assert ix.layout.shards == ("articles_0", "articles_1")
        per_shard = {}
        for shard, node in ix.layout.homes.items():
            rows = ix._nodes.execute(node, f"SELECT article_id FROM {shard} LIMIT 1000")
            per_shard[shard] = {row[0] for row in rows}
        assert sum(map(len, per_shard.values())) == 200
        assert all(40 < len(found) < 160 for found in per_shard.values())
        for shard, found in per_shard.items():
            assert all(shard_of(article_id, ix.layout) == shard for article_id in found)
        assert ix.search("banjir").total == 200


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=60))
def test_any_query_text_gives_results_or_a_query_error(sphinx_cluster, text):
    with searcher.open_index(sphinx_cluster.location) as ix:
        try:
            result = ix.search(text)
        except QueryError:
            return
        assert result.total >= len(result.hits)


HOSTILE = [
    '"',
    "((((",
    "@title banjir",
    "banjir | ",
    "\\",
    "'; DROP TABLE articles; --",
    "MAYBE NEAR/3",
    "=",
    "^$",
    "a" * 900,
    "%s %d",
    "*",
    "ba*",
    "~",
    "!banjir",
    "-",
]


def test_engine_syntax_in_queries_is_plain_text(sphinx_cluster):
    searcher.build_index(ARTICLES, sphinx_cluster.location, rebuild=True)
    with searcher.open_index(sphinx_cluster.location) as ix:
        for text in HOSTILE:
            with contextlib.suppress(QueryError):
                ix.search(text, facets=True)
        assert ids(ix.search("banjir | ")) == ids(ix.search("banjir"))
        assert ix.search("'; DROP TABLE articles; --").total == 0
        assert ix.stats().documents == len(ARTICLES)


# -- nodes that go down ----------------------------------------------------------------------
@pytest.fixture
def own_cluster(tmp_path):
    """A cluster this test may break."""
    require_searchd()
    from tests.cluster import Cluster as Processes

    cluster = Processes(tmp_path / "cluster").start()
    searcher.build_index(ARTICLES, cluster.location)
    yield cluster
    cluster.stop()


def test_a_shard_that_is_down_gives_partial_results_and_a_warning(own_cluster, capsys):
    location = own_cluster.location
    with searcher.open_index(location) as ix:
        complete = ix.search("pemerintah", facets=True)
        assert complete.total == 5 and complete.warnings == ()
        own_cluster.stop(1)
        partial = ix.search("pemerintah", facets=True)
        assert 0 < partial.total < complete.total
        assert set(ids(partial)) < set(ids(complete))
        assert partial.warnings and "partial results" in partial.warnings[0]
        assert sum(f.count for f in partial.facets["source"]) == partial.total

    assert main(["query", "pemerintah", "--backend", location]) == 0
    assert "warning: partial results" in capsys.readouterr().err

    from web import close_index, create_app

    app = create_app({"TESTING": True, "INDEX": location})
    try:
        page = app.test_client().get("/search?q=pemerintah")
        assert page.status_code == 200
        assert "Hasil belum lengkap" in page.get_data(as_text=True)
        api = app.test_client().get("/api/search?q=pemerintah").get_json()
        assert api["warnings"] and api["total"] == partial.total
    finally:
        close_index(app)


def test_indexing_needs_every_shard(own_cluster, capsys, tmp_path):
    own_cluster.stop(1)
    with pytest.raises(SearcherError, match="articles_1 .* not served by any reachable node"):
        searcher.build_index(ARTICLES, own_cluster.location)
    corpus = tmp_path / "satu.jsonl"
    corpus.write_text('{"id": "x", "title": "Banjir", "body": "Banjir lagi."}\n')
    assert main(["index", str(corpus), "--backend", own_cluster.location, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot index") and err.count("\n") == 1


def test_the_first_node_down_means_another_node_answers(own_cluster):
    own_cluster.stop(0)
    with searcher.open_index(own_cluster.location) as ix:
        result = ix.search("perdagangan orang")
    assert 0 < result.total < 5
    assert result.warnings


def test_no_node_up_is_a_clear_error_everywhere(own_cluster, capsys):
    own_cluster.stop()
    location = own_cluster.location
    with pytest.raises(SearcherError, match="no Manticore/Sphinx node .* is reachable"):
        searcher.open_index(location)
    assert main(["query", "banjir", "--backend", location]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no Manticore/Sphinx node") and err.count("\n") == 1

    from web import close_index, create_app

    app = create_app({"TESTING": True, "INDEX": location})
    try:
        assert app.test_client().get("/search?q=banjir").status_code == 503
        assert app.test_client().get("/api/search?q=banjir").status_code == 503
    finally:
        close_index(app)


def test_a_node_that_goes_down_after_opening(own_cluster):
    with searcher.open_index(own_cluster.location) as ix:
        assert ix.search("banjir").total == 2
        own_cluster.stop()
        with pytest.raises(SearcherError, match="no Manticore/Sphinx node .* answered"):
            ix.search("banjir")
        own_cluster.start()
        assert ix.search("banjir").total == 2  # reconnects once the nodes are back


class HungNode:
    """A TCP port on 127.0.0.1 that accepts connections and never says a word
    (a node stuck in a long stall, or a proxy in front of a dead one)."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        with contextlib.suppress(OSError):
            while True:
                self.accepted.append(self.listener.accept()[0])

    def close(self):
        self.listener.close()
        for conn in self.accepted:
            conn.close()


def test_a_hung_node_costs_one_timeout_then_is_tried_last(sphinx_cluster, monkeypatch):
    from searcher.manticore import cluster

    searcher.build_index(ARTICLES, sphinx_cluster.location, rebuild=True)
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 0.5)
    monkeypatch.setattr(cluster, "READ_TIMEOUT", 3600)  # the greeting must not wait this
    hung = HungNode()
    location = sphinx_cluster.location.replace(
        "manticore://", f"manticore://127.0.0.1:{hung.port},", 1
    )
    queries = ("banjir", "pemerintah", "korupsi")
    with searcher.open_index(sphinx_cluster.location) as ix:
        want = [ix.search(q).total for q in queries]
    outcome: dict = {}

    def searches():
        with searcher.open_index(location) as ix:  # discovery meets the hung node first
            outcome["first"] = ix.search("pemerintah")
            tried = len(hung.accepted)
            outcome["later"] = [ix.search(q).total for q in queries]
            outcome["new attempts"] = len(hung.accepted) - tried

    try:
        worker = threading.Thread(target=searches, daemon=True)
        worker.start()
        worker.join(timeout=60)  # a hang detector: the run takes about one CONNECT_TIMEOUT
        assert not worker.is_alive(), "waited for the hung node's greeting"
    finally:
        hung.close()
    assert outcome["first"].total == 5 and outcome["first"].warnings == ()
    assert len(hung.accepted) >= 1  # it was tried
    assert outcome["new attempts"] == 0  # and then left alone while the others answer
    assert outcome["later"] == want


def test_long_articles_are_sent_in_batches_the_engine_accepts(sphinx_cluster):
    # Ten 400,000-character articles in one statement would pass searchd's
    # 8 MB packet limit (each travels as stored text and four analysed fields).
    body = "Banjir besar melanda kota pesisir. " * 11_500
    articles = [
        ARTICLES[0].__class__(f"panjang-{n}", f"Berita panjang {n}", body) for n in range(10)
    ]
    report = searcher.build_index(articles, sphinx_cluster.location, rebuild=True)
    assert report.added == 10
    with searcher.open_index(sphinx_cluster.location) as ix:
        assert ix.search("pesisir").total == 10
        assert ix.get("panjang-7").body == body
