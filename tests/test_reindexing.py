"""Data safety (issue 5): re-indexing is idempotent and the summary accounts for every
input line.

Moved from test_hardening.py (#25).
"""

from __future__ import annotations

import json
import re

import searcher
from searcher import cli
from tests.support import document_count


# -- data safety ------------------------------------------------------------------------
def test_reindexing_is_idempotent_and_the_summary_accounts_for_every_line(tmp_path, capsys):
    good = [
        {
            "id": f"a{n}",
            "title": f"Judul {n}",
            "body": f"Isi berita nomor {n}.",
            "date": "2019-09-0" + str(n % 9 + 1),
        }
        for n in range(8)
    ]
    lines = [json.dumps(r).encode() for r in good[:2]]
    lines += [
        b'{"id": "broken", "body": ',  # 3: broken JSON
        json.dumps({"id": "nobody", "title": "Tanpa isi"}).encode(),  # 4: no body
        json.dumps({"id": "a0", "body": "Isi lain dengan id yang sama."}).encode(),  # 5
        json.dumps({"id": "baddate", "body": "x", "date": "2019-13-45"}).encode(),  # 6
        b"[1, 2, 3]",  # 7: not an object
        b'{"id": "latin1", "body": "caf\xe9"}',  # 8: not UTF-8
    ]
    lines += [json.dumps(r).encode() for r in good[2:]]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    index_dir = tmp_path / "ix"
    summary = re.compile(r"(\d+) added, (\d+) updated, (\d+) unchanged, (\d+) rejected in ")

    def index() -> tuple[tuple[int, ...], str]:
        code = cli.main(["index", str(path), "--index", str(index_dir), "--procs", "1", "--quiet"])
        out, err = capsys.readouterr()
        assert code == cli.NOTHING  # records were rejected
        counts = tuple(map(int, summary.match(out).groups()))
        assert sum(counts) == len(lines)  # every input line is accounted for
        assert err.count("rejected: ") == counts[3]
        return counts, err

    counts, err = index()
    assert counts == (8, 0, 0, 6)
    duplicate = next(line for line in err.splitlines() if "duplicate id" in line)
    assert f"{path}:5" in duplicate and f"{path}:1" in duplicate  # both places named
    assert document_count(index_dir) == 8

    counts, _ = index()
    assert counts == (0, 0, 8, 6)
    assert document_count(index_dir) == 8
    with searcher.open_index(index_dir) as ix:
        assert ix.get("a0").body == "Isi berita nomor 0."  # the first a0 is kept

    good[3]["body"] = "Isi berita yang sudah diperbarui."
    lines[9] = json.dumps(good[3]).encode()
    path.write_bytes(b"\n".join(lines) + b"\n")
    counts, _ = index()
    assert counts == (0, 1, 7, 6)
    assert document_count(index_dir) == 8
