"""Renditions of the seed material in the formats people have it: .pptx, .pdf, .docx, .html, .txt.

    python evals/renditions.py --out /tmp/r                    # all formats
    python evals/renditions.py --out /tmp/r --formats pptx,pdf
    python evals/renditions.py --seed ../shared/seed/000_c39117d468951fe6.txt --out /tmp/r

The seed is the plain text of the REVES presentation of 4 June 2018 ("The role of clusters and
regions in scaling up"). Each rendition is written to its own folder, ``OUT/<format>/
reves-2018.<format>``, so an eval run can ingest one folder at a time and ask the same questions
of every form of the same material. Each file is made the way a person makes one, not shaped for
a parser:

* **pptx** (python-pptx): one slide per slide of the deck; the title placeholder holds the slide
  title, the body placeholder the bullets as paragraphs with levels ("⇒" bullets keep their
  arrow as bullet character), photo credits and section names are small text boxes, and the
  source of the REALIS picture is in that slide's speaker notes.
* **pdf** (fpdf2): the deck printed to PDF, one landscape page per slide; titles large and bold,
  bullets drawn with a glyph and wrapped over several lines, captions small. The font size of a
  slide's body shrinks until it fits its page, as PowerPoint's autofit does.
* **docx** (python-docx): a heading per slide (Title for the first, Heading 1 for the section
  names and the slides outside a section, Heading 2 for the slides inside one), "List Bullet"
  and "List Bullet 2" paragraphs, small caption paragraphs, a page break between slides.
* **html**: a standalone UTF-8 page, a ``<section>`` per slide with its heading, nested
  ``<ul>`` lists, ``<p>`` for plain lines and ``<p class="caption">`` for photo credits.
* **txt**: the seed text itself, byte for byte.

The output is deterministic: the same seed gives byte-identical files. Dates inside the files
are the date of the event, and the ZIP entries of .pptx and .docx get a fixed timestamp.

Importable as well: ``build_renditions(seed, out, formats)`` returns the path of each file, and
``segment(seed_text)`` the slides. Knowledge of this one deck (where its slides begin, which
line is a title or a caption) lives here, in ``SLIDES``: it is data about the seed, not code of
the assistant.
"""

from __future__ import annotations

import argparse
import html
import io
import re
import sys
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUNDLED_SEED = REPO / "evals" / "seed" / "reves-2018.txt"
SHARED_SEED_DIR = REPO.parent / "shared" / "seed"
STEM = "reves-2018"
FORMATS = ("txt", "pptx", "pdf", "docx", "html")

# Metadata a person's file would carry. The document title is the first slide's title, as
# PowerPoint fills it in (no words that are not in the seed); the date of the event stands in for
# "now" so that builds are reproducible.
DOC_AUTHOR = "REVES aisbl"
DOC_DATE = datetime(2018, 6, 4, 9, 0, 0)
ZIP_DATE = (2018, 6, 4, 9, 0, 0)


class Kind(Enum):
    """The role of one seed line on its slide."""

    HEADER = "header"  # the organisation's name at the top of the title slide
    TITLE = "title"
    SUBTITLE = "subtitle"
    SECTION = "section"  # "I. ...": the name of the part of the talk the slide opens
    CAPTION = "caption"  # a photo credit or picture source under the picture
    NOTE = "note"  # a caption kept in the speaker notes of the .pptx, a caption elsewhere
    BULLET = "bullet"
    TEXT = "text"  # a plain line of the body (no bullet)


_READING_ORDER = {
    Kind.HEADER: 0,
    Kind.SECTION: 1,
    Kind.TITLE: 2,
    Kind.SUBTITLE: 3,
    Kind.BULLET: 4,
    Kind.TEXT: 4,
    Kind.CAPTION: 5,
    Kind.NOTE: 5,
}


@dataclass(frozen=True)
class Line:
    """One non-empty seed line, with its role and its text as shown (list markers removed)."""

    kind: Kind
    text: str
    level: int = 0
    arrow: bool = False  # the deck's "⇒" bullet rather than a plain one
    source: str = ""  # the seed line exactly


