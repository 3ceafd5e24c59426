"""Structure recovered from each format on small files made here: the heading of each slide,
page or section, bullets as "- " lines (wrapped lines joined back), and the subject a heading
names carried into every chunk's metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from se_assistant.documents import to_documents
from se_assistant.loaders import load_file

LONG = ("Objective: help small workshops of the valley share their tools, their skills and "
        "their customers, and open a common shop in the old station")


def _txt(path: Path) -> Path:
    path.write_text(
        "Valley report 2024\n\nIntroduction to the network\n\n"
        "Workshops have to serve the valley! That is the idea.\n\n"
        "I. Networks started by citizens\n\n"
        "Acme Works (Lyon, FR)\n\n- ⇒ Who: three carpenters and a baker\n"
        f"- ⇒ {LONG}\n\nPhoto: example.org\n\n"
        "Zeta Lab (Porto, PT):\n\n- Who: the town of Porto\n", encoding="utf-8")
    return path


def _pptx(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Pt

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "Acme Works (Lyon, FR)"
    body = slide.placeholders[1].text_frame
    body.text = "Who: three carpenters and a baker"
    para = body.add_paragraph()
    para.text, para.level = "a nested point", 1
    body.add_paragraph().text = LONG
    box = slide.shapes.add_textbox(0, 0, 100, 20).text_frame
    box.text = "Photo: example.org"
    box.paragraphs[0].runs[0].font.size = Pt(9)
    slide.notes_slide.notes_text_frame.text = "Said aloud: the shop opens in May."
    second = prs.slides.add_slide(prs.slide_layouts[1])
    second.shapes.title.text = "Zeta Lab (Porto, PT)"
    second.placeholders[1].text_frame.text = "Who: the town of Porto"
    prs.save(path)
    return path


def _pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF(orientation="L")
    for title, bullets in (
        ("Acme Works (Lyon, FR)", ["Who: three carpenters and a baker", LONG]),
        ("Zeta Lab (Porto, PT)", ["Who: the town of Porto"]),
    ):
        pdf.add_page()
        pdf.set_font("helvetica", "B", 28)
        pdf.multi_cell(0, 14, title)
        pdf.set_font("helvetica", "", 20)
        for bullet in bullets:
            pdf.set_x(20)
            pdf.cell(8, 10, "-")
            pdf.multi_cell(120, 10, bullet)  # narrow: the long bullet wraps over lines
    pdf.output(str(path))
    return path


def _docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Valley report", 0)
    document.add_heading("I. Networks started by citizens", 1)
    document.add_heading("Acme Works (Lyon, FR)", 2)
    document.add_paragraph("Who: three carpenters and a baker", style="List Bullet")
    document.add_paragraph(LONG, style="List Bullet")
    document.add_heading("Zeta Lab (Porto, PT)", 2)
    document.add_paragraph("Who: the town of Porto", style="List Bullet")
    document.save(path)
    return path


def _html(path: Path) -> Path:
    path.write_text(
        "<html><head><meta charset='utf-8'><title>Valley report</title></head><body>"
        "<h1>I. Networks started by citizens</h1>"
        "<section><h2>Acme Works (Lyon, FR)</h2><ul><li>Who: three carpenters and a baker</li>"
        f"<li>{LONG}<ul><li>a nested point</li></ul></li></ul></section>"
        "<section><h2>Zeta Lab (Porto, PT)</h2><ul><li>Who: the town of Porto</li></ul>"
        "</section></body></html>", encoding="utf-8")
    return path


BUILDERS = {"txt": _txt, "pptx": _pptx, "pdf": _pdf, "docx": _docx, "html": _html}


@pytest.mark.parametrize("fmt", sorted(BUILDERS))
def test_each_format_gives_sections_headed_by_their_titles_with_whole_bullets(tmp_path, fmt):
    loaded = load_file(BUILDERS[fmt](tmp_path / f"deck.{fmt}"))
    by_heading = {s.headings[-1].rstrip(":"): s for s in loaded.sections if s.headings}
    assert {"Acme Works (Lyon, FR)", "Zeta Lab (Porto, PT)"} <= set(by_heading)
    acme = by_heading["Acme Works (Lyon, FR)"].text
    lines = [line.strip() for line in acme.splitlines()]
    # a bullet line each (plain text keeps its own markers, "- ⇒ "), however it was wrapped
    assert any(ln.startswith("-") and ln.endswith(" Who: three carpenters and a baker") for ln in lines)
    assert any(ln.startswith("-") and ln.endswith(f" {LONG}") for ln in lines)
    assert "Zeta" not in acme  # a section never straddles two titles


@pytest.mark.parametrize("fmt", sorted(BUILDERS))
def test_the_subject_and_places_of_a_heading_reach_every_chunk(tmp_path, fmt):
    path = BUILDERS[fmt](tmp_path / f"deck.{fmt}")
    documents = to_documents(load_file(path), path.name, str(tmp_path))
    acme = [d for d in documents if d.metadata.get("case") == "Acme Works"]
    assert acme, [d.metadata for d in documents]
    assert all(d.metadata["places"] == "Lyon, FR" for d in acme)
    assert all(d.text.startswith("Acme Works (Lyon, FR)") for d in acme)  # its heading line
    assert any(d.metadata.get("case") == "Zeta Lab" for d in documents)


def test_pptx_keeps_bullet_levels_captions_and_notes(tmp_path):
    text = load_file(_pptx(tmp_path / "deck.pptx")).sections[0].text
    assert "  - a nested point" in text.splitlines()
    assert "Photo: example.org" in text and "Said aloud: the shop opens in May." in text


def test_plain_text_headings_are_short_lines_that_open_bullets_or_sentences(tmp_path):
    loaded = load_file(_txt(tmp_path / "report.txt"))
    paths = [s.headings for s in loaded.sections]
    assert ("Introduction to the network",) in paths
    assert ("I. Networks started by citizens", "Acme Works (Lyon, FR)") in paths
    assert all("Photo: example.org" not in p for path in paths for p in path)  # a caption
    assert loaded.sections[0].locator.startswith("¶")  # the title block before any heading


def test_a_case_description_without_subject_headings_is_about_its_title(tmp_path):
    path = tmp_path / "acme.md"
    path.write_text("# Acme Works (Lyon, France)\n\nAcme makes tools.\n\n## Objective\n\n"
                    "To share tools.\n\n## Who is involved\n\nThree carpenters.\n", encoding="utf-8")
    documents = to_documents(load_file(path), "acme.md", str(tmp_path))
    assert [d.metadata.get("case") for d in documents] == ["Acme Works"] * 3


def test_a_deck_title_above_subject_slides_is_not_their_subject(tmp_path):
    path = tmp_path / "deck.md"
    path.write_text("# ANNUAL MEETING 2024\n\n## Acme Works (Lyon, FR)\n\n- makes tools\n\n"
                    "## Wish list\n\n- more funding\n", encoding="utf-8")
    documents = to_documents(load_file(path), "deck.md", str(tmp_path))
    assert [d.metadata.get("case", "") for d in documents] == ["Acme Works", ""]


def test_a_deck_title_slide_is_the_opening_not_a_subject_and_parts_carry_over(tmp_path):
    from pptx import Presentation
    from pptx.util import Pt

    prs = Presentation()
    title = prs.slides.add_slide(prs.slide_layouts[0])
    title.shapes.title.text = "Valley Day 2024"
    for name, part in (("Acme Works (Lyon, FR)", "I. Networks started by citizens"),
                       ("Zeta Lab (Porto, PT)", None),
                       ("Beta Hub (Rome, IT)", "II. Networks of cities")):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = name
        slide.placeholders[1].text_frame.text = "Who: three carpenters"
        if part:  # the part's name once, in a box above the title of its first slide
            box = slide.shapes.add_textbox(0, 0, 400, 20).text_frame
            box.text = part
            box.paragraphs[0].runs[0].font.size = Pt(14)
    path = tmp_path / "deck.pptx"
    prs.save(path)
    documents = to_documents(load_file(path), path.name, str(tmp_path))
    assert documents[0].metadata.get("opening") and not documents[0].metadata.get("case")
    crumbs = {d.metadata.get("case"): d.metadata["breadcrumb"] for d in documents[1:]}
    assert "I. Networks started by citizens" in crumbs["Zeta Lab"]  # carried on
    assert "II. Networks of cities" in crumbs["Beta Hub"]
    assert "started by citizens" not in crumbs["Beta Hub"]
