"""The words and phrases a query highlights in titles and snippets."""

from __future__ import annotations

from whoosh import query

from searcher.query.nodes import AllWords, LiteralPhrase, PairPhrase
from searcher.query.parser import FIELD_BOOSTS
from searcher.snippets import MatchTerms


def match_terms(parsed) -> MatchTerms:
    """The words and phrases to highlight: every positive term of the query."""
    found: dict[str, set] = {
        "stems": set(),
        "exact": set(),
        "stem_phrases": set(),
        "exact_phrases": set(),
    }

    def walk(node):
        if isinstance(node, query.Not):
            return
        if isinstance(node, query.AndNot):
            walk(node.a)
            return
        if isinstance(node, PairPhrase):  # a concept's other expression, found together
            found["stem_phrases"].add(node.words)
            return
        if isinstance(node, AllWords):
            # A multiword expression's words anywhere: marked only where the whole
            # expression stands, never word by word ("tindak" of "tindak lanjut", #21).
            found["exact_phrases"].add(
                tuple(
                    leaf.text
                    for leaf in node.leaves()
                    if leaf.fieldname.endswith("_exact") and leaf.fieldname.startswith("body")
                )
                or tuple(leaf.text for leaf in node.leaves())
            )
            return
        if isinstance(node, LiteralPhrase):  # a quoted phrase: its written words
            found["exact_phrases"].add(node.exact_words)
            return
        fieldname = getattr(node, "fieldname", None)
        if fieldname in FIELD_BOOSTS:
            kind = "exact" if fieldname.endswith("_exact") else "stem"
            if isinstance(node, query.Term):
                found["stems" if kind == "stem" else "exact"].add(node.text)
            elif isinstance(node, query.Phrase):
                found[f"{kind}_phrases"].add(tuple(node.words))
        for child in node.children():
            walk(child)

    walk(parsed)
    return MatchTerms(**{key: frozenset(values) for key, values in found.items()})
