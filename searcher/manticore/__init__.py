"""The Manticore Search / Sphinx backend: the same search on a distributed engine.

Selected with a location such as ``manticore://127.0.0.1:9306,10.0.0.2:9306/articles``
(``sphinx://`` is the same): the SQL (SphinxQL, MySQL protocol) address of
every node, and the name of the distributed index that spans the shards.

What stays ours
    Text is analysed here, in Python, by the very chain the Whoosh backend uses
    (:mod:`searcher.analysis`): the engine receives ready-made index terms, its
    own morphology is off. Queries are parsed by :func:`searcher.query.plan.plan_query`
    and compiled to the engine's syntax; snippets come from our highlighter over
    the stored original text. Results therefore look the same on both backends.

Terms on the wire
    The engine's tokenizer only knows ``a-z``, ``0-9`` and ``_``; every other
    character of a term is written ``_<hex code>_`` (``covid-19`` →
    ``covid_2d_19``), so hyphenated words and any script survive intact.

Sharding
    Real-time shards named ``<table>_<n>``; an article goes to shard
    ``hash(id) % shards`` and keeps one 63-bit document id derived from its
    own id, so re-indexing replaces it in place. The distributed index
    ``<table>`` on every node lists all shards (local ones and agents), which
    is how the client learns the shard count even when a node is down.
    :mod:`searcher.manticore.config` writes such configurations.

Modules
    :mod:`~searcher.manticore.schema` (the table's columns and terms on the wire),
    :mod:`~searcher.manticore.cluster` (nodes, failover, shard layout),
    :mod:`~searcher.manticore.compiler` (query plans to the engine's syntax),
    :mod:`~searcher.manticore.searching` (:class:`ManticoreIndex`),
    :mod:`~searcher.manticore.indexing` (writing and deleting) and
    :mod:`~searcher.manticore.config` (configuration files; no PyMySQL needed).
"""
