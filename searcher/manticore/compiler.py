"""Compiling a query plan (:mod:`searcher.query.plan`) into the engine's extended query syntax."""

from __future__ import annotations

from collections.abc import Callable

from searcher.errors import QueryError
from searcher.manticore.schema import ALL_FIELD, ALL_TOKEN, TEXT_FIELDS, encode_pattern, encode_term
from searcher.query import plan
from searcher.request import FUZZY_PREFIX, MAX_EXPANSIONS
from searcher.spelling import edits

_FIELD_ORDER = {name: i for i, name in enumerate(TEXT_FIELDS)}


class Compiler:
    """Turns a :class:`~searcher.query.plan.QueryPlan` match tree into extended query syntax.

    ``lookup(words)`` returns how many documents hold each word; it serves
    the fuzzy terms, which the engine does not have: their near spellings
    are generated here and the ones that occur become an OR.
    """

    def __init__(self, lookup: Callable[[list[str]], dict[str, int]]):
        self.lookup = lookup
        self.expanded: set[str] = set()  # words fuzzy terms stood for (to highlight)

    def compile(self, node) -> str | None:
        """The MATCH text; None matches every document; "" matches none."""
        text = self._node(node)
        return None if text is ALL else text

    def _node(self, node):
        if isinstance(node, plan.Everything):
            return ALL
        if isinstance(node, plan.Nothing):
            return ""
        if isinstance(node, plan.Term):
            return f"(@{node.field} {encode_term(node.text)})"
        if isinstance(node, plan.Phrase):
            return f'(@{node.field} "{" ".join(map(encode_term, node.words))}")'
        if isinstance(node, plan.Pattern):
            return f"(@{node.field} {encode_pattern(node.text)})"
        if isinstance(node, plan.Fuzzy):
            words = self._near(node.text, node.field)
            return "(" + " | ".join(f"(@{node.field} {encode_term(w)})" for w in words) + ")"
        if isinstance(node, plan.AnyOf):
            return self._any(node.children)
        if isinstance(node, plan.AllOf):
            parts = [self._node(child) for child in node.children]
            if "" in parts:
                return ""
            parts = [p for p in parts if p is not ALL]
            return "(" + " ".join(parts) + ")" if parts else ALL
        if isinstance(node, plan.Preferring):
            required, optional = self._node(node.required), self._node(node.optional)
            if required in ("", ALL) or optional in ("", ALL):
                return required
            # "required MAYBE optional", spelt so that every engine version agrees.
            return f"({required} | ({required} {optional}))"
        if isinstance(node, plan.Excluding):
            positive, negative = self._node(node.positive), self._node(node.negative)
            if positive == "" or negative is ALL:
                return ""
            if negative == "":
                return positive
            if positive is ALL:
                positive = f"(@{ALL_FIELD} {ALL_TOKEN})"
            return f"({positive} -{negative})"
        raise QueryError(f"this backend cannot run a {type(node).__name__} query")

    def _any(self, children) -> str:
        # Group one word's fields: (@(title,body) dagang) instead of two clauses.
        by_word: dict[str, list[str]] = {}
        parts = []
        for child in children:
            if isinstance(child, plan.Term):
                key = encode_term(child.text)
                if key not in by_word:
                    by_word[key] = []
                    parts.append(key)
                by_word[key].append(child.field)
                continue
            text = self._node(child)
            if text is ALL:
                return ALL
            if text:
                parts.append(text)
        out = []
        for part in parts:
            fields = by_word.get(part)
            if fields is None:
                out.append(part)
            else:
                names = ",".join(sorted(set(fields), key=_FIELD_ORDER.get))
                out.append(f"(@({names}) {part})")
        if not out:
            return ""
        return out[0] if len(out) == 1 else "(" + " | ".join(out) + ")"

    def _near(self, word: str, fieldname: str) -> list[str]:
        """``word`` and its existing spellings one edit away (first letters kept)."""
        candidates = [word, *edits(word, FUZZY_PREFIX)]
        counts = self.lookup(candidates)
        found = [w for w in candidates if counts.get(w, 0) > 0 or w == word]
        found = found[:MAX_EXPANSIONS]
        self.expanded.update((fieldname, w) for w in found)
        return found


class _AllDocuments(str):
    pass


ALL = _AllDocuments("*")  # matches every document
