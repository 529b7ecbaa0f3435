"""Shared fixtures of the core test suite.

* ``sample_index``: an index of ``corpus/sample.jsonl`` (44 articles), built once per
  session; ``sample_ix`` is that index opened for searching.
* ``tiny_corpus``: writes small hand-made corpus files (jsonl, csv, txt, html, raw
  bytes) into the test's ``tmp_path``.
* ``sphinx_cluster``: two real ``searchd`` nodes (Sphinx 2.2, Manticore's protocol)
  with one shard each, for the session (skipped without the ``sphinxsearch``
  package; failed under CI, whose ``.ci/run`` installs it).

Paths, records and other helpers are in :mod:`tests.support`.

tests/test_web.py and tests/test_browser.py keep their own fixtures (``index_dir``,
``app``, ``client``, ``odd_index_dir``, ``odd_client``, ``base_url``); the names here
are distinct from those.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import searcher
from tests.support import SAMPLE, TinyCorpus, require_searchd


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


@pytest.fixture
def tiny_corpus(tmp_path) -> TinyCorpus:
    return TinyCorpus(tmp_path / "corpus")
