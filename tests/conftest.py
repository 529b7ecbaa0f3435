"""Shared fixtures of the core test suite.

* ``sample_index``: an index of ``corpus/sample.jsonl`` (44 articles), built once per
  session; ``sample_ix`` is that index opened for searching.
* ``sample_client``: a Flask test client of the web app over ``sample_index`` (one app
  per test module).
* ``big_corpus``: a JSON-lines file of SYNTHETIC (2,000) copies of the sample
  articles with new ids, for tests that need an indexer busy for seconds.
* ``tiny_corpus``: writes small hand-made corpus files (jsonl, csv, txt, html, raw
  bytes) into the test's ``tmp_path``.
* ``sphinx_cluster``: two real ``searchd`` nodes (Sphinx 2.2, Manticore's protocol)
  with one shard each, for the session (skipped without the ``sphinxsearch``
  package; failed under CI, whose ``.ci/run`` installs it).

Paths, records and other helpers are in :mod:`tests.support`.

Markers (setup.cfg): ``slow``, ``browser`` and ``manticore``; the last is set here on
every test that runs a searchd cluster (it asks for ``sphinx_cluster`` or
``own_cluster``, or runs with the ``manticore`` backend parameter). ``make check``
leaves the three out; ``make test`` (CI) runs everything.

Test modules with an index of their own open a client with
:func:`tests.support.web_client`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import searcher
from tests.support import SAMPLE, TinyCorpus, require_searchd, web_client, write_big_corpus

CLUSTER_FIXTURES = {"sphinx_cluster", "own_cluster"}


def pytest_collection_modifyitems(config, items):
    """Mark the tests that need a searchd cluster ``manticore``."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        # a parameter may be any object (numpy arrays too): compare strings only
        on_cluster = any(isinstance(v, str) and v == "manticore" for v in params.values())
        if CLUSTER_FIXTURES & set(item.fixturenames) or on_cluster:
            item.add_marker(pytest.mark.manticore)


@pytest.fixture(scope="session")
def sphinx_cluster(tmp_path_factory):
    """Two searchd nodes, one shard each, plus the distributed index (stopped at the end)."""
    require_searchd()
    from tests.cluster import Cluster

    cluster = Cluster(tmp_path_factory.mktemp("sphinx")).start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """The folder of an index built from corpus/sample.jsonl (do not write to it)."""
    path = tmp_path_factory.mktemp("sample") / "index"
    report = searcher.index_sources([str(SAMPLE)], str(path))
    assert (report.added, report.updated, report.unchanged, report.rejected) == (44, 0, 0, [])
    return path


@pytest.fixture(scope="session")
def sample_ix(sample_index):
    """The sample index opened for searching (shared by the whole session)."""
    with searcher.open_index(sample_index) as index:
        yield index


@pytest.fixture(scope="module")
def sample_client(sample_index):
    """The web app over the sample index, through Flask's test client."""
    with web_client(sample_index) as client:
        yield client


@pytest.fixture(scope="session")
def big_corpus(tmp_path_factory) -> Path:
    """SYNTHETIC copies of the sample articles, as JSON lines (do not write to it)."""
    return write_big_corpus(tmp_path_factory.mktemp("big") / "big.jsonl")


@pytest.fixture
def tiny_corpus(tmp_path) -> TinyCorpus:
    return TinyCorpus(tmp_path / "corpus")
