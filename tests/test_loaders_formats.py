"""The PDF, PowerPoint, Word and HTML loaders, on fixture files built here at test time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from se_assistant.loaders import LoadError, load_file
from se_assistant.loaders.base import LoadedFile

# ---------------------------------------------------------------- fixture builders


def make_pdf(path: Path, pages: list[str], title: str | None = None, **encryption) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    if encryption:
        from fpdf.enums import EncryptionMethod

        pdf.set_encryption(encryption_method=EncryptionMethod.RC4, **encryption)
    pdf.output(str(path))
    return path


def make_deck(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[0])  # title slide
    slide.shapes.title.text = "Social economy clusters"
    slide.placeholders[1].text = "REVES network, 2024"

    slide = prs.slides.add_slide(prs.slide_layouts[1])  # title and content
    slide.shapes.title.text = "Coopcity Brussels"
    body = slide.placeholders[1].text_frame
    body.text = "Incubator for cooperatives"
    sub = body.add_paragraph()
    sub.text = "Funded by the region"
    sub.level = 1
    slide.notes_slide.notes_text_frame.text = "Mention the 2016 launch"

    slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    slide.shapes.title.text = "Figures"
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(6), Inches(1)).table
    for (row, col), value in {(0, 0): "City", (0, 1): "Members",
                              (1, 0): "Lyon", (1, 1): "42"}.items():
        table.cell(row, col).text = value
    prs.save(str(path))
    return path


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("Cluster handbook", style="Title")
    document.add_paragraph("Preface before any heading.")
    document.add_heading("Governance", level=1)
    document.add_paragraph("Boards meet monthly.")
    document.add_heading("Members", level=1)
    document.add_paragraph("Who takes part.")
    document.add_heading("Founding members", level=2)
    table = document.add_table(rows=2, cols=2)
    for (row, col), value in {(0, 0): "Name", (0, 1): "City",
                              (1, 0): "Pôle Sud", (1, 1): "Lyon"}.items():
        table.cell(row, col).text = value
    document.add_paragraph("Cooperatives", style="List Bullet")
    document.add_paragraph("Associations", style="List Bullet")
    document.save(str(path))
    return path


HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Coopcity guide</title>
<style>body { color: red }</style>
<script>var stolen = "alert-from-head";</script></head>
<body>
<h1>Coopcity guide</h1>
<p>An incubator in <b>Brussels</b>, see <a href="javascript:alert('href')">the map</a>.</p>
<script>alert("body-script")</script>
<img src=x onerror=alert(1)>
<h2>Programmes</h2>
<ul><li>Start-up support</li><li>Scale-up support</li></ul>
<noscript>alert-noscript</noscript>
<h2>Contact</h2>
<p>Write to the team.</p>
</body></html>
"""


def sections_by_locator(loaded: LoadedFile) -> dict:
    return {section.locator: section for section in loaded.sections}


def load_error(path: Path) -> LoadError:
    with pytest.raises(LoadError) as info:
        load_file(path)
    return info.value


def assert_one_line(err: LoadError) -> None:
    message = str(err)
    assert message.strip()
    assert "\n" not in message and "\r" not in message


# ---------------------------------------------------------------- PDF


def test_pdf_pages_become_sections_with_page_locators(tmp_path):
    path = make_pdf(tmp_path / "report.pdf", ["Coopcity opened in Brussels.",
                                              "Pole Sud works in Lyon."])
    loaded = load_file(path)
    assert [s.locator for s in loaded.sections] == ["page 1", "page 2"]
    page1, page2 = loaded.sections
    assert "Coopcity opened in Brussels." in page1.text
    assert "Lyon" not in page1.text
    assert "Pole Sud works in Lyon." in page2.text
    assert "Coopcity" not in page2.text
    assert page1.headings == () and page1.metadata == {}


def test_pdf_title_comes_from_metadata_else_file_stem(tmp_path):
    titled = make_pdf(tmp_path / "a.pdf", ["Some text."], title="Cluster report 2024")
    untitled = make_pdf(tmp_path / "annual_report.pdf", ["Some text."])
    assert load_file(titled).title == "Cluster report 2024"
    assert load_file(untitled).title == "annual report"


def test_pdf_text_is_normalised(tmp_path):
    text = "Many    spaces   here.\nA word that is hyphen-\nated across lines.\n\nNext paragraph."
    page = load_file(make_pdf(tmp_path / "n.pdf", [text])).sections[0].text
    assert "Many spaces here." in page
    assert "hyphenated across lines" in page
    assert "  " not in page


def test_pdf_of_random_bytes_is_refused_as_damaged(tmp_path):
    path = tmp_path / "noise.pdf"
    path.write_bytes(os.urandom(4096))
    err = load_error(path)
    assert_one_line(err)
    assert "damaged or not a PDF" in str(err) and "re-export" in str(err)


