"""Reading articles from corpus files: JSON Lines, CSV and folders of documents.

Every reader yields :class:`~searcher.models.Article` for good records and
:class:`~searcher.models.Rejected` (with ``file:line`` and a reason) for bad
ones, and keeps going: one broken line never costs the rest of the file.

* ``.jsonl`` / ``.jsonl.gz`` / ``.ndjson``: one JSON object per line.
* ``.csv`` / ``.csv.gz``: a header row naming the fields.
* folders: every ``.jsonl``/``.csv`` file below is read as above, and every
  ``.txt``, ``.md``, ``.html``/``.htm`` file is one article (README, LICENSE
  and hidden files are skipped).

Field names are matched case-insensitively with aliases (``content`` and
``text`` are the body, ``date`` is the publication date, ``title_slug`` a
fallback title); see ``corpus/README.md``.

Limits (bad input costs bounded memory and time): a line (a JSON record, a CSV
line) or a document file holds at most :data:`MAX_RECORD_BYTES` and is rejected
unread beyond that; an article's body holds at most :data:`MAX_BODY_CHARS`
characters and its title :data:`MAX_TITLE_CHARS` (after cleaning), else it is
rejected with the reason. Every text is cleaned (:mod:`searcher.cleaning`); an id
that cannot be encoded is rejected, and a ``url`` that is not an http(s) link is
dropped. In folders only regular files are read (FIFOs, sockets and devices are
skipped with a note), and links leading out of the folder are only followed with
``follow_links``. A UTF-8 byte order mark is accepted in every format.
"""

from __future__ import annotations

import csv
import errno
import gzip
import json
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

from searcher.cleaning import clean_body, clean_text
from searcher.dates import DateError, date_in_text, parse_date
from searcher.errors import SearcherError
from searcher.models import Article, Rejected, web_url

RECORD_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".csv", ".csv.gz")
DOCUMENT_SUFFIXES = (".txt", ".md", ".html", ".htm")
SKIPPED_NAMES = re.compile(r"^(readme|license|licence|changelog|copying)(\.|$)", re.I)

FIELD_ALIASES = {
    "id": ("id", "doc_id", "docid", "article_id", "guid"),
    "title": ("title", "headline", "judul", "title_slug"),
    "body": ("body", "content", "text", "article", "isi"),
    "url": ("url", "link", "href"),
    "source": ("source", "site", "publisher", "media", "sumber"),
    "category": ("category", "section", "kategori", "rubrik"),
    "published": ("published", "date", "datetime", "published_at", "pubdate", "tanggal"),
    "time": ("time_raw", "time", "jam", "waktu"),
}
# A line of a record file or a document file; longer ones are rejected without being
# read whole (a gzip bomb of one endless line costs this much memory, not gigabytes).
MAX_RECORD_BYTES = 8 * 1024 * 1024
# Longest article accepted: pages, snippets and related articles stay quick. CLICK-ID's
# longest body is ~20,000 characters (ten times less); a 50 MB "article" is a mistake, not news.
MAX_BODY_CHARS = 200_000
MAX_TITLE_CHARS = 1_000
_CHUNK = 64 * 1024
_NON_BLANK = re.compile(rb"\S")
_BOM = b"\xef\xbb\xbf"
_LONE_CR = re.compile(r"(?<=\r)(?!\n)")


class CorpusError(SearcherError, OSError):
    """A corpus path that cannot be read at all (missing, unknown format)."""


def source_paths(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    """``paths`` as a list of existing corpus paths, checked before anything is read.

    One str or path is one source. Anything else must be an iterable of them
    (:class:`SearcherError` otherwise); a missing path, or one that is neither a
    folder nor a regular file of a known format, raises :class:`CorpusError`.
    """
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    try:
        items = list(paths)
    except TypeError:
        raise SearcherError(
            f"paths: expected a path or a list of paths, got {type(paths).__name__}"
        ) from None
    checked = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)) or isinstance(item, bytes):
            raise SearcherError(
                f"paths: expected a path or a list of paths, got a "
                f"{type(paths).__name__} holding {item!r}"
            )
        path = Path(item)
        try:
            info = path.stat()
        except OSError as error:
            problem = (
                "no such file or folder"
                if error.errno in (errno.ENOENT, errno.ENOTDIR)
                else f"cannot read: {error.strerror or error}"
            )
            raise CorpusError(f"{path}: {problem}") from None
        if stat.S_ISREG(info.st_mode) and not path.name.lower().endswith(
            RECORD_SUFFIXES + DOCUMENT_SUFFIXES
        ):
            raise CorpusError(
                f"{path}: unknown format (expected {', '.join(RECORD_SUFFIXES)}"
                f" or {', '.join(DOCUMENT_SUFFIXES)})"
            )
        if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
            raise CorpusError(f"{path}: not a regular file or a folder ({_kind(info.st_mode)})")
        checked.append(path)
    return checked


