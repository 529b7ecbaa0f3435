"""Each thread's view of a Whoosh index generation (:class:`ViewsMixin`, a part of
:class:`searcher.whoosh.reader.Index`): its own searcher, refreshed when an indexer
commits a newer generation but never inside one call of the API, and a damaged file
met by a search named by checking the folder (#24).
"""

from __future__ import annotations

import contextlib
import pickle
import struct
import time
import zlib
from pathlib import Path

from searcher import stemtable
from searcher.errors import IndexClosedError, IndexDamagedError, SearcherError
from searcher.ranking import BM25_PARAMETERS
from searcher.whoosh import verify
from searcher.whoosh.evaluator import View
from searcher.whoosh.internals import BM25FWeighting
from searcher.whoosh.storage import damaged

# After a search failed reading the index: how long checking the posting lists may take
# (the quick check of the other files always runs whole).
DAMAGE_CHECK_SECONDS = 10.0
# What reading a damaged file raises (Whoosh's and our codec's reading code, zlib,
# struct, pickle, NumPy): such an error makes the search check the folder (#24).
READ_ERRORS = (
    EOFError,
    OSError,
    ValueError,
    IndexError,
    KeyError,
    struct.error,
    zlib.error,
    pickle.UnpicklingError,
)


class ViewsMixin:
    """The searchers and views of :class:`searcher.whoosh.reader.Index`."""

    # -- searchers -----------------------------------------------------------
    def _new_searcher(self):
        weighting = BM25FWeighting(self._segment_data.lengths, **BM25_PARAMETERS)
        return self._ix.searcher(weighting=weighting)

    def _new_view(self, searcher) -> View:
        """A view of a generation, knowing its words when the index has a stem table
        (loaded again if a later indexing run extended it)."""
        vocabulary = self.vocabulary
        stemtable.load(self.path, vocabulary)
        known = vocabulary.known.__contains__ if vocabulary.complete else None
        # What a generation's searches read lazily is read now, while its files exist;
        # a damaged column file is named here, not met by a search (#24).
        try:
            self._segment_data.prepare(searcher.reader())
            self._groups.prepare(searcher.reader())
        except Exception as error:  # Whoosh raises many types for unreadable files
            raise damaged(self.path, error) from error
        return View(searcher, self._segment_data, known)

    @contextlib.contextmanager
    def pinned(self):
        """One call of the API (:func:`searcher.checks.while_open`): this thread's
        view may be refreshed at its first use in the outermost call, never later in
        it, so a call reads one generation and its searcher is not closed under it
        (a refresh in a nested ``parse`` closed the search's reader, #24)."""
        local = self._local
        depth = getattr(local, "depth", 0)
        local.depth = depth + 1
        if depth == 0:
            local.may_refresh = True
        try:
            yield
        except SearcherError:
            raise
        except READ_ERRORS as error:
            # A damaged file met by a search (a posting list, a term, stored fields):
            # named, with the way to recover, when checking the folder finds it; a 503
            # on the web, one line in the CLI (#24). Otherwise a bug: raised as it is.
            if depth == 0 and not self.closed:
                problem = self._damage(error)
                if problem is not None:
                    raise problem from error
            raise
        finally:
            local.depth = depth

    def _damage(self, error: Exception) -> SearcherError | None:
        """The error to raise for ``error`` if the index is damaged, else None. The
        check runs once per state of the folder (its latest table of contents)."""
        toc = verify.latest_toc(Path(self.path))
        try:
            stamp = (toc, toc.stat().st_mtime_ns) if toc is not None else None
        except OSError:
            stamp = None
        with self._lock:
            known = self._damage_checked
        if known is not None and known[0] == stamp:
            found, finished = known[1]
        else:
            try:
                found, finished = verify.damage_after_error(self.path, DAMAGE_CHECK_SECONDS)
            except Exception:  # the check met the damage in a way it did not expect
                found, finished = None, False
            with self._lock:
                self._damage_checked = (stamp, (found, finished))
        if found is not None:
            return IndexDamagedError(self.path, str(found))
        if not finished:
            return SearcherError(
                f"cannot read the index in {self.path} ({type(error).__name__}: "
                f"{' '.join(str(error).split())[:200]}); check it with: python -m searcher "
                f"check --index {self.path}, rebuild it with: python -m searcher index "
                f"SOURCE... --rebuild --index {self.path}"
            )
        return None

    def _view(self) -> View:
        """This thread's view of the latest generation (within a call: the one the
        call began with)."""
        local = self._local
        view = getattr(local, "view", None)
        may_refresh = getattr(local, "may_refresh", True) or not getattr(local, "depth", 0)
        if getattr(local, "depth", 0):
            local.may_refresh = False
        now = time.monotonic()
        if view is None:
            searcher = self._new_searcher()
            with self._lock:
                if self.closed:  # closed by another thread meanwhile
                    searcher.close()
                    raise IndexClosedError(self.path)
                self._all_searchers.append(searcher)
            view = local.view = self._new_view(searcher)
            local.checked = now
        elif may_refresh and now - local.checked > self.refresh_seconds:
            local.checked = now
            if not view.searcher.up_to_date():
                fresh = self._new_searcher()
                with self._lock:
                    self._all_searchers.remove(view.searcher)
                    self._all_searchers.append(fresh)
                view.searcher.close()  # only this thread ever used it
                local.view = view = self._new_view(fresh)
        return view

    def _searcher(self):
        return self._view().searcher
