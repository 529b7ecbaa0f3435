"""A bounded load test of the web front end (issue 5) on 127.0.0.1.

Usage (from the repository root)::

    python -m benchmarks.load --index DIR|manticore://... [--clients 8] [--seconds 30]
                              [--queries benchmarks/queries.txt] [--json OUT]
                              [--seed 1] [--no-result-cache]

It serves the app with waitress (``web.server.make_server``, ``threads`` = clients)
on a free port of 127.0.0.1 in a background thread of this process, then runs
``--clients`` client threads for ``--seconds`` seconds. Each client, in a loop,
picks a query from the file and asks either the result page ``/search?q=...`` (with
facets and timeline) or the API ``/api/search?q=...`` (half each), on a random page
1-3 and a random sort (relevansi/terbaru/terlama), with ``urllib`` (a new connection
per request, no keep-alive). It records each status and latency, and samples this
process's resident memory (``VmRSS``) once a second.

It prints requests, throughput, latency p50/p95/p99/max, errors (anything but 200,
including timeouts and refused connections), RSS at start/end/max and per third of
the run, and the verdict "memory did not climb" when the largest RSS of the last third
is within 10% of the largest of the middle third (the first third is warm-up: caches
filling). Exit status 0 when there were no errors and memory did not climb, 1 otherwise.

Caveats: the clients share the server's process (and its GIL), so the figures are a
lower bound of what a separate client would see; the index's result cache is on (as
in production; 42 queries x 3 pages x 3 sorts x 2 endpoints do not fit in its 256
entries), ``--no-result-cache`` switches it off. Timings depend on the machine and
its load: note ``uptime`` before and after.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import searcher
from benchmarks.corpora import DEFAULT_QUERIES, read_queries
from web import close_index, create_app
from web.server import make_server

SORTS = ("relevansi", "terbaru", "terlama")
# Memory: the caches (one searcher per server thread, recent results, stems)
# fill during the first part of a run, so the verdict compares the largest RSS
# of the last third with that of the middle third, not with the start.
CLIMB_TOLERANCE = 0.10
REQUEST_TIMEOUT = 60.0


def rss_kb() -> int:
    """This process's resident set size in kB (``VmRSS`` of /proc/self/status)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


class MemorySampler(threading.Thread):
    """Samples RSS every ``interval`` seconds until stopped: [(seconds since start, kB)]."""

    def __init__(self, interval: float = 1.0):
        super().__init__(name="rss-sampler", daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self.started_at = time.monotonic()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while True:
            self.samples.append((time.monotonic() - self.started_at, rss_kb()))
            if self._stop_event.wait(self.interval):
                break

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.samples.append((time.monotonic() - self.started_at, rss_kb()))


class Client(threading.Thread):
    """Issues requests until the deadline; records (latency ms, status, kind) per request."""

    def __init__(self, number: int, base_url: str, queries: list[str], deadline: float, seed: int):
        super().__init__(name=f"client-{number}", daemon=True)
        self.base_url = base_url
        self.queries = queries
        self.deadline = deadline
        self.random = random.Random(seed * 1000 + number)
        self.records: list[tuple[float, int | str, str]] = []

    def url(self) -> tuple[str, str]:
        kind = self.random.choice(("page", "api"))
        args = {
            "q": self.random.choice(self.queries),
            "page": self.random.randint(1, 3),
            "sort": self.random.choice(SORTS),
        }
        path = "/search" if kind == "page" else "/api/search"
        return kind, f"{self.base_url}{path}?{urllib.parse.urlencode(args)}"

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            kind, url = self.url()
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT) as response:
                    response.read()
                    status: int | str = response.status
            except urllib.error.HTTPError as error:
                with error:
                    error.read()
                status = error.code
            except (OSError, ValueError) as error:  # refused, reset, timeout...
                status = type(error).__name__
            self.records.append(((time.perf_counter() - started) * 1000, status, kind))


def stop_server(server, thread: threading.Thread, timeout: float = 30.0) -> None:
    """Stop a waitress server running in ``thread``, closing every socket cleanly.

    Closing the server from this thread while its loop still polls the open
    channels gave OSError EBADF in the loop and unclosed sockets (an unraisable
    ResourceWarning, an error under pytest). Here the worker threads finish
    their requests first, then the loop's own thread closes each channel, the
    listening socket and the trigger, so the loop's map empties and it returns.
    """
    server.task_dispatcher.shutdown(timeout=timeout)

    def close_everything():
        for dispatcher in list(server._map.values()):
            if dispatcher is not server and dispatcher is not server.trigger:
                dispatcher.close()
        server.close()  # the listening socket and the trigger: the map is empty now

    if thread.is_alive():
        server.trigger.pull_trigger(close_everything)
        thread.join(timeout)
    else:
        close_everything()
    if thread.is_alive():
        raise RuntimeError("the waitress server did not stop")


