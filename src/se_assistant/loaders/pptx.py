"""PowerPoint .pptx via python-pptx: one section per slide, locator "slide N" (1-based).
The slide title is the section's heading; the text holds every other text frame (bullets as
"- item" lines, table rows as " | "-joined cells), then the speaker notes after a line
"Speaker notes:"."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from se_assistant.loaders.base import LoadedFile, LoadError, Section, require_sections

_SPACES = re.compile(r"[ \t\u00a0]+")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


MAX_LABEL_CHARS = 160  # a part's name above a title is one line, not a paragraph
MIN_LABEL_PT = 10  # smaller text above a title is a caption ("Photo: ...")


def load(path: Path) -> LoadedFile:
    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    _check_package(path)
    try:
        prs = Presentation(str(path))
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile) as exc:
        raise LoadError(
            f"the file is not a PowerPoint presentation ({_reason(exc)}); re-save it as .pptx"
        ) from None
    except ValueError as exc:  # "file '...' is not a PowerPoint file, content type is ..."
        raise LoadError(
            f"the file is not a PowerPoint presentation ({_reason(exc)}); re-save it as .pptx"
        ) from None

    sections: list[Section] = []
    first_title = ""
    for number, slide in enumerate(prs.slides, 1):
        title_shape = slide.shapes.title
        title = _clean(title_shape.text_frame.text) if title_shape is not None else ""
        if title and not first_title:
            first_title = title
        lines: list[str] = []
        label = _label_above(slide, title_shape) if title else None
        for shape in slide.shapes:
            if title_shape is not None and shape.shape_id == title_shape.shape_id:
                continue
            lines.extend(_shape_lines(shape))
        notes = _notes(slide)
        if notes:
            lines.extend(["", "Speaker notes:", notes])
        if title and not any(line.strip() for line in lines):
            lines = [title]  # a title-only slide (section divider) stays findable
        text = "\n".join(lines).strip()
        headings = (_clean(label.text_frame.text), title) if label is not None else (title,)
        sections.append(Section(text=text, locator=f"slide {number}",
                                headings=headings if title else ()))

    doc_title = _clean(prs.core_properties.title or "") or first_title
    if not doc_title:
        doc_title = path.stem.replace("_", " ").replace("-", " ").strip() or path.name
    return require_sections(LoadedFile(title=doc_title, sections=sections))


def _label_above(slide, title_shape):
    """A one-line text box above the slide's title: the name of the part the slide opens
    ("I. Clusters started by citizens", an organiser's name), read as an outer heading and
    kept as text of the slide, as a PDF page keeps it. None when there is none."""
    if title_shape is None or title_shape.top is None:
        return None
    for shape in slide.shapes:
        if shape.shape_id == title_shape.shape_id or shape.is_placeholder:
            continue
        if not getattr(shape, "has_text_frame", False) or shape.top is None:
            continue
        lines = [p.text.strip() for p in shape.text_frame.paragraphs if p.text.strip()]
        sizes = [r.font.size.pt for p in shape.text_frame.paragraphs for r in p.runs if r.font.size]
        small = bool(sizes) and max(sizes) < MIN_LABEL_PT  # a caption or credit, not a name
        if (shape.top < title_shape.top and len(lines) == 1 and len(lines[0]) <= MAX_LABEL_CHARS
                and not small):
            return shape
    return None


def _shape_lines(shape) -> list[str]:
    """Text lines of one shape in reading order; groups are walked into."""
    from pptx.enum.shapes import PP_PLACEHOLDER
    from pptx.shapes.group import GroupShape

    if isinstance(shape, GroupShape):
        return [line for child in shape.shapes for line in _shape_lines(child)]
    if getattr(shape, "has_table", False) and shape.has_table:
        rows = []
        for row in shape.table.rows:
            cells = [_clean(cell.text_frame.text) for cell in row.cells]
            if any(cells):
                rows.append(" | ".join(cells))
        return rows
    if not getattr(shape, "has_text_frame", False) or not shape.has_text_frame:
        return []
    bulleted_by_default = False
    if shape.is_placeholder:
        try:
            kind = shape.placeholder_format.type
        except ValueError:  # a placeholder element without <p:ph>: treat as a text box
            kind = None
        bulleted_by_default = kind in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT,
                                       PP_PLACEHOLDER.VERTICAL_BODY,
                                       PP_PLACEHOLDER.VERTICAL_OBJECT)
    lines = []
    for paragraph in shape.text_frame.paragraphs:
        text = _clean(paragraph.text)
        if not text:
            continue
        if _is_bullet(paragraph, bulleted_by_default):
            lines.append("  " * _level(paragraph) + "- " + text)
        else:
            lines.append(text)
    return lines


def _is_bullet(paragraph, default: bool) -> bool:
    """A paragraph's own bullet setting wins; else body/content placeholders are bulleted and
    free text boxes are not (what the default master does)."""
    ppr = paragraph._p.find(f"{_A_NS}pPr")
    if ppr is not None:
        if ppr.find(f"{_A_NS}buNone") is not None:
            return False
        if ppr.find(f"{_A_NS}buChar") is not None or ppr.find(f"{_A_NS}buAutoNum") is not None:
            return True
    return default


def _level(paragraph) -> int:
    ppr = paragraph._p.find(f"{_A_NS}pPr")
    try:
        return max(0, min(8, int(ppr.get("lvl", "0")))) if ppr is not None else 0
    except ValueError:
        return 0


def _notes(slide) -> str:
    if not slide.has_notes_slide:
        return ""
    frame = slide.notes_slide.notes_text_frame
    if frame is None:
        return ""
    lines = [_clean(p.text) for p in frame.paragraphs]
    return "\n".join(line for line in lines if line)


def _clean(text: str) -> str:
    # python-pptx gives a soft line break (<a:br/>) as "\v" and paragraphs as "\n"
    return _SPACES.sub(" ", text.replace("\v", " ").replace("\n", " ")).strip()


def _check_package(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise _unreadable(exc) from None
    if not head:
        raise LoadError("the file is empty; re-save the presentation as .pptx or remove it")
    if head == _OLE_MAGIC:
        raise LoadError("the file is an old binary PowerPoint (.ppt) file; re-save it as .pptx")
    if not zipfile.is_zipfile(path):
        raise LoadError("the file is not a PowerPoint presentation (not a zip package); "
                        "re-save it as .pptx")


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    reason = text.splitlines()[0] if text else type(exc).__name__
    return reason[:160]


def _unreadable(exc: OSError) -> LoadError:
    return LoadError(f"cannot read the file ({exc.strerror or exc}); check its permissions")
