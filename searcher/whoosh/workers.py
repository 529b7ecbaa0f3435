"""Indexing worker processes (``procs`` > 1): Whoosh's multi-process writer made safe.

A worker dies with the indexer that started it, leaves Ctrl-C to it, reports
a full disk by its exit code and sends the words it indexed, with their
stems, back in a file (:mod:`searcher.whoosh.folders`); a failed worker fails
the commit instead of Whoosh committing without its articles; a bounded job
queue stops waiting once the workers are gone.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable

from searcher import stemmer
from searcher.errors import SearcherError
from searcher.whoosh import internals
from searcher.whoosh.folders import WRITE_PROBLEMS, write_stem_part


def _exit_with_parent() -> None:
    """In a worker process: exit as soon as the indexer that started it has died.

    Otherwise a worker of a killed (kill -9) indexer waits for jobs forever,
    holding the indexer lock and Whoosh's write lock it inherited, and every
    later run fails as "busy". The parent's sentinel is public multiprocessing
    API and works on every platform (unlike Linux's PR_SET_PDEATHSIG).
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class _Worker(internals.WorkerTask):
    """A Whoosh indexing worker that dies with its parent, leaves Ctrl-C to it, and
    reports a full disk (or a read-only file system) to it by exit code."""

    def run(self) -> None:
        # Ctrl-C reaches every process of the terminal's group: the indexer stops its
        # workers itself (cancel), so a worker ignores it instead of printing a traceback.
        # The indexer started it with SIGINT blocked, so none arrived before this line.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        _exit_with_parent()
        # Forked from the indexer: the stems it knows (its index's table) are known
        # here too; the words indexed here go back to it with their stems in a
        # file, read at commit.
        words = stemmer.start_recording()
        try:
            super().run()
            if internals.task_running(self):
                known = stemmer.known_stems()
                write_stem_part(
                    internals.task_folder(self),
                    [(word, known.get(word) or stemmer.stem_word(word)) for word in words],
                )
        except OSError as error:
            if error.errno not in WRITE_PROBLEMS:
                raise
            # The errno as exit code instead of a traceback: the parent says it in one line.
            sys.exit(error.errno)


class _JobQueue:
    """The parent's end of the job queue: a ``put`` that fails once a worker has died.

    Whoosh's bounded queue otherwise blocks the parent forever when the workers
    are gone (a full disk kills them all).
    """

    def __init__(self, jobs, check: Callable[[], None]):
        self.jobs = jobs
        self.check = check

    def put(self, job) -> None:
        while True:
            self.check()
            try:
                self.jobs.put(job, timeout=0.2)
                return
            except queue.Full:
                continue


class ParallelWriter(internals.ParallelWriter):
    """Whoosh's multi-process writer, made safe to fail.

    Whoosh commits without the segment of a worker that crashed (it waits one
    second for each result and moves on), so a dead worker silently dropped its
    articles; here it fails the commit. Cancelling stops the workers, which
    Whoosh leaves waiting for jobs while they hold the inherited locks.
    """

    def __init__(self, ix, before_toc: Callable[[], None], **options):
        super().__init__(ix, _Worker, self._commit_checks, **options)
        self.jobqueue = _JobQueue(self.jobs, self.check_workers)
        self.before_toc = before_toc

    def check_workers(self) -> None:
        """Raise if a worker has failed (a worker only ends early by failing)."""
        for task in self.tasks:
            if task.exitcode in WRITE_PROBLEMS:
                raise OSError(task.exitcode, os.strerror(task.exitcode))
            if task.exitcode not in (None, 0):
                raise SearcherError(
                    f"an indexing worker process failed (exit code {task.exitcode}); "
                    "nothing since the last commit was saved"
                )

    def _commit_checks(self) -> None:
        self.check_workers()  # before the new table of contents makes anything visible
        self.before_toc()  # the workers have finished: their stems are in their files

    def cancel(self) -> None:
        for task in self.tasks:
            task.terminate()
        for task in self.tasks:
            task.join()
        internals.cancel_segment_writer(self)
