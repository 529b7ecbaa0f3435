"""Files of one item a line (``fetch --feeds``, ``delete --ids-from``): bounded, UTF-8.

A byte order mark is ignored, blank lines and lines starting with ``#`` are
skipped, and a file (or standard input, ``-``) over :data:`MAX_LIST_BYTES` is
refused unread beyond that, with one line naming it: ``/dev/zero`` or an
endless pipe cannot fill the memory.
"""

from __future__ import annotations

import os
import sys

from searcher.errors import SearcherError

MAX_LIST_BYTES = 16 * 1024 * 1024  # 16 MB: some 300,000 URLs or ids
_BOM = b"\xef\xbb\xbf"


def read_list(
    path: str | os.PathLike, option: str, *, max_bytes: int = MAX_LIST_BYTES
) -> list[tuple[int, str]]:
    """``(line number, text)`` of each line of ``path`` that is neither blank nor a
    ``#`` comment, stripped; ``-`` reads standard input (raises SearcherError)."""
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with open(path, "rb") as stream:
                data = stream.read(max_bytes + 1)
    except OSError as error:
        raise SearcherError(f"{option}: cannot read {path}: {error.strerror or error}") from None
    if len(data) > max_bytes:
        raise SearcherError(
            f"{option}: {path} is larger than {max_bytes:,} bytes; "
            "give at most that, one item a line"
        )
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SearcherError(f"{option}: {path}:{line} is not UTF-8 text") from None
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            lines.append((number, line))
    return lines
