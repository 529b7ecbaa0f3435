"""Saved searches and alerts (#26): the CLI on a temporary index with articles added
between runs, the SQLite store and its migrations, deliveries to a command and to a
webhook on 127.0.0.1, the run after each fetch round, and runs killed half-way."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import searcher
from searcher import watch
from searcher.alerts import Pusher
from searcher.cli import main
from tests.support import ROOT


def article(
    doc_id: str,
    title: str,
    body: str = "",
    *,
    source: str = "Kompas",
    date: str = "2019-09-10",
    category: str = "nasional",
) -> dict:
    return {
        "id": doc_id,
        "title": title,
        "content": body or title,
        "source": source,
        "date": date,
        "category": category,
        "url": f"https://contoh.id/{doc_id}",
    }


def add_articles(index: Path, records: list[dict]) -> None:
    corpus = index.parent / f"batch-{time.monotonic_ns()}.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    report = searcher.index_sources([str(corpus)], str(index))
    assert report.added + report.updated == len(records)


FIRST = [
    article("a1", "Banjir melanda Bekasi", "Banjir setinggi satu meter di Bekasi."),
    article("a2", "Harga beras naik", "Harga beras naik di pasar."),
]
LATER = [
    article("b1", "Banjir kembali melanda Bekasi", "Warga Bekasi mengungsi karena banjir."),
    article("b2", "Banjir di Jakarta Timur", "Banjir merendam Jakarta Timur.", source="Tempo"),
    article("b3", "Harga cabai turun", "Harga cabai turun di pasar induk."),
]


@pytest.fixture
def index(tmp_path) -> Path:
    path = tmp_path / "index"
    add_articles(path, FIRST)
    return path


def cli(index: Path, *args: str) -> list[str]:
    return [*args, "--index", str(index)]


def logged(index: Path) -> list[tuple[str, str]]:
    log = index / watch.ALERT_LOG
    if not log.exists():
        return []
    return [(m["watch"], m["id"]) for m in map(json.loads, log.read_text().splitlines())]


# -- the command line ---------------------------------------------------------------------
def test_a_run_reports_what_was_indexed_since_the_last_run_once(index, capsys):
    assert main(cli(index, "watch", "add", "banjir", "banjir")) == 0
    assert main(cli(index, "watch", "add", "tempo-banjir", "banjir", "--source", "tempo")) == 0
    capsys.readouterr()
    # Articles indexed before the search was saved are not new to it.
    assert main(cli(index, "watch", "run")) == 0
    assert capsys.readouterr().out == "0 new matches of 2 saved searches\n"

    add_articles(index, LATER)
    assert main(cli(index, "watch", "run", "--json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert {name: [m["id"] for m in found] for name, found in report["matches"].items()} == {
        "banjir": ["b1", "b2"],
        "tempo-banjir": ["b2"],
    }
    assert (report["new"], report["errors"], report["failed"]) == (3, [], [])
    match = report["matches"]["banjir"][0]
    assert (match["title"], match["source"], match["url"], match["published"]) == (
        "Banjir kembali melanda Bekasi",
        "Kompas",
        "https://contoh.id/b1",
        "2019-09-10T00:00:00",
    )
    assert logged(index) == [("banjir", "b1"), ("banjir", "b2"), ("tempo-banjir", "b2")]

    assert main(cli(index, "watch", "run")) == 0  # nothing new since
    assert capsys.readouterr().out == "0 new matches of 2 saved searches\n"
    assert len(logged(index)) == 3


def test_the_text_report_lists_each_saved_search_s_new_articles(index, capsys):
    main(cli(index, "watch", "add", "banjir", "banjir"))
    add_articles(index, LATER[:1])
    capsys.readouterr()
    assert main(cli(index, "watch", "run")) == 0
    assert capsys.readouterr().out == (
        "banjir: 1 new\n"
        "  2019-09-10 00:00 · Kompas · Banjir kembali melanda Bekasi · https://contoh.id/b1\n"
        "1 new matches of 1 saved searches\n"
    )


def test_new_means_indexed_since_not_published_since(index, capsys):
    main(cli(index, "watch", "add", "banjir", "banjir"))
    add_articles(index, [article("old", "Banjir besar 2007", date="2007-02-02")])
    main(cli(index, "watch", "run", "--json"))
    assert logged(index) == [("banjir", "old")]


def test_an_article_already_reported_is_not_reported_again_when_updated(index):
    main(cli(index, "watch", "add", "banjir", "banjir"))
    add_articles(index, LATER)
    main(cli(index, "watch", "run"))
    changed = [
        dict(LATER[0], content="Banjir surut, warga Bekasi pulang."),
        dict(LATER[2], content="Harga cabai turun, banjir di sentra cabai."),
    ]
    add_articles(index, changed)
    main(cli(index, "watch", "run"))
    # b1 changed but was reported; b3 now matches and is new to the search.
    assert logged(index) == [("banjir", "b1"), ("banjir", "b2"), ("banjir", "b3")]


def test_list_and_remove(index, capsys):
    main(
        cli(index, "watch", "add", "pasar", "harga", "--category", "Ekbis", "--since", "2019-09-01")
    )
    capsys.readouterr()
    assert main(cli(index, "watch", "list")) == 0
    assert capsys.readouterr().out == (
        "pasar: harga [category=Ekbis since=2019-09-01] (last run never)\n"
    )
    assert main(cli(index, "watch", "list", "--json")) == 0
    [saved] = json.loads(capsys.readouterr().out)["watches"]
    assert (saved["name"], saved["query"], saved["filters"]) == (
        "pasar",
        "harga",
        {"category": ["Ekbis"], "since": "2019-09-01"},
    )
    assert main(cli(index, "watch", "remove", "pasar")) == 0
    assert main(cli(index, "watch", "remove", "pasar")) == 1
    assert capsys.readouterr().err == "error: no saved search named pasar\n"
    assert main(cli(index, "watch", "list")) == 0
    assert capsys.readouterr().out.endswith("no saved searches\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["dup", "banjir"],
            "error: watch: a saved search named 'dup' exists already (remove it first)\n",
        ),
        (["x", "banjir", "--since", "kemarin dulu"], "error: since: "),
        (["\x1b[2J", "banjir"], "error: watch: NAME must be 1 to 100 printable characters"),
        (["x", "a" * 1001], "error: q: "),
    ],
)
def test_bad_saved_searches_are_refused_with_one_line(index, capsys, args, message):
    main(cli(index, "watch", "add", "dup", "banjir"))
    capsys.readouterr()
    assert main(cli(index, "watch", "add", *args)) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_watch_needs_an_index(tmp_path, capsys):
    assert main(["watch", "add", "x", "banjir", "--index", str(tmp_path / "none")]) == 2
    assert "no index" in capsys.readouterr().err.lower()


def test_a_cluster_says_it_cannot_run_saved_searches(tmp_path, capsys, sphinx_cluster):
    location = sphinx_cluster.location
    assert (
        main(
            [
                "watch",
                "add",
                "x",
                "banjir",
                "--backend",
                location,
                "--watches",
                str(tmp_path / "w.sqlite"),
            ]
        )
        == 2
    )
    assert capsys.readouterr().err == (
        "error: saved searches (watch) need the time each article was indexed, which a "
        "Manticore/Sphinx cluster does not record; use them with a Whoosh index\n"
    )
    assert main(["watch", "list", "--backend", location]) == 2
    assert "give the saved searches' database with --watches FILE" in capsys.readouterr().err


@pytest.mark.parametrize("action", ["add", "list", "remove", "run"])
def test_every_watch_action_has_help(action, capsys):
    with pytest.raises(SystemExit) as done:
        main(["watch", action, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m searcher watch {action}")
    assert "--index" in out and "--watches" in out


# -- the store ---------------------------------------------------------------------------
def test_a_new_database_is_migrated_to_the_latest_version(tmp_path):
    with watch.WatchStore(tmp_path / "w.sqlite") as store:
        assert store.version == len(watch.MIGRATIONS)
        tables = {
            row[0]
            for row in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    assert {"watches", "matches", "logs"} <= tables


def test_a_database_of_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "w.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(watch.MIGRATIONS) + 1}")
    with pytest.raises(searcher.SearcherError, match="made by a newer version of searcher"):
        watch.WatchStore(path)


def test_a_file_that_is_not_a_database_is_named(tmp_path):
    path = tmp_path / "w.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(searcher.SearcherError, match=f"database {path}: file is not a database"):
        watch.WatchStore(path)


def test_a_removed_watch_takes_its_matches_along(index):
    main(cli(index, "watch", "add", "banjir", "banjir"))
    add_articles(index, LATER)
    main(cli(index, "watch", "run"))
    with watch.WatchStore(index / watch.DATABASE) as store:
        assert len(store.matches("banjir")) == 2
        store.remove("banjir")
        assert store.db.execute("SELECT COUNT(*) FROM matches").fetchone() == (0,)


# -- crash safety ------------------------------------------------------------------------
KILLER = """
import os, signal, sys
from searcher import open_index, watch
index, step, after = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen = 0
def on_step(name, what):
    global seen
    if name == step:
        seen += 1
        if seen == after:
            os.kill(os.getpid(), signal.SIGKILL)