def read_articles(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    follow_links: bool = False,
    max_record_bytes: int = MAX_RECORD_BYTES,
) -> Iterator[Article | Rejected]:
    """Every record from every path, in order.

    The paths are checked at once (see :func:`source_paths`), so a wrong path
    fails before an index is created. ``follow_links`` also reads files that
    links in a folder point to outside it.
    """
    checked = source_paths(paths)

    def records() -> Iterator[Article | Rejected]:
        for path in checked:
            if path.is_dir():
                yield from _read_folder(path, follow_links, max_record_bytes)
            else:
                yield from _read_file(
                    path, root=path.parent, source=path.parent.name, limit=max_record_bytes
                )

    return records()


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _read_file(path: Path, *, root: Path, source: str, limit: int) -> Iterator[Article | Rejected]:
    name = path.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")):
        yield from _guard(path, read_jsonl(path, max_record_bytes=limit))
    elif name.endswith((".csv", ".csv.gz")):
        yield from _guard(path, read_csv(path, max_record_bytes=limit))
    elif name.endswith(DOCUMENT_SUFFIXES):
        yield read_document(path, root=root, source=source, max_record_bytes=limit)
    else:
        raise CorpusError(
            f"{path}: unknown format (expected {', '.join(RECORD_SUFFIXES)}"
            f" or {', '.join(DOCUMENT_SUFFIXES)})"
        )


def _read_folder(root: Path, follow_links: bool, limit: int) -> Iterator[Article | Rejected]:
    inside = root.resolve()
    seen = {inside}  # folders already walked: links may form cycles
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_links):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if follow_links:
            real = {d: Path(dirpath, d).resolve() for d in dirnames}
            dirnames[:] = [d for d in dirnames if real[d] not in seen]
            seen.update(real[d] for d in dirnames)
        for filename in sorted(filenames):
            lower = filename.lower()
            if filename.startswith(".") or SKIPPED_NAMES.match(filename):
                continue
            if lower.endswith(RECORD_SUFFIXES + DOCUMENT_SUFFIXES):
                path = Path(dirpath, filename)
                problem = _unreadable(path, inside, follow_links)
                if problem:
                    yield Rejected(str(path), problem)
                    continue
                yield from _read_file(path, root=root, source=root.name, limit=limit)


def _unreadable(path: Path, inside: Path, follow_links: bool) -> str | None:
    """Why a file in a folder is skipped (a link out of it, not a regular file), or None."""
    if path.is_symlink() and not follow_links:
        target = path.resolve()
        if not target.is_relative_to(inside):
            return f"a link to {target}, outside the folder; skipped (--follow-links reads it)"
    try:
        info = path.stat()
    except OSError as error:
        return f"cannot read: {error.strerror or error}; skipped"
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file ({_kind(info.st_mode)}); skipped"
    return None


def _guard(path: Path, records: Iterator[Article | Rejected]) -> Iterator[Article | Rejected]:
    """Turn a failure of the file itself (truncated gzip, I/O error) into a rejection.

    The location names the line after the last record read: where reading broke.
    """
    line = 0
    try:
        for record in records:
            origin = record.origin if isinstance(record, Article) else record.location
            line = int(origin.rsplit(":", 1)[1]) if origin.rsplit(":", 1)[-1].isdigit() else line
            yield record
    except (OSError, EOFError, zlib.error) as error:
        yield Rejected(f"{path}:{line + 1}", f"cannot read the rest of the file: {error}")


