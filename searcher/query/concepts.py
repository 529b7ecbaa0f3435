"""Reading a plain query as concepts: words, multiword terms and their synonyms.

People type news queries as a few plain words (``perdagangan orang anak``).
Ranking reads such a query as more than a bag of words:

* each **word**, with its exact form and its stem (an article that writes the
  query's own form ranks above one with another derivation of the root);
* **concepts**: a span of the query's words that the thesaurus
  (``data/synonyms.txt``) knows, with its alternative expressions
  (``perdagangan orang`` ~ ``perdagangan manusia`` ~ ``tppo``); an article
  that uses any of them covers those words;
* **pairs**: each two neighbouring words, looked up in the index's pair
  fields, so articles where the words stand together rank above articles
  where they are scattered. (Treating every pair the corpus often writes
  together as a concept of its own was measured and lost: names and common
  phrases became concepts; RELEVANCE.md.)

Question words (``data/question_words.txt``: "pengertian", "letak", ...)
weigh less: they say what kind of answer is wanted, not what it is about.

This module is plain data and knows nothing of Whoosh; the search module
turns a :class:`PlainQuery` into index lookups.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from searcher.resources import read_lines
from searcher.stemmer import stem_word
from searcher.stopwords import is_stop_word
from searcher.synonyms import THESAURUS, is_plain, longest_expression, synonym_groups
from searcher.tokenizer import find_words, normalize


@dataclass(frozen=True)
class Word:
    """One analysed query word: its exact (lowercased) form, its stem and weight."""

    exact: str
    stem: str
    weight: float = 1.0


@dataclass(frozen=True)
class Concept:
    """Words ``start``..``end`` (exclusive) of the query, known to the thesaurus.

    ``alternatives`` are its other expressions, each as analysed words.
    """

    start: int
    end: int
    alternatives: tuple[tuple[Word, ...], ...]


@dataclass(frozen=True)
class PlainQuery:
    """A query of plain words read as words and concepts (see the module doc)."""

    words: tuple[Word, ...]
    concepts: tuple[Concept, ...] = ()
    question: bool = False  # it holds an interrogative (data/question_words.txt)

    def pairs(self) -> list[tuple[int, Word, Word]]:
        """Neighbouring words as ``(index of the first, first, second)``."""
        return [(i, self.words[i], self.words[i + 1]) for i in range(len(self.words) - 1)]


@dataclass(frozen=True)
class QuestionWords:
    """``data/question_words.txt``: interrogatives and template words' weights."""

    interrogatives: frozenset[str]
    in_questions: dict[str, float]  # weights that apply when the query is a question
    always: dict[str, float]  # weights that apply in every query


@cache
def question_words() -> QuestionWords:
    interrogatives, in_questions, always = set(), {}, {}
    for line in read_lines("question_words.txt"):
        parts = line.split()
        if parts[0] == "?":
            interrogatives.add(normalize(parts[1]))
        else:
            table = always if parts[-1] == "!" else in_questions
            table[normalize(parts[0])] = float(parts[1])
    return QuestionWords(frozenset(interrogatives), in_questions, always)


def analyse_words(text: str, *, question: bool = False) -> tuple[Word, ...]:
    """The non-stop words of ``text`` as :class:`Word` (query analysis).

    Template words weigh less (their weight in a ``question`` or in any query).
    """
    table = question_words()
    found = []
    for match in find_words(text):
        exact = normalize(match.group())
        if is_stop_word(exact):
            continue
        weight = (
            table.always.get(exact) or (table.in_questions.get(exact) if question else None) or 1.0
        )
        found.append(Word(exact, stem_word(exact), weight))
    return tuple(found)


@cache
def _spelling_rules() -> tuple[tuple[str, str], ...]:
    rules = []
    for line in read_lines("loanword_spelling.txt"):
        written, indonesian = line.split()
        rules.append((written, indonesian))
    return tuple(rules)


def loanword_spellings(word: str) -> list[str]:
    """``word`` and its spelling with loanword rules applied (``data/loanword_spelling.txt``):
    "semiconductor" -> ["semiconductor", "semikonduktor"]."""
    spelt = word
    for written, indonesian in _spelling_rules():
        if written.startswith("-"):
            if spelt.endswith(written[1:]):
                spelt = spelt[: -len(written) + 1] + indonesian.lstrip("-")
        else:
            spelt = spelt.replace(written, indonesian)
    return [word] if spelt == word else [word, spelt]


def read_plain_query(
    pieces: list[str], thesaurus: tuple[str, ...] = THESAURUS
) -> PlainQuery | None:
    """The pieces of a query made only of plain words, as a :class:`PlainQuery`.

    Concepts come from the ``thesaurus`` files (``searcher/data``).

    None when a piece is an operator or other syntax, or when a piece stands
    for several tokens ("kompas.com": the parser reads that as a phrase), or
    when nothing but stop words is left.
    """
    raw: list[str] = []  # the normalised words, stop words included (thesaurus keys)
    for piece in pieces:
        if not is_plain(piece):
            return None
        tokens = [normalize(m.group()) for m in find_words(piece)]
        if len(tokens) > 1:
            return None
        raw.extend(tokens)
    question = not question_words().interrogatives.isdisjoint(raw)
    words: list[Word] = []
    positions: list[int] = []  # raw index -> index in ``words`` (or -1 for a stop word)
    for token in raw:
        analysed = analyse_words(token, question=question)
        positions.append(len(words) if analysed else -1)
        words.extend(analysed)
    if not words:
        return None
    return PlainQuery(tuple(words), _concepts(raw, positions, thesaurus), question)


def _concepts(
    raw: list[str], positions: list[int], thesaurus: tuple[str, ...]
) -> tuple[Concept, ...]:
    """Thesaurus expressions in the query's words, longest first, left to right."""
    table = synonym_groups(thesaurus)
    found = []
    i = 0
    while i < len(raw):
        match = longest_expression(raw, i, table)
        if match is None:
            i += 1
            continue
        length, others = match
        kept = [p for p in positions[i : i + length] if p >= 0]  # stop words are no words
        alternatives = tuple(a for a in (_expression(o) for o in others) if a)
        if kept and alternatives:
            found.append(Concept(kept[0], kept[-1] + 1, alternatives))
        i += length
    return tuple(found)


def holds_phrase(text: str, words: tuple[str, ...], *, stop_words: bool = False) -> bool:
    """Whether ``text`` writes ``words`` (normalised forms) side by side in this
    order: with ``stop_words`` every word counts, as written; without, stop words
    are left out of both (as the exact field's analysis drops them)."""
    if not words:
        return False
    if all(w.isascii() and w.isalnum() for w in words):
        folded = text.casefold()
        if any(w not in folded for w in words):  # a quick no
            return False
    tokens = [
        w
        for w in (normalize(m.group()) for m in find_words(text))
        if stop_words or not is_stop_word(w)
    ]
    if not stop_words:
        words = tuple(w for w in words if not is_stop_word(w))
        if not words:
            return False
    size = len(words)
    first = words[0]
    return any(
        tokens[i : i + size] == list(words) for i, token in enumerate(tokens) if token == first
    )


@cache
def _expression(words: tuple[str, ...]) -> tuple[Word, ...]:
    return analyse_words(" ".join(words))
