"""Files the index owns beside Whoosh's: written whole or not at all."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def temporary_name(path: Path) -> Path:
    """Where ``path`` is written before it is renamed into place (one per process)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextlib.contextmanager
def written_atomically(path: Path) -> Iterator[BinaryIO]:
    """A file to write ``path``'s new content into: on success it is synced and renamed
    over ``path`` (readers see the old content or the new, never half of it); on any
    failure it is removed and ``path`` is left as it was."""
    temporary = temporary_name(path)
    try:
        with open(temporary, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
