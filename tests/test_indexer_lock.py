"""Two indexers at once (issue 5): the second waits (bounded) and exits 2 with one clear
line; the first one's index is complete and a re-run of the second succeeds.

Moved from test_hardening.py (#25); crash safety (kill -9) is in test_crash_safety.py.
"""

from __future__ import annotations

import time

import pytest

import searcher
from searcher import cli
from tests.support import (
    SAMPLE,
    SYNTHETIC,
    document_count,
    finish,
    indexer_command,
    lock_is_held,
    run,
    start,
)

pytestmark = pytest.mark.slow  # a real indexer process over thousands of articles


# -- two indexers at once -------------------------------------------------------------
def test_a_second_indexer_waits_then_exits_with_a_clear_message(tmp_path, big_corpus):
    index_dir = tmp_path / "ix"
    first = start(indexer_command(big_corpus, index_dir))
    try:
        deadline = time.monotonic() + 60
        while not lock_is_held(index_dir):
            assert first.poll() is None, first.communicate()[1]
            assert time.monotonic() < deadline, "the first indexer never took the lock"
            time.sleep(0.02)

        # The library refuses at once with lock_timeout=0 ...
        with pytest.raises(searcher.IndexBusyError, match="another indexer"):
            searcher.index_sources([SAMPLE], index_dir, lock_timeout=0)
        # ... and the CLI waits --wait seconds, then exits 2 with one line, no traceback.
        started = time.monotonic()
        second = run(indexer_command(SAMPLE, index_dir, "--wait", "0.5"))
        waited = time.monotonic() - started
        assert first.poll() is None, "the first indexer finished too early to test anything"
    except BaseException:
        first.kill()
        first.communicate()
        raise
    assert second.returncode == cli.USAGE, second
    assert second.stdout == ""
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, second.stderr
    assert "another indexer" in lines[0] and lines[0].startswith("error: ")
    assert "Traceback" not in second.stderr and "LockError" not in second.stderr
    assert waited >= 0.5

    code, out, err = finish(first)
    assert code == 0, err
    assert out.startswith(f"{SYNTHETIC} added, 0 updated, 0 unchanged, 0 rejected")
    assert document_count(index_dir) == SYNTHETIC  # complete, nothing lost to the contender

    again = run(indexer_command(SAMPLE, index_dir, "--wait", "0.5"))
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("44 added, 0 updated, 0 unchanged, 0 rejected")
    assert document_count(index_dir) == SYNTHETIC + 44
    assert not list(index_dir.glob(".building-*"))
