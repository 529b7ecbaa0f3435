"""Hostile servers and inputs for ``fetch`` (issue #24): one bad response is one failure
line and the run goes on; every request has a total deadline and every run a bound;
a page cannot take another site's id; fetched articles pass the ingest checks; deleted
ids stay deleted; what reaches the terminal is escaped.

Servers listen on 127.0.0.1: the fixture site of tests/test_fetch.py, and a raw socket
server for what http.server cannot send (bad status lines, broken chunks, trickles).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable

import pytest

import searcher
from searcher import fetch
from searcher.cli import main
from searcher.fetching import tombstones
from searcher.fetching.client import to_uri
from searcher.fetching.extraction import same_site
from searcher.fetching.feeds import feed_items
from searcher.fetching.response import Response
from searcher.listfiles import read_list
from tests.test_fetch import BANJIR, DATA, GEMPA, add_news, client, run, serving

GEMPA_HTML = (DATA / "gempa-cianjur.html").read_bytes()
# The same article without its canonical link: its id is the URL it is read from.
PAGE = b"\n".join(line for line in GEMPA_HTML.splitlines() if b"canonical" not in line)
assert PAGE != GEMPA_HTML


class RawServer:
    """A TCP server on 127.0.0.1 answering each path with raw bytes or a function of the
    connection (which may trickle, hang or close early)."""

    def __init__(self):
        self.routes: dict[str, bytes | Callable[[socket.socket], None]] = {}
        # Called at once on each connection, instead of reading a request (TLS tests).
        self.on_connect: Callable[[socket.socket], None] | None = None
        self.paths: list[str] = []
        self.release = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.base = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.threads: list[threading.Thread] = []
        self.accepting = threading.Thread(target=self._accept)
        self.accepting.start()

    def url(self, path: str) -> str:
        return self.base + path

    def _accept(self):
        while not self.release.is_set():
            try:
                connection, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._serve, args=(connection,))
            thread.start()
            self.threads.append(thread)

    def _serve(self, connection: socket.socket):
        with connection:
            connection.settimeout(5)
            request = b""
            try:
                if self.on_connect is not None:
                    self.on_connect(connection)
                    return
                while b"\r\n\r\n" not in request:
                    chunk = connection.recv(4096)
                    if not chunk:
                        return
                    request += chunk
                path = request.split(b" ", 2)[1].decode("latin-1")
                self.paths.append(path)
                answer = self.routes.get(path, b"HTTP/1.0 404 Not Found\r\n\r\n")
                if callable(answer):
                    answer(connection)
                else:
                    connection.sendall(answer)
            except OSError:
                pass  # the client gave up: what some tests do

    def trickle(self, head: bytes, then: bytes = b"x" * 100_000) -> Callable:
        """An answer sent one byte every 0.2 s (``head`` first, then ``then``), until the
        client leaves or the test ends."""

        def send(connection: socket.socket):
            for byte in head + then:
                if self.release.wait(0.2):
                    return
                connection.sendall(bytes([byte]))

        return send

    def close(self):
        self.release.set()
        self.accepting.join()
        self.listener.close()
        for thread in self.threads:
            thread.join()


@pytest.fixture
def raw():
    server = RawServer()
    server.routes["/robots.txt"] = b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def site():
    with serving() as site:
        yield site


@pytest.fixture
def news(site):
    return add_news(site)


def ok(body: bytes, *headers: str) -> bytes:
    head = ["HTTP/1.0 200 OK", "Content-Type: text/html; charset=utf-8", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def reasons(report) -> dict[str, str]:
    return {failure.url: failure.reason for failure in report.failed}


# -- 2: one hostile response never ends a run ---------------------------------------------
@pytest.mark.parametrize(
    "charset",
    [
        "base64",
        "rot13",
        "hex",
        "zlib",
        "idna",
        "bz2",
        "unicode_escape",
        "no-such-charset",
        "x" * 500,
    ],
)
@pytest.mark.parametrize("where", ["header", "meta"])
def test_a_charset_that_is_not_a_text_encoding_is_ignored(site, tmp_path, charset, where):
    page = GEMPA_HTML.decode()
    if where == "header":
        site.add(GEMPA, page, content_type=f"text/html; charset={charset}")
    else:
        site.add(
            GEMPA,
            page.replace("<head>", f'<head><meta charset="{charset}">', 1),
            content_type="text/html",
        )
    report = run([site.url(GEMPA)], tmp_path / "index")
    assert (report.added, report.failed) == (1, [])
    with searcher.open_index(tmp_path / "index") as ix:
        assert "Cianjur" in ix.get(site.url(GEMPA)).body


@pytest.mark.parametrize("charset", ["base64", "rot13", "idna", "zlib"])
def test_a_feed_with_a_charset_that_is_not_a_text_encoding_is_read(site, tmp_path, charset):
    site.file("/rss.xml", "rss.xml", content_type=f"application/rss+xml; charset={charset}")
    site.file(BANJIR, "banjir-bekasi.html")
    site.file(GEMPA, "gempa-cianjur.html")
    report = run([site.url("/rss.xml")], tmp_path / "index")
    assert (report.added, report.failed) == (2, [])


HOSTILE_ANSWERS = {
    "/bad-status": (b"HTCPCP/9 I'm a teapot\r\n\r\n", "not a valid HTTP answer (BadStatusLine"),
    "/headers": (
        b"HTTP/1.0 200 OK\r\n"
        + b"".join(b"X-%d: a\r\n" % n for n in range(150))
        + b"\r\n<html></html>",
        "not a valid HTTP answer (HTTPException: got more than 100 headers)",
    ),
    "/long-header": (
        b"HTTP/1.0 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
        "not a valid HTTP answer (LineTooLong",
    ),
    "/chunks": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b"zz\r\nbroken\r\n",
        "not a valid HTTP answer (IncompleteRead",
    ),
    "/nothing": (b"", "not a valid HTTP answer (RemoteDisconnected"),
}


def test_each_hostile_answer_is_one_failure_and_the_good_page_is_indexed(raw, site, tmp_path):
    for path, (answer, _) in HOSTILE_ANSWERS.items():
        raw.routes[path] = answer
    site.file(GEMPA, "gempa-cianjur.html")
    urls = [raw.url(path) for path in HOSTILE_ANSWERS] + [site.url(GEMPA)]
    report = run(urls, tmp_path / "index")
    assert report.added == 1
    got = reasons(report)
    assert list(got) == [raw.url(path) for path in HOSTILE_ANSWERS]
    for path, (_, reason) in HOSTILE_ANSWERS.items():
        assert got[raw.url(path)].startswith(reason), got[raw.url(path)]


def test_a_robots_txt_that_is_not_http_stops_that_host_only(raw, site, tmp_path):
    raw.routes["/robots.txt"] = b"SSH-2.0-OpenSSH_9.6\r\n\r\n"
    raw.routes["/page"] = ok(PAGE)
    site.file(GEMPA, "gempa-cianjur.html")
    report = run([raw.url("/page"), site.url(GEMPA)], tmp_path / "index")
    assert report.added == 1
    assert reasons(report) == {
        raw.url("/page"): "robots.txt unavailable (not a valid HTTP "
        "answer (BadStatusLine: SSH-2.0-OpenSSH_9.6)); "
        "not fetched"
    }
    assert raw.paths == ["/robots.txt"]


@pytest.mark.parametrize("delay", ["999999999999999999999", "1" * 5000, "100000"])
def test_a_huge_crawl_delay_is_capped(site, delay):
    site.add("/robots.txt", f"User-agent: *\nCrawl-delay: {delay}\n", content_type="text/plain")
    site.file(GEMPA, "gempa-cianjur.html")
    site.file(BANJIR, "banjir-bekasi.html")
    sleeps = []
    polite = fetch.Client(timeout=10, delay=1.0, sleep=sleeps.append, clock=lambda: 100.0)
    polite.get(site.url(GEMPA))
    polite.get(site.url(BANJIR))
    assert sleeps and max(sleeps) <= fetch.MAX_CRAWL_DELAY == 60.0


@pytest.mark.parametrize(
    "entry",
    [
        '"a string"',
        '{"etag": ["a", "list"]}',
        "42",
        "null",
        '{"etag": "\\"v1\\"\\r\\nX-Injected: 1"}',
        '{"last_modified": {"a": 1}, "items": "not a list"}',
    ],
)
def test_a_bad_state_file_entry_is_ignored(site, tmp_path, entry):
    site.file(GEMPA, "gempa-cianjur.html", validators=True)
    state = tmp_path / "state.json"
    state.write_text(f'{{"version": 1, "urls": {{"{site.url(GEMPA)}": {entry}}}}}')
    report = fetch.fetch([site.url(GEMPA)], tmp_path / "index", state_path=state, client=client())
    assert (report.added, report.failed) == (1, [])
    assert "X-Injected" not in site.asked(GEMPA)[0]
    assert json.loads(state.read_text())["urls"][site.url(GEMPA)]["etag"] == '"v1"'


def test_every_goes_on_after_hostile_answers(raw, site, tmp_path, capsys, monkeypatch):
    raw.routes["/bad"] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
    site.file(GEMPA, "gempa-cianjur.html", content_type="text/html; charset=base64")
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
                raw.url("/bad"),
                site.url(GEMPA),
                "--every",
                "1m",
                "--index",
                str(tmp_path / "ix"),
                "--delay",
                "0",
                "--quiet",
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    assert [line.split(" in ")[0] for line in out.splitlines()] == [
        "1 new, 0 updated, 0 unchanged, 1 failed",
        "0 new, 0 updated, 1 unchanged, 1 failed",
    ]
    assert err.count("failed: ") == 2 and "Traceback" not in err


def test_every_goes_on_after_a_round_that_raised(tmp_path, capsys, monkeypatch):
    rounds = []

    def broken_once(urls, location, **options):
        rounds.append(location)
        if len(rounds) == 1:
            raise UnicodeDecodeError("idna", b"\xff", 0, 1, "label too long")
        return fetch.FetchReport(added=1)

    def pause(seconds):
        if len(rounds) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(fetch, "fetch", broken_once)
    monkeypatch.setattr("searcher.cli_indexing.time.sleep", pause)
    assert main(["fetch", "https://contoh.id/rss", "--every", "1m", "--index", "ix"]) == 0
    out, err = capsys.readouterr()
    assert len(rounds) == 2
    assert out.startswith("1 new, 0 updated, 0 unchanged, 0 failed in ")
    assert err == (
        "error: this round failed (UnicodeDecodeError: 'idna' codec can't decode byte 0xff "
        "in position 0: label too long); trying again in 1m\n"
        "stopped; every completed run is indexed\n"
    )


# -- 3: deadlines and bounds ----------------------------------------------------------------
@pytest.mark.parametrize("what", ["body", "headers", "robots"])
def test_a_trickling_server_is_cut_at_the_timeout(raw, site, tmp_path, what):
    head = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n"
    if what == "body":
        raw.routes["/page"] = raw.trickle(b"", head + b"\r\n" + b"<p>kata</p>" * 10_000)
    elif what == "headers":
        raw.routes["/page"] = raw.trickle(head + b"X-Slow: " + b"a" * 10_000)
    else:
        raw.routes["/robots.txt"] = raw.trickle(head + b"\r\n", b"# " * 10_000)
        raw.routes["/page"] = ok(PAGE)
    site.file(GEMPA, "gempa-cianjur.html")
    started = time.monotonic()
    report = run([raw.url("/page"), site.url(GEMPA)], tmp_path / "index", timeout=1)
    assert time.monotonic() - started < 15  # unbounded, it took minutes (1 byte each 0.2 s)
    expected = "timed out after 1 s"
    if what == "robots":
        expected = f"robots.txt unavailable ({expected}); not fetched"
    assert (reasons(report), report.added) == ({raw.url("/page"): expected}, 1)


def test_a_trickling_tls_handshake_is_cut_at_the_timeout(raw, tmp_path):
    # A TLS record header announcing 16 KB, then the bytes one by one.
    raw.on_connect = raw.trickle(b"\x16\x03\x03\x40\x00", b"\x00" * 10_000)
    url = raw.url("/page").replace("http:", "https:")
    started = time.monotonic()
    report = run([url], tmp_path / "index", timeout=1)
    assert time.monotonic() - started < 15
    assert reasons(report) == {url: "robots.txt unavailable (timed out after 1 s); not fetched"}


def items_feed(count: int, link: str = "/berita/{n}") -> str:
    items = "".join(
        f"<item><title>Berita {n}</title><link>{link.format(n=n)}</link></item>"
        for n in range(count)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Banyak</title>{items}</channel></rss>"
    )


def test_a_feed_gives_at_most_max_items_items(site, tmp_path):
    site.add("/rss.xml", items_feed(1000), content_type="application/rss+xml")
    site.file("/berita/0", "gempa-cianjur.html")
    report = fetch.fetch([site.url("/rss.xml")], tmp_path / "index", client=client(), max_items=3)
    assert [path for path, _ in site.requests] == [
        "/robots.txt",
        "/rss.xml",
        "/berita/0",
        "/berita/1",
        "/berita/2",
    ]
    assert (report.added, len(report.failed)) == (1, 2)


def test_a_feed_of_90000_items_is_read_quickly():
    body = items_feed(90_000).encode()
    response = Response("http://contoh.id/rss.xml", 200, _headers("application/rss+xml"), body)
    started = time.monotonic()
    items = feed_items(response)
    assert time.monotonic() - started < 10  # it took 160 s; it takes a fraction of a second
    assert [item.link for item in items[:2]] == [
        "http://contoh.id/berita/0",
        "http://contoh.id/berita/1",
    ]
    assert len(items) == fetch.MAX_ITEMS == 200


def _headers(content_type: str):
    from email.message import Message

    headers = Message()
    headers["Content-Type"] = content_type
    return headers


def test_a_run_stops_at_its_time_limit_and_the_feed_is_read_again(site, tmp_path, capsys):
    site.add(
        "/rss.xml",
        items_feed(10, "/berita/{n}"),
        content_type="application/rss+xml",
        validators=True,
    )
    for n in range(10):
        site.add(f"/berita/{n}", PAGE.replace(b"Cianjur", b"Cianjur %d" % n))
    report = fetch.fetch(
        [site.url("/rss.xml")], tmp_path / "index", client=client(delay=1.0), round_seconds=3.0
    )
    assert report.left >= 5
    assert report.left + report.added + len(report.failed) == 10
    state = json.loads((tmp_path / "index" / fetch.STATE_FILE).read_text())
    assert site.url("/rss.xml") not in state["urls"]  # read again next run, for the rest
    assert (
        main(
            [
                "fetch",
                site.url("/rss.xml"),
                "--index",
                str(tmp_path / "index"),
                "--delay",
                "0",
                "--quiet",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith(f"{10 - report.added} new, ")


def test_the_time_limit_options_are_checked(tmp_path, capsys):
    assert (
        main(
            [
                "fetch",
                "https://contoh.id/rss",
                "--round-limit",
                "0",
                "--index",
                str(tmp_path / "ix"),
            ]
        )
        == 2
    )
    assert capsys.readouterr().err == "error: --round-limit must be more than 0, got 0\n"


# -- 4: the id comes from the page's own site ------------------------------------------------
def test_a_canonical_url_on_another_site_is_not_the_id(site, tmp_path):
    victim = site.url(GEMPA).replace("127.0.0.1", "localhost")
    site.file(GEMPA, "gempa-cianjur.html")
    index = tmp_path / "index"
    assert run([victim], index).added == 1
    hostile = GEMPA_HTML.decode().replace(
        "<head>", f'<head><link rel="canonical" href="{victim}">', 1
    )
    hostile = hostile.replace("Gempa Magnitudo 5,2 Guncang Cianjur", "DIBAJAK: berita palsu")
    site.add("/palsu", hostile)
    report = run([site.url("/palsu")], index)
    assert (report.added, report.updated, report.failed) == (1, 0, [])
    with searcher.open_index(index) as ix:
        assert "DIBAJAK" not in ix.get(victim).title
        assert ix.get(site.url("/palsu")).title.startswith("DIBAJAK")


def test_a_canonical_url_on_the_same_site_is_the_id(site, tmp_path):
    page = GEMPA_HTML.decode().replace(
        "<head>", f'<head><link rel="canonical" href="{site.url(GEMPA)}">', 1
    )
    site.add("/amp/gempa", page)
    assert run([site.url("/amp/gempa")], tmp_path / "index").added == 1
    with searcher.open_index(tmp_path / "index") as ix:
        assert ix.get(site.url(GEMPA)) is not None


@pytest.mark.parametrize(
    ("page", "canonical", "trusted"),
    [
        ("https://m.kompas.com/a", "https://www.kompas.com/a", True),
        ("https://news.detik.com/a", "https://detik.com/a", True),
        ("https://news.detik.co.id/a", "https://evil.co.id/a", False),
        ("https://evil.com/a", "https://www.kompas.com/a", False),
        ("http://127.0.0.1:8000/a", "http://127.0.0.2:8000/a", False),
        ("https://kompas.com/a", "javascript:alert(1)", False),
        ("https://kompas.com/a", "ftp://kompas.com/a", False),
    ],
)
def test_same_site(page, canonical, trusted):
    assert same_site(page, canonical) is trusted


# -- 8: the ingest checks -------------------------------------------------------------------
def test_a_fetched_article_passes_the_ingest_limits_and_cleaning(site, tmp_path):
    paragraphs = "".join(
        f"<p>Paragraf {n} tentang banjir yang sangat panjang sekali "
        f"di kota Bekasi dan sekitarnya.</p>"
        for n in range(4000)
    )
    site.add(
        "/raksasa",
        f"<html><head><title>Raksasa</title></head><body><article>"
        f"<h1>Raksasa</h1>{paragraphs}</article></body></html>",
    )
    dirty = PAGE.decode().replace(
        "Gempa Magnitudo 5,2 Guncang Cianjur", "Gempa \x1b[31mMagnitudo\u0007 5,2 Guncang CianjurÂ"
    )
    site.add("/kotor", dirty.encode())
    report = run(
        [site.url("/raksasa"), site.url("/kotor")], tmp_path / "index", max_bytes=1_000_000
    )
    assert report.added == 1
    [failure] = report.failed
    assert failure.url == site.url("/raksasa")
    assert failure.reason.startswith("the body is ")
    assert failure.reason.endswith(" characters long; at most 200,000 are accepted")
    with searcher.open_index(tmp_path / "index") as ix:
        title = ix.get(site.url("/kotor")).title
    assert "\x1b" not in title and "\x07" not in title


# -- 10: tombstones ----------------------------------------------------------------------------
def test_a_deleted_article_is_not_fetched_back_until_undone(news, tmp_path, capsys):
    index = str(tmp_path / "index")
    feed = news.url("/rss.xml")
    common = ["--index", index, "--delay", "0", "--quiet"]
    assert main(["fetch", feed, *common]) == 0
    assert main(["delete", news.url(BANJIR), "--index", index]) == 0
    news.routes["/rss.xml"]["validators"] = False  # the feed read again: its items too
    assert main(["fetch", feed, *common]) == 0
    assert main(["delete", "--undo", news.url(BANJIR), "tidak-ada", "--index", index]) == 0
    assert main(["fetch", feed, *common]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2 new, 0 updated, 0 unchanged, 0 failed in ")
    assert out[1].startswith("1 deleted, 0 unknown")
    assert out[2].startswith("0 new, 0 updated, 1 unchanged, 0 failed, 1 deleted earlier in ")
    assert out[3].startswith("1 undeleted")
    assert out[4].startswith("1 new, 0 updated, 1 unchanged, 0 failed in ")


def test_the_library_remembers_deletions_beside_the_index(news, tmp_path):
    index = tmp_path / "index"
    run([news.url(BANJIR), news.url(GEMPA)], index)
    with searcher.open_index(index) as ix:
        assert ix.delete(news.url(GEMPA)).deleted == 1  # one id, not its characters
    searcher.delete_documents([news.url(BANJIR)], index)
    assert tombstones.deleted_ids(index) == {news.url(GEMPA), news.url(BANJIR)}
    assert (index / tombstones.FILE).exists()
    report = run([news.url(BANJIR), news.url(GEMPA)], index)
    assert (report.added, report.deleted) == (0, 2)
    assert tombstones.forget(index, [news.url(GEMPA), "lain"]) == [news.url(GEMPA)]
    assert tombstones.deleted_ids(index) == {news.url(BANJIR)}


# -- 15: escaped output --------------------------------------------------------------------
def test_reason_phrases_links_and_unknown_ids_are_printed_escaped(raw, site, tmp_path, capsys):
    raw.routes["/jahat"] = b"HTTP/1.0 404 \x1b]0;owned\x07\x1b[2J\xe2\x80\xae gone\r\n\r\n"
    site.add(
        "/rss.xml",
        "<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>"
        "<item><title>x</title><link>/berita/\u202egpj.exe\x1b</link></item>"
        "</channel></rss>",
        content_type="application/rss+xml",
    )
    assert (
        main(
            [
                "fetch",
                raw.url("/jahat"),
                site.url("/rss.xml"),
                "--index",
                str(tmp_path / "ix"),
                "--delay",
                "0",
                "--quiet",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u202e" not in err and "\x07" not in err
    assert "\\x1b]0;owned\\x07\\x1b[2J" in err
    assert main(["delete", "tidak\x1b[2J\u202eada", "--index", str(tmp_path / "ix")]) == 0
    err = capsys.readouterr().err
    assert err == "unknown id: tidak\\x1b[2J\\u202eada\n"


# -- 16: redirects, schemes, IRIs, short bodies ----------------------------------------------
def test_a_redirect_to_another_host_obeys_its_robots_txt(site, tmp_path):
    other = site.url("").replace("127.0.0.1", "localhost")
    site.add("/robots.txt", "User-agent: *\nDisallow: /rahasia/\n", content_type="text/plain")
    site.add("/lompat", status=302, headers={"Location": other + "/rahasia/gempa"})
    site.file("/rahasia/gempa", "gempa-cianjur.html")
    report = run([site.url("/lompat")], tmp_path / "index")
    assert reasons(report) == {site.url("/lompat"): "disallowed by robots.txt"}
    assert "/rahasia/gempa" not in [path for path, _ in site.requests]


@pytest.mark.parametrize(
    "target", ["ftp://127.0.0.1/berita", "file:///etc/passwd", "javascript:alert(1)"]
)
def test_a_redirect_to_another_scheme_is_refused(site, tmp_path, target):
    site.add("/lompat", status=302, headers={"Location": target})
    report = run([site.url("/lompat")], tmp_path / "index")
    assert reasons(report) == {site.url("/lompat"): f"redirected to a non-http(s) URL ({target!r})"}


def test_item_links_of_other_schemes_are_refused_unread(site, tmp_path, monkeypatch):
    site.add(
        "/rss.xml",
        "<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>"
        "<item><title>a</title><link>file:///etc/passwd</link></item>"
        "<item><title>b</title><link>ftp://127.0.0.1/berita</link></item>"
        "</channel></rss>",
        content_type="application/rss+xml",
    )
    opened = []
    monkeypatch.setattr(
        "urllib.request.OpenerDirector.open", lambda *args, **kwargs: opened.append(args)
    )
    report = run([site.url("/rss.xml")], tmp_path / "index")
    assert sorted(reasons(report).values()) == [
        "not an http(s) URL (scheme 'file')",
        "not an http(s) URL (scheme 'ftp')",
    ]
    assert opened == []


def test_a_non_ascii_link_is_fetched(site, tmp_path):
    site.file("/berita/gempa-%C3%A9-cianjur?q=%C3%A9", "gempa-cianjur.html")
    report = run([site.url("/berita/gempa-é-cianjur?q=é")], tmp_path / "index")
    assert (report.added, report.failed) == (1, [])


def test_a_page_shorter_than_its_content_length_is_an_error(raw, tmp_path):
    page = (DATA / "banjir-bekasi.html").read_bytes()
    raw.routes["/pendek"] = ok(page[:3000], f"Content-Length: {len(page)}")
    report = run([raw.url("/pendek")], tmp_path / "index")
    assert reasons(report) == {
        raw.url("/pendek"): f"cut short: 3,000 of the {len(page):,} "
        "bytes its Content-Length announced"
    }
    assert report.added == 0


# -- 17: list files ---------------------------------------------------------------------------
def test_a_bom_in_a_feeds_or_ids_file_is_ignored(news, tmp_path, capsys):
    feeds = tmp_path / "feeds.txt"
    feeds.write_bytes(b"\xef\xbb\xbf" + news.url(GEMPA).encode() + b"\n")
    index = str(tmp_path / "index")
    assert main(["fetch", "--feeds", str(feeds), "--index", index, "--delay", "0"]) == 0
    ids = tmp_path / "ids.txt"
    ids.write_bytes(b"\xef\xbb\xbf" + news.url(GEMPA).encode() + b"\r\n")
    assert main(["delete", "--ids-from", str(ids), "--index", index]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("1 deleted, 0 unknown")


def test_an_endless_ids_file_is_a_one_line_error(tmp_path, capsys):
    assert main(["delete", "--ids-from", "/dev/zero", "--index", str(tmp_path / "ix")]) == 2
    assert capsys.readouterr().err == (
        "error: --ids-from: /dev/zero is larger than 16,777,216 bytes; give at most that, "
        "one item a line\n"
    )


def test_list_files_are_bounded_and_named(tmp_path):
    listed = tmp_path / "list.txt"
    listed.write_bytes(b"satu\n# komentar\n\n  dua  \n")
    assert read_list(listed, "--x") == [(1, "satu"), (4, "dua")]
    with pytest.raises(searcher.SearcherError, match=r"^--x: .* is larger than 10 bytes"):
        read_list(listed, "--x", max_bytes=10)
    listed.write_bytes(b"satu\n\xffdua\n")
    with pytest.raises(searcher.SearcherError, match=r"list.txt:2 is not UTF-8 text$"):
        read_list(listed, "--x")


# -- proxies (read from the environment, as urllib did) ---------------------------------
def test_requests_go_through_an_http_proxy_and_tunnels_for_https(raw, site, tmp_path):
    raw.routes["http://berita.invalid/robots.txt"] = b"HTTP/1.0 404 Not Found\r\n\r\n"
    raw.routes["http://berita.invalid/gempa"] = ok(PAGE)
    raw.routes["berita.invalid:443"] = b"HTTP/1.1 403 Forbidden\r\n\r\n"
    site.file(GEMPA, "gempa-cianjur.html")
    proxied = client(proxies={"http": raw.base, "https": raw.base, "no": "127.0.0.1"})
    urls = ["http://berita.invalid/gempa", "https://berita.invalid/banjir", site.url(GEMPA)]
    report = fetch.fetch(urls, tmp_path / "index", client=proxied)
    assert report.added == 2
    assert reasons(report) == {
        "https://berita.invalid/banjir": "robots.txt unavailable (the proxy refused the "
        "tunnel: HTTP 403 Forbidden); not fetched"
    }
    assert raw.paths == [
        "http://berita.invalid/robots.txt",
        "http://berita.invalid/gempa",
        "berita.invalid:443",
    ]
    assert [path for path, _ in site.requests] == ["/robots.txt", GEMPA]  # not proxied


@pytest.mark.parametrize(
    ("url", "uri"),
    [
        (
            "http://bücher.contoh.id/berita/é?q=é&x=1#atas",
            "http://xn--bcher-kva.contoh.id/berita/%C3%A9?q=%C3%A9&x=1",
        ),
        ("https://Contoh.ID", "https://contoh.id/"),
        ("http://contoh.id/sudah%20dikodekan", "http://contoh.id/sudah%20dikodekan"),
        ("http://[::1]:8080/a b", "http://[::1]:8080/a%20b"),
    ],
)
def test_links_are_sent_as_uris(url, uri):
    assert to_uri(url) == uri


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "not an http(s) URL (scheme 'file')"),
        ("http://contoh.id:99999/", "not a valid URL (Port out of range 0-65535)"),
        ("http:///tanpa-host", "not a valid URL (no host)"),
        ("http://a\x00b.id/", "not a valid URL (a bad host name)"),
    ],
)
def test_links_that_are_no_http_uris_are_refused(url, reason):
    with pytest.raises(fetch.FetchError) as error:
        to_uri(url)
    assert str(error.value) == reason
