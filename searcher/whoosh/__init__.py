"""The embedded backend: a Whoosh index in a folder.

:mod:`~searcher.whoosh.reader` answers searches (:class:`~searcher.whoosh.reader.Index`),
:mod:`~searcher.whoosh.evaluator` scores queries over arrays,
:mod:`~searcher.whoosh.expansion` makes wildcard, fuzzy and rare words concrete,
:mod:`~searcher.whoosh.columns` keeps what is read per segment, and
:mod:`~searcher.whoosh.internals` is the only module that reads Whoosh's
private internals. :mod:`~searcher.whoosh.writer` writes the index and
:mod:`~searcher.whoosh.storage` knows its folder (schema, version, opening).
"""
