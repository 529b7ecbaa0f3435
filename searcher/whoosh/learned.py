"""The learned neighbours (:mod:`searcher.neighbours`) of a Whoosh index: learned
after an indexing run commits, read by searches (#23).

:func:`refresh` runs after the commit, as the duplicate groups and the stem
table do: it learns the model again when the file is missing or cannot be
read, or when the index grew or shrank by a fifth since it was learned; a
corpus too small to learn from has no file (and searches expand nothing).
:class:`NeighbourCache` gives searches the current model, read again when
the file changes.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from searcher import neighbours

log = logging.getLogger("searcher")


def refresh(
    folder: str | os.PathLike,
    ix,
    *,
    vectors: bool = False,
    min_tokens: int = neighbours.MIN_TOKENS,
    min_count: int = neighbours.MIN_COUNT,
) -> neighbours.Model | None:
    """Learn the index's neighbours again if they are missing, unreadable or
    stale (:func:`searcher.neighbours.stale`); the model in force. Without
    ``vectors`` only the words' casing (names) is learned: a minute or more of
    vectors on CLICK-ID buys nothing while ``Ranking.neighbour_weight`` is 0; a
    model learned with vectors is kept (and relearned with them)."""
    folder = Path(folder)
    with ix.searcher() as searcher:
        live = searcher.doc_count()
        try:
            model = neighbours.load(folder)
        except ValueError as error:
            if (folder / neighbours.NEIGHBOURS_FILE).exists():
                log.warning("%s; learning them again", error)
            model = None
        if not neighbours.stale(model, live, vectors=vectors):
            return model
        vectors = vectors or (model is not None and model.has_vectors)
        counts = neighbours.Counts(keep_texts=vectors)
        for stored in searcher.reader().all_stored_fields():  # live documents only
            counts.add_document(stored.get("title") or "", stored.get("body") or "")
    model = neighbours.learn(counts, vectors=vectors, min_tokens=min_tokens, min_count=min_count)
    if model is None:
        (folder / neighbours.NEIGHBOURS_FILE).unlink(missing_ok=True)
        return None
    neighbours.save(model, folder)
    return model


class NeighbourCache:
    """The neighbours saved in an index folder, read again when the file changes;
    None when there is no file (a small corpus) or it cannot be read (logged once;
    the next indexing run learns them again)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._stamp = None
        self._model: neighbours.Model | None = None

    def get(self) -> neighbours.Model | None:
        try:
            stat = (self.folder / neighbours.NEIGHBOURS_FILE).stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._model = neighbours.load(self.folder)
                except ValueError as error:
                    log.warning("%s; searches expand no learned neighbours", error)
                    self._model = None
            return self._model
