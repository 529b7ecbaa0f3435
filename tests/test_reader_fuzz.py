"""Hostile corpus files (issue 5): Hypothesis over JSONL, CSV and gzip input; the readers
account for every line and never raise.

Moved from test_hardening.py (#25).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import searcher
from tests.support import PROPERTY

# -- hostile corpus files -----------------------------------------------------------------
ALIASES = [
    "id",
    "title",
    "body",
    "content",
    "text",
    "url",
    "source",
    "category",
    "date",
    "published",
    "time",
    "tanggal",
    "judul",
    "isi",
    "link",
    "guid",
]
json_value = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.floats(),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.from_regex(r"\A\d{1,5}(-\d{1,3}(-\d{1,3})?)?( \d{1,2}:\d{1,2})?\Z"),
)
json_line = st.dictionaries(
    st.one_of(st.sampled_from(ALIASES), st.text(max_size=8)), json_value, max_size=6
).map(lambda record: json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass"))
raw_line = st.one_of(
    st.binary(max_size=80),
    st.text(max_size=80).map(lambda s: s.encode("utf-8", "surrogatepass")),
    json_line,
    st.sampled_from(
        [
            b"",
            b"   ",
            b"\r",
            b"{}",
            b"[]",
            b"null",
            b'"text"',
            b'{"id": 1}',
            b'{"id": "x", "body": "y"}',
            b"\xef\xbb\xbf{}",
            b"\x00" * 5,
        ]
    ),
)
file_lines = st.lists(raw_line, max_size=15)


def read_all(path: Path) -> list:
    items = list(searcher.read_articles([path]))
    assert all(isinstance(item, (searcher.Article, searcher.Rejected)) for item in items)
    return items


@PROPERTY
@given(lines=file_lines)
def test_the_jsonl_reader_accounts_for_every_nonblank_line(tmp_path, lines):
    data = b"\n".join(lines)
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(data)
    items = read_all(path)
    # A byte order mark starting the file is not part of line 1 (#12).
    pieces = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    assert len(items) == sum(1 for piece in pieces if piece.strip())


def test_a_deeply_nested_json_line_is_a_rejection_not_a_crash(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_bytes(b"[" * 100_000 + b"\n" + json.dumps({"id": "ok", "body": "isi"}).encode())
    items = read_all(path)
    assert [type(item) for item in items] == [searcher.Rejected, searcher.Article]


@PROPERTY
@given(
    lines=file_lines,
    header=st.sampled_from(
        [b"id,title,body,date", b"id,body", b"", b"content,url,tanggal,time", b"\xff,\x00"]
    ),
)
def test_the_csv_reader_never_raises(tmp_path, lines, header):
    data = b"\n".join([header, *lines])
    path = tmp_path / "hostile.csv"
    path.write_bytes(data)
    items = read_all(path)
    assert len(items) <= len(re.split(rb"\r\n|\r|\n", data)) + 1
    for item in items:
        origin = item.origin if isinstance(item, searcher.Article) else item.location
        assert origin.startswith(f"{path}:")


@PROPERTY
@given(data=st.binary(max_size=200))
def test_a_broken_gzip_file_is_a_rejection_not_a_crash(tmp_path, data):
    path = tmp_path / "hostile.jsonl.gz"
    path.write_bytes(data)
    items = read_all(path)
    if data:  # bytes that are not a whole gzip file: exactly one rejection, no article
        assert [type(item) for item in items] == [searcher.Rejected], data
        assert items[0].reason.startswith("cannot read the rest of the file")
    else:
        assert items == []
