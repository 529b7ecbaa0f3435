"""Soak test: hostile requests against a real server on 127.0.0.1 (hardening issue #12).

Usage (from the repository root)::

    python -m benchmarks.soak --index DIR [--requests 100000] [--seconds 1200]
                              [--clients 4] [--seed 12] [--distinct-words | --mixed]
                              [--writers [--fetch-every 20s] [--delete-every 30]]
                              [--log FILE] [--json OUT]

The full soak of #24 (BENCHMARKS.md, "Soak")::

    nice -n 5 python -m benchmarks.soak --index IDX --mixed --writers \\
        --requests 100000 --seconds 5400 --log /tmp/soak-full/server.log --json soak.json

It starts ``python -m searcher serve --index DIR`` on a free port of 127.0.0.1 (a
child process, its output in a log file), then ``--clients`` threads send requests
until ``--requests`` were sent or ``--seconds`` passed, whichever comes first: the
run always stops by itself. Each request goes to ``/search`` (the HTML page) or
``/api/search`` (JSON), with a query from a seeded generator of hostile strings
(ranges, huge words, many words, fuzzy and wildcard words, brackets, NOT runs,
dashes, punctuation, random unicode, pasted headlines...) and sometimes hostile
page/per_page/sort/source/since/until values.

It reports the requests, the answers by status, the answers >= 500 (there must be
none), the tracebacks in the server's log (none), the slowest answer, and the
server's resident memory (``VmRSS`` of the child) sampled every second: at the start,
the largest in each third of the run, and the end. Memory is "flat" when the largest
RSS of the last third is within 10% of the largest of the middle third. Exit status
0 when there were no 5xx answers, no tracebacks, no failed connections and memory
stayed flat; 1 otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIMB_TOLERANCE = 0.10
REQUEST_TIMEOUT = 60.0
START_TIMEOUT = 120.0

FIXED = [
    "[a TO zzzz]",
    "[b TO zzzy]",
    "title:[a TO zzzz]",
    "tanggal:[2019-09-01 TO 2019-09-30]",
    "tanggal:[2019 TO 2018]",
    "published:[0001 TO 9999]",
    "tanggal:kemarin",
    "a" * 1000,
    "a" * 1001,
    "(" * 497 + "a" + ")" * 497,
    "(" * 500,
    ")" * 500,
    "NOT " * 249,
    "NOT NOT " * 124 + "banjir",
    "OR " * 300,
    "AND " * 250,
    "-" * 500,
    "+" * 500,
    "banjir - jakarta",
    "15 - 16 Desember",
    "JAKARTA - Presiden Joko Widodo",
    "banjir -",
    "a -- b",
    "–",
    "—",
    "banjir – jakarta",
    "\\",
    '""',
    "!!!!",
    "*",
    "**",
    "?",
    "~",
    "^",
    "korup*",
    "*an*",
    "*an* *em* *er*",
    "korupsi~",
    "korupsi~9",
    "a~2",
    "x~9 " * 150,
    "kode* " * 100,
    "\x00",
    "\x1b[31m",
    "\u200b",
    "\ufeff",
    "🙂" * 50,
    "ه" * 100,
    "é",
    "sumber:*",
    "kategori:",
    "judul:",
    "title:*a*",
    "a^999999999999",
    "e-KTP",
    "COVID-19",
    "L'Arc~en~Ciel",
    '"perdagangan orang',
    'perdagangan orang"',
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%00",
    "../../etc/passwd",
    "tppo",
    "TPPO OR KPK",
]
WORDS = [
    "banjir",
    "jakarta",
    "presiden",
    "korupsi",
    "kpk",
    "perdagangan",
    "orang",
    "tppo",
    "pemerintah",
    "desember",
    "bola",
    "timnas",
    "gempa",
    "pemilu",
    "jokowi",
    "prabowo",
    "harga",
    "beras",
    "sekolah",
    "menteri",
    "pemerintak",
    "presidem",
    "yang",
    "di",
]
PIECES = [
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
    "~2",
    "^",
    ":",
    "-",
    "+",
    "/",
    "\\",
    " ",
    " - ",
    " – ",
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
    "2019",
    "2019-09-01",
    "!!",
    "…",
]
NUMBERS = [
    "1",
    "2",
    "3",
    "0",
    "-1",
    "10000",
    "10001",
    "100",
    "101",
    "1e3",
    "٣",
    "0x10",
    "99999999999",
    "",
    " 2 ",
    "abc",
]
SORTS = ["relevansi", "terbaru", "terlama", "newest", "relevance", "popular", ""]
DATES = [
    "2019-09-01",
    "2019-09",
    "2019",
    "1 September 2019",
    "31/12/2019",
    "kemarin",
    "2019-02-30",
    "0000",
    "9999-12-31",
    "",
    "000\u09e6",
]


def hostile_query(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.25:
        return rng.choice(FIXED)
    if kind < 0.45:
        return "".join(rng.choice(PIECES + WORDS) for _ in range(rng.randint(1, 40)))
    if kind < 0.60:
        return " ".join(
            rng.choice(WORDS) + rng.choice(["", "", "*", "~", "~2"])
            for _ in range(rng.randint(1, 30))
        )
    if kind < 0.70:  # random unicode (no surrogates: they cannot be sent)
        return "".join(
            chr(
                rng.choice(
                    [
                        rng.randint(32, 0x2FF),
                        rng.randint(0x300, 0xD7FF),
                        rng.randint(0xE000, 0x1FAFF),
                    ]
                )
            )
            for _ in range(rng.randint(1, 80))
        )
    if kind < 0.78:  # huge or many words
        letters = string.ascii_lowercase
        if rng.random() < 0.5:
            return "".join(rng.choice(letters) for _ in range(rng.randint(30, 1000)))
        return " ".join(
            "".join(rng.choice(letters) for _ in range(rng.randint(1, 12)))
            for _ in range(rng.randint(20, 150))
        )
    if kind < 0.86:  # dashes and signs around words (pasted headlines)
        sep = rng.choice([" - ", " – ", " — ", " -- ", " + ", " -", "- ", "-", "+"])
        return sep.join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))
    if kind < 0.93:  # brackets and ranges
        depth = rng.randint(1, 40)
        return (
            "(" * depth
            + rng.choice(WORDS)
            + ")" * rng.randint(0, depth)
            + rng.choice(["", " [a TO z]", " {x TO y}", " tanggal:[2019 TO 2020]"])
        )
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 200)))


def distinct_query(rng: random.Random) -> str:
    """One to three random words of 4-12 letters: (nearly) every query new, every word
    new to the caches (what kept a server's memory rising, #24)."""
    letters = string.ascii_lowercase
    return " ".join(
        "".join(rng.choice(letters) for _ in range(rng.randint(4, 12)))
        for _ in range(rng.randint(1, 3))
    )


def random_word(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 12)))


