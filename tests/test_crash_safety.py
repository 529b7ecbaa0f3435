"""Crash safety with real processes: ``kill -9`` an indexer mid-way, a full disk, a
read-only index folder.

After a kill the last committed index must stay searchable with the same results,
nothing may be left that stops the next run (worker processes die with the indexer),
and the next run completes. A first build that is killed leaves no index at all (never
an empty or half-written one). A full disk or a read-only folder is one line on stderr
naming the folder (exit 2, no traceback), the committed index stays intact and
searchable, and the failed run leaves no files behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

import searcher
from searcher import cli, stemtable
from searcher.whoosh.grouping import GROUPS_FILE
from searcher.whoosh.storage import INDEX_NAME
from searcher.whoosh.writer import LOCK_FILE, indexer_lock
from tests.support import ROOT, SAMPLE, SYNTHETIC, sample_records

pytestmark = pytest.mark.slow  # real indexer processes killed, full disks

QUERY = "perdagangan orang"
SUMMARY = re.compile(r"(\d+) added, (\d+) updated, (\d+) unchanged, (\d+) rejected in ")


@pytest.fixture(scope="module")
def long_corpus(tmp_path_factory) -> Path:
    """20,000 synthetic articles: a run that is surely still working when interrupted
    (an interrupted test never reads them all)."""
    records = sample_records()
    path = tmp_path_factory.mktemp("long") / "long.jsonl"
    with open(path, "w", encoding="utf-8") as stream:
        for n in range(20_000):
            record = dict(records[n % len(records)])
            record["id"] = f"long-{n:05d}"
            record["body"] = f"{record['body'][:700]} kata{n}"
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def start_indexer(source: Path, index_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen(
        indexer_command(source, index_dir),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def files_below(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def kill_when_writing(
    process: subprocess.Popen, index_dir: Path, before: set[Path], after_seconds: float = 1.0
) -> None:
    """Wait until the indexer has written a new file, let it work a little, then kill -9."""
    deadline = time.monotonic() + 60
    while not any(
        p.name.startswith(("searcher_", "_searcher_")) and p.suffix != ".toc"
        for p in files_below(index_dir) - before
    ):
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the indexer never started writing"
        time.sleep(0.02)
    time.sleep(after_seconds)
    assert process.poll() is None, "the indexer finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL
    process.stdout.close()
    process.stderr.close()


def snapshot(index_dir: Path):
    with searcher.open_index(index_dir) as ix:
        result = ix.search(QUERY, per_page=50)
        return ix.stats().documents, result.total, [hit.id for hit in result.hits]


def rerun(source: Path, index_dir: Path) -> subprocess.CompletedProcess:
    process = start_indexer(source, index_dir)
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, out.decode(), err.decode())


def test_killing_an_update_keeps_the_last_committed_index(tmp_path, big_corpus):
    index_dir = tmp_path / "ix"
    searcher.index_sources([SAMPLE], index_dir)
    before = snapshot(index_dir)
    assert before[0] == 44

    kill_when_writing(start_indexer(big_corpus, index_dir), index_dir, files_below(index_dir))

    assert snapshot(index_dir) == before
    done = rerun(big_corpus, index_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{SYNTHETIC} added, 0 updated, 0 unchanged, 0 rejected")
    documents, total, _ = snapshot(index_dir)
    assert documents == 44 + SYNTHETIC
    assert total > before[1]
    with searcher.open_index(index_dir) as ix:
        assert ix.get("sample-001") is not None
        assert ix.get(f"synthetic-{SYNTHETIC - 1:05d}") is not None


def test_a_killed_first_build_leaves_no_index_and_a_rerun_works(tmp_path, big_corpus):
    index_dir = tmp_path / "ix"
    kill_when_writing(start_indexer(big_corpus, index_dir), index_dir, set(), after_seconds=0.5)

    assert not searcher.index_exists(index_dir)
    with pytest.raises(searcher.IndexNotFoundError):
        searcher.open_index(index_dir)
    # nothing half-written is visible in the index folder itself
    assert not list(index_dir.glob("_searcher_*.toc"))

    done = rerun(big_corpus, index_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{SYNTHETIC} added, 0 updated, 0 unchanged, 0 rejected")
    assert list(index_dir.glob(".building-*")) == []  # the killed run's folder is gone
    documents, total, _ = snapshot(index_dir)
    assert documents == SYNTHETIC
    assert total > 0


# -- real processes and what they leave ---------------------------------------------------
def indexer_command(source: Path, index_dir: Path, procs: str = "1", *options: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "searcher",
        "index",
        str(source),
        "--index",
        str(index_dir),
        "--procs",
        procs,
        "--quiet",
        *options,
    ]


def launch(command: list[str], log: Path) -> subprocess.Popen:
    """Start a process writing to files, not pipes: orphaned workers of a killed indexer
    would keep a pipe open, and whoever reads it waiting, forever."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    with open(f"{log}.out", "w") as out, open(f"{log}.err", "w") as err:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)


