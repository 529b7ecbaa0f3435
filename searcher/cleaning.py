"""Text cleaning at ingest: every text field of every record goes through :func:`clean_text`.

What it does, in order (each step is a no-op on text that is already clean, so
cleaning is idempotent: ``clean_text(clean_text(x)) == clean_text(x)``):

* lone surrogates (``"\\ud800"`` from JSON escapes) become U+FFFD: they cannot be
  encoded, so they would break every page that shows the article;
* mojibake (UTF-8 read as Mac Roman or Windows-1252: ``‚Äù``, ``¬†``, ``â€œ``) is
  repaired with ftfy, run by run (pure ASCII text skips it);
* terminal escape sequences (``ESC [ 31 m``) are removed, and control characters
  other than tab and newline dropped (``\\r\\n`` and a lone ``\\r`` become ``\\n``);
* Unicode NFC;
* CLICK-ID's scrape dropped link text and joined paragraphs with commas, leaving
  empty ", ," / ",," / " ," / ",." behind: a run of commas (with spaces before
  or between them) becomes one comma, and a comma right before a full stop goes.

Bodies get one more step, :func:`restore_paragraphs` (:func:`clean_body` runs
both): CLICK-ID joined paragraphs with a comma after the full stop
(``"...kuasa hukumnya.,Dalam pernyataan"``) and left the dateline's dash behind
(``", - Presiden"``, ``"-,dikabarkan"``). In a body written as one line, a
sentence end followed by a comma and a capital letter is a paragraph break
(``".\n\nDalam"``) and leading commas and a dash go. A body that already has
line breaks (every other source) is left as it is.

:func:`changes` names the kinds of change a text needs (for the cleaning report).
"""

from __future__ import annotations

import functools
import re
import unicodedata

import ftfy

_SURROGATE = re.compile("[\ud800-\udfff]")
_TERMINAL_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")
# C0 and C1 controls except tab and newline (carriage returns are turned into newlines first).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CARRIAGE_RETURN = re.compile("\r\n?")
# Characters mojibake is made of: what Mac Roman, Windows-1252 and Latin-1 decode the
# bytes 0x80-0xFF into (UTF-8 read in one of them). Mojibake is a run of them.
_MOJIBAKE_CHARS = sorted(
    {
        char
        for encoding in ("mac_roman", "cp1252", "latin-1")
        for char in bytes(range(0x80, 0x100)).decode(encoding, errors="ignore")
    }
)
_MOJIBAKE_RUN = re.compile("[" + re.escape("".join(_MOJIBAKE_CHARS)) + "]+")
_EMPTY_COMMAS = re.compile(r"[^\S\n]*,(?:[^\S\n]*,)*(\.)?")
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)
KINDS = ("surrogate", "control", "mojibake", "nfc", "empty-comma")


def _surrogates(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _controls(text: str) -> str:
    if "\x1b" in text:
        text = _TERMINAL_ESCAPE.sub("", text)
    if "\r" in text:
        text = _CARRIAGE_RETURN.sub("\n", text)
    return _CONTROL.sub("", text)


@functools.lru_cache(maxsize=65536)
def _fix_run(run: str) -> str:
    return ftfy.fix_text(run, _FTFY)


def _decoded(run: str) -> str:
    """A run read back as the UTF-8 it was (Mac Roman first: CLICK-ID's case), else itself."""
    for encoding in ("mac_roman", "cp1252"):
        try:
            return run.encode(encoding).decode("utf-8")
        except UnicodeError:
            continue
    return run


def _mojibake(text: str) -> str:
    """Mojibake repaired run by run (ftfy over a whole article costs ~40x more).

    Each run of mojibake characters goes through ftfy (cached: the same runs recur).
    Short runs that ftfy leaves alone (``√°`` may be meant) are read back as UTF-8
    only when the text has shown mojibake elsewhere; on CLICK-ID the result equals
    ftfy over the whole text for all but one of 8,442 texts.
    """
    if text.isascii():
        return text
    runs = list(_MOJIBAKE_RUN.finditer(text))
    fixed = [_fix_run(run.group()) for run in runs]
    if all(new == run.group() for new, run in zip(fixed, runs, strict=True)):
        return text
    parts, position = [], 0
    for run, new in zip(runs, fixed, strict=True):
        parts += [text[position : run.start()], new if new != run.group() else _decoded(new)]
        position = run.end()
    parts.append(text[position:])
    return "".join(parts)


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _commas(text: str) -> str:
    if "," not in text:
        return text
    return _EMPTY_COMMAS.sub(lambda m: "." if m.group(1) else ",", text)


# Controls go after the repair: C1 characters can be part of mojibake (cp1252's 0x9D).
_STEPS = (
    ("surrogate", _surrogates),
    ("mojibake", _mojibake),
    ("control", _controls),
    ("nfc", _nfc),
    ("empty-comma", _commas),
)


def _once(text: str, kinds: set[str] | None = None) -> str:
    for kind, step in _STEPS:
        cleaned = step(text)
        if kinds is not None and cleaned != text:
            kinds.add(kind)
        text = cleaned
    return text


# A sentence end (closing quote or bracket allowed), a comma, then a capital: CLICK-ID's
# paragraph joint. A body holding one is joined that way, and there the joints whose
# next paragraph opens with a dropped link's text (".,dan") are breaks too; decimal
# commas ("2.5,3") stay.
_PARAGRAPH_JOINT = re.compile(r"(?<=[.!?])([\"\u201d\u2019')]?),[^\S\n]*(?=[\"\u201c]?[A-Z])")
_ANY_JOINT = re.compile(r"(?<=[.!?])([\"\u201d\u2019')]?),[^\S\n]*(?=[^\s\d])")
# Leading commas and dashes left by a dropped dateline (", -", "- ", "-,", "-\n", "--",
# "-Gubernur"); a dash before a digit ("-5 derajat") is a minus sign and stays.
_LEADING_JUNK = re.compile(r"^[\s,]*(?:[-\u2013\u2014]+(?=[\s,.A-Z]|$)[\s,.]*)?")


def restore_paragraphs(body: str) -> str:
    """CLICK-ID's paragraph breaks put back and its leading ", -" dropped, in a body
    written as one line (after that leftover); any other body is returned unchanged."""
    stripped = _LEADING_JUNK.sub("", body, count=1)
    if "\n" in stripped or not stripped:
        return body
    if not _PARAGRAPH_JOINT.search(stripped):
        return stripped
    return _ANY_JOINT.sub(lambda m: m.group(1) + "\n\n", stripped)


def clean_body(text: str) -> str:
    """An article body cleaned (:func:`clean_text`) with its paragraphs restored."""
    return restore_paragraphs(clean_text(text).strip())


def clean_text(text: str) -> str:
    """``text`` with lone surrogates, controls, mojibake, non-NFC forms and empty commas fixed."""
    return _clean(text, None)


def changes(text: str) -> set[str]:
    """The kinds of change (:data:`KINDS`) that cleaning makes to ``text``."""
    kinds: set[str] = set()
    _clean(text, kinds)
    return kinds


def _clean(text: str, kinds: set[str] | None) -> str:
    cleaned = _once(text, kinds)
    # A repair can uncover another (mojibake twice over): repeat until nothing changes,
    # which makes cleaning idempotent. Clean text costs one pass.
    for _ in range(4):
        if cleaned == text:
            break
        text, cleaned = cleaned, _once(cleaned, kinds)
    return cleaned
