"""The saved searches' alert log (JSON Lines, one line a match with its ``match``
number), written so that it holds every match exactly once (:mod:`searcher.watch`,
crash safety, step 2): lines appended and recorded in batches, and what a killed run
wrote after the last recorded size recognised by the next run.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from pathlib import Path

from searcher.errors import SearcherError
from searcher.watchstore import Match, WatchStore

ALERT_LOG = "alerts.jsonl"
LOG_BATCH = 500  # matches written between two records of the log's size (and fsyncs)


def write_log(
    store: WatchStore,
    log: Path,
    matches: list[Match],
    *,
    pushed: bool,
    batch: int = LOG_BATCH,
    on_logged: Callable[[Match], None] = lambda match: None,
) -> list[Match]:
    """Append ``matches`` to the log, recording in batches what is there."""
    if not matches:
        return []
    try:
        with open(log, "ab") as stream:
            for start in range(0, len(matches), batch):
                part = matches[start : start + batch]
                for match in part:
                    stream.write(json.dumps(match.to_json(), ensure_ascii=False).encode() + b"\n")
                    stream.flush()
                    on_logged(match)
                os.fsync(stream.fileno())
                store.mark_logged([m.id for m in part], log, stream.tell(), pushed=pushed)
    except OSError as error:
        kind = "no space left on the device" if error.errno == errno.ENOSPC else error.strerror
        raise SearcherError(
            f"cannot write the alert log {log}: {kind}; the matches not "
            "written are kept for the next run"
        ) from None
    return matches


def recover_log(store: WatchStore, log: Path, *, pushed: bool = False) -> int:
    """Mark the matches a killed run wrote to the log after its last recorded size as
    logged; cut a line it left half-written. Answers how many were found."""
    recorded = store.log_size(log)
    try:
        size = log.stat().st_size
    except FileNotFoundError:
        return 0
    if size < recorded:  # rotated or truncated by hand: what it holds now is all there is
        recorded = 0
    if size == recorded:
        return 0
    with open(log, "rb+") as stream:
        stream.seek(recorded)
        tail = stream.read()
        complete = tail.rfind(b"\n") + 1
        ids = []
        for line in tail[:complete].splitlines():
            try:
                ids.append(int(json.loads(line)["match"]))
            except (ValueError, KeyError, TypeError):
                continue  # a line written by someone else
        if complete < len(tail):
            stream.truncate(recorded + complete)
    store.mark_logged(ids, log, recorded + complete, pushed=pushed)
    return len(ids)