with watch.WatchStore(os.path.join(index, "watches.sqlite")) as store, \\
        open_index(index) as ix:
    watch.run_watches(ix, store, on_step=on_step, log_batch=100)
"""


@pytest.fixture
def busy_index(index) -> tuple[Path, set]:
    """Three saved searches and 150 new articles: 330 new matches, over 3 log batches."""
    for name, query in (("semua", "*"), ("banjir", "banjir"), ("pasar", "pasar")):
        assert main(cli(index, "watch", "add", name, query)) == 0
    records = [
        article(
            f"n{i:03d}",
            f"Banjir di desa {i}" if i % 2 else f"Pasar kota {i}",
            f"Berita nomor {i} tentang " + ("banjir" if i % 2 else "pasar"),
        )
        for i in range(150)
    ]
    add_articles(index, records)
    expected = {("semua", r["id"]) for r in records}
    expected |= {("banjir" if i % 2 else "pasar", r["id"]) for i, r in enumerate(records)}
    return index, expected


def kill_run(index: Path, step: str, after: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", KILLER, str(index), step, str(after)],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    return done.returncode


@pytest.mark.parametrize(
    ("step", "after"),
    [
        ("recorded", 1),
        ("recorded", 3),
        ("logged", 1),
        ("logged", 100),
        ("logged", 101),
        ("logged", 250),
    ],
)
def test_a_run_killed_half_way_loses_and_repeats_nothing(busy_index, capsys, step, after):
    index, expected = busy_index
    assert kill_run(index, step, after) == -signal.SIGKILL
    capsys.readouterr()
    assert main(cli(index, "watch", "run", "--json")) == 0
    report = json.loads(capsys.readouterr().out)
    found = Counter(logged(index))
    assert set(found) == expected and set(found.values()) == {1}
    # What the killed run had logged but not recorded (its last batch, 100 matches a
    # batch) is recognised in the log; the rest is logged by this run.
    written = after if step == "logged" else 0
    recovered = written - 100 * ((written - 1) // 100) if written else 0
    assert (report["recovered"], report["new"]) == (recovered, len(expected) - written)
    assert main(cli(index, "watch", "run")) == 0
    assert Counter(logged(index)) == found


def test_a_line_cut_by_a_crash_is_removed_and_written_again(busy_index):
    index, expected = busy_index
    assert kill_run(index, "logged", 30) == -signal.SIGKILL
    log = index / watch.ALERT_LOG
    whole = log.read_text().splitlines()
    with open(log, "a") as stream:  # the next line, half-written when the power went
        stream.write(json.dumps({"match": 9999, "watch": "semua"})[:20])
    assert main(cli(index, "watch", "run")) == 0
    lines = log.read_text().splitlines()
    assert lines[:30] == whole
    assert all(json.loads(line) for line in lines)
    found = Counter(logged(index))
    assert set(found) == expected and set(found.values()) == {1}


def test_a_command_line_run_killed_at_any_moment_loses_and_repeats_nothing(busy_index):
    index, expected = busy_index
    # SIGKILL after a growing delay, each time, until a run completes; whatever the
    # moment, the log ends up with every match once.
    for delay in (0.05, 0.2, 0.4, 0.6, 0.8, 1.0, 1.5, 2.0, 4.0, 60.0):
        process = subprocess.Popen(
            [sys.executable, "-m", "searcher", "watch", "run", "--index", str(index)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            process.wait(timeout=delay)
            break
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
    found = Counter(logged(index))
    assert set(found) == expected and set(found.values()) == {1}


# -- deliveries ----------------------------------------------------------------------------
class Receiver:
    """A webhook on 127.0.0.1: answers the given statuses in turn (then 200), optionally
    after a pause; keeps the bodies it accepted."""

    def __init__(self, statuses=(), pause: float = 0.0):
        self.statuses = list(statuses)
        self.pause = pause
        self.bodies: list[dict] = []
        self.requests = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests += 1
                if receiver.pause:
                    time.sleep(receiver.pause)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    assert self.headers["Content-Type"].startswith("application/json")
                    receiver.bodies.append(json.loads(body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(*statuses, pause=0.0):
        made.append(Receiver(statuses, pause))
        return made[-1]

    yield make
    for r in made:
        r.close()


def test_the_webhook_gets_each_watch_s_new_matches_as_json(index, receiver, capsys):
    hook = receiver()
    main(cli(index, "watch", "add", "banjir", "banjir"))
    main(cli(index, "watch", "add", "harga", "harga"))
    add_articles(index, LATER)
    assert main(cli(index, "watch", "run", "--alert-webhook", hook.url)) == 0
    assert [(b["watch"], b["query"], [m["id"] for m in b["matches"]]) for b in hook.bodies] == [
        ("banjir", "banjir", ["b1", "b2"]),
        ("harga", "harga", ["b3"]),
    ]
    assert all(isinstance(m["match"], int) for b in hook.bodies for m in b["matches"])
    assert main(cli(index, "watch", "run", "--alert-webhook", hook.url)) == 0
    assert len(hook.bodies) == 2  # nothing new: nothing sent


def test_a_failing_webhook_is_retried_then_reported_and_delivered_next_run(index, receiver, capsys):
    hook = receiver(500, 503, 500, 500)
    main(cli(index, "watch", "add", "banjir", "banjir"))
    add_articles(index, LATER)
    capsys.readouterr()
    # Three attempts (two retries): 500, 503, 500; the run reports it and exits 1.
    assert (
        main(
            cli(
                index,
                "watch",
                "run",
                "--alert-webhook",
                hook.url,
                "--alert-retries",
                "2",
                "--alert-timeout",
                "5",
            )
        )
        == 1
    )
    out = capsys.readouterr().out
    assert "failed: webhook for watch 'banjir': HTTP 500 (after 3 attempts)" in out
    assert (hook.requests, hook.bodies) == (3, [])
    assert len(logged(index)) == 2  # logged all the same, once
    # Next run: one more 500, then accepted on the retry.
    assert main(cli(index, "watch", "run", "--alert-webhook", hook.url)) == 0
    assert [[m["id"] for m in b["matches"]] for b in hook.bodies] == [["b1", "b2"]]
    assert len(logged(index)) == 2


def test_a_webhook_that_does_not_answer_times_out(index, receiver):
    hook = receiver(pause=3.0)
    pusher = Pusher(webhook=hook.url, timeout=0.5, retries=1, sleep=lambda s: None)
    match = watch.Match(1, "w", "q", "d", "t", "", "s", None, "2019-01-01T00:00:00")
    started = time.monotonic()
    assert pusher([match]) == ([], ["webhook for watch 'w': timed out (after 2 attempts)"])
    assert time.monotonic() - started < 2.8  # gave up before the receiver answered


def test_a_refused_connection_is_a_failure_not_a_crash():
    pusher = Pusher(webhook="http://127.0.0.1:9/hook", timeout=1, retries=0)
    match = watch.Match(1, "w", "q", "d", "t", "", "s", None, "2019-01-01T00:00:00")
    delivered, failures = pusher([match])
    assert delivered == [] and failures[0].startswith("webhook for watch 'w': ")


def test_the_command_gets_the_json_on_its_standard_input(index, tmp_path):
    out = tmp_path / "got.jsonl"
    main(cli(index, "watch", "add", "banjir", "banjir"))
    add_articles(index, LATER)
    script = f"import sys; open(r'{out}', 'a').write(sys.stdin.read() + '\\n')"
    command = f'{sys.executable} -c "{script}"'
    assert main(cli(index, "watch", "run", "--alert-command", command)) == 0
    [body] = [json.loads(line) for line in out.read_text().splitlines()]
    assert [m["id"] for m in body["matches"]] == ["b1", "b2"]


def test_a_failing_command_says_its_exit_status_and_last_words(index, capsys):
    main(cli(index, "watch", "add", "banjir", "banjir"))
    add_articles(index, LATER)
    capsys.readouterr()
    assert (
        main(
            cli(
                index,
                "watch",
                "run",
                "--alert-command",
                "echo tidak bisa >&2; exit 3",
                "--alert-retries",
                "0",
            )
        )
        == 1
    )
    assert (
        "failed: command for watch 'banjir': exit status 3: tidak bisa (after 1 attempts)"
        in capsys.readouterr().out
    )


def test_a_bad_webhook_url_is_a_usage_error(index, capsys):
    main(cli(index, "watch", "add", "banjir", "banjir"))
    assert main(cli(index, "watch", "run", "--alert-webhook", "ftp://x")) == 2
    assert capsys.readouterr().err == (
        "error: --alert-webhook: expected an http(s) URL, got 'ftp://x'\n"
    )


# -- after each fetch round ---------------------------------------------------------------
def test_fetch_every_runs_the_saved_searches_after_each_round(
    index, tmp_path, capsys, monkeypatch, receiver
):
    from searcher import fetch

    hook = receiver()
    main(cli(index, "watch", "add", "banjir", "banjir"))
    rounds = [LATER[:1], LATER[1:]]

    def fetched(urls, location, **options):
        batch = rounds.pop(0)
        add_articles(Path(location), batch)
        return fetch.FetchReport(added=len(batch))

    def pause(seconds):
        if not rounds:
            raise KeyboardInterrupt

    monkeypatch.setattr(fetch, "fetch", fetched)
    monkeypatch.setattr("searcher.cli_indexing.time.sleep", pause)
    capsys.readouterr()
    assert (
        main(
            cli(
                index,
                "fetch",
                "https://contoh.id/rss",
                "--every",
                "15m",
                "--alert-webhook",
                hook.url,
            )
        )
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert [line.split(" in ")[0] for line in out] == [
        "1 new, 0 updated, 0 unchanged, 0 failed",
        "saved searches: 1 new matches (banjir 1)",
        "2 new, 0 updated, 0 unchanged, 0 failed",
        "saved searches: 1 new matches (banjir 1)",
    ]
    assert logged(index) == [("banjir", "b1"), ("banjir", "b2")]
    assert [[m["id"] for m in b["matches"]] for b in hook.bodies] == [["b1"], ["b2"]]


def test_fetch_without_saved_searches_creates_no_database(index, monkeypatch, capsys):
    from searcher import fetch

    monkeypatch.setattr(fetch, "fetch", lambda urls, location, **o: fetch.FetchReport())
    assert main(cli(index, "fetch", "https://contoh.id/rss")) == 0
    assert not (index / watch.DATABASE).exists()
    assert "saved searches" not in capsys.readouterr().out


def test_the_index_records_when_each_article_was_indexed(index):
    with searcher.open_index(index) as ix:
        before = ix.percolate([("*", None, None)])
        add_articles(index, LATER[:1])
        time.sleep(0.6)  # refresh_seconds: the open index looks for the new generation
        after = ix.percolate([("*", None, before.mark)])
    assert [h.id for h in before.matches[0]] == ["a1", "a2"]
    assert [h.id for h in after.matches[0]] == ["b1"]
    assert after.mark > before.mark


def test_an_index_of_the_previous_schema_asks_for_a_rebuild(tmp_path):
    from whoosh import index as whoosh_index

    from searcher.whoosh import storage

    schema = storage.make_schema()
    schema.remove("indexed")  # the schema before #26: no index times
    folder = tmp_path / "old"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema, indexname=storage.INDEX_NAME)
    with ix.writer() as writer:
        writer.add_document(
            id="a", title="Banjir", body="Banjir lagi.", schema_version=storage.SCHEMA_VERSION - 1
        )
    ix.close()
    with pytest.raises(
        searcher.IndexVersionError,
        match="rebuild it with: python -m searcher index SOURCE --rebuild",
    ):
        searcher.open_index(folder)


def test_index_times_keep_increasing_when_the_clock_goes_back(index, monkeypatch):
    from datetime import datetime as real

    from searcher.whoosh import writer

    with searcher.open_index(index) as ix:
        mark = ix.percolate([]).mark

    class Past(real):
        @classmethod
        def now(cls, tz=None):
            return real(2001, 1, 1, tzinfo=tz)

    monkeypatch.setattr(writer, "datetime", Past)
    add_articles(index, LATER[:2])
    with searcher.open_index(index) as ix:
        done = ix.percolate([("*", None, mark)])
    assert [hit.id for hit in done.matches[0]] == ["b1", "b2"]
    assert done.mark > mark


def test_a_saved_search_matches_articles_with_all_its_words(index):
    with searcher.open_index(index) as ix:
        mark = ix.percolate([]).mark
    add_articles(
        index,
        [
            *LATER,
            article("t1", "Polisi ungkap TPPO di Batam", "Kasus TPPO terungkap."),
            article("t2", "Perdagangan orang marak", "Perdagangan orang di desa."),
            article("t3", "Orang tua murid protes", "Perdagangan buku mahal."),
        ],
    )
    searches = {
        "banjir bekasi": ["b1"],
        "banjir": ["b1", "b2"],
        # "tppo" stands for both words; t3 has both words but apart, which counts.
        "perdagangan orang": ["t1", "t2", "t3"],
        '"perdagangan orang"': ["t2"],
        "banjir OR cabai": ["b1", "b2", "b3"],
        "banjir -bekasi": ["b2"],
        "judul:cabai": ["b3"],
        "harga pasar induk": ["b3"],
        "gempa": [],
    }
    with searcher.open_index(index) as ix:
        done = ix.percolate([(q, None, mark) for q in searches])
        filtered = ix.percolate([("banjir", searcher.Filters.build(source="tempo"), mark)])
    assert {
        q: [h.id for h in found] for q, found in zip(searches, done.matches, strict=True)
    } == searches
    assert [h.id for h in filtered.matches[0]] == ["b2"]


def test_a_query_that_cannot_run_is_an_error_for_that_search_only(index):
    with searcher.open_index(index) as ix:
        done = ix.percolate([("banjir", None, None), ("a" * 1001, None, None)])
    assert [h.id for h in done.matches[0]] == ["a1"]
    assert done.matches[1].startswith("q: ")
