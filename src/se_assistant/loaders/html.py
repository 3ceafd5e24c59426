"""HTML via BeautifulSoup (lxml). Headings h1..h6 open sections as in the markdown loader
(an h1 equal to the title is the document title), locator "§ Heading". Only visible text is
kept, as plain text: scripts, styles, embedded frames and the head (but its <title>) are
dropped, and no tag or attribute value ever reaches the output. Block elements give separate
lines, list items "- item" lines, table rows " | "-joined cells."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from se_assistant.loaders.base import LoadedFile, LoadError, Section, require_sections

_DROP = ("script", "style", "noscript", "template", "iframe", "frame", "frameset", "svg", "math",
         "object", "embed", "applet", "canvas", "audio", "video", "map", "select", "datalist")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "p",
    "search", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    "textarea",
})
_WS = re.compile(r"\s+")
# What browsers do with these labels (WHATWG Encoding): "latin-1" means windows-1252.
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "l1": "cp1252",
            "us-ascii": "cp1252", "ascii": "cp1252", "windows-1252": "cp1252", "cp1252": "cp1252"}


def load(path: Path) -> LoadedFile:
    from bs4 import BeautifulSoup

    text = _decode(path)
    soup = BeautifulSoup(text, "lxml")
    _strip_non_content(soup)

    title_tag = soup.find("title")
    title = _collapse(title_tag.get_text()) if title_tag is not None else ""
    for tag in soup.find_all(["head", "title"]):
        tag.decompose()

    walker = _Walker()
    walker.walk(soup)
    walker.break_line()
    events = walker.events

    if not title:
        title = next((t for kind, lvl, t in events if kind == "heading" and lvl == 1), "")
    if not title:
        title = path.stem.replace("_", " ").replace("-", " ").strip() or path.name

    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    lines: list[str] = []
    pending_title = ""

    def flush() -> None:
        body = "\n".join(lines).strip()
        lines.clear()
        if body:
            locator = f"§ {stack[-1][1]}" if stack else f"§ {title}"
            headings = tuple(h for _, h in stack)
            sections.append(Section(text=body, locator=locator, headings=headings))

    for kind, level, value in events:
        if kind == "text":
            lines.extend([pending_title, value] if pending_title else [value])
            pending_title = ""
            continue
        flush()
        pending_title = ""
        if level == 1 and value == title:
            # the title as the page shows it stays a line of the text that follows it (it may
            # be asked for: "what event is this for?"); as the document's title it heads no section
            stack = []
            pending_title = value
            continue
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, value))
    flush()
    return require_sections(LoadedFile(title=title, sections=sections))


def _decode(path: Path) -> str:
    """Bytes to text: a BOM wins, then a declared charset (<meta> or <?xml?>), else UTF-8."""
    from bs4.dammit import EncodingDetector

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(
            f"cannot read the file ({exc.strerror or exc}); check its permissions"
        ) from None
    if not raw.strip():
        raise LoadError("the file is empty; add text or remove it")
    # bs4's sniffing (the first steps of its UnicodeDammit), without UnicodeDammit's last
    # resort of guessing: an undeclared page that is not UTF-8 is refused, not misread
    raw, encoding = EncodingDetector.strip_byte_order_mark(raw)
    declared = False
    if encoding is None:
        if b"\x00" in raw[:8192]:
            raise LoadError(
                "the file holds binary data, not text; remove it or give it its real extension"
            )
        label = EncodingDetector.find_declared_encoding(raw, is_html=True)
        encoding, declared = (_codec(label), True) if label else ("utf-8", False)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "cp1252":  # bytes cp1252 leaves undefined: read as ISO-8859-1 proper
            return raw.decode("latin-1")
        where = f"byte {exc.start}"
        if declared:
            raise LoadError(
                f"the file is not valid {encoding} as its charset declares ({where}); "
                "re-save it as UTF-8"
            ) from None
        raise LoadError(f"the file is not valid UTF-8 ({where}); re-save it as UTF-8 "
                        "or declare its charset in a <meta charset> tag") from None


def _codec(label: str) -> str:
    label = label.strip().lower()
    if label in _ALIASES:
        return _ALIASES[label]
    try:
        name = codecs.lookup(label).name
    except LookupError:
        raise LoadError(
            f"the page declares an unknown charset '{label[:40]}'; re-save it as UTF-8"
        ) from None
    # a UTF-16/32 declaration without a BOM is read as UTF-8, as browsers do
    return "utf-8" if name.startswith(("utf-16", "utf-32")) else name


def _strip_non_content(soup) -> None:
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    for tag in soup.find_all(_DROP):
        tag.decompose()
    for node in soup.find_all(string=lambda s: isinstance(
            s, Comment | Declaration | Doctype | ProcessingInstruction)):
        node.extract()


class _Walker:
    """Turns the tree into ("text", 0, line) and ("heading", level, text) events."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int, str]] = []
        self.parts: list[str] = []
        self.prefix = ""
        self.list_depth = 0

    def walk(self, node) -> None:
        from bs4.element import (
            NavigableString,
            PreformattedString,
            Script,
            Stylesheet,
            Tag,
            TemplateString,
        )

        for child in node.children:
            if isinstance(child, Tag):
                self._tag(child)
            elif isinstance(child, NavigableString) and not isinstance(
                child, PreformattedString | Script | Stylesheet | TemplateString
            ):
                self.parts.append(str(child))

    def _tag(self, tag) -> None:
        name = (tag.name or "").lower()
        if name in _HEADINGS:
            self.break_line()
            text = _inline_text(tag)
            if text:
                self.events.append(("heading", _HEADINGS[name], text))
            return
        if name == "br":
            self.break_line()
            return
        if name == "pre":
            self.break_line()
            for line in tag.get_text().split("\n"):
                if line.strip():
                    self.events.append(("text", 0, self.prefix + line.rstrip()))
                    self.prefix = ""
            return
        if name == "tr":
            self.break_line()
            cells = [_inline_text(c) for c in tag.find_all(["td", "th"], recursive=False)]
            if any(cells):
                self.events.append(("text", 0, " | ".join(cells)))
            return
        if name in ("ul", "ol", "menu", "dir"):
            self.break_line()
            self.list_depth += 1
            self.walk(tag)
            self.list_depth -= 1
            self.break_line()
            return
        if name == "li":
            self.break_line()
            self.prefix = "  " * max(0, self.list_depth - 1) + "- "
            self.walk(tag)
            self.break_line()
            self.prefix = ""
            return
        if name in _BLOCKS:
            self.break_line()
            self.walk(tag)
            self.break_line()
            return
        self.walk(tag)

    def break_line(self) -> None:
        text = _collapse("".join(self.parts))
        self.parts.clear()
        if text:
            self.events.append(("text", 0, self.prefix + text))
            self.prefix = ""


def _inline_text(tag) -> str:
    """The text of a heading or table cell on one line (its own blocks and <br>s as spaces)."""
    walker = _Walker()
    walker.walk(tag)
    walker.break_line()
    return _collapse(" ".join(value for _, _, value in walker.events))


def _collapse(text: str) -> str:
    return _WS.sub(" ", text).strip()