def mixed_query(rng: random.Random) -> str:
    """The full soak's queries (#24): mostly new words (plain, fuzzy, with operators,
    quoted, prefixed, in a field), some real words, some hostile strings."""
    kind = rng.random()
    if kind < 0.35:
        return distinct_query(rng)
    if kind < 0.50:  # fuzzy words, new ones and real ones
        return " ".join(
            rng.choice([random_word(rng), rng.choice(WORDS)]) + rng.choice(["~", "~1", "~2"])
            for _ in range(rng.randint(1, 3))
        )
    if kind < 0.70:  # operators around new and real words
        a, b, c = (rng.choice([random_word(rng), rng.choice(WORDS)]) for _ in range(3))
        return rng.choice(
            [
                f"{a} AND {b}",
                f"{a} OR {b} NOT {c}",
                f'"{a} {b}"',
                f"({a} OR {b}) {c}",
                f"-{a} {b}",
                f"judul:{a} {b}",
                f"{a[:4]}* {b}",
                f"{a} {b} -{c}",
                f"sumber:{a} {b}",
            ]
        )
    if kind < 0.80:  # real words (the result and posting caches answer some)
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
    return hostile_query(rng)


def hostile_request(rng: random.Random, distinct: bool = False, mode: str = "") -> str:
    """A path with query string for /search or /api/search: a hostile query, or random
    distinct words (``distinct`` or ``mode="distinct"``), or :func:`mixed_query`
    (``mode="mixed"``, with filters more often)."""
    mode = mode or ("distinct" if distinct else "hostile")
    path = rng.choice(["/search", "/api/search"])
    maker = {"distinct": distinct_query, "mixed": mixed_query, "hostile": hostile_query}[mode]
    args: list[tuple[str, str]] = [("q", maker(rng))]
    if mode == "mixed" and rng.random() < 0.3:  # filters with sensible values
        args.append(("since", rng.choice(["2019-09-01", "2019-W37", "2019-09", "2019"])))
        if rng.random() < 0.5:
            args.append(("sort", rng.choice(["terbaru", "terlama", "relevansi"])))
    if rng.random() < 0.3:
        args.append(("page", rng.choice(NUMBERS)))
    if rng.random() < 0.2:
        args.append(("per_page", rng.choice(NUMBERS)))
    if rng.random() < 0.2:
        args.append(("sort", rng.choice(SORTS)))
    if rng.random() < 0.1:
        args.append(("source", rng.choice(["kompas", "detik", "x" * 201, "", "🙂"])))
    if rng.random() < 0.1:
        args.append(("category", rng.choice(["bola", "news", "", "\\"])))
    if rng.random() < 0.1:
        args.append(("since", rng.choice(DATES)))
    if rng.random() < 0.1:
        args.append(("until", rng.choice(DATES)))
    if path == "/api/search" and rng.random() < 0.3:
        args.append(("facets", rng.choice(["1", "0", "ya", "maybe"])))
    return f"{path}?{urllib.parse.urlencode(args)}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Server:
    """``python -m searcher serve`` in a child process, its output in ``log``."""

    def __init__(self, index: str, log: Path, threads: int):
        self.port = free_port()
        self.log = log
        self._stream = open(log, "wb")  # noqa: SIM115 (closed in stop())
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "searcher",
                "serve",
                "--index",
                index,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--threads",
                str(threads),
            ],
            cwd=ROOT,
            env=env,
            stdout=self._stream,
            stderr=subprocess.STDOUT,
            # A soak started in the background (nohup, "&") inherits SIGINT ignored,
            # and so would the server: give it Ctrl+C back, so stop() stops it cleanly.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text(errors='replace')}")
            try:
                status, _ = request(self.port, "/api/search?q=banjir")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not answer in time")

    def stop(self) -> tuple[int, float]:
        """SIGINT (the server's own Ctrl+C stop), SIGKILL after 30 s: (exit code, seconds)."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(2)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        self._stream.close()
        return self.process.returncode, time.monotonic() - started


def request(port: int, path: str, connection: http.client.HTTPConnection | None = None):
    """(status, body) of one GET; a new connection when none is given."""
    own = connection is None
    if own:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        if own:
            connection.close()


class Client(threading.Thread):
    def __init__(
        self,
        number: int,
        port: int,
        seed: int,
        budget: dict,
        deadline: float,
        mode: str = "hostile",
    ):
        super().__init__(name=f"soak-{number}", daemon=True)
        self.mode = mode
        self.port = port
        self.rng = random.Random(seed * 1000 + number)
        self.budget = budget
        self.deadline = deadline
        self.statuses: Counter = Counter()
        self.failures: list[str] = []  # 5xx answers and broken connections: what was sent
        self.slowest = (0.0, "")

    def take(self) -> bool:
        with self.budget["lock"]:
            if self.budget["left"] <= 0 or time.monotonic() >= self.deadline:
                return False
            self.budget["left"] -= 1
            return True

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            while self.take():
                path = hostile_request(self.rng, mode=self.mode)
                started = time.perf_counter()
                try:
                    status, body = request(self.port, path, connection)
                except (OSError, http.client.HTTPException) as error:
                    connection.close()  # reconnect for the next request
                    status = type(error).__name__
                    self.failures.append(f"{status}: {path[:300]}")
                else:
                    if status >= 500 or b"Traceback" in body:
                        self.failures.append(f"{status}: {path[:300]}")
                seconds = time.perf_counter() - started
                if seconds > self.slowest[0]:
                    self.slowest = (seconds, path[:200])
                self.statuses[str(status)] += 1
        finally:
            connection.close()


class Fetcher:
    """``python -m searcher fetch FEED --every INTERVAL`` in a child process: its
    stdout's round lines timestamped as they come (a round's line is printed after
    its articles were committed), its stderr in ``log``."""

    def __init__(self, index: str, feed: str, log: Path, every: str, timeout: float):
        self.log = log
        self._stream = open(log, "wb")  # noqa: SIM115 (closed in stop())
        self.rounds: list[tuple[float, str]] = []
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "searcher",
                "fetch",
                feed,
                "--index",
                index,
                "--every",
                every,
                "--delay",
                "0",
                "--timeout",
                str(timeout),
                "--wait",
                "120",
                "--quiet",
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=self._stream,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.rounds.append((time.monotonic(), line.rstrip("\n")))

    def last_round_end(self) -> float:
        """When the last completed round's line came (0: none yet)."""
        done = [t for t, line in self.rounds if " new, " in line]
        return done[-1] if done else 0.0

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(180)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        self._reader.join(10)
        self.process.stdout.close()
        self._stream.close()
        return self.process.returncode


