"""The query: from a user's string to a query tree both backends run.

:mod:`~searcher.query.text` makes the string regular (the lexer),
:mod:`~searcher.query.parser` parses it into a Whoosh query tree with our
nodes (:mod:`~searcher.query.nodes`, plain queries read as
:mod:`~searcher.query.concepts`), :mod:`~searcher.query.highlight` lists what
it highlights, and :mod:`~searcher.query.plan` turns it into plain data for
the Manticore compiler. The Whoosh backend evaluates the tree itself
(:mod:`searcher.whoosh.evaluator`).
"""
