"""A hostile news site on 127.0.0.1 for soaks (#24): a feed that grows, good article
pages, and items whose answers are the hostile ones of issue #24.

Usage (from the repository root; it serves until Ctrl-C)::

    python -m benchmarks.feedsite [--port 8765] [--per-request 3]

Each request for ``/feed.xml`` publishes ``per_request`` new articles (``/berita/N``,
numbered from 1) and lists the newest 30 of them, then one item per hostile answer:
a charset that is no text encoding (``base64``), a page claiming another site's
canonical URL, a broken chunked body, a bad status line, 120 headers, a 64 KB header
line, a body shorter than its Content-Length, a redirect loop, a redirect to
``ftp://``, a page sent one byte every 0.2 s (cut by fetch's ``--timeout``), a
3.5 MB page (cut to the ingest limits), a page robots.txt disallows, and a 404.

:attr:`FeedSite.served` records each good article page answered in full (its id and
the time), so a soak can tell which articles a completed fetch round saw.
"""

from __future__ import annotations

import argparse
import contextlib
import threading
import time
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORDS = [
    "banjir",
    "jakarta",
    "presiden",
    "menteri",
    "pemerintah",
    "warga",
    "polisi",
    "kota",
    "desa",
    "sekolah",
    "harga",
    "beras",
    "pasar",
    "gempa",
    "bumi",
    "hujan",
    "jalan",
    "rumah",
    "sakit",
    "dokter",
    "pasien",
    "petani",
    "nelayan",
    "laut",
    "pulau",
    "pemilu",
    "partai",
    "calon",
    "kampanye",
    "suara",
    "rakyat",
    "daerah",
    "gubernur",
    "bupati",
    "anggaran",
    "proyek",
    "korupsi",
    "komisi",
    "hakim",
    "sidang",
    "saksi",
    "tersangka",
    "kebakaran",
    "hutan",
    "asap",
    "sungai",
    "air",
    "bersih",
]
KEEP = 30  # articles listed in the feed
HOSTILE = (
    "charset",
    "canonical",
    "chunked",
    "status",
    "headers",
    "longheader",
    "short",
    "loop",
    "ftp",
    "trickle",
    "huge",
    "missing",
)
# Item links outside /bad/: robots.txt disallows /private/.
PRIVATE = "/private/1"


def article_text(number: int) -> tuple[str, str]:
    """(title, body) of article ``number``: words chosen by its number, so each article
    differs and a rerun serves the same ones."""
    words = [WORDS[(number * 7 + i * i * 3 + i) % len(WORDS)] for i in range(160)]
    title = f"Berita soak {number}: " + " ".join(words[:6])
    sentences = [" ".join(words[i : i + 12]).capitalize() + "." for i in range(0, 160, 12)]
    return title, " ".join(sentences)


def article_page(base: str, number: int) -> bytes:
    title, body = article_text(number)
    paragraphs = "".join(f"<p>{escape(body)} Nomor {number}.</p>" for _ in range(2))
    return (
        "<!doctype html><html lang='id'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title>"
        f"<link rel='canonical' href='{base}/berita/{number}'>"
        "<meta property='article:published_time' content='2019-09-15T10:00:00+07:00'>"
        f"</head><body><article><h1>{escape(title)}</h1>{paragraphs}</article></body></html>"
    ).encode()


class FeedSite:
    """The site in a thread of this process; :meth:`close` stops it."""

    def __init__(self, port: int = 0, per_request: int = 3):
        self.per_request = per_request
        self.published = 0
        self.served: list[tuple[str, float]] = []  # (article URL, time.monotonic())
        self.requests = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 (http.server's name)
                with site._lock:
                    site.requests += 1
                with contextlib.suppress(OSError):  # the client gave up (timeouts do)
                    site.answer(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def feed_url(self) -> str:
        return self.base + "/feed.xml"

    def close(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    # -- answers -----------------------------------------------------------
    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?")[0]
        raw = handler.wfile
        if path == "/robots.txt":
            self._send(handler, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif path == "/feed.xml":
            self._send(handler, self.feed(), "application/rss+xml; charset=utf-8")
        elif path.startswith("/berita/") and path[8:].isdigit():
            number = int(path[8:])
            if not 1 <= number <= self.published:
                self._send(handler, b"not found", "text/plain", status=404)
                return
            self._send(handler, article_page(self.base, number), "text/html; charset=utf-8")
            with self._lock:
                self.served.append((f"{self.base}/berita/{number}", time.monotonic()))
        elif path == "/bad/charset":
            body = article_page(self.base, 10**6)
            self._send(handler, body, "text/html; charset=base64")
        elif path == "/bad/canonical":
            body = article_page(self.base, 1).replace(
                f"{self.base}/berita/1".encode(), b"https://victim.example/berita/1"
            )
            self._send(handler, body.replace(b"Berita soak", b"DIBAJAK"), "text/html")
        elif path == "/bad/chunked":
            raw.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        elif path == "/bad/status":
            raw.write(b"HTTP/1.1 OK\r\n\r\nno status code")
        elif path == "/bad/headers":
            head = "".join(f"X-H{i}: {i}\r\n" for i in range(120))
            raw.write(f"HTTP/1.0 200 OK\r\n{head}\r\nbody".encode())
        elif path == "/bad/longheader":
            raw.write(b"HTTP/1.0 200 OK\r\nX-Long: " + b"a" * 65_536 + b"\r\n\r\nbody")
        elif path == "/bad/short":
            raw.write(
                b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"
                + article_page(self.base, 2)[:500]
            )
        elif path == "/bad/loop":
            self._redirect(handler, "/bad/loop")
        elif path == "/bad/ftp":
            self._redirect(handler, "ftp://127.0.0.1/berita.html")
        elif path == "/bad/trickle":
            raw.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n")
            for _ in range(600):  # 120 s at most
                if self._stop.wait(0.2):
                    return
                raw.write(b"x")
                raw.flush()
        elif path == "/bad/huge":
            body = b"<html><head><title>Besar</title></head><body><p>" + b"kata " * 700_000
            self._send(handler, body + b"</p></body></html>", "text/html; charset=utf-8")
        else:
            self._send(handler, b"not found", "text/plain", status=404)

    def feed(self) -> bytes:
        with self._lock:
            self.published += self.per_request
            newest = self.published
        items = [
            f"<item><title>Berita {n}</title><link>{self.base}/berita/{n}</link></item>"
            for n in range(newest, max(0, newest - KEEP), -1)
        ]
        items += [
            f"<item><title>{name}</title><link>{self.base}/bad/{name}</link></item>"
            for name in HOSTILE
        ]
        items.append(f"<item><title>private</title><link>{self.base}{PRIVATE}</link></item>")
        return (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>Soak</title><link>{self.base}/</link>{''.join(items)}</channel></rss>"
        ).encode()

    @staticmethod
    def _send(handler, body: bytes, content_type: str, status: int = 200) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    @staticmethod
    def _redirect(handler, location: str) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.feedsite", description="A hostile news site on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--per-request", type=int, default=3, help="new articles per feed read")
    args = parser.parse_args(argv)
    site = FeedSite(args.port, args.per_request)
    print(f"feed: {site.feed_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        site.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
