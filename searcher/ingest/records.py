"""Records to articles: a record's fields (a JSON object, a CSV row) matched
case-insensitively with aliases (``content`` and ``text`` are the body, ``date``
the publication date, ``title_slug`` a fallback title; see ``corpus/README.md``).
"""

from __future__ import annotations

from searcher.dates import DateError, parse_date
from searcher.ingest.articles import make_article
from searcher.models import Article, Rejected

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