@dataclass(frozen=True)
class SlideSpec:
    """Where a slide begins in the seed and which of its lines are not body text."""

    starts_with: str | None  # the seed line that opens the slide (None: the first slide)
    title: str
    section: str | None = None
    captions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    header: str | None = None
    subtitles: tuple[str, ...] = ()
    in_part: bool = False  # a case slide, nested under the latest section divider


@dataclass
class Slide:
    """One slide of the deck: its number, title, part of the talk and lines in seed order."""

    number: int
    title: str
    section: str | None  # the section divider shown on this slide
    part: str | None  # the section divider the slide belongs to
    lines: list[Line] = field(default_factory=list)
    seed_lines: list[str] = field(default_factory=list)  # every seed line, blanks included

    def of_kind(self, *kinds: Kind) -> list[Line]:
        return [line for line in self.lines if line.kind in kinds]

    def in_reading_order(self) -> list[Line]:
        """The lines as a document shows them: heading first, photo credits last.

        In the seed a credit comes before its slide's title (it sits under the picture); a
        document written from the deck puts it after the slide's heading, where it belongs.
        """
        return sorted(self.lines, key=lambda line: _READING_ORDER[line.kind])


# The slides of the deck, in order. Every seed line belongs to exactly one slide: a slide runs
# from its `starts_with` line to the line before the next slide's.
#
# Section-divider lines ("I. Social economy clusters as ...") open the first slide of their part
# of the talk: in the seed each one is followed by the picture gap and the title of the first
# case of its part, and the deck has no slide without a title. So they are not slides of their
# own; they are a small text box above that slide's title (.pptx, .pdf) and the Heading 1 /
# <h1> under which the part's slides are nested (.docx, .html).
#
# Photo credits come before their slide's title in the seed ("Photo: Coopcity", then
# "Coopcity (Brussels, BE)"), like every picture credit in this text, so "Photo:
# commons.wikimedia.org" is the credit of the Pfefferwerk slide's picture, not of the slide
# before it. The blank lines before a credit (the picture) end the previous slide.
SLIDES: tuple[SlideSpec, ...] = (
    SlideSpec(
        starts_with=None,
        header="European Network of Cities and Regions for the Social Economy (REVES aisbl)",
        title="EUROPEAN DAY OF SOCIAL ECONOMY ENTERPRISES 2018",
        subtitles=("“THE ROLE OF CLUSTERS AND REGIONS IN SCALING UP“", "4 JUNE 2018"),
    ),
    SlideSpec(
        starts_with="Social economy and cluster processes",
        title="Social economy and cluster processes",
    ),
    SlideSpec(
        starts_with="I. Social economy clusters as a result of citizen initiatives/bottom-up "
        "initiatives",
        section="I. Social economy clusters as a result of citizen initiatives/bottom-up "
        "initiatives",
        title="Fondazione Horcynus Orca (Messina, IT)",
        in_part=True,
    ),
    SlideSpec(
        starts_with="Photo: commons.wikimedia.org",
        captions=("Photo: commons.wikimedia.org",),
        title="Pfefferwerk Foundation (Berlin, DE):",
        in_part=True,
    ),
    SlideSpec(
        starts_with="II. Social economy clusters promoted by (programmes of) public authorities",
        section="II. Social economy clusters promoted by (programmes of) public authorities",
        notes=("www.infoentrepriseslr.fr",),
        title="REALIS (Languedoc-Roussillon, FR)",
        in_part=True,
    ),
    SlideSpec(
        starts_with="Photo: Coopcity",
        captions=("Photo: Coopcity",),
        title="Coopcity (Brussels, BE)",
        in_part=True,
    ),
    SlideSpec(
        starts_with="III. Social economy cluster processes joint by public authorities",
        section="III. Social economy cluster processes joint by public authorities",
        captions=("Photo: Centre Social de Sants",),
        title="Impuls Cooperatiu de Sants (Barcelona, ES)",
        in_part=True,
    ),
    SlideSpec(
        starts_with="“Wish list” (not exhaustive...):",
        title="“Wish list” (not exhaustive...):",
    ),
    SlideSpec(
        starts_with="Thank you very much!",
        title="Thank you very much!",
    ),
)

