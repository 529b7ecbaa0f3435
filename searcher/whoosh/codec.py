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
``.cpw``  their weights (the term's count in the document: uint16 when every
          count of the segment fits, else float32; the header says which);
``.cpp``  positions of the fields that keep them (``title``, ``body``:
          phrases), posting after posting (uint16 when they fit, else uint32);
``.cpt``  a term table: the sorted 64-bit hashes of (field, term), then for each
          its first posting, its number of postings and its total weight;
``.cph``  a small JSON header: the sizes, and each field's first posting and
          first position.

The columns are laid out in bulk when the segment is written
(:class:`ColumnarFieldWriter`, :mod:`searcher.whoosh.bulk`), from the documents
our writer added and from the postings Whoosh's pool still sends (merges).

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

import itertools
import json
import operator
import os
import struct

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3TermsReader
from whoosh.formats import Frequency, Positions
from whoosh.matching import ListMatcher
from whoosh.system import pack_uint, pack_ushort

from searcher.whoosh import bulk, internals
from searcher.whoosh.bulk import BatchPostings, term_key
from searcher.whoosh.internals import INLINE_POSTINGS, InliningCodec

# The fields queries rank by (searcher.whoosh.evaluator.TERM_FIELDS).
RANKED_FIELDS = ("title", "body", "title_exact", "body_exact", "title_pairs", "body_pairs")
# 2: weights and positions as 16-bit numbers where they fit (the header says).
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
IDS_EXT, WEIGHTS_EXT, POSITIONS_EXT, TERMS_EXT, HEADER_EXT = (
    ".cpi",
    ".cpw",
    ".cpp",
    ".cpt",
    ".cph",
)
_ENTRY = np.dtype([("start", "<u8"), ("count", "<u4"), ("weight", "<f4")])


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
# A columnar term's entry in Whoosh's term dictionary: W3TermInfo's fields, then in
# place of a block's offset and length, the term's first posting and number of postings.
_TERMINFO = struct.Struct("!BfIBBfIIqi")
_EXTENT = struct.Struct("!qi")  # its last bytes


