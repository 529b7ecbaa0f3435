"""Measuring tools for the benchmarks: latency percentiles, the memory of a process
tree, the size of a folder, and which code and machine a figure was measured on.

A library module (no command line): :mod:`benchmarks.harness` and the scripts use it.
"""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

from benchmarks.corpora import REPO_ROOT

SAMPLE_SECONDS = 0.1
MB = 1024 * 1024


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (0..1) with linear interpolation between ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(latencies_ms: Sequence[float]) -> dict:
    return {
        "count": len(latencies_ms),
        "p50_ms": percentile(latencies_ms, 0.50),
        "p95_ms": percentile(latencies_ms, 0.95),
        "p99_ms": percentile(latencies_ms, 0.99),
        "mean_ms": statistics.fmean(latencies_ms) if latencies_ms else float("nan"),
        "max_ms": max(latencies_ms, default=float("nan")),
    }


def _process_parents() -> dict[int, int]:
    parents = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = Path(entry.path, "stat").read_text()
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class TreeMemorySampler(threading.Thread):
    """Samples the RSS of a process and all its descendants every 0.1 s."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_root_kb = self.peak_sum_kb = self.peak_processes = 0
        self._stop_event = threading.Event()

    def sample(self) -> None:
        children: dict[int, list[int]] = {}
        for pid, parent in _process_parents().items():
            children.setdefault(parent, []).append(pid)
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, ()))
        sizes = [_rss_kb(pid) for pid in tree]
        self.peak_root_kb = max(self.peak_root_kb, sizes[0])
        self.peak_sum_kb = max(self.peak_sum_kb, sum(sizes))
        self.peak_processes = max(self.peak_processes, sum(1 for s in sizes if s))

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def code_version() -> dict:
    """Which code was measured: the commit and a digest of searcher/ as it is on disk
    (the working tree may differ from the commit while the core is being changed)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((REPO_ROOT / "searcher").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(REPO_ROOT).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    commit, dirty = "?", None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        git = ["git", "-C", str(REPO_ROOT)]
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            [*git, "status", "--porcelain", "--", "searcher"], capture_output=True, text=True
        ).stdout
        dirty = bool(status.strip())
    return {"commit": commit, "searcher_dirty": dirty, "searcher_sha256": digest.hexdigest()[:16]}


def machine() -> dict:
    """What the figures were measured on."""
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        memory_kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
    from importlib.metadata import PackageNotFoundError, version

    def package(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "?"

    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": round(memory_kb / MB, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "whoosh": package("Whoosh-Reloaded"),
        "sastrawi": package("PySastrawi"),
    }