# Body-line markers of the seed: "- ⇒ text" is an arrow bullet, " - text" (indented) a
# sub-bullet, "⇒ text" without a dash an arrow sub-bullet under the bullet above it.
_ARROW_BULLET = re.compile(r"^- ⇒\s*(?P<text>.*)$")
_SUB_BULLET = re.compile(r"^\s+-\s+(?P<text>.*)$")
_BULLET = re.compile(r"^-\s+(?P<text>.*)$")
_ARROW_SUB_BULLET = re.compile(r"^⇒\s*(?P<text>.*)$")
_EMPHASIS = re.compile(r"\*([^*]+)\*")
_URL = re.compile(r"^(?:www\.\S+|\S+@\S+\.\S+)$")


class SeedError(ValueError):
    """The seed text is not the deck this script knows how to cut into slides."""


def segment(seed_text: str) -> list[Slide]:
    """Cut the seed text into the slides of ``SLIDES``, every line in exactly one slide."""
    seed_lines = seed_text.replace("\r\n", "\n").split("\n")
    starts = [0]
    for number, spec in enumerate(SLIDES[1:], start=2):
        try:
            starts.append(seed_lines.index(spec.starts_with, starts[-1] + 1))
        except ValueError:
            raise SeedError(
                f"the line {spec.starts_with!r} that opens slide {number} is not in the seed "
                "(after the previous slide); this script renders the REVES 2018 seed only"
            ) from None
    ends = [*starts[1:], len(seed_lines)]
    slides, part = [], None
    for number, (spec, start, end) in enumerate(zip(SLIDES, starts, ends, strict=True), 1):
        part = spec.section or part
        slides.append(_slide(number, spec, seed_lines[start:end], part if spec.in_part else None))
    return slides


def _slide(number: int, spec: SlideSpec, seed_lines: list[str], part: str | None) -> Slide:
    roles = {spec.title: Kind.TITLE}
    roles |= dict.fromkeys(spec.captions, Kind.CAPTION)
    roles |= dict.fromkeys(spec.notes, Kind.NOTE)
    roles |= dict.fromkeys(spec.subtitles, Kind.SUBTITLE)
    if spec.section:
        roles[spec.section] = Kind.SECTION
    if spec.header:
        roles[spec.header] = Kind.HEADER
    slide = Slide(number, spec.title, spec.section, part, seed_lines=seed_lines)
    for raw in seed_lines:
        if not raw.strip():
            continue
        kind = roles.pop(raw, None)
        slide.lines.append(Line(kind, raw, source=raw) if kind else _body_line(raw))
    if roles:
        missing = ", ".join(repr(text) for text in roles)
        raise SeedError(f"slide {number} of the seed has no line {missing}")
    return slide


def _body_line(raw: str) -> Line:
    for pattern, level, arrow in (
        (_ARROW_BULLET, 0, True),
        (_SUB_BULLET, 1, False),
        (_BULLET, 0, False),
        (_ARROW_SUB_BULLET, 1, True),
    ):
        if match := pattern.match(raw):
            return Line(Kind.BULLET, match["text"], level=level, arrow=arrow, source=raw)
    return Line(Kind.TEXT, raw.strip(), source=raw)


def _runs(text: str) -> list[tuple[str, bool]]:
    """The text as (piece, italic) runs: the seed marks emphasis with *asterisks*."""
    pieces = _EMPHASIS.split(text)
    return [(piece, index % 2 == 1) for index, piece in enumerate(pieces) if piece]


def _plain(text: str) -> str:
    return _EMPHASIS.sub(r"\1", text)


def _link(text: str) -> str | None:
    text = _plain(text)
    if not _URL.match(text):
        return None
    return f"mailto:{text}" if "@" in text else f"http://{text}"


# ---------------------------------------------------------------- .txt


def write_txt(seed: Path, slides: Sequence[Slide], path: Path) -> None:
    path.write_bytes(seed.read_bytes())


# ---------------------------------------------------------------- .pptx


