"""Our Whoosh codec: the ranked fields' postings as columns of numbers, memory-mapped.

Whoosh's own codec (``whoosh.codec.whoosh3``) writes a posting list as
blocks of 128 postings, each a pickled, zlib-compressed tuple, and finds a
term through a hash table walked in Python: reading a frequent word means
unpickling dozens of blocks, and every lookup costs tens of microseconds per
segment. Queries here score whole posting lists at once with numpy
(:mod:`searcher.whoosh.evaluator`), so for the ranked fields
(:data:`RANKED_FIELDS`) this codec keeps each segment's postings as plain
columns instead, one file each:

``.cpi``  document numbers (uint32), every columnar posting of the segment,
          field by field, term by term;
``.cpw``  their weights (float32: the term's count in the document);
``.cpp``  positions (uint32) of the fields that keep them (``title``, ``body``:
          phrases), posting after posting;
``.cpt``  a term table: the sorted 64-bit hashes of (field, term), then for each
          its first posting, its number of postings and its total weight;
``.cph``  a small JSON header: the sizes, and each field's first posting and
          first position.

A term's postings are one slice of the columns, found with one binary search
in the memory-mapped hash column (:meth:`SegmentColumns.find`); nothing is
unpickled. The index stays a Whoosh index: Whoosh's term dictionary (``.trm``)
still holds every term, its statistics and, in place of a block's offset, the
term's slice of the columns, so Whoosh's searcher, merges of segments and
every other Whoosh reader work (:meth:`ColumnarTermsReader.matcher` hands
them the slice as a ``ListMatcher``). The other fields (ids, facets, dates)
keep Whoosh's blocks. A segment written by Whoosh's codec (an older index)
keeps being read the old way.

Hashes: two terms of one segment with the same hash are refused when the
segment is written (the segment then has no hash column and its terms are
found through Whoosh's dictionary, exactly); a query word the segment does
not hold is taken for one that it holds with probability (terms in the
segment) / 2**64, about 1e-13 for CLICK-ID.
"""

from __future__ import annotations

import hashlib
import json
import os
from array import array

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3TermInfo, W3TermsReader
from whoosh.formats import Frequency, Positions
from whoosh.matching import ListMatcher
from whoosh.system import pack_uint, pack_ushort

from searcher.whoosh import internals
from searcher.whoosh.internals import INLINE_POSTINGS, InliningCodec

# The fields queries rank by (searcher.whoosh.evaluator.TERM_FIELDS).
RANKED_FIELDS = ("title", "body", "title_exact", "body_exact", "title_pairs", "body_pairs")
FORMAT_VERSION = 1
IDS_EXT, WEIGHTS_EXT, POSITIONS_EXT, TERMS_EXT, HEADER_EXT = (
    ".cpi",
    ".cpw",
    ".cpp",
    ".cpt",
    ".cph",
)
_ENTRY = np.dtype([("start", "<u8"), ("count", "<u4"), ("weight", "<f4")])
_FLUSH = 1 << 16  # buffered numbers written out at a time


def term_key(fieldname: str, btext: bytes) -> int:
    """The 64-bit hash a term is found by in a segment's term table."""
    digest = hashlib.blake2b(fieldname.encode("utf-8") + b"\x00" + btext, digest_size=8)
    return int.from_bytes(digest.digest(), "little")


def _extent(terminfo) -> tuple[int, int]:
    """A term info's (first posting, postings): Whoosh 2.7 reads the second back as a
    one-element tuple."""
    start, count = terminfo.extent()
    return start, count[0] if isinstance(count, tuple) else count


def is_columnar(fieldname: str, fieldobj, fields) -> bool:
    """Whether a field's postings go into the columns: a ranked field whose weight
    is its count (no field boost), with frequencies or positions."""
    fmt = getattr(fieldobj, "format", None)
    return fieldname in fields and type(fmt) in (Frequency, Positions) and fmt.field_boost == 1.0


