"""A throwaway local cluster of real ``searchd`` processes, for the
Manticore/Sphinx backend's tests and its relevance benchmark.

Two nodes on 127.0.0.1 with free ports, one shard each plus the distributed
index over both (configs from :mod:`searcher.manticore.config`); stopped by
pid afterwards. Sphinx 2.2 (Debian's ``sphinxsearch``) speaks the same
protocol as Manticore, which is what the backend targets.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from searcher.manticore import config as manticore_config
from searcher.manticore.config import Node

SEARCHD = "searchd"


def searchd_available() -> bool:
    return shutil.which(SEARCHD) is not None


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Cluster:
    """``nodes`` searchd processes; ``location`` is the backend address."""

    def __init__(self, root: Path, nodes: int = 2):
        ports = _free_ports(2 * nodes)
        self.root = root
        self.nodes = [Node("127.0.0.1", ports[2 * i], ports[2 * i + 1]) for i in range(nodes)]
        self.location = manticore_config.location(self.nodes)
        self.processes: list[subprocess.Popen | None] = [None] * nodes
        for which in range(nodes):
            folder = root / f"node{which}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "searchd.conf").write_text(
                manticore_config.render(self.nodes, which, folder, agent_timeout_ms=300)
            )

    def start(self, which: int | None = None) -> Cluster:
        for i in range(len(self.nodes)) if which is None else [which]:
            folder = self.root / f"node{i}"
            log = open(folder / "console.log", "ab")  # noqa: SIM115 (the process keeps it)
            self.processes[i] = subprocess.Popen(
                [SEARCHD, "--config", str(folder / "searchd.conf"), "--nodetach"],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            log.close()
        for i in range(len(self.nodes)) if which is None else [which]:
            self._wait_listening(i)
        return self

    def _wait_listening(self, which: int, timeout: float = 15.0) -> None:
        node, process = self.nodes[which], self.processes[which]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log = (self.root / f"node{which}" / "console.log").read_text(errors="replace")
                raise RuntimeError(f"searchd node {which} exited: {log[-2000:]}")
            try:
                with socket.create_connection((node.host, node.sql_port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"searchd node {which} did not listen within {timeout} s")

    def stop(self, which: int | None = None) -> None:
        for i in range(len(self.nodes)) if which is None else [which]:
            process = self.processes[i]
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, 9)
                process.wait()
            self.processes[i] = None
