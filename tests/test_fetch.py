"""Fetching feeds and pages (searcher.fetch, ``python -m searcher fetch``) against a local
HTTP server on 127.0.0.1 that serves the fixture feeds and pages of tests/data/fetch/:
Indonesian news pages laid out as the sites lay them out (navigation, adverts, "Baca juga"
links, related articles, comments, footer).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import searcher
from searcher import fetch
from searcher.cli import main

DATA = Path(__file__).parent / "data" / "fetch"
BANJIR = "/berita/2024/01/15/banjir-bekasi"
GEMPA = "/berita/2024/01/16/gempa-cianjur"
BERAS = "/ekonomi/harga-beras"
BOILERPLATE = [
    "Baca juga",
    "Baca Juga",
    "Harga Cabai",
    "Kemacetan Parah",
    "ADVERTISEMENT",
    "Kredit Motor",
    "SCROLL TO CONTINUE",
    "Diskon Elektronik",
    "Berita Terkait",
    "Longsor",
    "budi_ganteng88",
    "obat herbal",
    "Komentar",
    "Terpopuler",
    "Pinjaman Online",
    "Pedoman Media Siber",
    "Hak cipta",
    "Indeks Berita",
    "Bagikan",
    "Beranda",
    "Cari berita",
    "Tag:",
]


class Site:
    """What the local server serves, and every request it received."""

    def __init__(self):
        self.routes: dict[str, dict] = {}
        self.requests: list[tuple[str, dict]] = []
        self.release = threading.Event()  # ends slow handlers at teardown
        self.base = ""

    def add(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        content_type: str = "text/html",
        status: int = 200,
        headers: dict | None = None,
        slow: bool = False,
        validators: bool = False,
        length: bool = True,
    ) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = {
            "body": body,
            "type": content_type,
            "status": status,
            "headers": headers or {},
            "slow": slow,
            "validators": validators,
            "length": length,
        }

    def file(self, path: str, name: str, **options) -> None:
        options.setdefault(
            "content_type",
            "application/rss+xml" if name.endswith(".xml") else "text/html; charset=utf-8",
        )
        self.add(path, (DATA / name).read_bytes(), **options)

    def url(self, path: str) -> str:
        return self.base + path

    def asked(self, path: str) -> list[dict]:
        return [headers for asked, headers in self.requests if asked == path]


def handler_for(site: Site):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            site.requests.append((self.path, dict(self.headers)))
            route = site.routes.get(self.path)
            if route is None:
                self.send_error(404, "Not Found")
                return
            if route["slow"]:
                site.release.wait(20)  # set at teardown
            body = route["body"].replace(b"http://BASE", site.base.encode())
            headers = dict(route["headers"])
            if route["validators"]:
                tag, modified = '"v1"', "Mon, 15 Jan 2024 02:00:00 GMT"
                headers.update({"ETag": tag, "Last-Modified": modified})
                if self.headers.get("If-None-Match") == tag:
                    self.send_response(304)
                    self.send_header("ETag", tag)
                    self.end_headers()
                    return
            self.send_response(route["status"])
            self.send_header("Content-Type", route["type"])
            if route["length"]:
                self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handler threads

    def handle_error(self, request, client_address):
        pass  # a client that gave up (timeout, size cap) is what some tests do


@contextlib.contextmanager
def serving() -> Iterator[Site]:
    """A :class:`Site` served on 127.0.0.1 until the block ends."""
    site = Site()
    server = _Server(("127.0.0.1", 0), handler_for(site))
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield site
    finally:
        site.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def site():
    with serving() as site:
        yield site


def add_news(site: Site) -> Site:
    """Two feeds (RSS 2.0 and Atom, relative links, one item in both) and their pages."""
    site.file("/rss.xml", "rss.xml", validators=True)
    site.file("/atom.xml", "atom.xml", content_type="application/atom+xml")
    site.file(BANJIR, "banjir-bekasi.html", validators=True)
    site.file(GEMPA, "gempa-cianjur.html", validators=True)
    site.file(BERAS, "harga-beras.html")
    return site


@pytest.fixture
def news(site):
    return add_news(site)


def client(**options) -> fetch.Client:
    # A generous timeout: the machine may be busy; the timeout test sets its own.
    return fetch.Client(**{"timeout": 10, "max_bytes": 100_000, "delay": 0, **options})


def run(urls, index, **options):
    return fetch.fetch(urls, index, client=client(**options))


# -- feeds and extraction ---------------------------------------------------------------
def test_rss_and_atom_feeds_with_relative_links_index_each_article_once(news, tmp_path):
    index = tmp_path / "index"
    report = run([news.url("/rss.xml"), news.url("/atom.xml")], index)
    assert (report.added, report.updated, report.unchanged, report.failed) == (3, 0, 0, [])
    assert len(news.asked(BANJIR)) == 1  # in both feeds, fetched and indexed once
    with searcher.open_index(index) as ix:
        assert ix.stats().documents == 3
        banjir = ix.get(news.url(BANJIR))
        assert banjir.url == news.url(BANJIR)
        assert banjir.title == "Banjir Rendam Ribuan Rumah di Bekasi, Warga Mengungsi"
        assert banjir.source == "Warta Contoh"
        assert banjir.published == datetime(2024, 1, 15, 8, 30)  # the feed's 01:30 UTC, in WIB
        assert (banjir.author, banjir.category_raw, banjir.category) == (
            "Siti Rahmawati",
            "Megapolitan",
            "metro",
        )  # the feed's <category>, normalised
        beras = ix.get(news.url(BERAS))  # Atom's relative href="ekonomi/harga-beras"
        assert (beras.source, beras.published) == ("Kabar Contoh", datetime(2024, 1, 16, 7, 15))
        assert (beras.author, beras.category_raw, beras.category) == (
            "Andi Pratama",
            "Ekbis",
            "ekonomi",
        )
        assert [hit.id for hit in ix.search("gempa cianjur").hits] == [news.url(GEMPA)]


def test_only_the_article_text_is_indexed(news, tmp_path):
    index = tmp_path / "index"
    run([news.url(BANJIR)], index)
    with searcher.open_index(index) as ix:
        body = ix.get(news.url(BANJIR)).body
        assert body.startswith("BEKASI, Warta Contoh - Banjir merendam ribuan rumah")
        assert "empat ratus keluarga telah mengungsi ke masjid" in body
        assert body.endswith("agar banjir tidak terus berulang setiap musim hujan.")
        assert body.count("\n\n") == 5  # six paragraphs
        for words in BOILERPLATE:
            assert words not in body, words
        assert ix.search("herbal").total == 0
        assert ix.search("pinjaman online").total == 0


def test_fetching_again_is_idempotent(news, tmp_path):
    index = tmp_path / "index"
    urls = [news.url("/rss.xml"), news.url("/atom.xml")]
    run(urls, index)
    again = run(urls, index)
    assert (again.added, again.updated, again.failed) == (0, 0, [])
    assert again.unchanged == 3
    with searcher.open_index(index) as ix:
        assert ix.stats().documents == 3


# -- failures ---------------------------------------------------------------------------
def test_each_failure_is_reported_with_its_reason_and_the_rest_is_indexed(news, tmp_path):
    news.add(
        "/feed-campur.xml",
        f"""<?xml version="1.0"?><rss version="2.0"><channel>
        <title>Campuran</title>
        <item><title>Hilang</title><link>/berita/hilang</link></item>
        <item><title>Lambat</title><link>/berita/lambat</link></item>
        <item><title>Raksasa</title><link>/berita/raksasa</link></item>
        <item><title>Raksasa tanpa panjang</title><link>/berita/raksasa-2</link></item>
        <item><title>Gempa</title><link>{GEMPA}</link></item>
        </channel></rss>""",
        content_type="application/rss+xml",
    )
    news.add("/berita/lambat", "<html><body><p>Terlambat.</p></body></html>", slow=True)
    huge = "<html><body>" + "<p>Kata kata kata.</p>" * 20_000 + "</body></html>"
    news.add("/berita/raksasa", huge)
    news.add("/berita/raksasa-2", huge, length=False)
    news.file("/rusak.xml", "broken.xml")
    failures = []
    report = fetch.fetch(
        [news.url("/rusak.xml"), news.url("/feed-campur.xml"), news.url("/tidak-ada.xml")],
        tmp_path / "index",
        client=client(timeout=1),
        on_failure=failures.append,
    )
    assert (
        [str(f) for f in report.failed]
        == [str(f) for f in failures]
        == [
            f"{news.url('/rusak.xml')}: malformed feed XML: line 2: mismatched tag",
            f"{news.url('/berita/hilang')}: HTTP 404 Not Found",
            f"{news.url('/berita/lambat')}: timed out after 1 s",
            f"{news.url('/berita/raksasa')}: larger than the size cap (100,000 bytes)",
            f"{news.url('/berita/raksasa-2')}: larger than the size cap (100,000 bytes)",
            f"{news.url('/tidak-ada.xml')}: HTTP 404 Not Found",
        ]
    )
    assert report.added == 1
    with searcher.open_index(tmp_path / "index") as ix:
        assert [hit.id for hit in ix.search("*").hits] == [news.url(GEMPA)]


def test_a_redirect_is_followed_and_the_canonical_url_is_the_id(news, tmp_path):
    news.add("/lama/gempa", status=301, headers={"Location": GEMPA})
    report = run([news.url("/lama/gempa")], tmp_path / "index")
    assert (report.added, report.failed) == (1, [])
    with searcher.open_index(tmp_path / "index") as ix:
        assert [hit.id for hit in ix.search("gempa").hits] == [news.url(GEMPA)]


def test_a_feed_whose_items_failed_is_read_again(news, tmp_path):
    news.add(
        "/feed.xml",
        f"""<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>
        <item><title>Gempa</title><link>{GEMPA}</link></item>
        <item><title>Belum</title><link>/berita/belum</link></item></channel></rss>""",
        content_type="application/rss+xml",
        validators=True,
    )
    first = run([news.url("/feed.xml")], tmp_path / "index")
    assert (first.added, len(first.failed)) == (1, 1)
    news.file("/berita/belum", "harga-beras.html")
    second = run([news.url("/feed.xml")], tmp_path / "index")
    assert (second.added, second.unchanged, second.failed) == (1, 1, [])
    assert "If-None-Match" not in news.asked("/feed.xml")[1]


# -- encodings --------------------------------------------------------------------------
ARTICLE_1252 = (
    "<html><head>{meta}<title>Kafe di Kota Tua</title></head><body><article>"
    "<h1>Kafe di Kota Tua</h1><p>Pengunjung memadati Café Batavia di Kota Tua "
    "Jakarta pada akhir pekan. \u201cSuasananya seperti zaman dulu,\u201d kata "
    "seorang pengunjung asal Bandung yang datang bersama keluarganya.</p>"
    "<p>Pengelola kafe menyebut jumlah tamu naik dua kali lipat \u2013 terutama "
    "wisatawan muda \u2013 sejak gedung itu dipugar tahun lalu.</p>"
    "</article></body></html>"
)


@pytest.mark.parametrize(
    ("header", "meta"),
    [
        ("text/html; charset=iso-8859-1", ""),
        ("text/html", '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'),
        ("text/html", '<meta charset="ISO-8859-1">'),
    ],
)
def test_a_page_in_a_windows_1252_encoding_is_decoded(site, tmp_path, header, meta):
    site.add("/kafe", ARTICLE_1252.format(meta=meta).encode("cp1252"), content_type=header)
    report = run([site.url("/kafe")], tmp_path / "index")
    assert (report.added, report.failed) == (1, [])
    with searcher.open_index(tmp_path / "index") as ix:
        body = ix.get(site.url("/kafe")).body
    assert body == (
        "Pengunjung memadati Café Batavia di Kota Tua Jakarta pada akhir pekan. "
        "\u201cSuasananya seperti zaman dulu,\u201d kata seorang pengunjung asal "
        "Bandung yang datang bersama keluarganya.\n\nPengelola kafe menyebut jumlah "
        "tamu naik dua kali lipat \u2013 terutama wisatawan muda \u2013 sejak gedung "
        "itu dipugar tahun lalu."
    )


# -- politeness ---------------------------------------------------------------------------
def test_a_second_run_sends_conditional_gets_and_304_is_unchanged(news, tmp_path):
    index = tmp_path / "index"
    first = run([news.url("/rss.xml")], index)
    assert first.added == 2
    assert "If-None-Match" not in news.asked("/rss.xml")[0]
    state = json.loads((index / fetch.STATE_FILE).read_text())
    assert state["urls"][news.url("/rss.xml")] == {
        "etag": '"v1"',
        "last_modified": "Mon, 15 Jan 2024 02:00:00 GMT",
        "items": [news.url(BANJIR), news.url(GEMPA)],
    }
    second = run([news.url(BANJIR), news.url("/rss.xml")], index)  # one page, then its feed
    assert (second.added, second.updated, second.unchanged, second.failed) == (0, 0, 2, [])
    for path in ("/rss.xml", BANJIR):
        sent = news.asked(path)[-1]
        assert sent["If-None-Match"] == '"v1"'
        assert sent["If-Modified-Since"] == "Mon, 15 Jan 2024 02:00:00 GMT"
    assert len(news.asked(GEMPA)) == 1  # the unchanged feed's items are not asked again


def test_robots_txt_is_obeyed_and_the_user_agent_is_honest(news, tmp_path):
    news.add("/robots.txt", "User-agent: *\nDisallow: /rahasia/\n", content_type="text/plain")
    news.add("/rahasia/feed.xml", "<rss/>", content_type="application/rss+xml")
    news.file("/rahasia/gempa", "gempa-cianjur.html")
    report = run(
        [news.url("/rahasia/feed.xml"), news.url("/rahasia/gempa"), news.url(BANJIR)],
        tmp_path / "index",
    )
    assert [str(f) for f in report.failed] == [
        f"{news.url('/rahasia/feed.xml')}: disallowed by robots.txt",
        f"{news.url('/rahasia/gempa')}: disallowed by robots.txt",
    ]
    assert report.added == 1
    assert [path for path, _ in news.requests] == ["/robots.txt", BANJIR]
    assert {headers["User-Agent"] for _, headers in news.requests} == {
        f"searcher/{searcher.__version__} (news search indexer; obeys robots.txt)"
    }


def test_requests_to_one_host_are_spaced(news):
    news.add("/robots.txt", "User-agent: *\nCrawl-delay: 3\n", content_type="text/plain")
    sleeps = []
    polite = fetch.Client(timeout=10, delay=1.0, sleep=sleeps.append, clock=lambda: 100.0)
    polite.get(news.url(GEMPA))  # robots.txt, then the page: 3 s apart (its Crawl-delay)
    polite.get(news.url(BANJIR))
    other = news.url(GEMPA).replace("127.0.0.1", "localhost")
    polite.get(other)  # another host: its robots.txt at once, then its own pace
    assert sleeps == [3.0, 3.0, 3.0]
    assert [path for path, _ in news.requests] == [
        "/robots.txt",
        GEMPA,
        BANJIR,
        "/robots.txt",
        GEMPA,
    ]


# -- the command --------------------------------------------------------------------------
def test_the_command_reads_a_feeds_file_and_prints_a_summary(news, tmp_path, capsys):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(
        f"# Sumber berita\n{news.url('/rss.xml')}\n\n"
        f"{news.url('/atom.xml')}  # Kabar Contoh\n{news.url('/hilang.xml')}\n",
        encoding="utf-8",
    )
    index = tmp_path / "index"
    assert main(["fetch", "--feeds", str(feeds), "--index", str(index), "--delay", "0"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("3 new, 0 updated, 0 unchanged, 1 failed in ")
    assert err == f"failed: {news.url('/hilang.xml')}: HTTP 404 Not Found\n"
    assert main(["fetch", news.url("/rss.xml"), "--index", str(index), "--delay", "0"]) == 0
    assert capsys.readouterr().out.startswith("0 new, 0 updated, 2 unchanged, 0 failed in ")
    assert main(["stats", "--index", str(index), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 3


def test_a_bad_feeds_file_line_is_named(tmp_path, capsys):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("# komentar\nhttps://contoh.id/rss\nftp://contoh.id/rss\n")
    assert main(["fetch", "--feeds", str(feeds), "--index", str(tmp_path / "ix")]) == 2
    assert capsys.readouterr().err == (
        f"error: {feeds}:3: not an http(s) URL: 'ftp://contoh.id/rss'\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "error: fetch: give at least one URL or --feeds FILE\n"),
        (["contoh.id/rss"], "error: URL: not an http(s) URL: 'contoh.id/rss'\n"),
        (
            ["https://contoh.id/rss", "--every", "15x"],
            "error: --every: expected an interval such as 15m, 1h or 90s, got '15x'\n",
        ),
        (
            ["https://contoh.id/rss", "--timeout", "0"],
            "error: --timeout must be more than 0, got 0\n",
        ),
    ],
)
def test_bad_fetch_arguments_are_one_line_usage_errors(tmp_path, capsys, args, message):
    assert main(["fetch", *args, "--index", str(tmp_path / "ix")]) == 2
    assert capsys.readouterr().err == message


def test_every_repeats_until_ctrl_c_which_stops_cleanly(news, tmp_path, capsys, monkeypatch):
    pauses = []

    def pause(seconds):
        pauses.append(seconds)
        if len(pauses) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("searcher.cli_indexing.time.sleep", pause)
    assert (
        main(
            [
                "fetch",
                news.url(GEMPA),
                "--every",
                "15m",
                "--index",
                str(tmp_path / "ix"),
                "--delay",
                "0",
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    assert pauses == [900.0, 900.0]
    assert [line.split(" in ")[0] for line in out.splitlines()] == [
        "1 new, 0 updated, 0 unchanged, 0 failed",
        "0 new, 0 updated, 1 unchanged, 0 failed",
    ]
    assert err == "stopped; every completed run is indexed\n"


def test_parse_every():
    assert [fetch.parse_every(t) for t in ("15m", "1h", "90s", "1h30m", " 2d ")] == [
        900.0,
        3600.0,
        90.0,
        5400.0,
        172800.0,
    ]


def test_an_open_index_sees_fetched_articles(news, tmp_path, monkeypatch):
    index = tmp_path / "index"
    run([news.url(GEMPA)], index)
    with searcher.open_index(index, refresh_seconds=0) as ix:  # as the web server holds it
        assert ix.search("banjir").total == 0
        run([news.url(BANJIR)], index)
        assert [hit.id for hit in ix.search("banjir").hits] == [news.url(BANJIR)]


def test_ctrl_c_during_a_single_run_is_one_line_and_exit_130(tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fetch, "fetch", interrupted)
    assert main(["fetch", "https://contoh.id/rss", "--index", str(tmp_path / "ix")]) == 130
    assert capsys.readouterr().err == "stopped; every completed run is indexed\n"


def test_an_unreachable_robots_txt_stops_that_host_for_the_run(site, tmp_path):
    site.add("/robots.txt", "", status=503)
    site.file(GEMPA, "gempa-cianjur.html")
    report = run([site.url(GEMPA)], tmp_path / "index")
    assert [str(f) for f in report.failed] == [
        f"{site.url(GEMPA)}: robots.txt unavailable (HTTP 503 Service Unavailable); not fetched"
    ]
    assert [path for path, _ in site.requests] == ["/robots.txt"]


def test_a_page_without_article_text_is_a_failure(site, tmp_path):
    site.add(
        "/kosong",
        "<html><head><title>Kosong</title></head><body><nav>Beranda</nav>"
        "<p>Video: banjir di Bekasi.</p></body></html>",
    )
    report = run([site.url("/kosong")], tmp_path / "index")
    assert [str(f) for f in report.failed] == [
        f"{site.url('/kosong')}: no article text found on the page"
    ]


def test_a_real_fetch_process_with_every_stops_cleanly_on_ctrl_c(news, tmp_path):
    import signal
    import subprocess
    import sys

    process = subprocess.Popen(
        [
            sys.executable,
            "-X",
            "faulthandler",
            "-m",
            "searcher",
            "fetch",
            news.url("/rss.xml"),
            "--every",
            "1h",
            "--delay",
            "0",
            "--index",
            str(tmp_path / "index"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        # SIGINT as a foreground job has it, even when the suite runs in the background.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        first = process.stdout.readline()  # the first run's summary: it now waits an hour
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            # Where it hangs: faulthandler prints every thread's stack on SIGABRT.
            process.send_signal(signal.SIGABRT)
            out, err = process.communicate(timeout=30)
            pytest.fail(f"fetch --every ignored Ctrl-C for 60 s; its threads:\n{err}")
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert first.startswith("2 new, 0 updated, 0 unchanged, 0 failed in ")
    assert (process.returncode, out, err) == (0, "", "stopped; every completed run is indexed\n")


def test_fetching_into_a_cluster(news, tmp_path, sphinx_cluster):
    location = sphinx_cluster.location
    state = tmp_path / "state.json"
    report = fetch.fetch([news.url(BANJIR)], location, state_path=state, client=client())
    assert (report.added, report.failed) == (1, [])
    try:
        with searcher.open_index(location) as ix:
            document = ix.get(news.url(BANJIR))
            assert (document.source, document.author, document.category) == (
                "Warta Contoh",
                "Siti Rahmawati",
                "metro",
            )
            assert "Baca juga" not in document.body
        again = fetch.fetch([news.url(BANJIR)], location, state_path=state, client=client())
        assert (again.added, again.unchanged) == (0, 1)
        assert news.asked(BANJIR)[-1]["If-None-Match"] == '"v1"'
    finally:
        assert searcher.delete_documents([news.url(BANJIR)], location).deleted == 1


def test_every_goes_on_after_a_failed_round(tmp_path, capsys, monkeypatch):
    rounds = []

    def busy_once(urls, location, **options):
        rounds.append(location)
        if len(rounds) == 1:
            raise searcher.IndexBusyError("another indexer is writing to ix; waited 10 s")
        return fetch.FetchReport(added=1)

    def pause(seconds):
        if len(rounds) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(fetch, "fetch", busy_once)
    monkeypatch.setattr("searcher.cli_indexing.time.sleep", pause)
    assert main(["fetch", "https://contoh.id/rss", "--every", "1m", "--index", "ix"]) == 0
    out, err = capsys.readouterr()
    assert len(rounds) == 2
    assert out.startswith("1 new, 0 updated, 0 unchanged, 0 failed in ")
    assert err == (
        "error: another indexer is writing to ix; waited 10 s; trying again in 1m\n"
        "stopped; every completed run is indexed\n"
    )


def test_the_user_agent_can_name_a_contact(news, tmp_path, capsys):
    agent = "searcher/0.1.0 (news search indexer; obeys robots.txt; +mailto:tim@contoh.id)"
    assert (
        main(
            [
                "fetch",
                news.url(GEMPA),
                "--index",
                str(tmp_path / "ix"),
                "--delay",
                "0",
                "--user-agent",
                agent,
            ]
        )
        == 0
    )
    assert {headers["User-Agent"] for _, headers in news.requests} == {agent}


def test_a_changed_page_is_updated_in_place(site, tmp_path):
    page = (DATA / "gempa-cianjur.html").read_text(encoding="utf-8")
    site.add(GEMPA, page)
    index = tmp_path / "index"
    assert run([site.url(GEMPA)], index).added == 1
    site.add(
        GEMPA,
        page.replace(
            "belum ada laporan kerusakan bangunan yang berarti",
            "tiga rumah warga dilaporkan rusak ringan",
        ),
    )
    report = run([site.url(GEMPA)], index)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 0)
    with searcher.open_index(index) as ix:
        assert ix.stats().documents == 1
        assert "tiga rumah warga dilaporkan rusak ringan" in ix.get(site.url(GEMPA)).body
        assert ix.search("kerusakan").total == 0
