"""Document files: a ``.txt``, ``.md`` or ``.html``/``.htm`` file is one article. A
plain text's title is its short first line (else its first sentence), its outlet
the agency of its dateline or its copyright line; an HTML page's come from its
``<title>`` and metadata (:mod:`searcher.ingest.html_text`).
"""

from __future__ import annotations

import re
from pathlib import Path

from searcher.dates import DateError, date_in_text, parse_date
from searcher.ingest.articles import make_article
from searcher.ingest.html_text import HTMLText
from searcher.ingest.lines import MAX_RECORD_BYTES
from searcher.models import Article, Rejected


def _title_from_filename(path: Path) -> str:
    stem = path.name.split(".")[0]
    return " ".join(word.capitalize() for word in re.split(r"[-_\s]+", stem) if word)


def read_document(
    path: Path, *, root: Path, source: str, max_record_bytes: int = MAX_RECORD_BYTES
) -> Article | Rejected:
    """One article from a .txt/.md/.html file."""
    try:
        with open(path, "rb") as stream:
            raw = stream.read(max_record_bytes + 1)
    except OSError as error:
        return Rejected(str(path), f"cannot read: {error.strerror or error}")
    if len(raw) > max_record_bytes:
        return Rejected(
            str(path),
            f"the file is longer than {max_record_bytes:,} bytes; skipped without reading it",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return Rejected(
            str(path), f"not valid UTF-8 (byte {raw[error.start]:#04x} at offset {error.start})"
        )
    article_id = f"{root.name}/{path.relative_to(root).as_posix()}"
    if path.suffix.lower() in (".html", ".htm"):
        page = HTMLText()
        page.feed(text)
        page.close()
        title, body = page.title, page.body
        meta = page.meta
        url = meta.get("og:url", "")
        source = meta.get("og:site_name", source)
        published_text = meta.get("article:published_time") or meta.get("date", "")
    else:
        title, body = _split_title(text, markdown=path.suffix.lower() == ".md")
        url, published_text = "", ""
        source = _source_in_text(body) or source
        title = title or _title_from_text(body)
    if not body.strip():
        return Rejected(str(path), "missing body")
    try:
        published = parse_date(published_text)
    except DateError as error:
        return Rejected(str(path), f"bad date: {error}")
    if published is None and not published_text:
        published = date_in_text(body)  # a plain text's own "Senin (8/5)" (#21)
    return make_article(
        article_id,
        title or _title_from_filename(path),
        body,
        url=url,
        source=source,
        published=published,
        origin=str(path),
    )


# A news dateline: "Labuan Bajo, NTT (ANTARA) - " (the place, the agency, a dash).
_DATELINE = re.compile(r"^[^\n()]{0,60}\(([A-Z][A-Za-z.]{1,30})\)\s*[-\u2013\u2014]\s*")
_COPYRIGHT = re.compile(
    r"^(?:[Cc]opyright\s*)?\u00a9\s*([A-Z][\w.]*(?: [A-Z][\w.]*){0,3})", re.MULTILINE
)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
MAX_TEXT_TITLE = 150  # a title cut from a plain text's first sentence


def _source_in_text(body: str) -> str:
    """The outlet a plain text names: its dateline's agency ("(ANTARA) -") or a
    copyright line ("Copyright \u00a9 ANTARA 2023"); "" if it names none."""
    found = _DATELINE.match(body) or _COPYRIGHT.search(body[-2000:])
    return found.group(1).strip() if found else ""


def _title_from_text(body: str) -> str:
    """A plain text without a title line: its first sentence, after the dateline, cut
    at a word near :data:`MAX_TEXT_TITLE` characters."""
    first = body.strip().split("\n", 1)[0]
    first = _DATELINE.sub("", first, count=1)
    end = _SENTENCE_END.search(first)
    sentence = first[: end.start()] if end else first
    sentence = " ".join(sentence.split())
    if len(sentence) > MAX_TEXT_TITLE:
        sentence = sentence[:MAX_TEXT_TITLE].rsplit(" ", 1)[0] + " \u2026"
    return sentence


def _split_title(text: str, *, markdown: bool) -> tuple[str, str]:
    """Title from a short first line; a long first line is already the body."""
    stripped = text.strip()
    first, _, rest = stripped.partition("\n")
    candidate = first.lstrip("#").strip() if markdown else first.strip()
    if candidate and len(candidate) <= 150 and not candidate.endswith((".", ",", ";", ":")):
        return candidate, rest.strip()
    return "", stripped