class ColumnarCodec(InliningCodec):
    """Whoosh's codec (with short lists inlined) whose ranked fields' postings are
    columns (see the module docstring). Segments remember their codec: this class
    must stay importable by this name."""

    def __init__(self, fields=RANKED_FIELDS, inline: int = INLINE_POSTINGS, **options):
        super().__init__(inline, **options)
        self.columnar_fields = frozenset(fields)

    def field_writer(self, storage, segment):
        return ColumnarFieldWriter(self, storage, segment)

    def terms_reader(self, storage, segment):
        tiname = segment.make_filename(self.TERMS_EXT)
        tilen = storage.file_length(tiname)
        tifile = storage.open_file(tiname)
        postfile = segment.open_file(storage, self.POSTS_EXT)
        return ColumnarTermsReader(
            self, tifile, tilen, postfile, SegmentColumns.open(storage, segment)
        )


def index_codec(fields=RANKED_FIELDS) -> W3Codec:
    """The codec of new segments: ours, or on a Whoosh version this code was not
    written for (``internals.FAST`` false), Whoosh's own (slower to read, counted)."""
    if not internals.FAST:
        internals._fell_back("index_codec")
        return W3Codec()  # (its own inlining is broken in 2.7: it never inlines by default)
    return ColumnarCodec(fields)


# -- writing ---------------------------------------------------------------------------------
class _Out:
    """A segment's columns as they are written: buffered, appended to their files."""

    def __init__(self, writer: W3FieldWriter):
        self.files = {
            ext: writer._create_file(ext) for ext in (IDS_EXT, WEIGHTS_EXT, POSITIONS_EXT)
        }
        self.buffers = {IDS_EXT: array("I"), WEIGHTS_EXT: array("f"), POSITIONS_EXT: array("I")}
        self.postings = 0
        self.positions = 0
        self.keys: list[int] = []
        self.entries: list[tuple[int, int, float]] = []

    def add(self, ids, weights, positions) -> int:
        start = self.postings
        buffers = self.buffers
        buffers[IDS_EXT].extend(ids)
        buffers[WEIGHTS_EXT].extend(weights)
        if positions:
            buffers[POSITIONS_EXT].extend(positions)
            self.positions += len(positions)
        self.postings += len(ids)
        if len(buffers[IDS_EXT]) >= _FLUSH or len(buffers[POSITIONS_EXT]) >= _FLUSH:
            self.flush()
        return start

    def flush(self) -> None:
        for ext, buffer in self.buffers.items():
            if buffer:
                self.files[ext].write(buffer.tobytes())
                del buffer[:]

    def close(self, writer: W3FieldWriter, fields: dict) -> None:
        self.flush()
        for file in self.files.values():
            file.close()
        keys = np.array(self.keys, dtype="<u8")
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        unique = not len(keys) or bool(np.all(keys[1:] != keys[:-1]))
        entries = np.array(self.entries, dtype=_ENTRY)[order] if unique else np.zeros(0, _ENTRY)
        with writer._create_file(TERMS_EXT) as table:
            if unique:
                table.write(keys.tobytes())
                table.write(entries.tobytes())
        header = {
            "version": FORMAT_VERSION,
            "postings": self.postings,
            "positions": self.positions,
            "terms": len(entries),
            "hashed": unique,
            "fields": fields,
        }
        with writer._create_file(HEADER_EXT) as out:
            out.write(json.dumps(header).encode("utf-8"))


class _ColumnarPostings:
    """Takes the place of Whoosh's postings writer for a columnar field: a term's
    postings go to the columns, its term info points at their slice."""

    def __init__(self, out: _Out, fieldname: str, format_):
        self.out = out
        self.fieldname = fieldname
        self.positional = type(format_) is Positions
        self.decode = format_.decode_positions if self.positional else None
        self._terminfo = None

    def written(self) -> bool:
        return False

    def start_postings(self, format_, terminfo) -> None:
        self._terminfo = terminfo
        self._ids: list[int] = []
        self._weights: list[float] = []
        self._positions: list[int] = []
        self._minlength = None
        self._maxlength = 0

    def add_posting(self, id_, weight, vbytes, length=None) -> None:
        self._ids.append(id_)
        self._weights.append(weight)
        if self.positional:
            positions = self.decode(vbytes)
            if len(positions) != weight:
                raise ValueError(
                    f"field {self.fieldname!r}: a columnar posting's weight "
                    f"({weight}) must be its number of positions"
                )
            self._positions.extend(positions)
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            self._maxlength = max(self._maxlength, length)

    # What W3TermInfo.add_block reads of a block.
    def __len__(self) -> int:
        return len(self._ids)

    def min_id(self):
        return self._ids[0]

    def max_id(self):
        return self._ids[-1]

    def min_length(self):
        return self._minlength

    def max_length(self):
        return self._maxlength

    def max_weight(self):
        return max(self._weights)

    def finish_postings(self) -> W3TermInfo:
        terminfo = self._terminfo
        terminfo.add_block(self)
        start = self.out.add(self._ids, self._weights, self._positions)
        terminfo.set_extent(start, len(self._ids))
        self._terminfo = None
        return terminfo


