"""Page bytes to text: the declared charset when it is one browsers know, else UTF-8.

A charset comes from the Content-Type header, else a ``<meta>`` tag in the first
4 KB. Only the encodings of the WHATWG Encoding Standard (what browsers decode)
are honoured; any other name, known to Python or not (``base64``, ``rot13``,
``hex``, ``zlib``, ``idna``, ``unicode_escape``), is ignored as if none were
given: UTF-8, else windows-1252. Latin-1 and ASCII are read as windows-1252, as
browsers do.
"""

from __future__ import annotations

import codecs
import re
from email.message import Message

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
# What browsers do: a page declared Latin-1 or ASCII is read as windows-1252.
_WINDOWS_1252 = {"latin-1", "iso8859-1", "ascii", "cp1252"}
# Python's names of the WHATWG encodings (https://encoding.spec.whatwg.org/#names-and-labels).
TEXT_ENCODINGS = frozenset(
    {
        "utf-8",
        "cp866",
        "koi8-r",
        "koi8-u",
        "mac-roman",
        "mac-cyrillic",
        "cp874",
        "tis-620",
        *(f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)),
        *(f"cp125{n}" for n in range(9)),
        "gbk",
        "gb2312",
        "gb18030",
        "big5",
        "big5hkscs",
        "euc_jp",
        "iso2022_jp",
        "shift_jis",
        "cp932",
        "euc_kr",
        "cp949",
        "utf-16-be",
        "utf-16-le",
        "utf-16",
        *_WINDOWS_1252,
    }
)


def text_encoding(declared: str | None) -> str | None:
    """Python's name for a declared charset, if it is a text encoding browsers know."""
    if not declared or len(declared) > 40:
        return None
    try:
        name = codecs.lookup(declared.strip()).name
    except (LookupError, ValueError):
        return None
    if name not in TEXT_ENCODINGS:
        return None
    return "cp1252" if name in _WINDOWS_1252 else name


def header_charset(headers: Message | None) -> str | None:
    """The charset of a Content-Type header, if any (never an error)."""
    if headers is None:
        return None
    try:
        return headers.get_content_charset()
    except (LookupError, UnicodeError, ValueError, TypeError):
        return None


def decode_html(body: bytes, headers: Message | None) -> str:
    """Page bytes as text: the charset of the header, else of a meta tag, else UTF-8
    (windows-1252 when that fails); an unknown or non-text charset counts as none."""
    name = text_encoding(header_charset(headers))
    if name is None:
        match = _META_CHARSET.search(body[:4096])
        name = text_encoding(match.group(1).decode("ascii") if match else None)
    if name is not None:
        try:
            return body.decode(name, "replace")
        except (LookupError, UnicodeError, ValueError):
            pass
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", "replace")
