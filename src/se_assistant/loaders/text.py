"""Plain text. Headings are recognised as a person reads them: a short line without final
punctuation that is followed by its bullets or its sentences, a numbered part ("II. ...") or a
Markdown "#" line. Each heading opens a section (locator "§ Heading"); text before the first
heading, or a file with none, is grouped by paragraphs (locator "¶ 3" or "¶ 3–5")."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from se_assistant.loaders.base import LoadedFile, Section, read_text_file, require_sections

# One section per paragraph made a 50 MB file into ~10^5 Documents; grouping short paragraphs
# up to about one chunk keeps locators precise and the object count proportional to chunks.
SECTION_CHARS = 1500
HEADING_MAX_WORDS = 14

_BULLET = re.compile(r"^\s*(?:[-*+•▪◦●■►➢⇒→–]|\d{1,2}[.)])\s+")
_PART = re.compile(r"^(?:[IVXLC]+|[A-Z]|\d{1,2})\.\s+\S")  # "II. Clusters promoted by ..."
_MARKDOWN = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_LABEL_VALUE = re.compile(r"^[^:]{1,40}:\s+\S")  # "Photo: Coopcity" is a caption, not a title
CLOSING_MAX_WORDS = 5
_LINK = re.compile(r"^\S*[@.]\S*$|https?://|www\.")


def load(path: Path) -> LoadedFile:
    text = read_text_file(path).replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    title = path.stem.replace("_", " ").replace("-", " ").strip() or path.name
    sections: list[Section] = []
    preamble: list[str] = []
    path_headings: list[tuple[int, str]] = []
    body: list[str] = []

    def flush() -> None:
        if not path_headings:
            return
        content = "\n".join(body).strip()
        heading = path_headings[-1][1]
        if content:
            sections.append(Section(content, f"§ {heading}", tuple(h for _, h in path_headings)))
        body.clear()

    for index, line in enumerate(lines):
        found = heading_level(lines, index)
        if found is None:
            (body if path_headings else preamble).append(line)
            continue
        flush()
        level, heading = found
        if not path_headings and "\n".join(preamble).strip():
            sections.extend(_paragraph_sections("\n".join(preamble)))
        while path_headings and path_headings[-1][0] >= level:
            path_headings.pop()
        path_headings.append((level, heading))
    if path_headings:
        flush()
    else:
        sections.extend(_paragraph_sections("\n".join(preamble)))
    return require_sections(LoadedFile(title=title, sections=sections))


def heading_level(lines: list[str], index: int) -> tuple[int, str] | None:
    """(level, heading) when ``lines[index]`` is a heading: 1 for a numbered part, 2 for a
    title; None for any other line."""
    line = lines[index].strip()
    markdown = _MARKDOWN.match(line)
    if markdown:
        return len(markdown.group(1)), markdown.group(2)
    if not line or len(line) > 120 or _BULLET.match(line) or _LINK.search(line):
        return None
    if _closing_line(lines, index):
        return 2, line
    if len(line.split()) > HEADING_MAX_WORDS or line[-1] in ".,;!?" or not any(
        c.isalpha() for c in line
    ):
        return None
    if _PART.match(line):
        return 1, line
    if _LABEL_VALUE.match(line) or not (line[0].isupper() or line[0] in "“\"'‘«"):
        return None
    following = _next_text_line(lines, index)
    if not following:
        return None
    opens_text = bool(_BULLET.match(following)) or (
        following[-1] in ".!?:" and len(following.split()) > 4 and not _LINK.search(following)
    )
    return (2, line) if opens_text else None


def _closing_line(lines: list[str], index: int) -> bool:
    """"Thank you very much!" above the addresses of a closing slide: a short exclamation
    that heads contact lines."""
    line = lines[index].strip()
    if not (line.endswith("!") and len(line.split()) <= CLOSING_MAX_WORDS and line[0].isupper()):
        return False
    following = _next_text_line(lines, index)
    return bool(following) and bool(_LINK.search(following))


def _next_text_line(lines: list[str], index: int) -> str:
    """The next non-blank line after ``index`` ("" at the end), without copying the rest."""
    return next((ln.strip() for ln in itertools.islice(lines, index + 1, None) if ln.strip()), "")


def _paragraph_sections(text: str) -> list[Section]:
    sections: list[Section] = []
    group: list[str] = []
    first = size = 0
    number = 0
    for raw in text.split("\n\n"):
        paragraph = raw.strip()
        if not paragraph:
            continue
        number += 1
        if group and size + len(paragraph) > SECTION_CHARS:
            sections.append(_section(group, first))
            group, size = [], 0
        if not group:
            first = number
        group.append(paragraph)
        size += len(paragraph) + 2
    if group:
        sections.append(_section(group, first))
    return sections


def _section(paragraphs: list[str], first: int) -> Section:
    last = first + len(paragraphs) - 1
    locator = f"¶ {first}" if last == first else f"¶ {first}–{last}"
    return Section(text="\n\n".join(paragraphs), locator=locator)
