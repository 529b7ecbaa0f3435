"""The web app keeps answering, with consistent totals, while a real ``searcher index``
process adds articles, and shows them shortly after it commits (issue 5).

Moved from test_hardening.py (#25).
"""

from __future__ import annotations

import time

import pytest

import searcher
from tests.support import SAMPLE, finish, indexer_command, start, synthetic_records, write_jsonl
from web import close_index, create_app

pytestmark = pytest.mark.slow  # a real indexer process while the app answers

EXTRA = 300  # articles added while the web app answers
NEW_WORD = "zebrakuda"


# -- the web app while an indexer runs -------------------------------------------------
def test_web_app_answers_consistently_while_an_indexer_adds_articles(tmp_path):
    index_dir = tmp_path / "ix"
    searcher.index_sources([SAMPLE], index_dir)
    extra = []
    for record in synthetic_records(EXTRA, prefix="extra", body_chars=600):
        record["body"] = f"Seekor {NEW_WORD} terlihat. {record['body']}"
        extra.append(record)
    with_banjir = sum("banjir" in (r["title"] + r["body"]).lower() for r in extra)
    source = write_jsonl(tmp_path / "extra.jsonl", extra)

    app = create_app({"TESTING": True, "INDEX": str(index_dir)})
    # The synthetic articles are copies of the sample's: count every copy (collapse=0).
    client = app.test_client()
    try:
        initial = client.get("/api/search?q=banjir&collapse=0").get_json()["total"]
        assert initial > 0
        assert client.get(f"/api/search?q={NEW_WORD}&collapse=0").get_json()["total"] == 0

        indexer = start(indexer_command(source, index_dir))
        answers, totals = 0, set()
        sorts = ("relevance", "newest", "oldest")
        while indexer.poll() is None:
            page = answers % 3 + 1
            response = client.get(
                "/api/search",
                query_string={
                    "q": "banjir",
                    "page": page,
                    "sort": sorts[answers % 3],
                    "collapse": 0,
                },
            )
            assert response.status_code == 200, response.get_data(as_text=True)
            body = response.get_json()
            # One commit at the end: before it the old total, after it the new one.
            assert body["total"] in (initial, initial + with_banjir), body["total"]
            assert len(body["hits"]) == min(10, max(0, body["total"] - (page - 1) * 10))
            totals.add(body["total"])
            answers += 1
        code, out, err = finish(indexer)
        assert code == 0, err
        assert out.startswith(f"{EXTRA} added, 0 updated, 0 unchanged, 0 rejected")
        assert answers >= 5, "the indexer finished before the app was exercised"

        deadline = time.monotonic() + 60  # a hang detector: refreshes take REFRESH_SECONDS
        while client.get(f"/api/search?q={NEW_WORD}&collapse=0").get_json()["total"] != EXTRA:
            assert time.monotonic() < deadline, "the new articles never showed up"
            time.sleep(0.1)
        after = client.get("/api/search?q=banjir&collapse=0").get_json()["total"]
        assert after == initial + with_banjir
        assert client.get("/api/article/extra-00000").status_code == 200
    finally:
        close_index(app)
