"""The readable text of an HTML page: title, metadata, paragraphs (scripts, styles
and the head dropped), with the standard library's parser.
"""

from __future__ import annotations

from html.parser import HTMLParser


class HTMLText(HTMLParser):
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