def write_pptx(seed: Path, slides: Sequence[Slide], path: Path) -> None:
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    prs = Presentation()
    title_layout, content_layout = prs.slide_layouts[0], prs.slide_layouts[1]
    grey = RGBColor(0x59, 0x59, 0x59)
    width = prs.slide_width

    def text_box(slide, text: str, top: Emu, height: Emu, size: int, italic: bool = False):
        box = slide.shapes.add_textbox(Inches(0.5), top, width - Inches(1), height)
        frame = box.text_frame
        frame.word_wrap = True
        _pptx_runs(frame.paragraphs[0], text, size=Pt(size), color=grey, italic=italic)
        return box

    for spec_slide in slides:
        if spec_slide.number == 1:
            slide = prs.slides.add_slide(title_layout)
            slide.shapes.title.text = spec_slide.title
            subtitle = slide.placeholders[1].text_frame
            for index, line in enumerate(spec_slide.of_kind(Kind.SUBTITLE)):
                paragraph = subtitle.paragraphs[0] if index == 0 else subtitle.add_paragraph()
                _pptx_runs(paragraph, line.text)
            for line in spec_slide.of_kind(Kind.HEADER):
                text_box(slide, line.text, Inches(0.3), Inches(0.6), 14)
            continue

        slide = prs.slides.add_slide(content_layout)
        slide.shapes.title.text = spec_slide.title
        body_lines = spec_slide.of_kind(Kind.BULLET, Kind.TEXT)
        size = Pt(_body_size(sum(len(line.text) for line in body_lines)))
        frame = slide.placeholders[1].text_frame
        for index, line in enumerate(body_lines):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            paragraph.level = line.level
            if line.kind is Kind.TEXT:
                _pptx_no_bullet(paragraph)
            elif line.arrow:
                _pptx_bullet_char(paragraph, "⇒")
            _pptx_runs(paragraph, line.text, size=size, link=_link(line.text))
        for line in spec_slide.of_kind(Kind.SECTION):
            text_box(slide, line.text, Inches(0.05), Inches(0.45), 12, italic=True)
        for line in spec_slide.of_kind(Kind.CAPTION):
            text_box(slide, line.text, prs.slide_height - Inches(0.45), Inches(0.35), 9)
        notes = [line.text for line in spec_slide.of_kind(Kind.NOTE)]
        if notes:
            slide.notes_slide.notes_text_frame.text = "\n".join(notes)

    props = prs.core_properties
    props.title, props.author, props.last_modified_by = slides[0].title, DOC_AUTHOR, DOC_AUTHOR
    props.created = props.modified = DOC_DATE
    props.revision = 1
    buffer = io.BytesIO()
    prs.save(buffer)
    path.write_bytes(_fixed_zip_dates(buffer.getvalue()))


def _body_size(chars: int) -> int:
    """Body font size (pt) of a 4:3 slide: dense slides get smaller text, as autofit does."""
    return 24 if chars < 300 else 20 if chars < 600 else 18


def _pptx_runs(paragraph, text: str, size=None, color=None, italic=False, link=None) -> None:
    for piece, emphasised in _runs(text):
        run = paragraph.add_run()
        run.text = piece
        if size is not None:
            run.font.size = size
        if color is not None:
            run.font.color.rgb = color
        if italic or emphasised:
            run.font.italic = True
        if link:
            run.hyperlink.address = link


def _pptx_bullet_char(paragraph, char: str) -> None:
    """A custom bullet character, as PowerPoint writes one (python-pptx has no API for it)."""
    from pptx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(ppr.makeelement(qn("a:buFont"), {"typeface": "Arial"}))
    ppr.append(ppr.makeelement(qn("a:buChar"), {"char": char}))


def _pptx_no_bullet(paragraph) -> None:
    from pptx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    ppr.set("marL", "0")
    ppr.set("indent", "0")
    ppr.append(ppr.makeelement(qn("a:buNone"), {}))


