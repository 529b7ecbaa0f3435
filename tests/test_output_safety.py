"""What reaches a browser or a terminal (issue #12): a Host header that is not a host
name is a 400 with the security headers, and terminal escapes or bidi controls in
article text never reach the terminal from ``query`` or ``stats``."""

from __future__ import annotations

import json

import pytest

import searcher
from searcher import cli
from tests.support import web_client


# -- 5. Host headers ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = tmp_path_factory.mktemp("host") / "ix"
    searcher.build_index(
        [
            searcher.Article(
                "a1", "Banjir Bekasi", "Banjir di Bekasi.", url="https://kabar.example/a1"
            )
        ],
        path,
        procs=1,
    )
    with web_client(path) as client:
        yield client


BAD_HOSTS = ["a" * 64, "a..b", f"{'b' * 64}.example:5000", ".", "\u00e9" * 70]
PATHS = [
    "/",
    "/search?q=banjir",
    "/article/a1",
    "/api/search?q=banjir",
    "/api/article/a1",
    "/api/stats",
    "/static/style.css",
    "/tidak-ada",
]


@pytest.mark.parametrize("host", BAD_HOSTS)
@pytest.mark.parametrize("path", PATHS)
def test_a_host_that_is_not_a_host_name_is_400_with_security_headers(client, host, path):
    response = client.get(path, headers={"Host": host})
    assert response.status_code == 400
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if path.startswith("/api/"):
        assert response.get_json() == {
            "error": "Header Host bukan nama host yang valid.",
            "status": 400,
            "parameter": "Host",
        }
    else:
        assert "Header Host bukan nama host yang valid." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1:5000", "[::1]:5000", "kabar.example", "berita.contoh.id:8080"]
)
def test_ordinary_hosts_are_served(client, host):
    assert client.get("/api/search?q=banjir", headers={"Host": host}).status_code == 200
    assert client.get("/search?q=banjir", headers={"Host": host}).status_code == 200


# -- 11. terminal escapes in CLI output ---------------------------------------------------------
HOSTILE = searcher.Article(
    "esc-1",
    "Judul \x1b[31mmerah\x1b[0m \u202eterbalik\u202c",
    "Banjir \x1b]0;judul jendela\x07 melanda \x9b2J kota \u2066Bekasi\u2069.",
    url="https://kabar.example/esc",
    source="Kabar\x1b[5m",
    category="hukum\x7f",
)
RAW = ("\x1b", "\x9b", "\x07", "\x7f", "\u202e", "\u202c", "\u2066", "\u2069")


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory):
    path = tmp_path_factory.mktemp("escapes") / "ix"
    # build_index takes articles as given: an index written before cleaning at ingest.
    searcher.build_index([HOSTILE], path, procs=1)
    return str(path)


def test_query_output_shows_escapes_instead_of_running_them(hostile_index, capsys):
    assert cli.main(["query", "banjir", "--index", hostile_index]) == 0
    out = capsys.readouterr().out
    assert not any(char in out for char in RAW)
    assert "1. Judul \\x1b[31mmerah\\x1b[0m \\u202eterbalik\\u202c" in out
    assert "Kabar\\x1b[5m" in out


def test_coloured_query_output_holds_only_its_own_escapes(hostile_index):
    with searcher.open_index(hostile_index) as ix:
        result = ix.search("banjir")
    out = cli.format_result(result, cli._Colour(True))
    assert "\x1b[31m" not in out and "\x1b]0" not in out and "\u202e" not in out
    assert "\x1b[1;33mBanjir\x1b[0m" in out  # the match, marked by the CLI itself


def test_query_json_escapes_them_and_keeps_the_text(hostile_index, capsys):
    assert cli.main(["query", "banjir", "--json", "--index", hostile_index]) == 0
    out = capsys.readouterr().out
    assert not any(char in out for char in RAW)
    assert json.loads(out)["hits"][0]["title"] == HOSTILE.title


def test_stats_output_escapes_them(hostile_index, capsys):
    assert cli.main(["stats", "--index", hostile_index]) == 0
    out = capsys.readouterr().out
    assert not any(char in out for char in RAW)
    assert "sources:    Kabar\\x1b[5m (1)" in out
    assert cli.main(["stats", "--json", "--index", hostile_index]) == 0
    out = capsys.readouterr().out
    assert not any(char in out for char in RAW)
    assert json.loads(out)["categories"] == {"hukum\x7f": 1}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("biasa", "biasa"),
        ("a\x1b[2Jb", "a\\x1b[2Jb"),
        ("baris\nkedua\tkolom", "baris kedua kolom"),
        ("\u202eabc", "\\u202eabc"),
        ("Café \u201cbaru\u201d", "Café \u201cbaru\u201d"),
    ],
)
def test_printable(text, shown):
    assert cli.printable(text) == shown
