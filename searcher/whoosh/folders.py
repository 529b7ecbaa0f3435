"""The index folder while writing: the indexer lock, a first build made aside and
published table of contents last, the clean-up of what a killed run left, the
workers' stem files, and a full disk or read-only folder said in one sentence.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from searcher import stemtable
from searcher.errors import IndexBusyError, SearcherError
from searcher.whoosh import internals
from searcher.whoosh.storage import INDEX_NAME, index_exists

LOCK_FILE = ".indexer.lock"
BUILD_PREFIX = ".building-"
TEMP_FOLDER = f"{INDEX_NAME}.tmp"  # Whoosh's scratch folder inside the index folder
# Errors of the place, not of the program: one sentence, no traceback.
WRITE_PROBLEMS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
}


@contextlib.contextmanager
def indexer_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold the folder's indexer lock; wait up to ``timeout`` seconds for it."""
    try:
        handle = open(path / LOCK_FILE, "a+")  # noqa: SIM115 (held across the yield)
    except OSError as error:  # e.g. a lock file left by another user
        raise SearcherError(f"cannot lock the index folder {path}: {error.strerror}") from None
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"another indexer is writing to {path}; waited {timeout:g} s "
                        "(try again when it has finished, or raise --wait)"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        handle.close()  # closing releases the lock


def prepare_folder(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SearcherError(f"cannot create the index folder {path}: {error.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise SearcherError(f"the index folder {path} is not writable")


def remove_uncommitted(ix) -> None:
    """Delete the files of segments the latest generation does not use, and Whoosh's
    scratch folder: what a failed or killed run left (space a re-run may need)."""
    storage = ix.storage
    internals.remove_unused_segment_files(storage, INDEX_NAME)
    shutil.rmtree(Path(storage.folder) / TEMP_FOLDER, ignore_errors=True)
    for part in Path(storage.folder).glob(f"{STEM_PART_PREFIX}*"):
        part.unlink(missing_ok=True)
    for temporary in Path(storage.folder).glob(stemtable.TEMPORARY_PATTERN):
        temporary.unlink(missing_ok=True)  # a stem table whose writing was killed


# A worker process's new stems, for the parent to add to the stem table at commit.
STEM_PART_PREFIX = ".stems-"


def write_stem_part(folder: str, entries: list[tuple[str, str]]) -> None:
    part = Path(folder) / f"{STEM_PART_PREFIX}{os.getpid()}.part"
    part.write_text("".join(f"{word}\t{stem}\n" for word, stem in entries), encoding="utf-8")


def take_stem_parts(folder: Path) -> list[tuple[str, str]]:
    """The workers' new stems (their files are deleted)."""
    entries = []
    for part in sorted(folder.glob(f"{STEM_PART_PREFIX}*.part")):
        for line in part.read_text(encoding="utf-8").splitlines():
            word, _, stem = line.partition("\t")
            if word and stem:
                entries.append((word, stem))
        part.unlink()
    return entries


def remove_index_files(folder: Path) -> None:
    """Delete an index's files, tables of contents first so it is never half there."""
    files = sorted(folder.glob(f"_{INDEX_NAME}_*"), key=lambda p: p.suffix != ".toc")
    for file in files:
        file.unlink(missing_ok=True)


def publish_build(build: Path, target: Path) -> None:
    """Move a freshly built index into ``target``, table of contents last."""
    files = sorted(build.iterdir(), key=lambda p: p.suffix == ".toc")
    for file in files:
        os.replace(file, target / file.name)
    build.rmdir()


def remove_failed_first_build(folder: Path) -> None:
    """Remove the folder a failed first run created, when no index was committed
    in it: left behind (it held only the indexer's lock file), it looked like an
    index folder to every later command."""
    if index_exists(folder):
        return
    with contextlib.suppress(OSError):
        (folder / LOCK_FILE).unlink(missing_ok=True)
        folder.rmdir()  # only if empty: never removes anything else


@contextlib.contextmanager
def write_errors(folder: Path) -> Iterator[None]:
    """Turn a full disk or a read-only file system into one sentence naming the folder."""
    try:
        yield
    except OSError as error:
        problem = WRITE_PROBLEMS.get(error.errno)
        if problem is None:
            raise
        kept = (
            "the last committed index is unchanged"
            if index_exists(folder)
            else "no index was created"
        )
        raise SearcherError(f"cannot write the index in {folder}: {problem}; {kept}") from None