def _fixed_zip_dates(data: bytes) -> bytes:
    """The same ZIP with every entry dated ZIP_DATE (zipfile stamps entries with the clock)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info))
    return out.getvalue()


# ---------------------------------------------------------------- .pdf

_PAGE_W, _PAGE_H = 254.0, 190.5  # mm: a 10 x 7.5 in (4:3) slide, as PowerPoint prints it
_MARGIN = 16.0
_PT = 0.3528  # mm per point


def _font_dir() -> Path:
    """DejaVu Sans from matplotlib (a dependency): covers “ ” ’ ⇒ ò and is the same everywhere."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def write_pdf(seed: Path, slides: Sequence[Slide], path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format=(_PAGE_H, _PAGE_W))
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
    pdf.set_auto_page_break(False)
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_title(slides[0].title)
    pdf.set_author(DOC_AUTHOR)
    pdf.set_creation_date(DOC_DATE.replace(tzinfo=UTC))

    for slide in slides:
        pdf.add_page()
        if slide.number == 1:
            _pdf_title_slide(pdf, slide)
        else:
            _pdf_content_slide(pdf, slide)
    pdf.output(str(path))


def _pdf_text(
    pdf,
    text: str,
    size: float,
    style: str = "",
    color=(0, 0, 0),
    align="L",
    x: float = _MARGIN,
    width: float | None = None,
    spacing: float = 1.2,
) -> None:
    pdf.set_font("DejaVu", style, size)
    pdf.set_text_color(*color)
    pdf.set_x(x)
    markdown = "*" in text
    pdf.multi_cell(
        width if width is not None else _PAGE_W - _MARGIN - x,
        size * _PT * spacing,
        _EMPHASIS.sub(r"__\1__", text) if markdown else text,
        align=align,
        markdown=markdown,
        link=_link(text) or "",
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _pdf_title_slide(pdf, slide: Slide) -> None:
    blue = (31, 56, 100)
    pdf.set_y(14)
    for line in slide.of_kind(Kind.HEADER):
        _pdf_text(pdf, line.text, 14, color=(89, 89, 89), align="C")
    pdf.set_y(68)
    _pdf_text(pdf, slide.title, 30, "B", color=blue, align="C")
    pdf.ln(6)
    for line in slide.of_kind(Kind.SUBTITLE):
        _pdf_text(pdf, line.text, 20, color=(64, 64, 64), align="C")
        pdf.ln(3)


def _pdf_content_slide(pdf, slide: Slide) -> None:
    pdf.set_y(8)
    for line in slide.of_kind(Kind.SECTION):
        _pdf_text(pdf, line.text, 12, "I", color=(89, 89, 89))
    pdf.set_y(max(pdf.get_y() + 2, 20))
    _pdf_text(pdf, slide.title, 28, "B", color=(31, 56, 100))
    body_top = pdf.get_y() + 6
    captions = slide.of_kind(Kind.CAPTION, Kind.NOTE)
    body_bottom = _PAGE_H - (16 if captions else 10)
    body = slide.of_kind(Kind.BULLET, Kind.TEXT)
    size = next(
        (
            s
            for s in (24, 22, 20, 18, 16, 14, 13, 12, 11, 10)
            if _pdf_body_height(pdf, body, s) <= body_bottom - body_top
        ),
        10,
    )
    pdf.set_y(body_top)
    for line in body:
        _pdf_body_line(pdf, line, size)
    for index, line in enumerate(reversed(captions)):
        pdf.set_y(_PAGE_H - 12 - 5 * index)
        _pdf_text(pdf, line.text, 9, color=(110, 110, 110))


def _pdf_indent(line: Line, size: float) -> tuple[float, float]:
    """(x of the bullet glyph, x of the text) of a body line."""
    glyph_x = _MARGIN + 12 * line.level
    return glyph_x, glyph_x + (size * _PT * 1.4 if line.kind is Kind.BULLET else 0)


def _pdf_body_height(pdf, body: Sequence[Line], size: float) -> float:
    pdf.set_font("DejaVu", "", size)
    height = 0.0
    for line in body:
        _, text_x = _pdf_indent(line, size)
        lines = pdf.multi_cell(
            _PAGE_W - _MARGIN - text_x,
            size * _PT * 1.2,
            _plain(line.text),
            dry_run=True,
            output="LINES",
        )
        height += len(lines) * size * _PT * 1.2 + size * _PT * 0.5
    return height


def _pdf_body_line(pdf, line: Line, size: float) -> None:
    glyph_x, text_x = _pdf_indent(line, size)
    if line.kind is Kind.BULLET:
        pdf.set_font("DejaVu", "", size)
        pdf.set_text_color(31, 56, 100)
        top = pdf.get_y()
        pdf.set_xy(glyph_x, top)
        glyph = "⇒" if line.arrow else "–" if line.level else "•"
        pdf.cell(text_x - glyph_x, size * _PT * 1.2, glyph)
        pdf.set_y(top)
    _pdf_text(pdf, line.text, size, x=text_x)
    pdf.ln(size * _PT * 0.5)


# ---------------------------------------------------------------- .docx


def write_docx(seed: Path, slides: Sequence[Slide], path: Path) -> None:
    from docx import Document
    from docx.shared import Pt, RGBColor

    document = Document()
    grey = RGBColor(0x59, 0x59, 0x59)

    def paragraph(
        text: str, style: str | None = None, size: int | None = None, italic: bool = False
    ) -> None:
        para = document.add_paragraph(style=style)
        for piece, emphasised in _runs(text):
            run = para.add_run(piece)
            run.italic = italic or emphasised or None
            if size is not None:
                run.font.size = Pt(size)
                run.font.color.rgb = grey

    for slide in slides:
        if slide.number > 1:
            document.add_page_break()
        for line in slide.in_reading_order():
            if line.kind is Kind.TITLE:
                if slide.number == 1:
                    document.add_heading(line.text, level=0)
                else:
                    document.add_heading(line.text, level=2 if slide.part else 1)
            elif line.kind is Kind.SECTION:
                document.add_heading(line.text, level=1)
            elif line.kind is Kind.SUBTITLE:
                paragraph(line.text, "Subtitle")
            elif line.kind in (Kind.CAPTION, Kind.NOTE, Kind.HEADER):
                paragraph(line.text, size=8 if line.kind is not Kind.HEADER else 10, italic=True)
            elif line.kind is Kind.BULLET:
                paragraph(line.text, "List Bullet 2" if line.level else "List Bullet")
            else:
                paragraph(line.text)

    props = document.core_properties
    props.title, props.author, props.last_modified_by = slides[0].title, DOC_AUTHOR, DOC_AUTHOR
    props.created = props.modified = DOC_DATE
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_fixed_zip_dates(buffer.getvalue()))