class ColumnarFieldWriter(W3FieldWriter):
    """Whoosh's field writer, with the columnar fields' postings sent to the columns."""

    def __init__(self, codec: ColumnarCodec, storage, segment):
        super().__init__(codec, storage, segment)
        self._out = _Out(self)
        self._fields: dict = {}

    def start_field(self, fieldname, fieldobj):
        super().start_field(fieldname, fieldobj)
        if is_columnar(fieldname, fieldobj, self._codec.columnar_fields):
            out = self._out
            self._postwriter = _ColumnarPostings(out, fieldname, fieldobj.format)
            self._fields[fieldname] = {
                "first": out.postings,
                "end": out.postings,
                "positions": out.positions,
                "positional": self._postwriter.positional,
            }

    def finish_term(self):
        postwriter = self._postwriter
        if isinstance(postwriter, _ColumnarPostings):
            terminfo = postwriter.finish_postings()
            start, count = _extent(terminfo)
            self._out.keys.append(term_key(self._fieldname, self._btext))
            self._out.entries.append((start, count, terminfo.weight()))
            self._tindex.add(pack_ushort(self._fieldid) + self._btext, terminfo.to_bytes())
            self._fields[self._fieldname]["end"] = self._out.postings
            return
        super().finish_term()

    def close(self):
        self._out.close(self, self._fields)
        super().close()


# -- reading ---------------------------------------------------------------------------------
def _load(storage, name: str, dtype, offset: int, count: int) -> np.ndarray:
    """``count`` numbers of ``dtype`` at byte ``offset`` of a segment file, memory-mapped
    when the file is a plain file on disk."""
    if count == 0:
        return np.zeros(0, dtype=dtype)
    folder = getattr(storage, "folder", None)
    path = os.path.join(folder, name) if folder else None
    if path and os.path.isfile(path):
        # A plain array over the map: slicing a np.memmap costs more than the slice.
        mapped = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=(count,))
        return mapped.view(np.ndarray)
    with storage.open_file(name) as file:  # a compound segment, a storage in memory
        data = file.read()
    return np.frombuffer(data, dtype=dtype, count=count, offset=offset)