def _open_binary(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def bounded_lines(
    stream: BinaryIO, limit: int, *, skip_blank: bool
) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, line without its newline)`` from a binary stream; ``None`` stands
    for a line longer than ``limit`` bytes, which is skipped without being held.

    Reads fixed-size chunks, so memory stays about ``limit`` whatever the input
    (one endless line, a gigabyte of newlines). With ``skip_blank``, runs of blank
    lines are skipped in bulk.
    """
    number = 1
    pieces: list[bytes] = []  # the start of the current line
    held = 0
    oversized = False  # inside a line already known to be too long
    while True:
        data = stream.read1(_CHUNK)
        if not data:
            break
        position, end = 0, len(data)
        while position < end:
            if oversized:
                newline = data.find(b"\n", position)
                if newline < 0:
                    break
                yield number, None
                number, position, oversized = number + 1, newline + 1, False
                continue
            if skip_blank and not pieces:
                found = _NON_BLANK.search(data, position)
                last = data.rfind(b"\n", position, found.start() if found else end)
                if last >= 0:
                    number += data.count(b"\n", position, last + 1)
                    position = last + 1
                if found is None:  # only blanks left: keep the start of the last line
                    held = end - position
                    if held > limit:
                        held, oversized = 0, True
                    elif held:
                        pieces.append(data[position:])
                    break
            newline = data.find(b"\n", position)
            if newline < 0:
                held += end - position
                if held > limit:
                    pieces, held, oversized = [], 0, True
                else:
                    pieces.append(data[position:])
                break
            held += newline - position
            if held > limit:
                yield number, None
            else:
                pieces.append(data[position:newline])
                yield number, b"".join(pieces)
            pieces, held = [], 0
            number, position = number + 1, newline + 1
    if oversized:
        yield number, None
    elif pieces:
        yield number, b"".join(pieces)


def _too_long(limit: int) -> str:
    return f"the record is longer than {limit:,} bytes; skipped without reading it"


def read_jsonl(
    path: Path, *, max_record_bytes: int = MAX_RECORD_BYTES
) -> Iterator[Article | Rejected]:
    """Articles from a JSON Lines file (optionally gzip-compressed)."""
    with _open_binary(path) as stream:
        for number, raw in bounded_lines(stream, max_record_bytes, skip_blank=True):
            location = f"{path}:{number}"
            if raw is None:
                yield Rejected(location, _too_long(max_record_bytes))
                continue
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                yield Rejected(
                    location,
                    f"not valid UTF-8 (byte {raw[error.start]:#04x} at column {error.start + 1})",
                )
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                yield Rejected(location, f"broken JSON: {error.msg} at column {error.colno}")
                continue
            except RecursionError:
                yield Rejected(location, "broken JSON: nested too deeply")
                continue
            if not isinstance(record, dict):
                yield Rejected(location, f"expected a JSON object, got {type(record).__name__}")
                continue
            yield article_from_record(record, location)


def read_csv(
    path: Path, *, max_record_bytes: int = MAX_RECORD_BYTES
) -> Iterator[Article | Rejected]:
    """Articles from a CSV file with a header row (optionally gzip-compressed)."""
    # A quoted field may span lines: it is bounded too (the limit is per process).
    csv.field_size_limit(max_record_bytes)
    skipped: list[int] = []  # lines too long, reported after the row that followed them

    def lines(binary) -> Iterator[str]:
        for number, raw in bounded_lines(binary, max_record_bytes, skip_blank=False):
            if raw is None:
                skipped.append(number)
                continue
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            # surrogateescape keeps undecodable bytes visible per record instead of
            # aborting the whole file at the first one.
            text = raw.decode("utf-8", "surrogateescape") + "\n"
            if "\r" in text[:-2]:  # old Mac line ends: a lone \r ends a line too
                yield from _LONE_CR.split(text)
            else:
                yield text

    def too_long() -> Iterator[Rejected]:
        while skipped:
            yield Rejected(f"{path}:{skipped.pop(0)}", _too_long(max_record_bytes))

    with _open_binary(path) as binary:
        reader = csv.reader(lines(binary))
        try:
            header = next(reader)
        except StopIteration:
            yield from too_long()
            return
        except csv.Error as error:
            yield Rejected(f"{path}:1", f"broken CSV header: {error}")
            return
        names = [name.strip() for name in header]
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                yield from too_long()
                return
            except csv.Error as error:
                yield from too_long()
                yield Rejected(f"{path}:{start}", f"broken CSV: {error}")
                continue
            yield from too_long()
            location = f"{path}:{start}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(names):
                yield Rejected(location, f"{len(row)} fields but the header has {len(names)}")
                continue
            bad = next((cell for cell in row if _has_undecodable(cell)), None)
            if bad is not None:
                yield Rejected(location, "not valid UTF-8")
                continue
            # Short rows leave the missing trailing fields empty.
            yield article_from_record(dict(zip(names, row, strict=False)), location)


def _has_undecodable(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _pick(record: dict, field: str) -> str:
    lowered = {str(key).strip().lower(): value for key, value in record.items()}
    for alias in FIELD_ALIASES[field]:
        value = lowered.get(alias)
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def article_from_record(record: dict, location: str) -> Article | Rejected:
    """Map a record's fields (with aliases) onto an :class:`Article`."""
    article_id = _pick(record, "id") or _pick(record, "url")
    body = _pick(record, "body")
    missing = [name for name, value in (("id", article_id), ("body", body)) if not value]
    if missing:
        return Rejected(location, f"missing {' and '.join(missing)}")
    try:
        published = parse_date(_pick(record, "published"), _pick(record, "time"))
    except DateError as error:
        return Rejected(location, f"bad date: {error}")
    # No title stays empty in the index (the body's first words would get the
    # title's weight); front ends show the start of the body instead.
    return make_article(
        article_id,
        _pick(record, "title"),
        body,
        url=_pick(record, "url"),
        source=_pick(record, "source"),
        category=_pick(record, "category"),
        published=published,
        origin=location,
    )


