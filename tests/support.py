"""What the tests share besides fixtures: paths, small records, the shared corpora,
the local Sphinx cluster (:mod:`tests.cluster`), a web client, Chromium, synthetic
corpora, indexer processes and hostile-input pieces (fixtures live in conftest.py).

Imported as ``tests.support``: the repository root is on ``sys.path`` because
``tests`` is a package (pytest's rootdir import), so ``benchmarks`` is
importable too, with no path changes here.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import searcher
from searcher import Article
from searcher.whoosh.writer import indexer_lock

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "corpus" / "sample.jsonl"
SHARED = ROOT.parent / "shared"

# In the sample corpus sample-001..005 are about human trafficking (TPPO) and
# sample-006 about the trade balance ("Neraca Perdagangan").
TRAFFICKING = {"sample-001", "sample-002", "sample-003", "sample-004", "sample-005"}


def shared_path(rel: str) -> Path:
    """``../shared/<rel>``; skips the test if it is missing (fails it when ``$CI`` is set)."""
    path = SHARED / rel
    if not path.exists():
        message = f"{path} is missing: the shared corpora belong beside the repository"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def require_searchd() -> None:
    """Skip (fail under ``$CI``) when Sphinx's ``searchd`` is not installed."""
    from tests.cluster import searchd_available

    if not searchd_available():
        message = "searchd is missing: apt-get install sphinxsearch (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def sample_records() -> list[dict]:
    """The records of corpus/sample.jsonl, in file order."""
    with open(SAMPLE, encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


class TinyCorpus:
    """Writes small corpus files below ``root`` and returns their paths."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, name: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def raw(self, name: str, data: bytes) -> Path:
        path = self.path(name)
        path.write_bytes(data)
        return path

    def text(self, name: str, text: str) -> Path:
        return self.raw(name, text.encode("utf-8"))

    def jsonl(self, name: str, *records: dict | str | bytes) -> Path:
        """One line per record: dicts as JSON, strings and bytes written as they are.

        Names ending in ``.gz`` are gzip-compressed.
        """
        lines = []
        for record in records:
            if isinstance(record, dict):
                record = json.dumps(record, ensure_ascii=False)
            if isinstance(record, str):
                record = record.encode("utf-8")
            lines.append(record + b"\n")
        data = b"".join(lines)
        return self.raw(name, gzip.compress(data) if name.endswith(".gz") else data)

    def csv(self, name: str, header: list[str], *rows: list[str]) -> Path:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        data = buffer.getvalue().encode("utf-8")
        return self.raw(name, gzip.compress(data) if name.endswith(".gz") else data)


def article(article_id: str, body: str = "Isi berita.", **fields) -> dict:
    """A minimal valid jsonl record."""
    return {
        "id": article_id,
        "title": fields.pop("title", f"Judul {article_id}"),
        "body": body,
        **fields,
    }


# The articles of both backends' shared tests (tests/test_backends.py, test_manticore.py).
ARTICLES = [
    Article(
        "tppo-1",
        "Polisi Bongkar Perdagangan Orang di Bekasi",
        "Polisi membongkar jaringan perdagangan orang di Bekasi. Korban dijanjikan pekerjaan.",
        "https://contoh.id/tppo-1",
        "Kompas",
        "hukum",
        datetime(2019, 9, 10, 8, 0),
    ),
    Article(
        "tppo-2",
        "Korban Perdagangan Orang Dipulangkan",
        "Pemerintah memulangkan korban perdagangan orang dari Malaysia.",
        "https://contoh.id/tppo-2",
        "Detik",
        "hukum",
        datetime(2019, 9, 12, 9, 30),
    ),
    Article(
        "dagang-1",
        "Neraca Perdagangan Surplus",
        "Neraca perdagangan Indonesia surplus pada Agustus, kata pemerintah. Ekspor naik.",
        "https://contoh.id/dagang-1",
        "Kompas",
        "ekonomi",
        datetime(2019, 9, 15, 10, 0),
    ),
    Article(
        "banjir-1",
        "Banjir Rendam Jakarta",
        "Banjir merendam ribuan rumah di Jakarta Timur. Pemerintah daerah membuka posko.",
        "https://contoh.id/banjir-1",
        "Tempo",
        "daerah",
        datetime(2019, 10, 1, 7, 0),
    ),
    Article(
        "banjir-2",
        "Banjir Bandang di Bali",
        "Banjir bandang melanda Bali. Ratusan orang mengungsi.",
        "https://contoh.id/banjir-2",
        "Detik",
        "daerah",
        datetime(2019, 11, 5, 6, 0),
    ),
    Article(
        "covid-1",
        "Vaksin COVID-19 Tiba",
        "Vaksin COVID-19 tiba di Bandara Soekarno-Hatta. Petugas memeriksa e-KTP.",
        "https://contoh.id/covid-1",
        "Tempo",
        "kesehatan",
        None,
    ),
    Article(
        "korupsi-1",
        "KPK Tahan Tersangka Korupsi",
        "Komisi Pemberantasan Korupsi menahan tersangka korupsi proyek jalan pemerintah.",
        "https://contoh.id/korupsi-1",
        "Kompas",
        "hukum",
        datetime(2019, 8, 20, 12, 0),
    ),
    Article(
        "bekas-1",
        "Pasar Barang Bekas Ramai",
        "Pasar barang bekas ramai pengunjung. Pemerintah kota menata pedagang.",
        "https://contoh.id/bekas-1",
        "Tempo",
        "ekonomi",
        datetime(2019, 9, 1, 9, 0),
    ),
]


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


CHROMIUM = "/usr/bin/chromium"
# Headless Debian Chromium on a machine without network: no background connections.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def chromium():
    """A launched headless Chromium (Playwright driving Debian's build); the test is
    skipped without it, and fails under CI, whose .ci/run installs it."""
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        message = f"{CHROMIUM} not found: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# -- synthetic corpora, indexer processes, hostile input (from test_hardening.py, #25) --
# Articles of the "big" corpus (the ``big_corpus`` fixture): enough that an indexer
# holds its lock for seconds and is surely still writing when a test kills it.
SYNTHETIC = 2000
BIG_BODY_CHARS = 700  # each big-corpus body is cut to this many characters
# Hypothesis settings of the property tests over hostile input (moved from test_hardening.py).
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def write_jsonl(path: Path, records) -> Path:
    with open(path, "w", encoding="utf-8") as stream:
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def synthetic_records(count: int, prefix: str = "synthetic", body_chars: int | None = None):
    """``count`` articles made from the sample ones, with new ids and titles."""
    records = sample_records()
    for n in range(count):
        record = dict(records[n % len(records)])
        record["id"] = f"{prefix}-{n:05d}"
        record["title"] = f"{record['title']} (salinan {n})"
        if body_chars:
            record["body"] = record["body"][:body_chars]
        yield record


def indexer_command(source: Path, index_dir: Path, *options: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "searcher",
        "index",
        str(source),
        "--index",
        str(index_dir),
        "--procs",
        "1",
        "--quiet",
        *options,
    ]


def start(command: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def run(command: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def lock_is_held(index_dir: Path) -> bool:
    """True while another process holds the folder's indexer lock (probed without waiting)."""
    if not index_dir.is_dir():
        return False
    try:
        with indexer_lock(index_dir, 0):
            return False
    except searcher.IndexBusyError:
        return True


def document_count(index_dir: Path) -> int:
    with searcher.open_index(index_dir) as ix:
        return ix.stats().documents


# Pieces of query syntax the fuzz tests assemble queries from (web and parser).
SYNTAX = [
    '"',
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "*",
    "?",
    "~",
    "^",
    ":",
    "-",
    "+",
    "/",
    "\\",
    " ",
    "AND ",
    "OR ",
    "NOT ",
    " TO ",
    "title:",
    "judul:",
    "sumber:",
    "kategori:",
    "published:",
    "tanggal:",
    "banjir",
    "perdagangan",
    "TPPO",
    "2019",
    "e-KTP",
    "~2",
    "\x00",
    "\x1b",
    "\u200b",
    "\ufeff",
    "🙂",
    "ه",
    "é",
]


def write_big_corpus(path: Path) -> Path:
    """The ``big_corpus``: SYNTHETIC copies of the sample articles (new ids and titles,
    bodies cut to BIG_BODY_CHARS), as JSON lines."""
    return write_jsonl(path, synthetic_records(SYNTHETIC, body_chars=BIG_BODY_CHARS))


@contextlib.contextmanager
def web_client(index, **config):
    """A Flask test client of the web app over ``index`` (more settings as
    ``create_app`` takes them); the app's index is closed afterwards."""
    from web import close_index, create_app

    app = create_app({"TESTING": True, "INDEX": str(index), **config})
    try:
        yield app.test_client()
    finally:
        close_index(app)
