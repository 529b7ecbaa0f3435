"""The old name of :mod:`searcher.ingest` (#25): the corpus readers are a package now.

Kept so ``from searcher.readers import read_articles`` (and the rest of
:data:`searcher.ingest.__all__`) goes on working.
"""

from __future__ import annotations

from searcher.ingest import *  # noqa: F403
from searcher.ingest import __all__  # noqa: F401