# ---------------------------------------------------------------- .html

_HTML_STYLE = """\
    body { font-family: "Segoe UI", Arial, sans-serif; max-width: 60rem; margin: 2rem auto;
           color: #222; line-height: 1.4; }
    section.slide { border-bottom: 1px solid #ccc; padding: 1rem 0 2rem; }
    h1, h2 { color: #1f3864; }
    h1.part { font-size: 1.1rem; font-style: italic; color: #595959; }
    li.arrow { list-style-type: "⇒  "; }
    .caption { font-size: 0.75rem; color: #6e6e6e; }
    .subtitle { font-size: 1.4rem; }"""


def write_html(seed: Path, slides: Sequence[Slide], path: Path) -> None:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '  <meta charset="utf-8">',
        '  <meta name="viewport" content="width=device-width, initial-scale=1">',
        f'  <meta name="author" content="{html.escape(DOC_AUTHOR)}">',
        f"  <title>{html.escape(slides[0].title)}</title>",
        f"  <style>\n{_HTML_STYLE}\n  </style>",
        "</head>",
        "<body>",
        "<main>",
    ]
    for slide in slides:
        out.append(f'<section class="slide" id="slide-{slide.number}">')
        out.extend(_html_slide(slide))
        out.append("</section>")
    out += ["</main>", "</body>", "</html>", ""]
    path.write_text("\n".join(out), encoding="utf-8")


def _html_inline(text: str) -> str:
    escaped = "".join(
        f"<em>{html.escape(piece)}</em>" if italic else html.escape(piece)
        for piece, italic in _runs(text)
    )
    link = _link(text)
    return f'<a href="{html.escape(link)}">{escaped}</a>' if link else escaped


