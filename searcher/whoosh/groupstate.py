"""The saved state of an index's duplicate groups and stories: ``GROUPS_FILE`` in the
index folder, written and read (:mod:`searcher.whoosh.grouping` computes and uses it).

The state file
    ``GROUPS_FILE`` in the index folder (numpy ``.npz``, no pickles), replaced
    atomically (written aside, then renamed), so readers see the old or the
    new state, never half of one. A rebuild starts from an empty state.
    Kept outside the Whoosh schema on purpose: assigning a new article never
    rewrites older documents, and old indexes need no rebuild. A damaged file
    is :class:`CorruptStateError` (truncated, garbage, a zip bomb, arrays that
    do not match).
"""

from __future__ import annotations

import contextlib
import logging
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from searcher.duplicates import NUM_PERM
from searcher.files import written_atomically
from searcher.grouping import Entries

GROUPS_FILE = "groups.npz"
log = logging.getLogger("searcher")


# Strings (ids, group ids) are stored as one UTF-8 byte array and the offsets of
# each string's end: a fixed-width string array pads every id to the longest one
# (one 100,000-character id made the file 801 MB, then "Unable to allocate 5.22 GiB").
STRING_FIELDS = ("ids", "duplicate", "story")
FORMAT = 2  # 1: fixed-width string arrays (still read)
# Our own files are stored uncompressed: entries that unpack to much more than the
# file's size are not ours (a zip bomb), and the state is rebuilt instead.
_UNPACKED_SLACK = 1 << 20


class CorruptStateError(Exception):
    """The state file cannot be read (truncated, garbage, keys missing, inconsistent)."""


def save_entries(entries: Entries, folder: Path) -> None:
    """Write the state file atomically (aside, then renamed)."""
    signatures = np.zeros((len(entries), NUM_PERM), dtype=np.uint32)
    signed = np.zeros(len(entries), dtype=bool)
    for row, signature in enumerate(entries.signatures):
        if signature is not None:
            signatures[row], signed[row] = signature, True
    target = folder / GROUPS_FILE
    for stale in folder.glob(f".{GROUPS_FILE}.*.tmp"):  # a killed run's (we hold the lock)
        stale.unlink(missing_ok=True)
    strings = {}
    for name in STRING_FIELDS:
        strings[f"{name}_bytes"], strings[f"{name}_ends"] = _pack_strings(getattr(entries, name))
    with written_atomically(target) as handle:
        np.savez(
            handle,
            format=np.array([FORMAT]),
            seconds=np.array(entries.seconds, dtype=np.float64),
            signatures=signatures,
            signed=signed,
            terms=_pack(entries.terms),
            **strings,
        )


def load_entries(folder: Path) -> Entries:
    """The saved state; an empty one when there is none or it cannot be read (logged:
    the indexer then reads every article back from the index and assigns it again)."""
    entries = Entries()
    path = folder / GROUPS_FILE
    try:
        state = _read_state(path, ("seconds", "signatures", "signed", "terms", *STRING_FIELDS))
    except FileNotFoundError:
        return entries
    except CorruptStateError as error:
        log.warning(
            "%s is damaged (%s); duplicate groups and stories are computed again", path, error
        )
        return entries
    signed, signatures = state["signed"], state["signatures"]
    entries.ids = state["ids"]
    entries.seconds = state["seconds"].tolist()
    entries.signatures = [signatures[row] if signed[row] else None for row in range(len(signed))]
    entries.terms = state["terms"]
    entries.duplicate = state["duplicate"]
    entries.story = state["story"]
    return entries


def _read_state(path: Path, fields: tuple[str, ...]) -> dict:
    """The named fields of the state file, checked (:class:`CorruptStateError` when it
    is damaged; FileNotFoundError when there is none)."""
    try:
        size = path.stat().st_size
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > 2 * size + _UNPACKED_SLACK:
            raise CorruptStateError(f"its arrays unpack to {unpacked:,} bytes, from {size:,}")
        with np.load(path, allow_pickle=False) as data:
            return _checked_state(data, fields)
    except FileNotFoundError:
        raise
    except CorruptStateError:
        raise
    except (
        OSError,
        EOFError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        UnicodeDecodeError,
        zipfile.BadZipFile,
        zlib.error,
    ) as error:
        raise CorruptStateError(f"{type(error).__name__}: {error}") from None


