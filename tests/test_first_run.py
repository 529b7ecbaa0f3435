"""The README's commands as a person runs them: on a terminal (a pseudo-terminal, where
progress bars draw) as well as piped, from ``make run`` to the first answered page.

The rest of the suite calls the CLI with pipes or in-process, where ``sys.stderr.isatty()``
is false: a progress bar that crashed on a real terminal (tqdm's bar has no truth value
without a total) went unseen there.
"""

from __future__ import annotations

import configparser
import contextlib
import errno
import fcntl
import importlib
import os
import pkgutil
import pty
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import benchmarks
import searcher
from tests.support import SAMPLE

pytestmark = pytest.mark.slow  # the README's commands in real processes and terminals

ROOT = Path(__file__).resolve().parents[1]
FETCH_PAGE = ROOT / "tests" / "data" / "fetch" / "banjir-bekasi.html"


def terminal() -> tuple[int, int]:
    """A pseudo-terminal of 30 rows and 100 columns, as a terminal window has (a new
    pty has 0 columns, where tqdm draws nothing): (leader, follower)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    return leader, follower


def on_terminal(
    args: list[str], *, timeout: float = 180, env: dict | None = None, cwd: Path = ROOT
) -> tuple[int, str]:
    """Run ``args`` with stdin, stdout and stderr on a pseudo-terminal: (exit code, screen)."""
    leader, follower = terminal()
    process = subprocess.Popen(
        args,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{args} still running after {timeout} s:\n"
                    + b"".join(chunks).decode(errors="replace")
                )
            ready, _, _ = select.select([leader], [], [], 0.2)
            if not ready:
                if process.poll() is not None and not _pending(leader):
                    break
                continue
            try:
                data = os.read(leader, 65536)
            except OSError as error:  # EIO: every writer to the terminal has gone
                if error.errno != errno.EIO:
                    raise
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(leader)
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    return process.returncode, b"".join(chunks).decode("utf-8", errors="replace")


def _pending(fd: int) -> bool:
    ready, _, _ = select.select([fd], [], [], 0)
    return bool(ready)


def piped(args: list[str], **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
        stdin=subprocess.DEVNULL,
        **options,
    )


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "searcher", *args]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def terminal_index(tmp_path_factory) -> Path:
    """The sample corpus indexed by the CLI on a terminal (the README's first step)."""
    location = tmp_path_factory.mktemp("terminal") / "index"
    code, screen = on_terminal(cli("index", str(SAMPLE), "--index", str(location)))
    assert code == 0, screen
    assert "Traceback" not in screen
    assert re.search(r"44 added, 0 updated, 0 unchanged, 0 rejected in [\d.]+ s", screen), screen
    return location


def test_index_on_a_terminal_draws_a_progress_bar_and_succeeds(terminal_index):
    # The fixture ran it; the bar is tqdm's (a count of articles, then its rate).
    with searcher.open_index(terminal_index) as ix:
        assert ix.stats().documents == 44


def test_index_on_a_terminal_shows_the_bar(tmp_path):
    code, screen = on_terminal(cli("index", str(SAMPLE), "--index", str(tmp_path / "ix")))
    assert code == 0, screen
    assert re.search(r"\d+ articles \[", screen), screen  # tqdm: "44 articles [00:01, ...]"


def test_index_piped_prints_no_bar_only_the_summary(tmp_path):
    done = piped(cli("index", str(SAMPLE), "--index", str(tmp_path / "ix")))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert re.fullmatch(
        r"44 added, 0 updated, 0 unchanged, 0 rejected in [\d.]+ s \(.*\)\n", done.stdout
    )


@pytest.mark.parametrize(
    "command",
    [
        ["query", "perdagangan orang"],
        ["query", "banjir", "--json"],
        ["stats"],
        ["stories", "--limit", "3"],
    ],
)
def test_read_commands_on_a_terminal_and_piped_agree(terminal_index, command):
    args = cli(*command, "--index", str(terminal_index))
    code, screen = on_terminal(args)
    done = piped(args)
    assert "Traceback" not in screen + done.stderr
    assert code == done.returncode == 0, screen + done.stderr
    # The same text, but for colours on a terminal (which turns "\n" into "\r\n") and
    # the time each run took.
    assert same_text(screen.replace("\r\n", "\n")) == same_text(done.stdout + done.stderr)


def same_text(output: str) -> str:
    return re.sub(r"\d+(\.\d+)? m?s\b", "T", re.sub(r"\x1b\[[0-9;]*m", "", output))


class _Page(BaseHTTPRequestHandler):
    body = FETCH_PAGE.read_bytes()

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path != "/berita/banjir-bekasi":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):  # keep the test's output clean
        pass


