"""PDF: one section per page, locator "page N" (1-based). pypdf opens and checks the file
(damage, encryption, title); pdfplumber reads each page's layout, so that a line in a larger
font at the top is the page's heading, a wrapped bullet or sentence is joined back into one
line, and paragraphs stay apart. A page pdfplumber cannot read falls back to pypdf's text."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from se_assistant.loaders.base import LoadedFile, LoadError, Section, require_sections

log = logging.getLogger(__name__)

_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                            "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u3000]+")
# "exam-\nple" -> "example"; only when the next line goes on in lower case ("Franco-\nBelgian"
# keeps its hyphen). A soft hyphen (U+00AD) at a line end is always a break inside a word.
_HYPHEN_BREAK = re.compile(r"(\w)-\n(?=[a-zà-öø-ÿ])")
_SOFT_HYPHEN_BREAK = re.compile(r"\u00ad\n")
_BLANK_RUNS = re.compile(r"\n{3,}")
# The page's largest font is a heading when it is this much larger than the body text's
# (slide titles are typically 1.2-2x the bullets; equal sizes mean no heading).
HEADING_RATIO = 1.1
# A gap between two lines this many times the page's usual line gap is a paragraph break.
PARAGRAPH_GAP = 1.6
# A line is full when the next line's first word would have run past this share of the text's
# right edge: the printer broke it there. A shorter line ended on purpose (a title, a date).
FULL_LINE = 0.97


def load(path: Path) -> LoadedFile:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, EmptyFileError

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(exc) from None
    if size == 0:
        raise LoadError("the file is empty; re-export the PDF or remove it")
    try:
        reader = PdfReader(path)
    except EmptyFileError:
        raise LoadError("the file is empty; re-export the PDF or remove it") from None
    except OSError as exc:
        raise _unreadable(exc) from None
    except Exception as exc:  # pypdf raises many types on broken files
        raise LoadError(f"the PDF is damaged or not a PDF ({_reason(exc)}); re-export it") from None

    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except DependencyError:
            raise LoadError(
                "the PDF is encrypted with AES and the 'cryptography' package is missing; "
                "pip install cryptography, or export an unencrypted copy"
            ) from None
        except Exception as exc:
            raise LoadError(
                f"the PDF is encrypted and cannot be opened ({_reason(exc)}); "
                "export an unencrypted copy"
            ) from None
        if not opened:
            raise LoadError("the PDF is password-protected; export an unencrypted copy")

    try:
        pages = list(reader.pages)
    except OSError as exc:
        raise _unreadable(exc) from None
    except Exception as exc:  # pypdf raises many types on broken files
        raise LoadError(f"the PDF is damaged or not a PDF ({_reason(exc)}); re-export it") from None
    if not pages:
        raise LoadError("the PDF has no pages; re-export it")

    sections: list[Section] = []
    failures: list[tuple[int, Exception]] = []
    layouts = _layouts(path)
    for number, page in enumerate(pages, 1):
        layout = layouts.get(number)
        if layout is not None and layout[1].strip():
            headings, body = layout
            sections.append(Section(text=body, locator=f"page {number}", headings=headings))
            continue
        try:
            raw = page.extract_text() or ""
        except Exception as exc:  # one broken page must not sink the others
            failures.append((number, exc))
            continue
        text = normalise_text(raw)
        if text:
            sections.append(Section(text=text, locator=f"page {number}"))
    if failures and not sections:
        number, exc = failures[0]
        raise LoadError(
            f"the PDF is damaged (page {number}: {_reason(exc)}); re-export it"
        )
    for number, exc in failures:
        log.warning("%s: page %d skipped, its text cannot be extracted (%s)", path.name, number,
                    _reason(exc))
    if not sections:
        raise LoadError(
            "the PDF has no extractable text (scanned images?); add a text layer with OCR"
        )
    return require_sections(LoadedFile(title=_title(reader, path), sections=sections))


def _layouts(path: Path) -> dict[int, tuple[tuple[str, ...], str]]:
    """Page number -> (heading, text) from pdfplumber's text lines; pages it fails on are
    left out (pypdf's plain text is used for them)."""
    import pdfplumber

    found: dict[int, tuple[tuple[str, ...], str]] = {}
    try:
        with pdfplumber.open(path) as pdf:
            for number, page in enumerate(pdf.pages, 1):
                try:
                    lines = page.extract_text_lines(return_chars=True)
                except Exception:  # noqa: BLE001 - a page pdfminer cannot lay out
                    continue
                found[number] = layout_text([_line(line) for line in lines if line["text"].strip()])
    except Exception:  # noqa: BLE001 - pypdf already accepted the file; use its text
        return found
    return found


def _line(raw: dict) -> PdfLine:
    chars = [c for c in raw.get("chars", []) if str(c.get("text", "")).strip()]
    sizes = sorted(round(float(c.get("size", 0)), 1) for c in chars) or [0.0]
    bold = sum("bold" in str(c.get("fontname", "")).lower() for c in chars) > len(chars) / 2
    return PdfLine(normalise_text(raw["text"]), float(raw["x0"]), float(raw["top"]),
                   float(raw["bottom"]), sizes[len(sizes) // 2], bold, float(raw.get("x1", 0)))


@dataclass
class PdfLine:
    """One printed line: its text, left edge, vertical extent, font size and weight."""

    text: str
    x0: float
    top: float
    bottom: float
    size: float
    bold: bool
    x1: float = 0.0


_BULLET_START = re.compile(r"^(?:[-*•▪◦●■►➢⇒→–]|\d{1,2}[.)])\s")
_ENDS_SENTENCE = re.compile(r"[.!?:;]['\"”’)]?$")


def layout_text(lines: list[PdfLine]) -> tuple[tuple[str, ...], str]:
    """(headings, text) of a page. The first run of lines in the page's largest font, when
    that is clearly larger than the body's, is its heading, and smaller lines above it (a
    part label) the outer heading; the other lines are joined back into bullets ("- " lines)
    and paragraphs."""
    if not lines:
        return (), ""
    weights: dict[float, int] = {}
    for ln in lines:
        weights[ln.size] = weights.get(ln.size, 0) + len(ln.text)
    body_size = max(weights, key=lambda size: weights[size])
    top_size = max(ln.size for ln in lines)
    headings: tuple[str, ...] = ()
    rest = lines
    if top_size >= body_size * HEADING_RATIO:
        first = next(i for i, ln in enumerate(lines) if ln.size == top_size)
        end = first
        while end < len(lines) and lines[end].size == top_size:
            end += 1
        if first <= 2:  # a title sits at the top, under at most a short label or two
            title = " ".join(ln.text for ln in lines[first:end])
            label = " ".join(ln.text for ln in lines[:first])
            headings = (label, title) if label else (title,)
            rest = lines[end:]
    if not rest and headings:  # a page that is only a title: it is the text too
        return headings, headings[-1]
    # a label above the title ("Part II", an organiser's name) is also text of the page
    out: list[str] = list(headings[:-1])
    previous: PdfLine | None = None
    bullet_x: float | None = None
    spacing = _line_spacing(rest)
    right = max((ln.x1 for ln in lines), default=0.0)  # the text block's right edge
    for ln in rest:
        text = ln.text
        bullet = bool(_BULLET_START.match(text))
        gap = ln.top - previous.bottom if previous else 0.0
        # a line wrapped by the printer: the line before it runs (nearly) to the right edge
        continues = (
            previous is not None
            and not bullet
            and abs(ln.size - previous.size) < 0.6
            and gap < spacing * PARAGRAPH_GAP
            and _wrapped(previous, ln, right)
            and (
                (bullet_x is not None and ln.x0 > bullet_x + 1.0)
                # a paragraph's lines share its left edge (centred lines are separate items)
                or (abs(ln.x0 - previous.x0) < 2.0 and not _ENDS_SENTENCE.search(out[-1]))
            )
        )
        if continues:
            out[-1] = _join(out[-1], text)
        else:
            if bullet:
                bullet_x = ln.x0
                text = "- " + _BULLET_START.sub("", text, count=1).lstrip()
            else:
                bullet_x = None
                if previous is not None and gap >= spacing * PARAGRAPH_GAP:
                    out.append("")
            out.append(text)
        previous = ln
    return headings, "\n".join(out).strip()


def _wrapped(previous: PdfLine, line: PdfLine, right: float) -> bool:
    """Whether the printer broke ``previous`` because ``line``'s first word did not fit: that
    word, at ``previous``'s average character width, would run past the text's right edge."""
    if not right or not previous.x1 or not previous.text:
        return True
    char = max(previous.x1 - previous.x0, 1.0) / max(len(previous.text), 1)
    first = len(line.text.split(" ", 1)[0]) + 1
    return previous.x1 + first * char >= right * FULL_LINE


def _line_spacing(lines: list[PdfLine]) -> float:
    """The page's usual gap between two lines of a paragraph: the most common gap, rounded
    to a point (a paragraph break is clearly wider)."""
    gaps = [round(b.top - a.bottom) for a, b in zip(lines, lines[1:], strict=False)
            if b.top > a.bottom and abs(a.size - b.size) < 0.6]
    if not gaps:
        return max((ln.size for ln in lines), default=10.0) * 0.5
    common = max(set(gaps), key=lambda g: (gaps.count(g), -g))
    return max(float(common), 1.0)


def _join(left: str, right: str) -> str:
    if left.endswith("-") and right[:1].islower() and left[-2:-1].isalpha():
        return left[:-1] + right  # a word hyphenated at the line end
    return f"{left} {right}"


def normalise_text(raw: str) -> str:
    """Tidy text from ``extract_text``: one space between words, hyphenated line breaks
    rejoined, lines stripped, at most one blank line between paragraphs."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").translate(_LIGATURES)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _SOFT_HYPHEN_BREAK.sub("", text)
    text = _HYPHEN_BREAK.sub(r"\1", text)
    text = text.replace("\u00ad", "")
    return _BLANK_RUNS.sub("\n\n", text).strip()


def _title(reader, path: Path) -> str:
    try:
        meta = reader.metadata
        title = meta.title if meta is not None else None
    except Exception:  # a damaged /Info dictionary only costs the title
        title = None
    if isinstance(title, str):
        title = _SPACES.sub(" ", _CONTROL.sub("", title)).strip()
        if title and title.lower() != "untitled":
            return title
    return path.stem.replace("_", " ").replace("-", " ").strip() or path.name


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    reason = text.splitlines()[0] if text else type(exc).__name__
    return reason[:160]


def _unreadable(exc: OSError) -> LoadError:
    return LoadError(f"cannot read the file ({exc.strerror or exc}); check its permissions")
