"""Markdown with optional YAML front matter. Each heading opens a section; a heading
``Slide N: Title`` gives the locator "slide N", any other heading "§ Heading". A section may
start with ``<!-- key: value; key: value -->`` to attach metadata (case, city, ...)."""

from __future__ import annotations

import re
from pathlib import Path

import frontmatter
import yaml

from se_assistant.loaders.base import (
    LoadedFile,
    LoadError,
    Section,
    read_text_file,
    require_sections,
)

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_SLIDE = re.compile(r"^slide\s+(\d+)\s*[:.\-–—]?\s*(.*)$", re.IGNORECASE)
_META_COMMENT = re.compile(r"^\s*<!--(.*?)-->\s*", re.DOTALL)


def load(path: Path) -> LoadedFile:
    text = read_text_file(path)
    meta, body = _split_front_matter(text)
    title = str(meta.pop("title", "") or "").strip()
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    doc_heading: str | None = None  # the first H1: the document's own heading, not a section
    current_heading: str | None = None
    current_locator: str | None = None
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        body_text = "\n".join(lines).strip()
        lines.clear()
        section_meta: dict[str, str] = {}
        match = _META_COMMENT.match(body_text)
        if match:
            section_meta = _parse_meta_comment(match.group(1))
            body_text = body_text[match.end():].strip()
        if not body_text:
            return
        headings = tuple(h for _, h in stack)
        top = current_heading or doc_heading or title or path.stem
        locator = current_locator or f"§ {top}"
        sections.append(Section(body_text, locator, headings, section_meta))

    for line in body.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading is None:
            lines.append(line)
            continue
        flush()
        level, heading_text = len(heading.group(1)), heading.group(2).strip()
        if level == 1 and doc_heading is None and not stack:
            doc_heading = heading_text
            title = title or heading_text
            current_heading, current_locator = None, None
            continue
        slide = _SLIDE.match(heading_text)
        if slide:
            current_locator = f"slide {int(slide.group(1))}"
            heading_text = slide.group(2).strip() or f"Slide {int(slide.group(1))}"
        else:
            current_locator = None
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, heading_text))
        current_heading = heading_text
    flush()
    if not title:
        title = path.stem.replace("_", " ").replace("-", " ")
    file_meta = {k: _flat(v) for k, v in meta.items() if v is not None and _flat(v)}
    return require_sections(LoadedFile(title=title, sections=sections, metadata=file_meta))


def _split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise LoadError(f"the front matter is not valid YAML{where}; fix it between the --- lines") from None
    if not isinstance(post.metadata, dict):
        raise LoadError("the front matter must be a YAML mapping (key: value lines)")
    return dict(post.metadata), post.content


def _parse_meta_comment(inner: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for part in re.split(r"[;\n]", inner):
        key, sep, value = part.partition(":")
        if sep and key.strip() and value.strip():
            meta[key.strip().lower().replace(" ", "_")] = value.strip()
    return meta


def _flat(value: object) -> str:
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return str(value).strip()
