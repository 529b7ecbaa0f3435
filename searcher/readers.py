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
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import sys
import zlib
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

from searcher.dates import DateError, parse_date
from searcher.models import Article, Rejected

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
# CSV bodies are often longer than the csv module's default 128 KiB field limit.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class CorpusError(OSError):
    """A corpus path that cannot be read at all (missing, unknown format)."""


def read_articles(paths: Iterable[str | os.PathLike]) -> Iterator[Article | Rejected]:
    """Every record from every path, in order."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from _read_folder(path)
        elif path.is_file():
            yield from _read_file(path, root=path.parent, source=path.parent.name)
        else:
            raise CorpusError(f"{path}: no such file or folder")


def _read_file(path: Path, *, root: Path, source: str) -> Iterator[Article | Rejected]:
    name = path.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")):
        yield from _guard(path, read_jsonl(path))
    elif name.endswith((".csv", ".csv.gz")):
        yield from _guard(path, read_csv(path))
    elif name.endswith(DOCUMENT_SUFFIXES):
        yield read_document(path, root=root, source=source)
    else:
        raise CorpusError(f"{path}: unknown format (expected {', '.join(RECORD_SUFFIXES)}"
                          f" or {', '.join(DOCUMENT_SUFFIXES)})")


def _read_folder(root: Path) -> Iterator[Article | Rejected]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in sorted(filenames):
            lower = filename.lower()
            if filename.startswith(".") or SKIPPED_NAMES.match(filename):
                continue
            if lower.endswith(RECORD_SUFFIXES + DOCUMENT_SUFFIXES):
                yield from _read_file(Path(dirpath, filename), root=root, source=root.name)


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


def read_jsonl(path: Path) -> Iterator[Article | Rejected]:
    """Articles from a JSON Lines file (optionally gzip-compressed)."""
    with _open_binary(path) as stream:
        for number, raw in enumerate(stream, 1):
            location = f"{path}:{number}"
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                yield Rejected(location, f"not valid UTF-8 (byte {raw[error.start]:#04x} "
                                         f"at column {error.start + 1})")
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


def read_csv(path: Path) -> Iterator[Article | Rejected]:
    """Articles from a CSV file with a header row (optionally gzip-compressed)."""
    with _open_binary(path) as binary:
        # surrogateescape keeps undecodable bytes visible per record instead of
        # aborting the whole file at the first one.
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
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
                return
            except csv.Error as error:
                yield Rejected(f"{path}:{start}", f"broken CSV: {error}")
                continue
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
    return Article(
        id=article_id,
        title=" ".join(_pick(record, "title").split()),
        body=body,
        url=_pick(record, "url"),
        source=_pick(record, "source"),
        category=_pick(record, "category"),  # normalised when indexed (categories.py)
        published=published,
        origin=location,
    )


def _title_from_filename(path: Path) -> str:
    stem = path.name.split(".")[0]
    return " ".join(word.capitalize() for word in re.split(r"[-_\s]+", stem) if word)


def read_document(path: Path, *, root: Path, source: str) -> Article | Rejected:
    """One article from a .txt/.md/.html file."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        return Rejected(str(path), f"cannot read: {error.strerror or error}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return Rejected(str(path), f"not valid UTF-8 (byte {raw[error.start]:#04x} "
                                   f"at offset {error.start})")
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
    if not body.strip():
        return Rejected(str(path), "missing body")
    try:
        published = parse_date(published_text)
    except DateError as error:
        return Rejected(str(path), f"bad date: {error}")
    return Article(
        id=article_id,
        title=" ".join((title or _title_from_filename(path)).split()),
        body=body.strip(),
        url=url,
        source=source,
        published=published,
        origin=str(path),
    )


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

    BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
              "article", "blockquote", "header", "footer"}
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