class ColumnarFieldWriter(W3FieldWriter):
    """Whoosh's field writer, with the columnar fields' postings laid out in bulk
    (:mod:`searcher.whoosh.bulk`): from ``batch`` (the documents our writer added,
    set by :class:`searcher.whoosh.internals.BulkSegmentWriter`) and from the
    postings Whoosh's pool sends (segments merged, documents added by Whoosh)."""

    def __init__(self, codec: ColumnarCodec, storage, segment):
        super().__init__(codec, storage, segment)
        self.batch: BatchPostings | None = None
        self._fields: dict = {}
        self._ids: list = []
        self._weights: list = []
        self._positions: list = []
        self._postings = 0
        self._position_count = 0
        self._keys: list[int] = []
        self._entries: list[np.ndarray] = []

    def add_postings(self, schema, lengths, items):
        batch = self.batch if self.batch is not None else BatchPostings()
        columnar = {
            name
            for name, fieldobj in schema.items()
            if is_columnar(name, fieldobj, self._codec.columnar_fields)
        }
        pending = [name for name in batch.names() if name in columnar]
        for fieldname, group in itertools.groupby(items, key=operator.itemgetter(0)):
            while pending and pending[0] < fieldname:
                self._write_field(schema, pending.pop(0), batch, lengths)
            if fieldname not in columnar:
                super().add_postings(schema, lengths, group)
                continue
            fmt = schema[fieldname].format
            positional = type(fmt) is Positions
            postings = batch.field(fieldname, positional)
            decode = fmt.decode_positions if positional else None
            for _, btext, docnum, weight, value in group:
                postings.add_posting(btext, docnum, weight, decode(value) if decode else None)
            if pending and pending[0] == fieldname:
                pending.pop(0)
            self._write_field(schema, fieldname, batch, lengths)
        for fieldname in pending:
            self._write_field(schema, fieldname, batch, lengths)

    def _write_field(self, schema, fieldname: str, batch: BatchPostings, lengths) -> None:
        """One field's terms into Whoosh's dictionary, its postings to the columns."""
        postings = batch.fields.pop(fieldname)
        layout = postings.layout()
        fieldobj = schema[fieldname]
        self.start_field(fieldname, fieldobj)
        first = self._postings
        ids = layout.ids
        codes = internals.length_codes(lengths, fieldname, int(ids.max()) + 1 if len(ids) else 0)
        if len(ids):
            lengths_of = codes[ids]
            smallest = np.minimum.reduceat(lengths_of, layout.starts).tolist()
            largest = np.maximum.reduceat(lengths_of, layout.starts).tolist()
        else:
            smallest = largest = []
        starts = (layout.starts + first).tolist()
        pack, add, prefix = _TERMINFO.pack, self._tindex.add, pack_ushort(self._fieldid)
        keys = self._keys
        rows = zip(
            layout.words,
            layout.weights.tolist(),
            layout.counts.tolist(),
            smallest,
            largest,
            layout.max_weights.tolist(),
            layout.first.tolist(),
            layout.last.tolist(),
            starts,
            strict=True,
        )
        for word, weight, count, low, high, top, minid, maxid, start in rows:
            btext = word.encode("utf-8")
            add(prefix + btext, pack(0, weight, count, low, high, top, minid, maxid, start, count))
            keys.append(term_key(fieldname, btext))
        entries = np.zeros(len(layout.words), dtype=_ENTRY)
        entries["start"], entries["count"] = starts, layout.counts
        entries["weight"] = layout.weights
        self._entries.append(entries)
        self._fields[fieldname] = {
            "first": first,
            "end": first + len(ids),
            "positions": self._position_count,
            "positional": postings.positional,
        }
        self._ids.append(ids)
        self._weights.append(layout.posting_weights)
        self._positions.append(layout.positions)
        self._postings += len(ids)
        self._position_count += len(layout.positions)
        self.finish_field()

    def close(self):
        weights = bulk.concatenate(self._weights, np.float32)
        positions = bulk.concatenate(self._positions, np.uint32)
        weights_dtype = bulk.smallest_dtype(weights)
        positions_dtype = bulk.smallest_dtype(positions)
        for ext, values, dtype in (
            (IDS_EXT, bulk.concatenate(self._ids, np.uint32), "<u4"),
            (WEIGHTS_EXT, weights, weights_dtype),
            (POSITIONS_EXT, positions, positions_dtype),
        ):
            with self._create_file(ext) as out:
                out.write(bulk.as_stored(values, dtype))
        keys = np.array(self._keys, dtype="<u8")
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        unique = not len(keys) or bool(np.all(keys[1:] != keys[:-1]))
        entries = bulk.concatenate(self._entries, _ENTRY)[order] if unique else np.zeros(0, _ENTRY)
        with self._create_file(TERMS_EXT) as table:
            if unique:
                table.write(keys.tobytes())
                table.write(entries.tobytes())
        header = {
            "version": FORMAT_VERSION,
            "postings": self._postings,
            "positions": self._position_count,
            "weights_dtype": weights_dtype,
            "positions_dtype": positions_dtype,
            "terms": len(entries),
            "hashed": unique,
            "fields": self._fields,
        }
        with self._create_file(HEADER_EXT) as out:
            out.write(json.dumps(header).encode("utf-8"))
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
        if header.get("version") not in READABLE_VERSIONS:
            raise ValueError(
                f"{name}: columnar postings version {header.get('version')} "
                f"is not one of {READABLE_VERSIONS}; rebuild the index"
            )
        return cls(storage, segment, header)

    def _array(self, what: str) -> np.ndarray:
        found = self._arrays.get(what)
        if found is None:
            header = self.header
            terms = header["terms"]
            name, dtype, offset, count = {
                "ids": (IDS_EXT, "<u4", 0, header["postings"]),
                "weights": (WEIGHTS_EXT, header.get("weights_dtype", "<f4"), 0, header["postings"]),
                "positions": (
                    POSITIONS_EXT,
                    header.get("positions_dtype", "<u4"),
                    0,
                    header["positions"],
                ),
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
            self._array("weights")[start:end].astype(np.float32),
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

    def field_arrays(self, fieldname: str):
        """A columnar field's whole postings, for a merge: its terms (byte order), each
        term's number of postings, and the field's document numbers, weights and
        positions; None if the field is not columnar here."""
        if not self._columnar(fieldname) or fieldname not in self._fieldmap:
            return None
        prefix = pack_ushort(self._fieldmap[fieldname])
        words, counts = [], []
        extent = _EXTENT.unpack
        for key, value in self._tindex.items_from(prefix):
            if key[:2] != prefix:
                break
            words.append(key[2:].decode("utf-8"))
            counts.append(extent(value[-_EXTENT.size :])[1])
        field = self.columns.fields[fieldname]
        ids = self.columns._array("ids")[field["first"] : field["end"]]
        weights = self.columns._array("weights")[field["first"] : field["end"]]
        if sum(counts) != len(ids):
            return None  # not laid out as this code lays fields out: Whoosh's way
        positions = np.zeros(0, dtype=np.uint32)
        if field["positional"]:
            first = field["positions"]
            count = int(weights.astype(np.int64).sum())
            positions = self.columns._array("positions")[first : first + count]
        return words, np.array(counts, dtype=np.int64), ids, weights, positions

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
