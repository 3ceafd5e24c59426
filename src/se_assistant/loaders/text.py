"""Plain text: paragraphs grouped under the file; locator is the paragraph range."""

from __future__ import annotations

from pathlib import Path

from se_assistant.loaders.base import LoadedFile, Section, read_text_file, require_sections


def load(path: Path) -> LoadedFile:
    text = read_text_file(path)
    title = path.stem.replace("_", " ").replace("-", " ").strip() or path.name
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n")]
    sections = [
        Section(text=p, locator=f"¶ {i}") for i, p in enumerate((p for p in paragraphs if p), 1)
    ]
    return require_sections(LoadedFile(title=title, sections=sections))
