"""Crash safety with real processes: ``kill -9`` an indexer mid-way.

The last committed index must stay searchable with the same results, nothing may be
left that stops the next run, and the next run completes. A first build that is
killed leaves no index at all (never an empty or half-written one).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, sample_records

import searcher

SYNTHETIC = 1500
QUERY = "perdagangan orang"


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory) -> Path:
    """1,500 synthetic articles built from the sample bodies, with new ids."""
    records = sample_records()
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    with open(path, "w", encoding="utf-8") as stream:
        for n in range(SYNTHETIC):
            record = dict(records[n % len(records)])
            record["id"] = f"synthetic-{n:05d}"
            record["title"] = f"{record['title']} (salinan {n})"
            record["body"] = record["body"][:700]
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def start_indexer(source: Path, index_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen(
        [sys.executable, "-m", "searcher", "index", str(source), "--index", str(index_dir),
         "--procs", "1", "--quiet"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def files_below(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def kill_when_writing(process: subprocess.Popen, index_dir: Path, before: set[Path],
                      after_seconds: float = 1.0) -> None:
    """Wait until the indexer has written a new file, let it work a little, then kill -9."""
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(("searcher_", "_searcher_")) and p.suffix != ".toc"
                  for p in files_below(index_dir) - before):
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the indexer never started writing"
        time.sleep(0.02)
    time.sleep(after_seconds)
    assert process.poll() is None, "the indexer finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL
    process.stdout.close()
    process.stderr.close()


def snapshot(index_dir: Path):
    with searcher.open_index(index_dir) as ix:
        result = ix.search(QUERY, per_page=50)
        return ix.stats().documents, result.total, [hit.id for hit in result.hits]


def rerun(source: Path, index_dir: Path) -> subprocess.CompletedProcess:
    process = start_indexer(source, index_dir)
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, out.decode(),
                                       err.decode())


def test_killing_an_update_keeps_the_last_committed_index(tmp_path, big_corpus):
    index_dir = tmp_path / "ix"
    searcher.index_sources([SAMPLE], index_dir)
    before = snapshot(index_dir)
    assert before[0] == 44

    kill_when_writing(start_indexer(big_corpus, index_dir), index_dir, files_below(index_dir))

    assert snapshot(index_dir) == before
    done = rerun(big_corpus, index_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{SYNTHETIC} added, 0 updated, 0 unchanged, 0 rejected")
    documents, total, _ = snapshot(index_dir)
    assert documents == 44 + SYNTHETIC
    assert total > before[1]
    with searcher.open_index(index_dir) as ix:
        assert ix.get("sample-001") is not None
        assert ix.get(f"synthetic-{SYNTHETIC - 1:05d}") is not None


def test_a_killed_first_build_leaves_no_index_and_a_rerun_works(tmp_path, big_corpus):
    index_dir = tmp_path / "ix"
    kill_when_writing(start_indexer(big_corpus, index_dir), index_dir, set(), after_seconds=0.5)

    assert not searcher.index_exists(index_dir)
    with pytest.raises(searcher.IndexNotFoundError):
        searcher.open_index(index_dir)
    # nothing half-written is visible in the index folder itself
    assert not list(index_dir.glob("_searcher_*.toc"))

    done = rerun(big_corpus, index_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{SYNTHETIC} added, 0 updated, 0 unchanged, 0 rejected")
    assert list(index_dir.glob(".building-*")) == []  # the killed run's folder is gone
    documents, total, _ = snapshot(index_dir)
    assert documents == SYNTHETIC
    assert total > 0
