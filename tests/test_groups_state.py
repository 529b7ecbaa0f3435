"""The groups' state file and its readers (#24, items 5 and 6).

* ids are bounded (``MAX_ID_CHARS``, rejected with ``file:line`` at ingest) and the
  state stores strings without padding them to the longest (one 100,000-character id
  made ``groups.npz`` 801 MB, then every later run failed allocating 5 GiB);
* a searcher not yet refreshed while ``index --rebuild`` replaces the index and the
  state keeps answering from its own generation (before: every article one story, or
  ``IndexError``, as the rebuild had deleted the column files it had not read yet).
"""

from __future__ import annotations

import json

import numpy as np

import searcher
from searcher.grouping import Entries
from searcher.ingest import MAX_ID_CHARS
from searcher.whoosh import groupstate
from tests.support import SAMPLE, sample_records


def test_an_id_over_the_limit_is_rejected_with_its_line(tmp_path):
    records = sample_records()[:3]
    records[1] = {**records[1], "id": "x" * 100_000}
    source = tmp_path / "long.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    report = searcher.index_sources([str(source)], str(tmp_path / "ix"))
    assert (report.added, len(report.rejected)) == (2, 1)
    rejected = report.rejected[0]
    assert rejected.location == f"{source}:2"
    assert rejected.reason.startswith(
        f"the id is 100,000 characters long; at most {MAX_ID_CHARS} are accepted"
    )
    assert (tmp_path / "ix" / groupstate.GROUPS_FILE).stat().st_size < 100_000


def test_an_article_object_with_a_long_id_is_rejected_too(tmp_path):
    article = searcher.Article(id="y" * (MAX_ID_CHARS + 1), title="Banjir", body="Banjir besar.")
    report = searcher.build_index([article], str(tmp_path / "ix"))
    assert report.added == 0
    assert "characters long" in report.rejected[0].reason
    exact = searcher.Article(id="y" * MAX_ID_CHARS, title="Banjir", body="Banjir besar.")
    assert searcher.build_index([exact], str(tmp_path / "ix")).added == 1


def entries_with(ids: list[str]) -> Entries:
    entries = Entries()
    for number, doc_id in enumerate(ids):
        entries.append(
            doc_id,
            float(number),
            np.arange(64, dtype=np.uint32) + number,
            "banjir banjir jakarta",
            doc_id,
            doc_id,
        )
    return entries


def test_the_state_does_not_pad_ids_to_the_longest(tmp_path):
    ids = ["a" * MAX_ID_CHARS] + [f"id-{n}" for n in range(2000)]
    groupstate.save_entries(entries_with(ids), tmp_path)
    # Padded, the three string arrays alone were 3 x 2,001 x 512 x 4 bytes = 12 MB.
    assert (tmp_path / groupstate.GROUPS_FILE).stat().st_size < 700_000
    loaded = groupstate.load_entries(tmp_path)
    assert loaded.ids == ids and loaded.duplicate == ids and loaded.story == ids
    assert loaded.terms == ["banjir banjir jakarta"] * len(ids)
    assert np.array_equal(loaded.signatures[5], np.arange(64, dtype=np.uint32) + 5)
    assigned = groupstate.read_assignments(tmp_path)
    assert assigned["id-7"] == ("id-7", "id-7", 8.0)


def test_a_state_of_the_first_format_is_still_read(tmp_path):
    ids = ["a-1", "b-22", "ccc-333"]
    np.savez(
        tmp_path / groupstate.GROUPS_FILE,
        ids=np.array(ids, dtype=str),
        seconds=np.array([1.0, 2.0, 3.0]),
        signatures=np.zeros((3, 64), dtype=np.uint32),
        signed=np.array([True, False, True]),
        terms=groupstate._pack(["a", "b", "c"]),
        duplicate=np.array(["a-1", "a-1", "ccc-333"], dtype=str),
        story=np.array(ids, dtype=str),
    )
    loaded = groupstate.load_entries(tmp_path)
    assert loaded.ids == ids and loaded.duplicate == ["a-1", "a-1", "ccc-333"]
    assert loaded.signatures[1] is None and loaded.terms == ["a", "b", "c"]


def snapshot(ix) -> tuple:
    """What the groups, columns and stories give on this index."""
    return (
        ix.search("banjir", collapse=True).total,
        [hit.id for hit in ix.search("jakarta", sort="newest").hits],
        sorted((s.id, s.size) for s in ix.stories(limit=100)),
        ix.search("perdagangan", collapse=True, facets=True).facets,
    )


def test_a_searcher_not_yet_refreshed_answers_through_a_rebuild(tmp_path):
    path = tmp_path / "ix"
    searcher.index_sources([str(SAMPLE)], str(path))
    # Refreshing is deterministic here: never within the test.
    with searcher.open_index(path, refresh_seconds=3600, result_cache=0) as ix:
        before = snapshot(ix)
        assert before[2] and all(story_id for story_id, _ in before[2])
        for _ in range(2):
            searcher.index_sources([str(SAMPLE)], str(path), rebuild=True)
            assert snapshot(ix) == before
    with searcher.open_index(path) as fresh:
        assert snapshot(fresh) == before