class Deleter(threading.Thread):
    """Every ``pause`` seconds, ``python -m searcher delete`` of one fetched article
    whose round completed (acknowledged); an exit status of 0 acknowledges the
    deletion."""

    def __init__(self, index: str, site, fetcher: Fetcher, pause: float, log: Path, seed: int):
        super().__init__(name="soak-deleter", daemon=True)
        self.index, self.site, self.fetcher, self.pause = index, site, fetcher, pause
        self.log = log
        self.rng = random.Random(seed)
        self.deleted: set[str] = set()
        self.runs = 0
        self.failed_runs = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        with open(self.log, "ab") as log:
            while not self.stopping.wait(self.pause):
                candidates = sorted(set(acknowledged(self.site, self.fetcher)) - self.deleted)
                if not candidates:
                    continue
                ids = [self.rng.choice(candidates)]
                done = subprocess.run(
                    [sys.executable, "-m", "searcher", "delete", *ids, "--index", self.index]
                    + ["--wait", "120"],
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    check=False,
                )
                self.runs += 1
                if done.returncode == 0:
                    self.deleted.update(ids)
                else:
                    self.failed_runs += 1


def acknowledged(site, fetcher: Fetcher) -> list[str]:
    """Article URLs the site served in full before the fetcher's last completed round
    ended: that round (or an earlier one) committed them."""
    end = fetcher.last_round_end()
    return [url for url, at in list(site.served) if at <= end]