class SegmentColumns:
    """One segment's columns, read lazily (memory-mapped)."""

    def __init__(self, storage, segment, header: dict):
        self.storage = storage
        self.segment = segment
        self.header = header
        self.fields: dict = header["fields"]
        self._arrays: dict = {}
        self._position_starts: dict = {}

    @classmethod
    def open(cls, storage, segment) -> SegmentColumns | None:
        name = segment.make_filename(HEADER_EXT)
        if not storage.file_exists(name):
            return None  # a segment of Whoosh's own codec
        with storage.open_file(name) as file:
            header = json.loads(file.read().decode("utf-8"))
        if header.get("version") != FORMAT_VERSION:
            raise ValueError(
                f"{name}: columnar postings version {header.get('version')} "
                f"is not {FORMAT_VERSION}; rebuild the index"
            )
        return cls(storage, segment, header)

    def _array(self, what: str) -> np.ndarray:
        found = self._arrays.get(what)
        if found is None:
            header = self.header
            terms = header["terms"]
            name, dtype, offset, count = {
                "ids": (IDS_EXT, "<u4", 0, header["postings"]),
                "weights": (WEIGHTS_EXT, "<f4", 0, header["postings"]),
                "positions": (POSITIONS_EXT, "<u4", 0, header["positions"]),
                "keys": (TERMS_EXT, "<u8", 0, terms),
                "entries": (TERMS_EXT, _ENTRY, 8 * terms, terms),
            }[what]
            found = _load(self.storage, self.segment.make_filename(name), dtype, offset, count)
            self._arrays[what] = found
        return found

    def find(self, fieldname: str, btext: bytes):
        """A term's (first posting, postings, total weight), or None if the segment
        does not hold it; ``NotImplemented`` if the segment has no hash column."""
        if not self.header["hashed"]:
            return NotImplemented
        keys = self._array("keys")
        key = np.uint64(term_key(fieldname, btext))  # a Python int would compare as float
        i = keys.searchsorted(key)
        if i == len(keys) or keys[i] != key:
            return None
        return self._array("entries")[i].item()  # (start, count, weight)

    def postings(self, start: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers (int64) and weights (float32) of a slice of postings."""
        end = start + count
        return (
            self._array("ids")[start:end].astype(np.int64),
            self._array("weights")[start:end].copy(),
        )

    def positions(self, fieldname: str, start: int, count: int) -> list[np.ndarray]:
        """Each posting's positions, for a slice of a positional field's postings."""
        field = self.fields[fieldname]
        starts = self._position_starts.get(fieldname)
        if starts is None:
            weights = self._array("weights")[field["first"] : field["end"]]
            starts = np.zeros(len(weights) + 1, dtype=np.int64)
            np.cumsum(weights.astype(np.int64), out=starts[1:])
            starts += field["positions"]
            self._position_starts[fieldname] = starts
        local = start - field["first"]
        bounds = starts[local : local + count + 1]
        everything = self._array("positions")
        return [everything[bounds[i] : bounds[i + 1]] for i in range(count)]


class _Values:
    """Whoosh's encoded value of each posting of a slice, made when asked for
    (Whoosh's matchers read them for phrases, merges and highlighting)."""

    def __init__(
        self,
        columns: SegmentColumns,
        fieldname: str,
        start: int,
        count: int,
        weights: list,
        format_,
    ):
        self.columns, self.fieldname, self.format = columns, fieldname, format_
        self.start, self.count, self.weights = start, count, weights
        self._positions = None

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, i: int) -> bytes:
        if not self.columns.fields[self.fieldname]["positional"]:
            return pack_uint(int(self.weights[i]))
        if self._positions is None:
            self._positions = self.columns.positions(self.fieldname, self.start, self.count)
        return self.format.encode([int(p) for p in self._positions[i]])


class ColumnarTermsReader(W3TermsReader):
    """Whoosh's terms reader, reading columnar fields' postings from the columns."""

    def __init__(self, codec, dbfile, length, postfile, columns: SegmentColumns | None):
        super().__init__(codec, dbfile, length, postfile)
        self.columns = columns

    def _columnar(self, fieldname: str) -> bool:
        return self.columns is not None and fieldname in self.columns.fields

    def postings_arrays(self, fieldname: str, text) -> tuple[np.ndarray, np.ndarray] | None:
        """A term's document numbers and weights as arrays (empty if the segment does not
        hold it); None for a field whose postings are not columns here."""
        if not self._columnar(fieldname):
            return None
        btext = text.encode("utf-8") if isinstance(text, str) else text
        entry = self.columns.find(fieldname, btext)
        if entry is NotImplemented:
            try:
                start, count = _extent(self.term_info(fieldname, btext))
            except Exception:  # TermNotFound
                start = count = 0
        elif entry is None:
            start = count = 0
        else:
            start, count = entry[0], entry[1]
        return self.columns.postings(start, count)

    def matcher(self, fieldname, tbytes, format_, scorer=None):
        if not self._columnar(fieldname):
            return super().matcher(fieldname, tbytes, format_, scorer=scorer)
        terminfo = self.term_info(fieldname, tbytes)
        start, count = _extent(terminfo)
        ids, weights = self.columns.postings(start, count)
        weights = weights.tolist()
        values = _Values(self.columns, fieldname, start, count, weights, format_)
        return ListMatcher(
            ids.tolist(),
            weights,
            values,
            format_,
            scorer=scorer,
            term=(fieldname, tbytes),
            terminfo=terminfo,
        )

    def _entry(self, fieldname: str, tbytes: bytes):
        if not self._columnar(fieldname):
            return NotImplemented
        entry = self.columns.find(fieldname, tbytes)
        if entry is None:
            raise KeyError(tbytes)  # what Whoosh's reader raises for a missing term
        return entry

    def doc_frequency(self, fieldname, tbytes):
        entry = self._entry(fieldname, tbytes)
        if entry is NotImplemented:
            return super().doc_frequency(fieldname, tbytes)
        return entry[1]

    def frequency(self, fieldname, tbytes):
        entry = self._entry(fieldname, tbytes)
        if entry is NotImplemented:
            return super().frequency(fieldname, tbytes)
        return entry[2]