def run_load(
    index_dir: str,
    clients: int,
    seconds: float,
    queries: list[str],
    seed: int,
    result_cache: bool = True,
) -> dict:
    options = {} if result_cache else {"result_cache": 0}
    with searcher.open_index(index_dir) as index:  # fail early: missing or old index
        documents = index.stats().documents
    # "Task queue depth is 1": a client reconnected before its last worker was free.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    app = create_app({"INDEX": index_dir, "INDEX_OPTIONS": options})
    server = make_server(app=app, host="127.0.0.1", port=0, threads=clients)
    base_url = f"http://127.0.0.1:{server.effective_port}"
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    load_before = load_average()
    try:
        # Warm-up (not measured): open the index, load the stemmer, one request per kind.
        for path in ("/search", "/api/search"):
            with urllib.request.urlopen(f"{base_url}{path}?q=banjir", timeout=120) as response:
                response.read()
        sampler = MemorySampler()
        sampler.start()
        started = time.monotonic()
        workers = [Client(n, base_url, queries, started + seconds, seed) for n in range(clients)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.monotonic() - started
        sampler.stop()
    finally:
        stop_server(server, thread)
        close_index(app)
    load_after = load_average()

    records = [record for worker in workers for record in worker.records]
    latencies = [ms for ms, _, _ in records]
    statuses = Counter(str(status) for _, status, _ in records)
    errors = sum(count for status, count in statuses.items() if status != "200")
    rss = [kb for _, kb in sampler.samples]
    end_time = sampler.samples[-1][0]
    thirds = [
        max(
            [
                kb
                for t, kb in sampler.samples
                if part * end_time / 3 <= t <= (part + 1) * end_time / 3
            ]
            or [rss[-1]]
        )
        for part in range(3)
    ]
    climbed = thirds[2] > thirds[1] * (1 + CLIMB_TOLERANCE)

    def summary(values: list[float]) -> dict:
        return {
            "p50_ms": round(percentile(values, 0.50), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "p99_ms": round(percentile(values, 0.99), 1),
            "max_ms": round(max(values, default=0.0), 1),
            "mean_ms": round(statistics.fmean(values), 1) if values else 0.0,
        }

    by_kind = {
        kind: {"requests": len(values), **summary(values)}
        for kind in ("page", "api")
        for values in [[ms for ms, _, k in records if k == kind]]
    }
    return {
        "index": index_dir,
        "documents": documents,
        "clients": clients,
        "server_threads": clients,
        "seconds": round(elapsed, 1),
        "queries": len(queries),
        "result_cache": result_cache,
        "requests": len(records),
        "throughput_rps": round(len(records) / elapsed, 1) if elapsed else 0.0,
        **summary(latencies),
        "by_kind": by_kind,
        "statuses": dict(statuses),
        "errors": errors,
        "rss_start_mb": round(rss[0] / 1024, 1),
        "rss_end_mb": round(rss[-1] / 1024, 1),
        "rss_max_mb": round(max(rss) / 1024, 1),
        "rss_max_by_third_mb": [round(kb / 1024, 1) for kb in thirds],
        "memory_climbed": climbed,
        "load_before": load_before,
        "load_after": load_after,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
    }


def format_table(result: dict) -> str:
    rows = [
        ("index", f"{result['index']} ({result['documents']:,} documents)"),
        ("clients / server threads", f"{result['clients']} / {result['server_threads']}"),
        ("duration", f"{result['seconds']} s"),
        ("requests", f"{result['requests']:,}"),
        ("throughput", f"{result['throughput_rps']} req/s"),
        (
            "latency p50 / p95 / p99 / max",
            f"{result['p50_ms']} / {result['p95_ms']} / {result['p99_ms']} / {result['max_ms']} ms",
        ),
    ]
    for kind, label in (("page", "/search page"), ("api", "/api/search")):
        stats = result["by_kind"][kind]
        rows.append(
            (
                f"  {label} p50 / p99",
                f"{stats['p50_ms']} / {stats['p99_ms']} ms ({stats['requests']:,} requests)",
            )
        )
    statuses = ", ".join(
        f"{status}: {count:,}" for status, count in sorted(result["statuses"].items())
    )
    rows += [
        ("errors (non-200)", f"{result['errors']} ({statuses})"),
        (
            "RSS start / end / max",
            f"{result['rss_start_mb']} / {result['rss_end_mb']} / {result['rss_max_mb']} MB",
        ),
        (
            "RSS max per third of the run",
            " / ".join(f"{mb}" for mb in result["rss_max_by_third_mb"]) + " MB",
        ),
        ("load average before / after", f"{result['load_before']} / {result['load_after']}"),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    verdict = (
        "memory CLIMBED (last third's max > middle third's max + 10%)"
        if result["memory_climbed"]
        else "memory did not climb"
    )
    lines.append(
        f"verdict: {verdict}; "
        f"{'zero errors' if result['errors'] == 0 else str(result['errors']) + ' errors'}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load", description="Bounded load test of the web front end."
    )
    parser.add_argument(
        "--index", required=True, metavar="LOCATION", help="index folder, or a manticore:// cluster"
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, default=30.0, help="duration (default 30)")
    parser.add_argument(
        "--queries",
        default=str(DEFAULT_QUERIES),
        metavar="FILE",
        help="one query per line (default benchmarks/queries.txt)",
    )
    parser.add_argument("--json", metavar="OUT", help="also write the figures as JSON")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the clients")
    parser.add_argument(
        "--no-result-cache", action="store_true", help="switch off the index's result cache"
    )
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0:
        parser.error("--clients must be at least 1 and --seconds positive")
    try:
        result = run_load(
            args.index,
            args.clients,
            args.seconds,
            read_queries(args.queries),
            args.seed,
            result_cache=not args.no_result_cache,
        )
    except searcher.SearcherError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    result["command"] = "python -m benchmarks.load " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    print(format_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if result["errors"] == 0 and not result["memory_climbed"] else 1


if __name__ == "__main__":
    sys.exit(main())
