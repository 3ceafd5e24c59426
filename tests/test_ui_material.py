"""What the Material tab calls on the Assistant: adding files to the material folder with the
same bad-file handling as an ingest, removing a document, previewing its sections, the
original slide of a passage, the subjects, and citations that say where a fact comes from."""

from __future__ import annotations

import shutil

import pytest
from conftest import CORPUS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    """An Assistant over a private copy of the corpus, ingested once."""
    from se_assistant import Assistant

    root = tmp_path_factory.mktemp("material")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    assistant = Assistant(data_dir=root / "data", corpus_dir=corpus, max_file_mb=0.01)
    assistant.ingest()
    return assistant, corpus, root


def test_citation_of_a_case_file_names_the_slide_it_comes_from(material):
    assistant, _corpus, _root = material
    answer = assistant.ask("how was Pfefferwerk funded?")
    first = answer.citations[0]
    assert first.source == "cases/pfefferwerk.md"
    assert first.origin == "slide 4 of presentation.md"
    assert answer.to_dict()["citations"][0]["origin"] == "slide 4 of presentation.md"
    slide = next(c for c in assistant.search("Pfefferwerk old brewery socio-cultural centre",
                                             top_k=10) if c.source == "presentation.md")
    assert slide.origin == ""  # the presentation is the original


def test_passage_context_gives_the_whole_section_and_the_original_slide(material):
    assistant, _corpus, _root = material
    context = assistant.passage_context("cases/pfefferwerk.md", "§ Funding and capital")
    assert "old brewery as its capital" in context.section.text
    assert context.original_source == "presentation.md"
    assert context.original.locator == "slide 4"
    assert "- project launched by different groups of citizens" in context.original.text
    missing = assistant.passage_context("../outside.md", "§ x")
    assert missing.section is None and missing.original is None


def test_sections_preview_keeps_bullets(material):
    assistant, _corpus, _root = material
    sections = assistant.sections("presentation.md")
    slide = next(s for s in sections if s.locator == "slide 3")
    assert slide.text.startswith("- Who:") and "Horcynus Orca" in slide.heading
    assert assistant.sections("nope.md") == []


def test_subjects_come_from_the_index(material):
    assistant, _corpus, _root = material
    subjects = assistant.subjects()
    assert "Pfefferwerk Foundation" in subjects and subjects == sorted(subjects)


def test_uploads_refuse_bad_names_types_and_sizes_and_keep_broken_files_listed(material):
    assistant, corpus, root = material
    before = assistant.material().chunks
    uploads = root / "uploads"
    uploads.mkdir()
    good = uploads / "orchard.md"
    good.write_text("# Orchard Circle\n\nThe Orchard Circle meets in Lyon.\n", encoding="utf-8")
    broken = uploads / "torn.pdf"
    broken.write_bytes(b"%PDF-1.7 torn")
    big = uploads / "big.md"
    big.write_text("# Big\n\n" + "word " * 5000, encoding="utf-8")
    exe = uploads / "tool.exe"
    exe.write_bytes(b"MZ")

    report = assistant.add_files(
        [good, broken, big, exe, good, good, good, good],
        names=["orchard.md", "torn.pdf", "big.md", "tool.exe", "../escape.md", ".hidden.md",
               "sub/dir.md", "bell\x07.md"],
    )
    failed = dict(report.failed)
    assert report.added == ["orchard.md"]
    assert "limit" in failed["big.md"] and "--max-file-mb" in failed["big.md"]
    assert failed["tool.exe"].startswith("unsupported file type '.exe'")
    assert "folder part" in failed["../escape.md"] and "folder part" in failed["sub/dir.md"]
    assert "hidden" in failed[".hidden.md"]
    assert "control characters" in failed["bell\x07.md"]
    assert "torn.pdf" in failed  # copied, then refused by the ingest like any broken file
    assert all("\n" not in reason for reason in failed.values())
    assert not (root / "escape.md").exists() and not (corpus / "big.md").exists()
    assert not list(corpus.glob(".*.part"))

    assert assistant.material().chunks > before  # nothing lost, the new file added
    problems = {p.source: p.reason for p in assistant.problems()}
    assert list(problems) == ["torn.pdf"] and "PDF" in problems["torn.pdf"]
    assert "Lyon" in assistant.ask("Where does the Orchard Circle meet?").text


def test_remove_document_leaves_folder_and_index_and_refuses_other_paths(material):
    from se_assistant import SeAssistantError

    assistant, corpus, _root = material
    (corpus / "leaflet.md").write_text("# Leaflet\n\nThe Leaflet Guild sits in Porto.\n")
    waiting = {p.source: p.reason for p in assistant.problems()}
    assert waiting["leaflet.md"] == "not ingested yet; re-ingest to add it"
    assistant.ingest()
    report = assistant.remove_document("leaflet.md")
    assert report.removed == ["leaflet.md"] and not (corpus / "leaflet.md").exists()
    assert "leaflet.md" not in {d.source for d in assistant.material().documents}
    for bad in ("../data/index.json", "cases", "missing.md"):
        with pytest.raises(SeAssistantError) as info:
            assistant.remove_document(bad)
        assert "not a file of the material folder" in str(info.value)
