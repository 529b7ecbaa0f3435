"""The corpus readers are a package of one concept a module (#25, item 4), and the
old module name still imports."""

from __future__ import annotations

import searcher.ingest
import searcher.readers
from tests.support import ROOT

INGEST = ROOT / "searcher" / "ingest"


def test_each_ingest_module_is_short_and_says_its_concept():
    modules = sorted(INGEST.glob("*.py"))
    assert len(modules) >= 8
    for path in modules:
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) < 400, path.name
        assert text.startswith('"""'), f"{path.name} has no docstring"


def test_the_old_module_name_is_the_same_api():
    assert searcher.readers.__all__ == searcher.ingest.__all__
    for name in searcher.ingest.__all__:
        assert getattr(searcher.readers, name) is getattr(searcher.ingest, name), name
    assert searcher.read_articles is searcher.ingest.read_articles
