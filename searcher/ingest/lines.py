"""Bounded lines: a binary stream split into lines in fixed-size chunks, so a line
longer than a limit costs that limit in memory, never more (a gzip bomb of one
endless line, a gigabyte of newlines).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

# A line of a record file or a document file; longer ones are rejected without being
# read whole (a gzip bomb of one endless line costs this much memory, not gigabytes).
MAX_RECORD_BYTES = 8 * 1024 * 1024
_CHUNK = 64 * 1024
_NON_BLANK = re.compile(rb"\S")
BOM = b"\xef\xbb\xbf"


def open_binary(path: Path):
    """The file's bytes, gunzipped when its name ends in ``.gz``."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def bounded_lines(
    stream: BinaryIO, limit: int, *, skip_blank: bool
) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, line without its newline)`` from a binary stream; ``None`` stands
    for a line longer than ``limit`` bytes, which is skipped without being held.

    Reads fixed-size chunks, so memory stays about ``limit`` whatever the input
    (one endless line, a gigabyte of newlines). With ``skip_blank``, runs of blank
    lines are skipped in bulk.
    """
    number = 1
    pieces: list[bytes] = []  # the start of the current line
    held = 0
    oversized = False  # inside a line already known to be too long
    while True:
        data = stream.read1(_CHUNK)
        if not data:
            break
        position, end = 0, len(data)
        while position < end:
            if oversized:
                newline = data.find(b"\n", position)
                if newline < 0:
                    break
                yield number, None
                number, position, oversized = number + 1, newline + 1, False
                continue
            if skip_blank and not pieces:
                found = _NON_BLANK.search(data, position)
                last = data.rfind(b"\n", position, found.start() if found else end)
                if last >= 0:
                    number += data.count(b"\n", position, last + 1)
                    position = last + 1
                if found is None:  # only blanks left: keep the start of the last line
                    held = end - position
                    if held > limit:
                        held, oversized = 0, True
                    elif held:
                        pieces.append(data[position:])
                    break
            newline = data.find(b"\n", position)
            if newline < 0:
                held += end - position
                if held > limit:
                    pieces, held, oversized = [], 0, True
                else:
                    pieces.append(data[position:])
                break
            held += newline - position
            if held > limit:
                yield number, None
            else:
                pieces.append(data[position:newline])
                yield number, b"".join(pieces)
            pieces, held = [], 0
            number, position = number + 1, newline + 1
    if oversized:
        yield number, None
    elif pieces:
        yield number, b"".join(pieces)


def too_long(limit: int) -> str:
    """The reason a line over ``limit`` bytes is rejected."""
    return f"the record is longer than {limit:,} bytes; skipped without reading it"