def run(
    command: list[str],
    prefix: tuple[str, ...] = (),
    **env: str,
) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", **env}
    return subprocess.run(
        [*prefix, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def summary(done: subprocess.CompletedProcess) -> tuple[int, ...]:
    """(added, updated, unchanged, rejected) of a successful ``searcher index``."""
    match = SUMMARY.match(done.stdout)
    assert done.returncode == 0 and match, (done.returncode, done.stdout, done.stderr)
    return tuple(map(int, match.groups()))


def state(index_dir: Path) -> tuple[int, int] | None:
    """(documents, hits for QUERY) of the published index, or None if there is none.

    The index must open and answer, and its document count match a match-all search.
    """
    if not searcher.index_exists(index_dir):
        return None
    with searcher.open_index(index_dir) as ix:
        documents = ix.stats().documents
        assert ix.search("*", per_page=1).total == documents
        return documents, ix.search(QUERY, per_page=5).total


def lock_released(index_dir: Path, within: float) -> bool:
    """Whether the folder's indexer lock is free, or becomes free within ``within`` s."""
    deadline = time.monotonic() + within
    while index_dir.is_dir():
        try:
            with indexer_lock(index_dir, 0):
                return True
        except searcher.IndexBusyError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
    return True


def stray_files(index_dir: Path) -> list[str]:
    """What the index folder holds besides the committed index (its segments and stem
    table), its duplicate groups and stories, and the lock files."""
    toc = TOC.read(FileStorage(str(index_dir)), INDEX_NAME)
    keep = {
        f"_{INDEX_NAME}_{toc.generation}.toc",
        LOCK_FILE,
        f"{INDEX_NAME}_WRITELOCK",
        GROUPS_FILE,
        stemtable.FILE_NAME,
    }
    segments = tuple(f"{segment.segment_id()}." for segment in toc.segments)
    return sorted(
        path.name
        for path in index_dir.iterdir()
        if path.name not in keep and not path.name.startswith(segments)
    )


def processes_mentioning(marker: str) -> list[int]:
    """The processes whose command line contains ``marker`` (Linux /proc; none elsewhere):
    a killed indexer's orphaned workers."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if marker.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
    return found


def default_ctrl_c() -> None:
    """In the child: SIGINT as a terminal's foreground job has it, even when the suite
    runs as a background job (which inherits SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def outliving(marker: str, within: float) -> list[int]:
    """The processes mentioning ``marker`` still there after ``within`` seconds."""
    deadline = time.monotonic() + within
    while (found := processes_mentioning(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def test_ctrl_c_with_worker_processes_is_one_line_and_keeps_the_committed_index(
    tmp_path, long_corpus
):
    # A terminal's Ctrl-C sends SIGINT to the indexer and its workers alike.
    index_dir = tmp_path / "index"
    assert summary(run(indexer_command(SAMPLE, index_dir)))[0] == 44
    before = state(index_dir)
    log = tmp_path / "interrupted"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    with open(f"{log}.out", "w") as out, open(f"{log}.err", "w") as err:
        process = subprocess.Popen(
            indexer_command(long_corpus, index_dir, "2"),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,
            preexec_fn=default_ctrl_c,
        )
    try:
        deadline = time.monotonic() + 60
        while len(processes_mentioning(str(index_dir))) < 3:  # the indexer and two workers
            assert process.poll() is None, "the indexer ended before its workers were seen"
            assert time.monotonic() < deadline, "no worker processes appeared"
            time.sleep(0.05)
        # The workers are analysing articles (20,000 of them: seconds of work even on
        # a fast machine, so the interrupt finds the run going).
        time.sleep(0.5)
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) == 130
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    errors = Path(f"{log}.err").read_text()
    assert errors.splitlines() == ["interrupted; the last committed index is unchanged"], errors
    assert outliving(str(index_dir), within=10) == []
    assert lock_released(index_dir, within=5)
    assert state(index_dir) == before
    assert stray_files(index_dir) == []


# -- kill -9 at random points ---------------------------------------------------------------
SEED = 5  # the kill points are random, and the same in every run of the test
# What the index folder holds when the indexer starts: a first build, an update, a rebuild.
STARTS = ("nothing", "sample", "rebuild")


def kill_plan(seconds: float) -> list[tuple[str, str, float]]:
    """(start, --procs, kill after seconds): for one process and for worker processes (the
    CLI's default on more than one core), a kill in each third of a run (reading and
    analysing, then the commit: about the last third), the thirds dealt out at random."""
    rng = random.Random(SEED)
    plan = []
    for procs in ("1", "2"):
        thirds = rng.sample(range(3), 3)
        for start, third in zip(STARTS, thirds, strict=True):
            plan.append((start, procs, 0.95 * seconds * (third + rng.random()) / 3))
    return plan


@pytest.mark.slow
def test_kill_9_at_random_points_keeps_the_index_consistent_and_a_rerun_completes(
    tmp_path, big_corpus
):
    # One uninterrupted run: how long a run takes here, and what the finished index holds.
    started = time.monotonic()
    assert summary(run(indexer_command(big_corpus, tmp_path / "reference"))) == (SYNTHETIC, 0, 0, 0)
    seconds = time.monotonic() - started
    full = state(tmp_path / "reference")
    seed = tmp_path / "sample"
    searcher.index_sources([SAMPLE], seed)
    sample = state(seed)
    both = (sample[0] + full[0], sample[1] + full[1])  # distinct articles: the counts add up

    killed = []
    try:
        for number, (start, procs, delay) in enumerate(kill_plan(seconds)):
            index_dir = tmp_path / f"run{number}"
            if start != "nothing":
                shutil.copytree(seed, index_dir)
            before = state(index_dir)
            after = both if start == "sample" else full
            command = indexer_command(
                big_corpus, index_dir, procs, *(["--rebuild"] if start == "rebuild" else [])
            )
            where = f"run {number} ({start}, --procs {procs}, kill -9 at {delay:.2f} s)"

            process = launch(command, tmp_path / f"run{number}")
            try:
                assert process.wait(timeout=delay) == 0, where  # it finished first
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                killed.append(where)
            assert outliving(str(index_dir), within=3) == [], f"{where}: workers outlived it"
            assert lock_released(index_dir, within=3), f"{where}: the lock is still held"
            seen = state(index_dir)
            assert seen in (before, after), f"{where}: {seen}, not {before} or {after}"

            counts = summary(run(command))
            redone = seen == before or start == "rebuild"
            assert counts == ((SYNTHETIC, 0, 0, 0) if redone else (0, 0, SYNTHETIC, 0)), where
            assert state(index_dir) == after, where
            assert stray_files(index_dir) == [], where
    finally:
        for pid in processes_mentioning(str(tmp_path)):  # never leave orphans behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert len(killed) >= 4, f"only {killed} were killed before they finished"


# -- a full disk ---------------------------------------------------------------------------
DISK_KB = 3072  # holds the sample index (about 1.1 MB), not the 1,500 articles (about 5 MB)
# A full disk where no small file system can be mounted (mount needs root): this wrapper
# of the CLI makes Whoosh's file writes raise WRITES_FAIL_ERRNO once WRITES_FAIL_AFTER bytes
# are written, in every process or only in the worker processes.
WRITES_FAIL = """\
import errno, multiprocessing, os, sys
from whoosh.filedb import structfile
from searcher import cli

budget = int(os.environ["WRITES_FAIL_AFTER"])
code = getattr(errno, os.environ["WRITES_FAIL_ERRNO"])
workers_only = os.environ["WRITES_FAIL_IN"] == "worker"
write = structfile.StructFile.write

def write_until_full(self, data, *args):
    global budget
    if not workers_only or multiprocessing.parent_process() is not None:
        budget -= len(data)
        if budget < 0:
            raise OSError(code, os.strerror(code))
    return write(self, data, *args)

structfile.StructFile.write = write_until_full
sys.exit(cli.main(sys.argv[1:]))
"""


@contextlib.contextmanager
def tmpfs(folder: Path, size_kb: int) -> Iterator[Path]:
    """A small RAM file system mounted at ``folder`` (needs root: the simulated full disk
    below covers the same ground where mounting is not allowed)."""
    folder.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command; test_a_simulated_full_disk covers a full disk")
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)]
    done = subprocess.run(mount, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(
            f"cannot mount a tmpfs ({done.stderr.strip()}); "
            "test_a_simulated_full_disk covers a full disk"
        )
    try:
        yield folder
    finally:
        unmount(folder)


def unmount(folder: Path) -> None:
    if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "--lazy", str(folder)], capture_output=True)


def listing(folder: Path) -> dict[str, int]:
    """Every file below ``folder`` with its size, but the (empty) lock file."""
    return {
        str(path.relative_to(folder)): path.stat().st_size
        for path in folder.rglob("*")
        if path.is_file() and path.name != LOCK_FILE
    }


def assert_one_line_error(
    done: subprocess.CompletedProcess, index_dir: Path, *phrases: str
) -> None:
    assert done.returncode == cli.USAGE, (done.returncode, done.stdout, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert str(index_dir) in lines[0]
    for phrase in phrases:
        assert phrase in lines[0]


@pytest.mark.parametrize(("start", "procs"), [("sample", "1"), ("sample", "2"), ("nothing", "2")])
def test_a_full_disk_is_one_clear_line_and_keeps_the_committed_index(
    tmp_path, big_corpus, start, procs
):
    with tmpfs(tmp_path / "disk", DISK_KB) as disk:
        index_dir = disk / "ix"
        if start == "sample":
            searcher.index_sources([SAMPLE], index_dir)
        before, files, used = state(index_dir), listing(disk), shutil.disk_usage(disk).used
        command = indexer_command(big_corpus, index_dir, procs)

        done = run(command)
        assert_one_line_error(
            done,
            index_dir,
            "no space left",
            "the last committed index is unchanged" if before else "no index was created",
        )
        assert state(index_dir) == before  # searchable, same answers
        assert listing(disk) == files  # the failed run's files are gone ...
        assert shutil.disk_usage(disk).used == used  # ... and so is the space they took

        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        assert summary(run(command)) == (SYNTHETIC, 0, 0, 0)
        assert state(index_dir)[0] == SYNTHETIC + (before[0] if before else 0)


@pytest.mark.parametrize(
    ("where", "procs", "error", "phrase"),
    [
        ("indexer", "1", "ENOSPC", "no space left"),
        # In a worker, Whoosh itself committed without the worker's articles (or hung).
        ("worker", "2", "ENOSPC", "no space left"),
        # A file system the kernel remounted read-only mid-run (after disk errors).
        ("worker", "2", "EROFS", "read-only file system"),
    ],
)
def test_a_simulated_full_disk_is_one_clear_line_and_keeps_the_committed_index(
    tmp_path, big_corpus, where, procs, error, phrase
):
    index_dir = tmp_path / "ix"
    searcher.index_sources([SAMPLE], index_dir)
    before, files = state(index_dir), listing(index_dir)
    command = indexer_command(big_corpus, index_dir, procs)
    command[1:3] = ["-c", WRITES_FAIL]  # instead of -m searcher

    done = run(command, WRITES_FAIL_AFTER="200000", WRITES_FAIL_IN=where, WRITES_FAIL_ERRNO=error)
    assert_one_line_error(done, index_dir, phrase, "the last committed index is unchanged")
    assert state(index_dir) == before
    assert listing(index_dir) == files
    assert summary(run(indexer_command(big_corpus, index_dir, procs))) == (SYNTHETIC, 0, 0, 0)
    assert state(index_dir)[0] == SYNTHETIC + before[0]


# -- a read-only index folder ----------------------------------------------------------------
def unavailable(reason: str) -> None:
    """Skip a test whose condition cannot be set up here; fail it under CI."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def restricted(folder: Path) -> tuple[str, ...]:
    """A command prefix under which ``folder``'s permission bits apply (checked).

    Root ignores permission bits (CAP_DAC_OVERRIDE). Switching to ``nobody`` is no way
    round that here: it cannot reach the interpreter (under /root, mode 700). Dropping the
    overriding capabilities from the bounding set keeps the user and makes the bits count.
    """
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        prefix = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--")
    probe = "import os, sys; sys.exit(os.access(sys.argv[1], os.W_OK))"
    try:
        done = run([sys.executable, "-c", probe, str(folder)], prefix)
    except OSError as error:  # no setpriv
        unavailable(f"cannot drop root's permission override: {error}")
    if done.returncode != 0:
        unavailable(
            f"cannot make {folder} read-only for a test process: "
            f"{done.stderr.strip() or 'still writable'}"
        )
    return prefix


def query_command(index_dir: Path) -> list[str]:
    return [sys.executable, "-m", "searcher", "query", "banjir", "--index", str(index_dir)]


@pytest.mark.parametrize("case", ["index folder", "parent of a new index folder"])
def test_a_read_only_folder_is_one_clear_line(tmp_path, big_corpus, case):
    index_dir = tmp_path / "ix"
    if case == "index folder":
        searcher.index_sources([SAMPLE], index_dir)
        read_only, phrase = index_dir, "is not writable"
    else:
        read_only, phrase = tmp_path / "shared", "cannot create the index folder"
        read_only.mkdir()
        index_dir = read_only / "ix"
    before, files = state(index_dir), listing(tmp_path)
    read_only.chmod(0o555)
    try:
        prefix = restricted(read_only)
        done = run(indexer_command(big_corpus, index_dir, "2"), prefix)
        assert_one_line_error(done, index_dir, phrase)
        if before:  # searching needs no write access
            assert run(query_command(index_dir), prefix).returncode == cli.OK
    finally:
        read_only.chmod(0o755)
    assert state(index_dir) == before
    assert listing(tmp_path) == files


def test_an_index_on_a_read_only_mount_is_one_clear_line(tmp_path, big_corpus):
    # Even root cannot write here (EROFS): no capability overrides a read-only mount.
    searcher.index_sources([SAMPLE], tmp_path / "data" / "ix")
    mounted = tmp_path / "mnt"
    mounted.mkdir()
    bind = (
        run(["mount", "--bind", str(tmp_path / "data"), str(mounted)])
        if shutil.which("mount")
        else None
    )
    if bind is None or bind.returncode != 0:
        reason = bind.stderr.strip() if bind else "no mount command"
        pytest.skip(
            f"cannot bind-mount ({reason}); "
            "test_a_read_only_folder_is_one_clear_line covers a read-only folder"
        )
    try:
        remount = run(["mount", "-o", "remount,bind,ro", str(mounted)])
        assert remount.returncode == 0, remount.stderr
        index_dir = mounted / "ix"
        before, files = state(index_dir), listing(index_dir)
        done = run(indexer_command(big_corpus, index_dir, "2"))
        assert_one_line_error(done, index_dir, "is not writable")
        assert run(query_command(index_dir)).returncode == cli.OK
        assert state(index_dir) == before
        assert listing(index_dir) == files
    finally:
        unmount(mounted)
