"""What every loader returns: a file's title and metadata, and its sections in reading
order, each with the human locator that citations show ("slide 4", "page 2", "§ Coopcity")."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class LoadError(Exception):
    """A file cannot be loaded; the message is a one-line reason naming the fix."""


@dataclass
class Section:
    """One structural unit of a file (slide, page, heading section). Chunks never straddle two.

    ``headings`` is the path of headings above and including this section, outermost first,
    without the document title; ``metadata`` holds fields known for this section only
    (``case``, ``city``, ``country``, ``cluster_type`` ...).
    """

    text: str
    locator: str
    headings: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadedFile:
    """A loaded file: its title, file-level metadata and its non-empty sections."""

    title: str
    sections: list[Section]
    metadata: dict[str, str] = field(default_factory=dict)


def read_text_file(path: Path) -> str:
    """Read a text file as UTF-8 (BOM allowed), refusing binary content and other encodings."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror or exc}); check its permissions") from None
    if not raw.strip():
        raise LoadError("the file is empty; add text or remove it")
    if b"\x00" in raw[:8192]:
        raise LoadError("the file holds binary data, not text; remove it or give it its real extension")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"the file is not valid UTF-8 (byte {exc.start}); re-save it as UTF-8"
        ) from None
    if not text.strip():
        raise LoadError("the file has no text; add text or remove it")
    return text


def require_sections(loaded: LoadedFile) -> LoadedFile:
    """Drop empty sections; a file with no text at all is a load error."""
    loaded.sections = [s for s in loaded.sections if s.text.strip()]
    if not loaded.sections:
        raise LoadError("the file has no text to index; add text or remove it")
    return loaded