def rss_slope(samples: list[tuple[float, int]]) -> float:
    """Least-squares slope of RSS over the last half of the run, MB per minute."""
    end = samples[-1][0]
    half = [(t / 60, kb / 1024) for t, kb in samples if t >= end / 2]
    if len(half) < 2:
        return 0.0
    mean_t = sum(t for t, _ in half) / len(half)
    mean_m = sum(m for _, m in half) / len(half)
    spread = sum((t - mean_t) ** 2 for t, _ in half)
    if not spread:
        return 0.0
    return sum((t - mean_t) * (m - mean_m) for t, m in half) / spread


def run_soak(
    index: str,
    requests: int,
    seconds: float,
    clients: int,
    seed: int,
    log: Path,
    distinct: bool = False,
    mode: str = "",
    writers: bool = False,
    fetch_every: str = "20s",
    delete_every: float = 30.0,
    fetch_timeout: float = 3.0,
) -> dict:
    """The soak; with ``writers``, on a copy of ``index`` (beside ``log``) while
    ``fetch --every`` reads a hostile :class:`~benchmarks.feedsite.FeedSite` and
    a :class:`Deleter` deletes fetched articles, then checks that every
    acknowledged article is there and every acknowledged deletion is not."""
    mode = mode or ("distinct" if distinct else "hostile")
    site = fetcher = deleter = None
    if writers:
        from benchmarks.feedsite import FeedSite

        work = log.parent / (log.stem + "-index")
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(index, work)
        index = str(work)
        site = FeedSite()
    server = Server(index, log, threads=max(2, clients))
    samples: list[tuple[float, int]] = []
    workers: list[Client] = []
    try:
        server.wait_ready()
        if writers:
            fetch_log = log.with_name(log.stem + "-fetch.log")
            fetcher = Fetcher(index, site.feed_url, fetch_log, fetch_every, fetch_timeout)
            deleter = Deleter(
                index, site, fetcher, delete_every, log.with_name(log.stem + "-delete.log"), seed
            )
            deleter.start()
        started = time.monotonic()
        budget = {"left": requests, "lock": threading.Lock()}
        workers = [
            Client(n, server.port, seed, budget, started + seconds, mode) for n in range(clients)
        ]
        for worker in workers:
            worker.start()
        while any(worker.is_alive() for worker in workers):
            samples.append((time.monotonic() - started, rss_kb(server.process.pid)))
            for worker in workers:
                worker.join(timeout=1.0 / clients)
        elapsed = time.monotonic() - started
        samples.append((elapsed, rss_kb(server.process.pid)))
        alive = server.process.poll() is None
    finally:
        if deleter is not None:
            deleter.stopping.set()
            deleter.join(300)
        fetch_code = fetcher.stop() if fetcher is not None else None
        code, stop_seconds = server.stop()
        if site is not None:
            site.close()
    text = log.read_text(encoding="utf-8", errors="replace")
    statuses: Counter = Counter()
    failures: list[str] = []
    for worker in workers:
        statuses.update(worker.statuses)
        failures += worker.failures
    slowest = max((worker.slowest for worker in workers), default=(0.0, ""))
    rss = [kb for _, kb in samples]
    end = samples[-1][0] or 1.0
    thirds = [
        max([kb for t, kb in samples if part * end / 3 <= t <= (part + 1) * end / 3] or [rss[-1]])
        for part in range(3)
    ]
    sent = sum(statuses.values())
    server_errors = sum(
        n for status, n in statuses.items() if status.isdigit() and int(status) >= 500
    )
    broken = sum(n for status, n in statuses.items() if not status.isdigit())
    minute = max(1, round(60 / max(end / len(samples), 1e-9)))
    result = {
        "index": index,
        "mode": mode,
        "requests": sent,
        "requested": requests,
        "seconds": round(elapsed, 1),
        "stopped_by": "count" if sent >= requests else "time",
        "throughput_rps": round(sent / elapsed, 1) if elapsed else 0.0,
        "clients": clients,
        "seed": seed,
        "statuses": dict(sorted(statuses.items())),
        "server_errors": server_errors,
        "broken_connections": broken,
        "failures": failures[:20],
        "tracebacks_in_log": text.count("Traceback"),
        "slowest_ms": round(slowest[0] * 1000, 1),
        "slowest_request": slowest[1],
        "rss_start_mb": round(rss[0] / 1024, 1),
        "rss_max_by_third_mb": [round(kb / 1024, 1) for kb in thirds],
        "rss_end_mb": round(rss[-1] / 1024, 1),
        "rss_slope_last_half_mb_per_min": round(rss_slope(samples), 3),
        "rss_per_minute_mb": [round(kb / 1024, 1) for _, kb in samples[::minute]],
        "memory_flat": thirds[2] <= thirds[1] * (1 + CLIMB_TOLERANCE),
        "server_alive_at_end": alive,
        "server_exit_code": code,  # -9: it did not stop within 30 s of SIGINT
        "server_stop_seconds": round(stop_seconds, 1),
        "log": str(log),
    }
    if writers:
        result.update(_writers_report(index, site, fetcher, deleter, fetch_code))
    return result


