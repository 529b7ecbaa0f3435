"""Shared fixtures of the core test suite.

* ``sample_index``: an index of ``corpus/sample.jsonl`` (44 articles), built once per
  session; ``sample_ix`` is that index opened for searching.
* ``tiny_corpus``: writes small hand-made corpus files (jsonl, csv, txt, html, raw
  bytes) into the test's ``tmp_path``.
* ``shared_path(rel)``: a file of ``../shared`` (the read-only corpora beside the
  repository), skipping the test when it is missing (failing it under CI).
* ``sphinx_cluster``: two real ``searchd`` nodes (Sphinx 2.2, Manticore's protocol)
  with one shard each, for the session; ``require_searchd()`` skips without the
  ``sphinxsearch`` package (fails under CI, whose ``.ci/run`` installs it).

tests/test_web.py and tests/test_browser.py keep their own fixtures (``index_dir``,
``app``, ``client``, ``odd_index_dir``, ``odd_client``, ``base_url``); the names here
are distinct from those.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import sys
from pathlib import Path

import pytest

import searcher

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the benchmarks package (tests reuse its local cluster)
SAMPLE = ROOT / "corpus" / "sample.jsonl"
SHARED = ROOT.parent / "shared"

# In the sample corpus sample-001..005 are about human trafficking (TPPO) and
# sample-006 about the trade balance ("Neraca Perdagangan").
TRAFFICKING = {"sample-001", "sample-002", "sample-003", "sample-004", "sample-005"}


def shared_path(rel: str) -> Path:
    """``../shared/<rel>``; skips the test if it is missing (fails it when ``$CI`` is set)."""
    path = SHARED / rel
    if not path.exists():
        message = f"{path} is missing: the shared corpora belong beside the repository"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def require_searchd() -> None:
    """Skip (fail under ``$CI``) when Sphinx's ``searchd`` is not installed."""
    from benchmarks.cluster import searchd_available

    if not searchd_available():
        message = "searchd is missing: apt-get install sphinxsearch (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def sphinx_cluster(tmp_path_factory):
    """Two searchd nodes, one shard each, plus the distributed index (stopped at the end)."""
    require_searchd()
    from benchmarks.cluster import Cluster

    cluster = Cluster(tmp_path_factory.mktemp("sphinx")).start()
    yield cluster
    cluster.stop()


def sample_records() -> list[dict]:
    """The records of corpus/sample.jsonl, in file order."""
    with open(SAMPLE, encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


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


class TinyCorpus:
    """Writes small corpus files below ``root`` and returns their paths."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, name: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def raw(self, name: str, data: bytes) -> Path:
        path = self.path(name)
        path.write_bytes(data)
        return path

    def text(self, name: str, text: str) -> Path:
        return self.raw(name, text.encode("utf-8"))

    def jsonl(self, name: str, *records: dict | str | bytes) -> Path:
        """One line per record: dicts as JSON, strings and bytes written as they are.

        Names ending in ``.gz`` are gzip-compressed.
        """
        lines = []
        for record in records:
            if isinstance(record, dict):
                record = json.dumps(record, ensure_ascii=False)
            if isinstance(record, str):
                record = record.encode("utf-8")
            lines.append(record + b"\n")
        data = b"".join(lines)
        return self.raw(name, gzip.compress(data) if name.endswith(".gz") else data)

    def csv(self, name: str, header: list[str], *rows: list[str]) -> Path:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        data = buffer.getvalue().encode("utf-8")
        return self.raw(name, gzip.compress(data) if name.endswith(".gz") else data)


@pytest.fixture
def tiny_corpus(tmp_path) -> TinyCorpus:
    return TinyCorpus(tmp_path / "corpus")


def article(article_id: str, body: str = "Isi berita.", **fields) -> dict:
    """A minimal valid jsonl record."""
    return {"id": article_id, "title": fields.pop("title", f"Judul {article_id}"), "body": body,
            **fields}