def _html_slide(slide: Slide) -> list[str]:
    out: list[str] = []
    title_tag = "h2" if slide.part else "h1"
    bullets: list[Line] = []  # consecutive bullets, written as one (nested) list
    for line in [*slide.in_reading_order(), None]:
        if line is not None and line.kind is Kind.BULLET:
            bullets.append(line)
            continue
        if bullets:
            out += _html_list(bullets, "  ")
            bullets = []
        if line is None:
            break
        text = _html_inline(line.text)
        if line.kind is Kind.TITLE:
            out.append(f"  <{title_tag}>{text}</{title_tag}>")
        elif line.kind is Kind.SECTION:
            out.append(f'  <h1 class="part">{text}</h1>')
        elif line.kind in (Kind.CAPTION, Kind.NOTE):
            out.append(f'  <p class="caption">{text}</p>')
        elif line.kind is Kind.SUBTITLE:
            out.append(f'  <p class="subtitle">{text}</p>')
        elif line.kind is Kind.HEADER:
            out.append(f'  <p class="organisation">{text}</p>')
        else:
            out.append(f"  <p>{text}</p>")
    return out


def _html_list(items: Sequence[Line], indent: str) -> list[str]:
    """A <ul> of bullets; deeper bullets form a <ul> inside the <li> before them."""
    out = [f"{indent}<ul>"]
    index = 0
    while index < len(items):
        item, end = items[index], index + 1
        while end < len(items) and items[end].level > item.level:
            end += 1
        css = ' class="arrow"' if item.arrow else ""
        text = _html_inline(item.text)
        if end > index + 1:
            out.append(f"{indent}  <li{css}>{text}")
            out += _html_list(items[index + 1 : end], indent + "    ")
            out.append(f"{indent}  </li>")
        else:
            out.append(f"{indent}  <li{css}>{text}</li>")
        index = end
    out.append(f"{indent}</ul>")
    return out


# ---------------------------------------------------------------- entry points

_WRITERS = {
    "txt": write_txt,
    "pptx": write_pptx,
    "pdf": write_pdf,
    "docx": write_docx,
    "html": write_html,
}


def default_seed() -> Path:
    """The shared seed beside the repository when there is exactly one, else the bundled copy."""
    shared = sorted(SHARED_SEED_DIR.glob("*.txt")) if SHARED_SEED_DIR.is_dir() else []
    return shared[0] if len(shared) == 1 else BUNDLED_SEED


def build_renditions(seed: Path, out: Path, formats: Iterable[str] = FORMATS) -> dict[str, Path]:
    """Write ``out/<format>/reves-2018.<format>`` for each format; return the paths by format.

    Raises ``ValueError`` (a ``SeedError`` when the seed is not the known deck) for an unknown
    format or a seed that cannot be cut into the deck's slides, before anything is written.
    """
    formats = list(dict.fromkeys(formats))
    unknown = [name for name in formats if name not in _WRITERS]
    if unknown:
        raise ValueError(f"unknown format {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    slides = segment(seed.read_text(encoding="utf-8"))
    written: dict[str, Path] = {}
    for name in formats:
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{STEM}.{name}"
        _WRITERS[name](seed, slides, path)
        written[name] = path
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--seed",
        type=Path,
        default=None,
        help=f"seed text (default: the one .txt in {SHARED_SEED_DIR} if present, "
        f"else {BUNDLED_SEED.relative_to(REPO)})",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write renditions to")
    parser.add_argument(
        "--formats",
        default=",".join(FORMATS),
        help=f"comma-separated formats (default: {','.join(FORMATS)})",
    )
    args = parser.parse_args(argv)
    seed = args.seed or default_seed()
    formats = [name.strip().lower() for name in args.formats.split(",") if name.strip()]
    if not seed.is_file():
        print(
            f"error: seed file {seed} not found; pass --seed PATH to the seed text", file=sys.stderr
        )
        return 2
    try:
        written = build_renditions(seed, args.out, formats)
    except UnicodeDecodeError:
        print(
            f"error: seed file {seed} is not UTF-8 text; pass --seed PATH to the seed text",
            file=sys.stderr,
        )
        return 2
    except SeedError as error:
        print(f"error: seed file {seed}: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"error: --formats: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(
            f"error: cannot write to {args.out}: {error.strerror}; pass --out DIR to a "
            "writable folder",
            file=sys.stderr,
        )
        return 2
    for name, path in written.items():
        print(f"{name:5} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
