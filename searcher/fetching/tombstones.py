"""Tombstones: the ids deleted from an index, so that fetching does not bring them back.

``delete`` (the CLI, :func:`searcher.delete_documents`, ``Index.delete``) writes
every id it is asked to delete here, known to the index or not (a takedown
may come before the article is fetched), before deleting; the fetcher skips
a page whose link or id is here. ``searcher delete --undo ID`` (:func:`forget`)
takes an id off the list: the next fetch may add it again.

The list is a file beside the index (:data:`FILE` in the index folder; for a
cluster, ``.deleted-ids-TABLE.jsonl`` in the current folder, as the fetch state),
one JSON string a line, appended to under a lock file and rewritten whole
(atomically) only to forget ids.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from searcher.files import written_atomically

FILE = "deleted-ids.jsonl"


def path_for(location: str | os.PathLike) -> Path:
    """Where the tombstones of the index at ``location`` are kept."""
    text = str(location)
    if "://" in text:  # a cluster: no folder of ours; one file per table, here
        table = re.sub(r"[^A-Za-z0-9_.-]", "_", text.rstrip("/").rsplit("/", 1)[-1])
        return Path(f".deleted-ids-{table}.jsonl")
    return Path(text) / FILE


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_name = f"{path.name}.lock" if path.name.startswith(".") else f".{path.name}.lock"
    with open(path.with_name(lock_name), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            lines = stream.read().splitlines()
    except FileNotFoundError:
        return []
    ids = []
    for line in lines:
        with contextlib.suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, str):
                ids.append(value)
    return ids


def deleted_ids(location: str | os.PathLike) -> frozenset[str]:
    """Every id deleted from the index at ``location`` and not forgotten since."""
    return frozenset(_read(path_for(location)))


def remember(location: str | os.PathLike, ids: Iterable[str]) -> None:
    """Add ``ids`` to the tombstones of the index at ``location``."""
    path = path_for(location)
    with _locked(path):
        known = set(_read(path))
        new = [i for i in dict.fromkeys(ids) if i not in known]
        if not new:
            return
        with open(path, "a", encoding="utf-8") as out:
            out.write("".join(json.dumps(i) + "\n" for i in new))
            out.flush()
            os.fsync(out.fileno())


def forget(location: str | os.PathLike, ids: Iterable[str]) -> list[str]:
    """Take ``ids`` off the tombstones; returns the ones that were on them."""
    path = path_for(location)
    wanted = set(ids)
    with _locked(path):
        known = _read(path)
        kept = [i for i in known if i not in wanted]
        if len(kept) == len(known):
            return []
        with written_atomically(path) as out:
            out.write("".join(json.dumps(i) + "\n" for i in kept).encode("utf-8"))
    return [i for i in dict.fromkeys(known) if i in wanted]


def before_delete(location: str | os.PathLike, ids: Iterable[str] | str) -> list[str]:
    """``ids`` as a list (one string is one id), remembered as deleted at ``location``
    before the deletion (a crash between the two leaves an id remembered, never an
    article deleted and fetched back). Ids that are not all strings are left to the
    backend to refuse, and nothing is remembered."""
    ids = [ids] if isinstance(ids, str) else list(ids)
    if all(isinstance(i, str) for i in ids):
        remember(location, [i for i in ids if i])
    return ids