def _writers_report(index: str, site, fetcher: Fetcher, deleter: Deleter, code) -> dict:
    import searcher

    kept = sorted(set(acknowledged(site, fetcher)) - deleter.deleted)
    with searcher.open_index(index) as opened:
        missing = [url for url in kept if opened.get(url) is None]
        back = [url for url in sorted(deleter.deleted) if opened.get(url) is not None]
    fetch_err = fetcher.log.read_text(encoding="utf-8", errors="replace")
    delete_err = deleter.log.read_text(encoding="utf-8", errors="replace")
    rounds = [line for _, line in fetcher.rounds if " new, " in line]
    return {
        "fetch_rounds": len(rounds),
        "fetch_exit_code": code,
        "fetch_new": sum(int(line.split()[0]) for line in rounds if line.split()[0].isdigit()),
        "fetch_failure_lines": fetch_err.count("failed: "),
        "fetch_rounds_that_raised": fetch_err.count("this round failed"),
        "tracebacks_in_fetch_log": fetch_err.count("Traceback"),
        "delete_runs": deleter.runs,
        "delete_runs_failed": deleter.failed_runs,
        "tracebacks_in_delete_log": delete_err.count("Traceback"),
        "acknowledged_articles": len(kept) + len(deleter.deleted),
        "acknowledged_deletions": len(deleter.deleted),
        "acknowledged_missing": missing[:20],
        "acknowledged_missing_count": len(missing),
        "deleted_but_present": back[:20],
        "fetch_log": str(fetcher.log),
    }


def passed(result: dict) -> bool:
    return (
        result["server_errors"] == 0
        and result["broken_connections"] == 0
        and result["tracebacks_in_log"] == 0
        and result["memory_flat"]
        and result["server_alive_at_end"]
        and all(
            result.get(name, 0) == 0
            for name in (
                "tracebacks_in_fetch_log",
                "tracebacks_in_delete_log",
                "fetch_rounds_that_raised",
                "acknowledged_missing_count",
                "delete_runs_failed",
            )
        )
        and not result.get("deleted_but_present")
        and (result.get("fetch_rounds", 1) > 0)
    )


