"""Exporting result sets (#26): ``query --format csv|jsonl`` and :mod:`searcher.export`
(columns of the API, every page up to the limit, cells a spreadsheet will not run)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from searcher import export
from searcher.cli import main
from searcher.models import Copy, Hit, Snippet


def test_csv_has_the_api_s_columns_and_every_result(sample_index, capsys):
    assert main(["query", "pemerintah", "--format", "csv", "--index", str(sample_index)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert (
        main(["query", "pemerintah", "--json", "--limit", "100", "--index", str(sample_index)]) == 0
    )
    api = json.loads(capsys.readouterr().out)
    assert tuple(rows[0]) == export.COLUMNS
    assert [r["id"] for r in rows] == [h["id"] for h in api["hits"]]
    assert len(rows) == api["total"] > 10  # more than one page of the text output
    first, hit = rows[0], api["hits"][0]
    for column in ("title", "url", "source", "category", "published"):
        assert first[column] == (hit[column] or "")
    assert float(first["score"]) == hit["score"]
    assert (first["story"], first["story_size"]) == (hit["story"]["id"], str(hit["story"]["size"]))
    assert "<mark>" in hit["snippet"] and "<mark>" not in first["snippet"]


def test_jsonl_lines_are_the_api_s_hits(sample_index, capsys):
    args = ["query", "perdagangan orang", "--index", str(sample_index), "--sort", "newest"]
    assert main([*args, "--format", "jsonl", "--limit", "7"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main([*args, "--format", "json", "--limit", "7"]) == 0
    assert lines == json.loads(capsys.readouterr().out)["hits"]


def test_nothing_found_is_a_header_and_exit_1(sample_index, capsys):
    assert main(["query", "xyzzyqux", "--format", "csv", "--index", str(sample_index)]) == 1
    assert capsys.readouterr().out == ",".join(export.COLUMNS) + "\r\n"


def test_the_limit_is_documented_and_checked(sample_index, capsys):
    assert (
        main(
            ["query", "banjir", "--format", "csv", "--limit", "10001", "--index", str(sample_index)]
        )
        == 2
    )
    assert capsys.readouterr().err == (
        "error: limit: expected a whole number from 1 to 10000, got 10001\n"
    )


class Pages:
    """An index that answers ``total`` numbered hits, a page at a time, and counts pages."""

    def __init__(self, total: int):
        self.total, self.asked = total, []

    def search(self, text, *, page, per_page, **options):
        from searcher.models import SearchResult

        self.asked.append(page)
        numbers = range((page - 1) * per_page, min(page * per_page, self.total))
        hits = [Hit(f"d{n}", f"t{n}", "", "", "", None, 1.0) for n in numbers]
        return SearchResult(text, self.total, page, per_page, hits)


@pytest.mark.parametrize(
    ("total", "limit", "pages"),
    [
        (0, None, [1]),
        (100, None, [1]),
        (250, None, [1, 2, 3]),
        (250, 120, [1, 2]),
        (20_000, None, list(range(1, 101))),
    ],
)
def test_hits_are_read_page_by_page_up_to_the_limit(total, limit, pages):
    index = Pages(total)
    found = [hit.id for hit in export.hits(index, "q", limit=limit)]
    expected = min(total, limit or export.EXPORT_LIMIT)
    assert found == [f"d{n}" for n in range(expected)]
    assert index.asked == pages


def test_rows_leave_before_the_last_page_is_read():
    index = Pages(1000)
    stream = export.lines("csv", export.hits(index, "q"))
    next(stream)
    assert index.asked == [1]


def test_cells_that_a_spreadsheet_would_run_are_quoted():
    hit = Hit(
        "=1+1",
        '=HYPERLINK("http://x")',
        "https://contoh.id/a",
        "+src",
        "-kat",
        None,
        2.5,
        snippet=Snippet((("@SUM(A1)", False),)),
        copies=(Copy("c1", "s", ""), Copy("c2", "s", "")),
        versions=2,
    )
    row = dict(zip(export.COLUMNS, export.csv_row(hit), strict=True))
    assert row == {
        "id": "'=1+1",
        "title": '\'=HYPERLINK("http://x")',
        "url": "https://contoh.id/a",
        "source": "'+src",
        "category": "'-kat",
        "published": "",
        "score": 2.5,
        "snippet": "'@SUM(A1)",
        "story": "",
        "story_size": "",
        "versions": 2,
        "copies": "c1 c2",
    }


def test_jsonl_escapes_what_could_move_a_terminal_and_stays_the_same_json():
    hit = Hit("a", "judul \u202e terbalik \x9b", "", "", "", None, 1.0)
    [line] = export.lines("jsonl", iter([hit]))
    assert "\u202e" not in line and "\\u202e" in line and "\\u009b" in line
    assert json.loads(line)["title"] == hit.title