def test_truncated_pdf_is_refused_as_damaged(tmp_path):
    whole = make_pdf(tmp_path / "whole.pdf", ["First page text.", "Second page text."])
    path = tmp_path / "truncated.pdf"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    err = load_error(path)
    assert_one_line(err)
    assert "damaged" in str(err)


def test_empty_pdf_is_refused(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    err = load_error(path)
    assert_one_line(err)
    assert "empty" in str(err)


def test_password_protected_pdf_is_refused_with_the_fix(tmp_path):
    path = make_pdf(tmp_path / "locked.pdf", ["Secret text."],
                    owner_password="owner", user_password="secret")
    err = load_error(path)
    assert_one_line(err)
    assert "password" in str(err) and "unencrypted copy" in str(err)


def test_pdf_encrypted_with_an_empty_user_password_loads(tmp_path):
    path = make_pdf(tmp_path / "restricted.pdf", ["Readable text."],
                    owner_password="owner", user_password="")
    assert "Readable text." in load_file(path).sections[0].text


def test_pdf_without_text_asks_for_ocr(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # drawn, not written: like a scanned page
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    err = load_error(path)
    assert_one_line(err)
    assert str(err) == (
        "the PDF has no extractable text (scanned images?); add a text layer with OCR"
    )


# ---------------------------------------------------------------- PowerPoint


def test_pptx_slides_become_sections_with_slide_locators_and_title_headings(tmp_path):
    loaded = load_file(make_deck(tmp_path / "deck.pptx"))
    assert [s.locator for s in loaded.sections] == ["slide 1", "slide 2", "slide 3"]
    assert [s.headings for s in loaded.sections] == [
        ("Social economy clusters",), ("Coopcity Brussels",), ("Figures",)
    ]
    slide1, slide2, slide3 = loaded.sections
    assert "REVES network, 2024" in slide1.text
    assert "Coopcity Brussels" not in slide2.text  # the title is the heading, not the text
    assert "Incubator for cooperatives" not in slide1.text + slide3.text


def test_pptx_bullets_are_dash_lines(tmp_path):
    slide2 = sections_by_locator(load_file(make_deck(tmp_path / "deck.pptx")))["slide 2"]
    lines = slide2.text.splitlines()
    assert "- Incubator for cooperatives" in lines
    assert "  - Funded by the region" in lines


def test_pptx_speaker_notes_land_in_their_slide_text(tmp_path):
    loaded = load_file(make_deck(tmp_path / "deck.pptx"))
    slides = sections_by_locator(loaded)
    text = slides["slide 2"].text
    assert "Speaker notes:\nMention the 2016 launch" in text
    assert text.index("Funded by the region") < text.index("Speaker notes:")
    assert "Speaker notes" not in slides["slide 1"].text + slides["slide 3"].text
    assert "2016 launch" not in slides["slide 1"].text + slides["slide 3"].text


def test_pptx_table_cells_are_kept_row_by_row(tmp_path):
    slide3 = sections_by_locator(load_file(make_deck(tmp_path / "deck.pptx")))["slide 3"]
    assert slide3.text.splitlines() == ["City | Members", "Lyon | 42"]


def test_pptx_title_is_core_title_else_first_slide_title(tmp_path):
    from pptx import Presentation

    deck = make_deck(tmp_path / "deck.pptx")
    assert load_file(deck).title == "Social economy clusters"
    prs = Presentation(str(deck))
    prs.core_properties.title = "REVES clusters deck"
    prs.save(str(deck))
    assert load_file(deck).title == "REVES clusters deck"


def test_empty_pptx_is_refused(tmp_path):
    path = tmp_path / "empty.pptx"
    path.write_bytes(b"")
    err = load_error(path)
    assert_one_line(err)
    assert "empty" in str(err)


def test_pptx_that_is_not_a_zip_package_is_refused(tmp_path):
    path = tmp_path / "fake.pptx"
    path.write_text("just some text\nover two lines\n", encoding="utf-8")
    err = load_error(path)
    assert_one_line(err)
    assert "not a PowerPoint presentation" in str(err) and ".pptx" in str(err)


# ---------------------------------------------------------------- Word


def test_docx_headings_open_sections_with_heading_paths(tmp_path):
    loaded = load_file(make_docx(tmp_path / "handbook.docx"))
    assert loaded.title == "Cluster handbook"
    assert [(s.locator, s.headings) for s in loaded.sections] == [
        ("§ Cluster handbook", ()),
        ("§ Governance", ("Governance",)),
        ("§ Members", ("Members",)),
        ("§ Founding members", ("Members", "Founding members")),
    ]
    sections = sections_by_locator(loaded)
    # the visible title stays a line of the text: "what is this handbook called?"
    assert sections["§ Cluster handbook"].text == "Cluster handbook\nPreface before any heading."
    assert sections["§ Governance"].text == "Boards meet monthly."
    assert sections["§ Members"].text == "Who takes part."


def test_docx_tables_and_lists_keep_document_order(tmp_path):
    sections = sections_by_locator(load_file(make_docx(tmp_path / "handbook.docx")))
    assert sections["§ Founding members"].text.splitlines() == [
        "Name | City",
        "Pôle Sud | Lyon",
        "- Cooperatives",
        "- Associations",
    ]


def test_docx_title_is_core_title_else_title_paragraph_else_stem(tmp_path):
    import docx

    path = make_docx(tmp_path / "handbook.docx")
    document = docx.Document(str(path))
    document.core_properties.title = "Official handbook"
    document.save(str(path))
    loaded = load_file(path)
    assert loaded.title == "Official handbook"
    # the Title paragraph then differs from the document title: it heads its own part
    assert loaded.sections[0].locator == "§ Cluster handbook"
    assert loaded.sections[0].headings == ("Cluster handbook",)

    plain = docx.Document()
    plain.add_paragraph("Only a paragraph.")
    plain.save(str(tmp_path / "meeting_notes.docx"))
    untitled = load_file(tmp_path / "meeting_notes.docx")
    assert untitled.title == "meeting notes"
    assert untitled.sections[0].locator == "§ meeting notes"


def test_empty_docx_is_refused(tmp_path):
    path = tmp_path / "empty.docx"
    path.write_bytes(b"")
    err = load_error(path)
    assert_one_line(err)
    assert "empty" in str(err)


def test_docx_that_is_really_a_text_file_is_refused(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_text("These are notes\nsaved with the wrong extension.\n", encoding="utf-8")
    err = load_error(path)
    assert_one_line(err)
    assert "not a Word document" in str(err) and ".docx" in str(err)


def test_docx_that_is_really_a_presentation_is_refused(tmp_path):
    deck = make_deck(tmp_path / "deck.pptx")
    path = tmp_path / "renamed.docx"
    path.write_bytes(deck.read_bytes())
    err = load_error(path)
    assert_one_line(err)
    assert "not a Word document" in str(err)


# ---------------------------------------------------------------- HTML


def test_html_headings_open_sections_and_h1_title_is_the_document(tmp_path):
    path = tmp_path / "guide.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    loaded = load_file(path)
    assert loaded.title == "Coopcity guide"
    assert [(s.locator, s.headings) for s in loaded.sections] == [
        ("§ Coopcity guide", ()),
        ("§ Programmes", ("Programmes",)),
        ("§ Contact", ("Contact",)),
    ]
    sections = sections_by_locator(loaded)
    # the visible title stays a line of the text it heads: "what is this guide called?"
    assert sections["§ Coopcity guide"].text == "Coopcity guide\nAn incubator in Brussels, see the map."
    assert sections["§ Programmes"].text.splitlines() == ["- Start-up support",
                                                         "- Scale-up support"]
    assert sections["§ Contact"].text == "Write to the team."


def test_html_output_never_holds_script_or_attribute_content(tmp_path):
    path = tmp_path / "guide.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    loaded = load_file(path)
    everything = loaded.title + "\n" + "\n".join(s.text for s in loaded.sections)
    for leaked in ("alert", "onerror", "javascript", "stolen", "color: red", "<", ">"):
        assert leaked not in everything


def test_html_nested_headings_build_a_path(tmp_path):
    path = tmp_path / "nested.html"
    path.write_text("<h1>Guide</h1><h2>Lyon</h2><p>a</p><h3>Pole Sud</h3><p>b</p>"
                    "<h2>Brussels</h2><p>c</p>", encoding="utf-8")
    loaded = load_file(path)
    assert loaded.title == "Guide"
    assert [(s.locator, s.headings, s.text) for s in loaded.sections] == [
        ("§ Lyon", ("Lyon",), "a"),
        ("§ Pole Sud", ("Lyon", "Pole Sud"), "b"),
        ("§ Brussels", ("Brussels",), "c"),
    ]


def test_latin1_html_with_meta_charset_loads(tmp_path):
    path = tmp_path / "latin.html"
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; '
            'charset=ISO-8859-1"><title>Économie sociale</title></head>'
            "<body><p>Café à Liège</p></body></html>")
    path.write_bytes(page.encode("latin-1"))
    loaded = load_file(path)
    assert loaded.title == "Économie sociale"
    assert loaded.sections[0].text == "Café à Liège"


def test_html_that_is_not_utf8_and_declares_nothing_is_refused(tmp_path):
    path = tmp_path / "undeclared.html"
    path.write_bytes("<p>Café à Liège</p>".encode("latin-1"))
    err = load_error(path)
    assert_one_line(err)
    assert "UTF-8" in str(err)


def test_html_with_only_scripts_has_no_text(tmp_path):
    path = tmp_path / "app.html"
    path.write_text("<html><body><script>alert(1)</script><style>p{}</style></body></html>",
                    encoding="utf-8")
    err = load_error(path)
    assert_one_line(err)
    assert "no text" in str(err)
