"""evals/renditions.py: the seed deck as .pptx, .pdf, .docx, .html and .txt, read back with the
parsers people's files are read with (python-pptx, pdfplumber, python-docx, BeautifulSoup)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "evals" / "seed" / "reves-2018.txt"
SHARED_SEED = REPO.parent / "shared" / "seed" / "000_c39117d468951fe6.txt"

# The deck's slides as the script cuts them (section dividers open the first slide of their part).
TITLES = [
    "EUROPEAN DAY OF SOCIAL ECONOMY ENTERPRISES 2018",
    "Social economy and cluster processes",
    "Fondazione Horcynus Orca (Messina, IT)",
    "Pfefferwerk Foundation (Berlin, DE):",
    "REALIS (Languedoc-Roussillon, FR)",
    "Coopcity (Brussels, BE)",
    "Impuls Cooperatiu de Sants (Barcelona, ES)",
    "“Wish list” (not exhaustive...):",
    "Thank you very much!",
]
SECTIONS = {
    3: "I. Social economy clusters as a result of citizen initiatives/bottom-up initiatives",
    5: "II. Social economy clusters promoted by (programmes of) public authorities",
    7: "III. Social economy cluster processes joint by public authorities",
}


def _load_script():
    spec = importlib.util.spec_from_file_location("renditions", REPO / "evals" / "renditions.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["renditions"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


renditions = _load_script()


def words(text: str) -> str:
    """Words and punctuation marks, one space apart: whitespace and line wrapping do not count."""
    return " " + " ".join(re.findall(r"\w+|[^\w\s]", text)) + " "


def seed_contents(slide) -> list[str]:
    """The text of each non-empty seed line of a slide, without list markers or *emphasis*."""
    return [
        re.sub(r"^[\s\-⇒]+", "", line).replace("*", "") for line in slide.seed_lines if line.strip()
    ]


@pytest.fixture(scope="module")
def slides():
    return renditions.segment(SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return renditions.build_renditions(SEED, tmp_path_factory.mktemp("renditions"))


def assert_every_line_on_its_slide(slides, texts: list[str]) -> None:
    assert len(texts) == len(slides)
    for slide, text in zip(slides, texts, strict=True):
        for content in seed_contents(slide):
            assert words(content) in words(text), f"slide {slide.number}: {content!r} missing"


# ---------------------------------------------------------------- the seed and its slides


def test_bundled_seed_is_a_byte_copy_of_the_shared_seed():
    if not SHARED_SEED.is_file():
        pytest.skip("no ../shared/seed beside this checkout")
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_every_seed_line_is_on_exactly_one_slide_in_order(slides):
    text = SEED.read_text(encoding="utf-8")
    assert "\n".join(line for slide in slides for line in slide.seed_lines) == text
    assert [slide.title for slide in slides] == TITLES
    assert {slide.number: slide.section for slide in slides if slide.section} == SECTIONS


def test_seed_markers_become_bullets_with_levels(slides):
    pfefferwerk = slides[3]
    bullets = [
        (line.level, line.arrow, line.text[:20])
        for line in pfefferwerk.lines
        if line.kind is renditions.Kind.BULLET
    ]
    assert bullets == [
        (0, True, "project launched by "),
        (0, True, "objective: establish"),
        (0, True, "creation of a number"),
        (1, False, "establishment of the"),
    ]
    wish_list = slides[7]
    assert [line.level for line in wish_list.lines if line.kind is renditions.Kind.BULLET] == [
        0,
        1,
        0,
        0,
        0,
        0,
    ]


def test_a_seed_that_is_not_the_deck_is_refused_by_name():
    with pytest.raises(renditions.SeedError, match="opens slide 2 is not in the seed"):
        renditions.segment("Some other presentation\n\n- a bullet\n")


# ---------------------------------------------------------------- the formats


def test_txt_is_the_seed_unchanged(built):
    assert built["txt"].read_bytes() == SEED.read_bytes()


def test_pptx_has_a_slide_per_slide_with_titles_bullets_captions_and_notes(built, slides):
    from pptx import Presentation

    deck = Presentation(str(built["pptx"]))
    assert [slide.shapes.title.text for slide in deck.slides] == TITLES

    texts = []
    for slide in deck.slides:
        parts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
        texts.append("\n".join(parts))
    assert_every_line_on_its_slide(slides, texts)

    pfefferwerk = deck.slides[3]
    body = pfefferwerk.placeholders[1].text_frame.paragraphs
    assert [(p.level, p.text[:20]) for p in body] == [
        (0, "project launched by "),
        (0, "objective: establish"),
        (0, "creation of a number"),
        (1, "establishment of the"),
    ]
    assert body[0]._p.xpath("./a:pPr/a:buChar/@char") == ["⇒"]
    boxes = [
        shape.text_frame.text
        for shape in pfefferwerk.shapes
        if shape.has_text_frame and not shape.is_placeholder
    ]
    assert boxes == ["Photo: commons.wikimedia.org"]
    sections = [
        shape.text_frame.text
        for shape in deck.slides[2].shapes
        if shape.has_text_frame and not shape.is_placeholder
    ]
    assert sections == [SECTIONS[3]]
    assert deck.slides[4].notes_slide.notes_text_frame.text == "www.infoentrepriseslr.fr"


def test_pdf_is_a_printed_deck_with_wrapped_bullets(built, slides):
    import pdfplumber

    with pdfplumber.open(built["pdf"]) as pdf:
        pages = pdf.pages
        assert len(pages) == len(TITLES)
        assert all(page.width > page.height for page in pages)
        texts = [page.extract_text() for page in pages]
        titles, caption_sizes, body_sizes = [], [], []
        for page in pages:
            largest = max(round(char["size"]) for char in page.chars)
            title_chars = page.filter(
                lambda obj, size=largest: (
                    obj.get("object_type") != "char" or round(obj["size"]) == size
                )
            )
            titles.append(" ".join(title_chars.extract_text().split()))
            assert all("Bold" in char["fontname"] for char in title_chars.chars)
            for char in page.chars:
                target = caption_sizes if char["y0"] < 40 else body_sizes
                target.append(char["size"])
    assert titles == TITLES
    assert max(caption_sizes) < min(body_sizes)

    assert_every_line_on_its_slide(slides, texts)
    # Long bullets are wrapped: the Impuls "Who:" bullet is on several lines of its page.
    who = next(c for c in seed_contents(slides[6]) if c.startswith("Who: 20"))
    lines = texts[6].splitlines()
    assert not any(words(who) in words(line) for line in lines)
    assert sum(line.startswith("⇒") for line in lines) == 3 < len(lines) - 4


def test_docx_has_a_heading_and_a_page_per_slide(built, slides):
    from docx import Document

    document = Document(str(built["docx"]))
    pages: list[list] = [[]]
    for paragraph in document.paragraphs:
        if paragraph._p.xpath('./w:r/w:br[@w:type="page"]'):
            pages.append([])
        else:
            pages[-1].append(paragraph)
    assert len(pages) == len(TITLES)

    headings = [
        [
            (p.style.name, p.text)
            for p in page
            if p.style.name == "Title" or p.style.name.startswith("Heading")
        ]
        for page in pages
    ]
    expected = [[("Title", TITLES[0])]] + [[("Heading 1", title)] for title in TITLES[1:]]
    for number, section in SECTIONS.items():
        expected[number - 1] = [("Heading 1", section), ("Heading 2", TITLES[number - 1])]
    for number in (4, 6):  # the second case of a part sits under the part's heading
        expected[number - 1] = [("Heading 2", TITLES[number - 1])]
    assert headings == expected

    assert_every_line_on_its_slide(slides, ["\n".join(p.text for p in page) for page in pages])
    styles = {p.text[:20]: p.style.name for page in pages for p in page}
    assert styles["establishment of the"] == "List Bullet 2"
    assert styles["Rethinking the clust"] == "List Bullet 2"
    assert styles["Who: SAW-B, Febecoop"] == "List Bullet"
    caption = next(p for p in pages[5] if p.text == "Photo: Coopcity")
    assert caption.style.name == "Normal" and caption.runs[0].font.size.pt < 10


def test_html_has_a_section_per_slide_with_nested_lists(built, slides):
    from bs4 import BeautifulSoup

    raw = built["html"].read_bytes()
    soup = BeautifulSoup(raw, "lxml")
    assert soup.find("meta", charset=True)["charset"].lower() == "utf-8"
    sections = soup.find_all("section")
    assert len(sections) == len(TITLES)
    titles = [
        [h.get_text() for h in section.find_all(["h1", "h2"]) if "part" not in h.get("class", [])]
        for section in sections
    ]
    assert titles == [[title] for title in TITLES]
    parts = {
        n: s.find("h1", class_="part").get_text()
        for n, s in enumerate(sections, 1)
        if s.find("h1", class_="part")
    }
    assert parts == SECTIONS

    assert_every_line_on_its_slide(slides, [section.get_text(" ") for section in sections])
    nested = sections[3].select("ul > li > ul > li")
    assert [li.get_text() for li in nested] == [
        "establishment of the foundation (with the terrain as capital)"
    ]
    assert sections[5].find("p", class_="caption").get_text() == "Photo: Coopcity"


def test_document_metadata_adds_no_words_beyond_the_seed(built):
    """The files' own titles are the first slide's title, as PowerPoint fills it in."""
    import pdfplumber
    from bs4 import BeautifulSoup
    from docx import Document
    from pptx import Presentation

    with pdfplumber.open(built["pdf"]) as pdf:
        pdf_title = pdf.metadata["Title"]
    html_title = BeautifulSoup(built["html"].read_bytes(), "lxml").title.get_text()
    assert {
        Presentation(str(built["pptx"])).core_properties.title,
        Document(str(built["docx"])).core_properties.title,
        pdf_title,
        html_title,
    } == {TITLES[0]}


# ---------------------------------------------------------------- determinism and the command


def test_two_builds_are_byte_identical(built, tmp_path):
    again = renditions.build_renditions(SEED, tmp_path)
    assert set(again) == set(renditions.FORMATS)
    for name, path in again.items():
        assert path.read_bytes() == built[name].read_bytes(), name


def test_command_writes_the_chosen_formats_in_their_folders(tmp_path, capsys):
    assert (
        renditions.main(["--seed", str(SEED), "--out", str(tmp_path), "--formats", "html,txt"]) == 0
    )
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*")) == [
        "html/reves-2018.html",
        "txt/reves-2018.txt",
    ]
    assert "html/reves-2018.html" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--formats", "pptx,odp"], "unknown format odp; choose from txt, pptx, pdf, docx, html"),
        (["--seed", "/nonexistent/seed.txt"], "seed file /nonexistent/seed.txt not found"),
    ],
)
def test_command_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    argv = ["--seed", str(SEED), "--out", str(out), *args]
    assert renditions.main(argv) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
    assert not out.exists()