def format_report(result: dict) -> str:
    rows = [
        (
            "requests",
            f"{result['requests']:,} of {result['requested']:,} in "
            f"{result['seconds']} s (stopped by {result['stopped_by']}, "
            f"{result['throughput_rps']} req/s, {result['clients']} clients)",
        ),
        ("answers by status", ", ".join(f"{s}: {n:,}" for s, n in result["statuses"].items())),
        ("answers >= 500", str(result["server_errors"])),
        ("broken connections", str(result["broken_connections"])),
        ("tracebacks in the server log", str(result["tracebacks_in_log"])),
        ("slowest answer", f"{result['slowest_ms']} ms ({result['slowest_request'][:80]})"),
        (
            "server stop (SIGINT)",
            f"exit {result['server_exit_code']} after {result['server_stop_seconds']} s",
        ),
        (
            "server RSS start / max per third / end",
            f"{result['rss_start_mb']} / "
            + " / ".join(map(str, result["rss_max_by_third_mb"]))
            + f" / {result['rss_end_mb']} MB",
        ),
        ("RSS slope, last half", f"{result['rss_slope_last_half_mb_per_min']} MB/min"),
    ]
    if "fetch_rounds" in result:
        rows += [
            (
                "fetch --every",
                f"{result['fetch_rounds']} rounds, {result['fetch_new']:,} new, "
                f"{result['fetch_failure_lines']:,} failure lines, "
                f"{result['fetch_rounds_that_raised']} rounds raised, "
                f"{result['tracebacks_in_fetch_log']} tracebacks, "
                f"exit {result['fetch_exit_code']}",
            ),
            (
                "delete",
                f"{result['delete_runs']} runs ({result['delete_runs_failed']} failed), "
                f"{result['tracebacks_in_delete_log']} tracebacks",
            ),
            (
                "acknowledged at the end",
                f"{result['acknowledged_articles']:,} articles, "
                f"{result['acknowledged_deletions']} deleted; "
                f"{result['acknowledged_missing_count']} missing, "
                f"{len(result['deleted_but_present'])} deleted but present",
            ),
        ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    lines += [f"  failed: {failure}" for failure in result["failures"]]
    lines.append(
        "verdict: "
        + ("PASS" if passed(result) else "FAIL")
        + "; memory "
        + ("flat" if result["memory_flat"] else "CLIMBED")
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.soak", description="Hostile requests against a real server."
    )
    parser.add_argument("--index", required=True, help="index folder")
    parser.add_argument("--requests", type=int, default=100_000, help="at most this many")
    parser.add_argument("--seconds", type=float, default=1200.0, help="at most this long")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--distinct-words",
        action="store_true",
        help="queries of 1-3 random distinct words instead of hostile ones "
        "(the caches' worst case: memory must plateau)",
    )
    parser.add_argument(
        "--mixed",
        action="store_true",
        help="the full soak's queries: new words plain, fuzzy, with operators and "
        "filters, some real words and hostile strings (#24)",
    )
    parser.add_argument(
        "--writers",
        action="store_true",
        help="on a copy of the index (beside --log), also run fetch --every against a "
        "hostile feed site on 127.0.0.1 and delete fetched articles; at the end every "
        "acknowledged article must be there and every acknowledged deletion not",
    )
    parser.add_argument("--fetch-every", default="20s", help="fetch's --every (default 20s)")
    parser.add_argument(
        "--delete-every", type=float, default=30.0, help="seconds between deletes (default 30)"
    )
    parser.add_argument("--log", help="the server's log file (default: a temporary file)")
    parser.add_argument("--json", metavar="OUT", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.seconds <= 0 or args.clients < 1:
        parser.error("--requests, --seconds and --clients must be positive")
    log = Path(args.log) if args.log else Path(tempfile.mkstemp(prefix="soak-", suffix=".log")[1])
    result = run_soak(
        args.index,
        args.requests,
        args.seconds,
        args.clients,
        args.seed,
        log,
        args.distinct_words,
        mode="mixed" if args.mixed else "",
        writers=args.writers,
        fetch_every=args.fetch_every,
        delete_every=args.delete_every,
    )
    result["command"] = "python -m benchmarks.soak " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    print(format_report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if passed(result) else 1


if __name__ == "__main__":
    sys.exit(main())