def make_article(
    article_id: str,
    title: str,
    body: str,
    *,
    url: str = "",
    source: str = "",
    category: str = "",
    published: datetime | None = None,
    origin: str = "",
) -> Article | Rejected:
    """An :class:`Article` with every text cleaned, or the reason it cannot be one.

    Every reader builds its articles here: an id that cannot be encoded (a lone
    surrogate) or an article over the size limits is rejected; a url that is not
    an http(s) link is dropped.
    """
    location = origin or article_id
    try:
        article_id.encode("utf-8")
    except UnicodeEncodeError as error:
        return Rejected(
            location,
            f"the id holds {article_id[error.start]!r}, which is not a "
            "character (a lone surrogate)",
        )
    written = body.strip()
    body = clean_body(body)
    title = " ".join(clean_text(title).split())
    # A body that cleaning empties (CLICK-ID has 14 made only of a mangled
    # no-break space, "¬†") leaves a headline that is still news: kept.
    if not body and not (written and title):
        return Rejected(location, "missing body")
    for name, text, most in (("body", body, MAX_BODY_CHARS), ("title", title, MAX_TITLE_CHARS)):
        if len(text) > most:
            return Rejected(
                location,
                f"the {name} is {len(text):,} characters long; at most {most:,} are accepted",
            )
    url = web_url(clean_text(url).strip())
    return Article(
        id=article_id,
        title=title,
        body=body,
        url=url,
        source=" ".join(clean_text(source).split()),
        category=" ".join(clean_text(category).split()),  # normalised when indexed
        published=_unswapped(published, url),
        origin=origin,
    )


_URL_DATE = re.compile(r"/(20\d\d)/(\d\d)/(\d\d)/")


def _unswapped(published: datetime | None, url: str) -> datetime | None:
    """The date with day and month put back when the article's own URL says they were
    swapped: 659 Kompas.com articles of CLICK-ID dated 2019-10-09 live under
    /2019/09/10/ (their stories and timelines were a month off). Only the exact
    swap is corrected; any other disagreement keeps the record's date."""
    found = _URL_DATE.search(url) if published is not None else None
    if found is None:
        return published
    year, month, day = map(int, found.groups())
    if month != day and (published.year, published.month, published.day) == (year, day, month):
        return published.replace(month=month, day=day)
    return published


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
        page = _HTMLText()
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


class _HTMLText(HTMLParser):
    """Title, metadata and readable text of an HTML page (scripts and styles dropped)."""

    BLOCKS = {
        "p",
        "div",
        "br",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "section",
        "article",
        "blockquote",
        "header",
        "footer",
    }
    HIDDEN = {"script", "style", "noscript", "template", "svg", "head"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self._title: list[str] = []
        self._body: list[str] = []
        self._hidden = 0
        self._in_title = False
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            values = dict(attrs)
            key = (values.get("property") or values.get("name") or "").lower()
            if key and values.get("content"):
                self.meta.setdefault(key, values["content"].strip())
        elif tag in self.HIDDEN:
            self._hidden += 1
        if tag in self.BLOCKS:
            self._body.append("\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        if tag in self.BLOCKS:
            self._body.append("\n")

    def handle_data(self, data):
        if self._in_title:
            self._title.append(data)
        elif not self._hidden:
            self._body.append(data)

    @property
    def title(self) -> str:
        return " ".join("".join(self._title).split())

    @property
    def body(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self._body).split("\n"))
        return "\n\n".join(line for line in lines if line)