def _checked_state(data, fields: tuple[str, ...]) -> dict:
    names = set(data.files)
    if "format" in names:
        version = int(data["format"][0])
        if version != FORMAT:
            raise CorruptStateError(f"unknown format {version}")
        strings = {
            name: _unpack_strings(data[f"{name}_bytes"], data[f"{name}_ends"])
            for name in STRING_FIELDS
            if name in fields
        }
    else:  # format 1: fixed-width string arrays
        strings = {
            name: [str(value) for value in data[name].tolist()]
            for name in STRING_FIELDS
            if name in fields
        }
    count = len(data["seconds"])
    state: dict = {"seconds": np.asarray(data["seconds"], dtype=np.float64)}
    if "signatures" in fields:
        state["signatures"], state["signed"] = data["signatures"], data["signed"]
        if state["signatures"].shape != (count, NUM_PERM) or len(state["signed"]) != count:
            raise CorruptStateError("the signatures do not match the articles")
    if "terms" in fields:
        state["terms"] = _unpack(data["terms"], count)
        if len(state["terms"]) != count:
            raise CorruptStateError("the story words do not match the articles")
    for name, values in strings.items():
        if len(values) != count:
            raise CorruptStateError(f"{name} has {len(values)} values for {count} articles")
        state[name] = values
    return state


def _pack_strings(values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [value.encode("utf-8", "surrogatepass") for value in values]
    ends = (
        np.cumsum([len(item) for item in encoded], dtype=np.int64)
        if encoded
        else np.zeros(0, dtype=np.int64)
    )
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), ends


def _unpack_strings(packed: np.ndarray, ends: np.ndarray) -> list[str]:
    blob = packed.tobytes()
    ends = ends.tolist()
    starts = [0, *ends[:-1]]
    if ends and (ends[-1] != len(blob) or any(b < a for a, b in zip(starts, ends, strict=True))):
        raise CorruptStateError("the string offsets do not match their bytes")
    return [
        blob[start:end].decode("utf-8", "surrogatepass")
        for start, end in zip(starts, ends, strict=True)
    ]


def _pack(texts: list[str]) -> np.ndarray:
    """Texts as one UTF-8 byte array, a line each (a fixed-width string array would
    pad every article's words to the longest)."""
    return np.frombuffer("\n".join(texts).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def _unpack(packed: np.ndarray, count: int) -> list[str]:
    texts = packed.tobytes().decode("utf-8", "surrogatepass").split("\n") if count else []
    return texts


def verify_state(folder: str | os.PathLike) -> None:
    """Read every array of ``folder``'s state (:class:`CorruptStateError` if damaged;
    nothing when there is none)."""
    with contextlib.suppress(FileNotFoundError):
        _read_state(
            Path(folder) / GROUPS_FILE, ("seconds", "signatures", "signed", "terms", *STRING_FIELDS)
        )


def read_assignments(folder: str | os.PathLike) -> dict[str, tuple[str, str, float]]:
    """id -> (duplicate group id, story id, seconds) from an index folder's state
    (only the arrays it needs are read); raises :class:`CorruptStateError` for a
    damaged file; empty when there is none)."""
    try:
        state = _read_state(Path(folder) / GROUPS_FILE, STRING_FIELDS)
    except FileNotFoundError:
        return {}
    return {
        doc_id: (duplicate, story, seconds)
        for doc_id, duplicate, story, seconds in zip(
            state["ids"], state["duplicate"], state["story"], state["seconds"].tolist(), strict=True
        )
    }


def read_terms(folder: str | os.PathLike) -> dict[str, str]:
    """id -> story words (:func:`searcher.grouping.encode_terms`) from an index folder's
    state, for choosing a story's representative headline."""
    try:
        state = _read_state(Path(folder) / GROUPS_FILE, ("ids", "terms"))
    except (FileNotFoundError, CorruptStateError):  # damaged: the first headlines name
        return {}
    return dict(zip(state["ids"], state["terms"], strict=True))
