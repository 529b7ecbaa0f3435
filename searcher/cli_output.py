"""What the command line prints: exit codes, text made safe for a terminal, JSON, and
search results (the formatting half of :mod:`searcher.cli`)."""

from __future__ import annotations

import json
import re

from searcher.models import SearchResult

OK, NOTHING, USAGE = 0, 1, 2

# What must not reach a terminal from article text: C0/C1 controls (escape sequences
# start with ESC or the one-byte CSI 0x9B), DEL, and bidi controls that reorder a line.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# In JSON the C0 controls are already escaped; the rest are escaped the same way.
_UNPRINTABLE_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """``text`` safe for a terminal: control and bidi characters shown as escapes
    (``\\x1b``, ``\\u202e``), newlines and tabs as spaces."""
    text = str(text)
    if text.isascii() and text.isprintable():
        return text
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in "\n\t":
        return " "
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def to_json(data: dict) -> str:
    """Pretty JSON whose strings cannot move the terminal's cursor or reorder text."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _UNPRINTABLE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _snippet(snippet, before: str, after: str) -> str:
    return "".join(
        f"{before}{printable(text)}{after}" if hit else printable(text)
        for text, hit in snippet.fragments
    )


class _Colour:
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled and text else text


def format_result(result: SearchResult, colour: _Colour) -> str:
    lines = []
    first = (result.page - 1) * result.per_page + 1
    for number, hit in enumerate(result.hits, first):
        title = (
            _snippet(hit.title_highlighted, "\033[1;33m", "\033[0;1m")
            if colour.enabled
            else printable(hit.title)
        )
        lines.append(f"{number}. {colour('1', title)}")
        meta = [
            hit.source,
            hit.published.strftime("%Y-%m-%d %H:%M") if hit.published else "",
            hit.url,
        ]
        lines.append("   " + colour("2", printable(" · ".join(part for part in meta if part))))
        if hit.versions:
            others = ", ".join(dict.fromkeys(copy.source for copy in hit.copies if copy.source))
            lines.append(
                "   "
                + colour(
                    "2",
                    printable(
                        f"+{hit.versions} other version(s)" + (f": {others}" if others else "")
                    ),
                )
            )
        if hit.story_matches and hit.story_size > 1:
            lines.append(
                "   "
                + colour(
                    "2",
                    printable(
                        f"story: {hit.story_size} articles, {hit.story_sources} sources "
                        f"({hit.story_matches} matching) · story {hit.story}"
                    ),
                )
            )
            for headline in hit.headlines:
                lines.append(
                    "   "
                    + colour(
                        "2",
                        printable(
                            f"  - {headline.title}"
                            + (f" ({headline.source})" if headline.source else "")
                        ),
                    )
                )
        snippet = (
            _snippet(hit.snippet, "\033[1;33m", "\033[0m")
            if colour.enabled
            else printable(hit.snippet.text)
        )
        if snippet:
            lines.append(f"   {snippet}")
        lines.append("")
    if result.total:
        last = first + len(result.hits) - 1
        summary = (
            f"{first}-{last} of {result.total} results"
            if result.hits
            else f"no results on page {result.page} (of {result.pages})"
        )
    else:
        summary = "no results"
    searched = result.corrected_query or result.query
    lines.append(f"{summary} for {printable(repr(searched))} ({result.took_ms:.0f} ms)")
    if result.corrected_query:
        lines.append(
            f"showing results for {printable(repr(result.corrected_query))}; "
            f"search {printable(repr(result.query))} as typed with --as-typed"
        )
    if result.dropped:
        lines.append(
            "without the word(s) "
            + ", ".join(printable(repr(w)) for w in result.dropped)
            + ": too few articles hold every word"
        )
    if result.suggestion:
        lines.append(f"did you mean: {printable(result.suggestion)}")
    return "\n".join(lines)
