"""Plain text: consecutive paragraphs grouped into sections of about one chunk; the locator is
the paragraph range ("¶ 3" or "¶ 3–5")."""

from __future__ import annotations

from pathlib import Path

from se_assistant.loaders.base import LoadedFile, Section, read_text_file, require_sections

# One section per paragraph made a 50 MB file into ~10^5 Documents; grouping short paragraphs
# up to about one chunk keeps locators precise and the object count proportional to chunks.
SECTION_CHARS = 1500


def load(path: Path) -> LoadedFile:
    text = read_text_file(path)
    title = path.stem.replace("_", " ").replace("-", " ").strip() or path.name
    sections: list[Section] = []
    group: list[str] = []
    first = size = 0
    number = 0
    for raw in text.replace("\r\n", "\n").split("\n\n"):
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
    return require_sections(LoadedFile(title=title, sections=sections))


def _section(paragraphs: list[str], first: int) -> Section:
    last = first + len(paragraphs) - 1
    locator = f"¶ {first}" if last == first else f"¶ {first}–{last}"
    return Section(text="\n\n".join(paragraphs), locator=locator)
