"""Word .docx via python-docx. "Heading 1".."Heading 6" paragraphs open sections, locator
"§ Heading", headings path as in the markdown loader; text before any heading is under
"§ <document title>". Tables give " | "-joined rows, list paragraphs "- item" lines, all in
document order."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from se_assistant.loaders.base import LoadedFile, LoadError, Section, require_sections

_SPACES = re.compile(r"[ \t\u00a0]+")
_HEADING_STYLE = re.compile(r"^heading\s+([1-6])$", re.IGNORECASE)
_LIST_STYLE = re.compile(
    r"^list\s+(?:bullet|number|continue|paragraph)(?:\s+(\d))?$", re.IGNORECASE
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TITLE_LEVEL = 0


def load(path: Path) -> LoadedFile:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    _check_package(path)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        # ValueError: "file '...' is not a Word file, content type is ..." (e.g. a renamed .pptx)
        raise LoadError(
            f"the file is not a Word document ({_reason(exc)}); re-save it as .docx"
        ) from None

    blocks: list[tuple[str, int, str]] = []  # ("heading", level, text) or ("text", 0, line)
    for block in _iter_blocks(document):
        if isinstance(block, Table):
            blocks.extend(("text", 0, row) for row in _table_rows(block))
            continue
        text = _clean(block.text)
        if not text:
            continue
        level = _heading_level(block)
        if level is not None:
            blocks.append(("heading", level, text))
            continue
        list_level = _list_level(block)
        line = text if list_level is None else "  " * list_level + "- " + text
        blocks.append(("text", 0, line))

    title = _clean(document.core_properties.title or "")
    if not title:
        titles = (t for kind, lvl, t in blocks if kind == "heading" and lvl == _TITLE_LEVEL)
        title = next(titles, "")
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

    for kind, level, text in blocks:
        if kind == "text":
            lines.extend([pending_title, text] if pending_title else [text])
            pending_title = ""
            continue
        flush()
        pending_title = ""
        if level == _TITLE_LEVEL and text == title:
            # the title as the page shows it stays a line of the text that follows it (it may
            # be asked for: "what event is this for?"); as the document's title it heads no section
            stack = []
            pending_title = text
            continue
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, text))
    flush()
    return require_sections(LoadedFile(title=title, sections=sections))


def _iter_blocks(document):
    """Paragraphs and tables of the body in document order, including those inside content
    controls (``w:sdt``, which ``Document.iter_inner_content`` skips) but not a generated
    table of contents, whose lines would repeat the headings."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    parent = document._body
    p_tag, tbl_tag, sdt_tag = qn("w:p"), qn("w:tbl"), qn("w:sdt")

    def walk(element):
        for child in element.iterchildren():
            if child.tag == p_tag:
                yield Paragraph(child, parent)
            elif child.tag == tbl_tag:
                yield Table(child, parent)
            elif child.tag == sdt_tag and not _is_toc(child):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    yield from walk(content)

    yield from walk(document.element.body)


def _is_toc(sdt) -> bool:
    from docx.oxml.ns import qn

    gallery = sdt.find(f"{qn('w:sdtPr')}/{qn('w:docPartObj')}/{qn('w:docPartGallery')}")
    return gallery is not None and "contents" in (gallery.get(qn("w:val")) or "").lower()


def _heading_level(paragraph) -> int | None:
    """0 for a "Title" paragraph, 1..6 for "Heading N" (or a style based on one), else None."""
    style = _style(paragraph)
    for _ in range(5):  # follow "based on" a few steps: custom styles built on Heading 2 ...
        if style is None:
            return None
        name = (style.name or "").strip()
        if name.lower() == "title":
            return _TITLE_LEVEL
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
        style = style.base_style
    return None


def _list_level(paragraph) -> int | None:
    """Nesting level (0-based) of a list paragraph, or None when it is not a list item."""
    ppr = paragraph._p.pPr
    num_pr = ppr.numPr if ppr is not None else None
    if num_pr is not None and num_pr.numId is not None and num_pr.numId.val != 0:
        ilvl = num_pr.ilvl
        return max(0, min(8, int(ilvl.val))) if ilvl is not None else 0
    style = _style(paragraph)
    match = _LIST_STYLE.match((style.name or "").strip()) if style is not None else None
    if match:
        return int(match.group(1)) - 1 if match.group(1) else 0
    return None


def _style(paragraph):
    try:
        return paragraph.style
    except (KeyError, ValueError):  # a style id the styles part does not define
        return None


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            # a horizontally merged cell is returned once per grid column it spans
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(_clean(cell.text))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\n", " ").replace("\v", " ")).strip()


def _check_package(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise _unreadable(exc) from None
    if not head:
        raise LoadError("the file is empty; re-save the document as .docx or remove it")
    if head == _OLE_MAGIC:
        raise LoadError("the file is an old binary Word (.doc) file; re-save it as .docx")
    if not zipfile.is_zipfile(path):
        raise LoadError("the file is not a Word document (not a zip package); re-save it as .docx")


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    reason = text.splitlines()[0] if text else type(exc).__name__
    return reason[:160]


def _unreadable(exc: OSError) -> LoadError:
    return LoadError(f"cannot read the file ({exc.strerror or exc}); check its permissions")