@pytest.fixture
def news_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetch_on_a_terminal_indexes_the_page(news_site, tmp_path):
    location = tmp_path / "index"
    code, screen = on_terminal(
        cli("fetch", f"{news_site}/berita/banjir-bekasi", "--delay", "0", "--index", str(location))
    )
    assert code == 0, screen
    assert "Traceback" not in screen
    assert "1 new, 0 updated, 0 unchanged, 0 failed in " in screen
    with searcher.open_index(location) as ix:
        assert ix.search("banjir bekasi").total == 1


def test_fetch_every_stops_on_ctrl_c_even_when_started_with_sigint_ignored(news_site, tmp_path):
    # A shell starts a background job (`make test &`, nohup) with SIGINT ignored, and
    # Python installs no KeyboardInterrupt handler then; the CLI takes Ctrl-C back.
    process = subprocess.Popen(
        cli(
            "fetch",
            f"{news_site}/berita/banjir-bekasi",
            "--every",
            "1h",
            "--delay",
            "0",
            "--index",
            str(tmp_path / "index"),
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        first = process.stdout.readline()  # the first round's summary; it now waits an hour
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert first.startswith("1 new, 0 updated, 0 unchanged, 0 failed in ")
    assert (process.returncode, err) == (0, "stopped; every completed run is indexed\n")


def test_a_failed_first_run_leaves_no_folder_behind(tmp_path):
    location = tmp_path / "index"

    def articles():
        yield from searcher.read_articles([str(SAMPLE)])
        raise RuntimeError("the source went away")

    with pytest.raises(RuntimeError):
        searcher.build_index(articles(), location)
    assert not location.exists()
    # ... so the README's `make run` (index if missing, then serve) starts afresh.
    report = searcher.index_sources([str(SAMPLE)], location)
    assert report.added == 44


def test_a_failed_run_keeps_a_folder_it_did_not_create(tmp_path):
    location = tmp_path / "index"
    searcher.index_sources([str(SAMPLE)], location)

    def articles():
        yield from searcher.read_articles([str(SAMPLE)])
        raise RuntimeError("the source went away")

    with pytest.raises(RuntimeError):
        searcher.build_index(articles(), location, rebuild=True)
    with searcher.open_index(location) as ix:
        assert ix.stats().documents == 44


def test_make_run_on_a_terminal_serves_the_first_page(tmp_path):
    """`make run` as the README's first line: builds the missing index, then serves."""
    port = free_port()
    venv = Path(sys.prefix)
    leader, follower = terminal()
    # -o: this venv is installed already (make test installed it); do not reinstall.
    process = subprocess.Popen(
        [
            "make",
            "-s",
            "-o",
            f"{venv}/.installed",
            "run",
            f"VENV={venv}",
            f"INDEX={tmp_path / 'index'}",
            f"PORT={port}",
        ],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(follower)
    screen = bytearray()
    page = None
    try:
        deadline = time.monotonic() + 240
        while page is None and time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                with contextlib.suppress(OSError):
                    screen += os.read(leader, 65536)
            assert process.poll() is None, f"make run ended:\n{screen.decode(errors='replace')}"
            url = f"http://127.0.0.1:{port}/"
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as answer:
                page = (answer.status, answer.read().decode())
        assert page is not None, f"no page within 240 s:\n{screen.decode(errors='replace')}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        os.close(leader)
    text = screen.decode(errors="replace")
    assert "Traceback" not in text, text
    assert "44 added" in text, text
    assert page[0] == 200
    assert "<form" in page[1]


def test_every_benchmark_module_imports_and_answers_help():
    # The README cites benchmarks by their commands (`python -m benchmarks.stories`):
    # one that no longer imports is a claim that cannot be reproduced.
    names = sorted(info.name for info in pkgutil.iter_modules(benchmarks.__path__))
    assert "stories" in names and "run" in names
    commands = 0
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        if hasattr(module, "main"):
            with pytest.raises(SystemExit) as exited:
                module.main(["--help"])
            assert exited.value.code == 0, name
            commands += 1
    assert commands >= 10


def pins() -> dict[str, str]:
    """constraints.txt as {normalised name: version}."""
    found = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            found[canonicalize_name(name)] = version.strip()
    return found


def test_the_lock_pins_every_requirement_within_setup_cfgs_ranges():
    # `make` installs with -c constraints.txt: every dependency a new machine gets is
    # pinned, and each pin satisfies the range that library users get from setup.cfg.
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    declared = [
        line for key in ("install_requires",) for line in config["options"][key].splitlines()
    ]
    declared += [
        line for extra in config["options.extras_require"].values() for line in extra.splitlines()
    ]
    locked = pins()
    for line in declared:
        if not line.strip() or line.strip().startswith("#"):
            continue
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"constraints.txt pins {name}=={locked[name]}, outside setup.cfg's {requirement}"
        )


def test_this_environment_has_the_locked_versions():
    # The suite passes with what it runs on: a venv that drifted from the lock (an
    # install without -c constraints.txt) would test other versions than a new machine gets.
    drifted = {
        name: (version, metadata.version(name))
        for name, version in pins().items()
        if metadata.version(name) != version
    }
    assert drifted == {}
