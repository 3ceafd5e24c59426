"""Ingestion: the bundled corpus, incremental re-ingest, edits, deletions, bad files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from se_assistant.ingestion import ingest, load_docstore
from se_assistant.settings import Settings

CASES = ["horcynus-orca", "pfefferwerk", "realis", "coopcity", "impuls-cooperatiu-de-sants"]


def _settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings.load(data_dir=tmp_path / "data", corpus_dir=corpus)


def _chroma_chunks(settings: Settings) -> dict[str, dict]:
    from se_assistant.store import open_collection

    got = open_collection(settings).get(include=["metadatas", "documents"])
    return {
        i: {**m, "text": d}
        for i, m, d in zip(got["ids"], got["metadatas"], got["documents"], strict=True)
    }


def _bm25_metadata(settings: Settings) -> list[dict]:
    from se_assistant import keyword_index

    retriever, _ = keyword_index.load(settings.data_dir)
    return list(retriever.corpus)


def _bm25_ids(settings: Settings) -> list[str]:
    from se_assistant import keyword_index

    retriever, _ = keyword_index.load(settings.data_dir)
    return [entry["node_id"] for entry in retriever.corpus]


def test_bundled_corpus_has_the_presentation_and_one_description_per_case():
    corpus = Settings.load().corpus_dir
    assert (corpus / "presentation.md").exists()
    for case in CASES:
        text = (corpus / "cases" / f"{case}.md").read_text(encoding="utf-8")
        assert text.startswith("---\n") and "cluster_type:" in text and "source_slide:" in text


def test_first_ingest_then_second_ingest_embeds_nothing(tmp_path, corpus_copy):
    settings = _settings(tmp_path, corpus_copy)
    first = ingest(settings, progress=False)
    assert sorted(first.added) == sorted(["presentation.md", *[f"cases/{c}.md" for c in CASES]])
    assert first.embedded == first.chunks > 20
    assert not first.failed

    second = ingest(settings, progress=False)
    assert second.embedded == 0
    assert len(second.unchanged) == 6 and not (second.added or second.updated or second.removed)
    assert second.chunks == first.chunks


def test_editing_one_file_re_embeds_only_that_files_chunks(tmp_path, corpus_copy):
    settings = _settings(tmp_path, corpus_copy)
    first = ingest(settings, progress=False)
    before = _chroma_chunks(settings)
    coopcity_chunks = [i for i, m in before.items() if m["source"] == "cases/coopcity.md"]

    path = corpus_copy / "cases" / "coopcity.md"
    path.write_text(
        path.read_text().replace(
            "Coopcity cooperates with SMart.", "Coopcity cooperates with SMart and others."
        ),
        encoding="utf-8",
    )
    report = ingest(settings, progress=False)
    assert report.updated == ["cases/coopcity.md"]
    assert 1 <= report.embedded <= len(coopcity_chunks)
    after = _chroma_chunks(settings)
    assert len(after) == first.chunks
    assert any("SMart and others" in m["text"] for m in after.values())
    assert not any(m["text"] == "Coopcity cooperates with SMart." for m in after.values())
    unchanged = {i: m["text"] for i, m in before.items() if m["source"] != "cases/coopcity.md"}
    assert all(after[i]["text"] == text for i, text in unchanged.items())


def test_deleting_a_file_removes_its_chunks_everywhere(tmp_path, corpus_copy):
    settings = _settings(tmp_path, corpus_copy)
    ingest(settings, progress=False)
    (corpus_copy / "cases" / "realis.md").unlink()
    report = ingest(settings, progress=False)
    assert report.removed == ["cases/realis.md"]
    chunks = _chroma_chunks(settings)
    assert not any(m["source"] == "cases/realis.md" for m in chunks.values())
    docs = load_docstore(settings.data_dir).docs.values()
    assert not any(d.metadata["source"] == "cases/realis.md" for d in docs)
    assert sorted(_bm25_ids(settings)) == sorted(chunks)


def test_pfefferwerk_capital_bullet_lands_in_a_chunk_naming_pfefferwerk(tmp_path, corpus_copy):
    settings = _settings(tmp_path, corpus_copy)
    ingest(settings, progress=False)
    holders = [m for m in _chroma_chunks(settings).values() if "terrain as capital" in m["text"]]
    assert holders, "the slide bullet 'with the terrain as capital' must be in some chunk"
    for meta in holders:
        assert meta["case"] == "Pfefferwerk Foundation"
        assert meta["locator"] == "slide 4"
        assert "Pfefferwerk" in meta["breadcrumb"]


def test_no_chunk_straddles_two_slides_or_sections(tmp_path, corpus_copy):
    from se_assistant.loaders import load_file

    settings = _settings(tmp_path, corpus_copy)
    ingest(settings, progress=False)
    sections = {}
    for path in corpus_copy.rglob("*.md"):
        rel = path.relative_to(corpus_copy).as_posix()
        # a chunk may start with its section's own heading line (see documents._with_heading)
        sections[rel] = {
            s.locator: " ".join(f"{s.headings[-1] if s.headings else ''} {s.text}".split())
            for s in load_file(path).sections
        }
    for meta in _chroma_chunks(settings).values():
        own = sections[meta["source"]][meta["locator"]]
        assert " ".join(meta["text"].split()) in own
        others = [t for loc, t in sections[meta["source"]].items() if loc != meta["locator"]]
        assert not any(" ".join(meta["text"].split()) in t for t in others if len(t) > 0)


def test_long_sections_are_split_at_sentences_within_the_token_budget(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    sentences = [f"Sentence number {i} talks about cooperative number {i}." for i in range(300)]
    (corpus / "long.md").write_text("# Long\n\n## Only section\n\n" + " ".join(sentences))
    settings = Settings.load(
        data_dir=tmp_path / "d", corpus_dir=corpus, chunk_tokens=128, chunk_overlap=0
    )
    report = ingest(settings, progress=False)
    assert report.chunks > 5
    for meta in _chroma_chunks(settings).values():
        assert meta["locator"] == "§ Only section"
        assert meta["text"].rstrip().endswith(".")


BAD_FILES = {
    "corrupt.pdf": b"%PDF-1.4 this is not really a pdf \x00\x01\x02",
    "empty.md": b"",
    "binary.txt": bytes(range(256)) * 4,
    "picture.png": b"\x89PNG\r\n\x1a\n\x00\x00",
    "latin1.md": "# Caf\xe9\n\nUn caf\xe9 cr\xe8me.".encode("latin-1"),
}


def test_bad_files_are_reported_and_everything_else_is_ingested(tmp_path, corpus_copy):
    settings = _settings(tmp_path, corpus_copy)
    first = ingest(settings, progress=False)
    for name, content in BAD_FILES.items():
        (corpus_copy / name).write_bytes(content)
    (corpus_copy / "unreadable.md").symlink_to(corpus_copy / "does-not-exist.md")
    report = ingest(settings, progress=False)
    failed = dict(report.failed)
    assert set(failed) == {*BAD_FILES, "unreadable.md"}
    for reason in failed.values():
        assert reason and "\n" not in reason
    assert "UTF-8" in failed["latin1.md"] and "unsupported" in failed["picture.png"]
    assert report.chunks == first.chunks and len(report.unchanged) == 6


def test_a_file_that_breaks_keeps_its_previously_ingested_chunks(tmp_path, corpus_copy):
    settings = _settings(tmp_path, corpus_copy)
    first = ingest(settings, progress=False)
    (corpus_copy / "cases" / "coopcity.md").write_bytes(b"\xff\xfe broken \x00 bytes")
    report = ingest(settings, progress=False)
    assert [p for p, _ in report.failed] == ["cases/coopcity.md"]
    assert report.chunks == first.chunks
    assert any(m["source"] == "cases/coopcity.md" for m in _chroma_chunks(settings).values())


def _cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "se_assistant.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_cli_ingest_twice_reports_everything_unchanged(tmp_path, corpus_copy):
    data = str(tmp_path / "data")
    first = _cli("ingest", "--data-dir", data, "--corpus-dir", str(corpus_copy), "--json")
    assert first.returncode == 0, first.stderr
    assert len(json.loads(first.stdout)["added"]) == 6
    second = _cli("ingest", "--data-dir", data, "--corpus-dir", str(corpus_copy))
    assert second.returncode == 0
    assert "unchanged 6" in second.stdout and "embedded 0 chunks" in second.stdout


def test_cli_strict_exits_non_zero_when_a_file_failed(tmp_path, corpus_copy):
    (corpus_copy / "empty.txt").write_text("")
    data = str(tmp_path / "data")
    lenient = _cli("ingest", str(corpus_copy), "--data-dir", data)
    assert lenient.returncode == 0 and "failed: empty.txt" in lenient.stdout
    strict = _cli("ingest", str(corpus_copy), "--data-dir", data, "--strict")
    assert strict.returncode == 1


def test_cli_missing_path_is_a_one_line_error(tmp_path):
    result = _cli("ingest", str(tmp_path / "nope"), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "path not found" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("ext", [".md", ".txt", ".html"])
def test_single_file_ingest_keeps_the_rest_of_its_folder(tmp_path, corpus_copy, ext):
    settings = _settings(tmp_path, corpus_copy)
    first = ingest(settings, progress=False)
    folder = tmp_path / "notes"
    folder.mkdir()
    for name, town in (("sibling-a.md", "Vigo"), ("sibling-b.md", "Tartu")):
        (folder / name).write_text(f"# {name}\n\nThe {town} cluster makes bread.\n")
    siblings = ingest(settings, [folder], progress=False)
    assert sorted(siblings.added) == ["sibling-a.md", "sibling-b.md"]

    # one more file in the same folder, ingested on its own: its siblings stay
    extra = folder / f"extra{ext}"
    body = "Extra cluster notes. The Tramuntana cluster works on cooperative housing."
    extra.write_text(f"<html><body><p>{body}</p></body></html>" if ext == ".html" else body)
    report = ingest(settings, [extra], progress=False)
    assert report.added == [extra.name] and not report.removed
    sources = {m["source"] for m in _chroma_chunks(settings).values()}
    assert {"sibling-a.md", "sibling-b.md", extra.name} <= sources
    assert {m["source"] for m in _bm25_metadata(settings)} == sources
    again = ingest(settings, progress=False)
    assert again.chunks == first.chunks + siblings.embedded + report.embedded
    assert not again.removed


def test_editing_a_file_so_it_shrinks_removes_its_dropped_chunks_everywhere(tmp_path, corpus_copy):
    """Two ways a file shrinks: sections removed (their documents go) and a long section cut
    short (its document keeps fewer chunks). Neither leaves a chunk in Chroma, BM25, the
    docstore or an answer."""
    from se_assistant import Assistant

    settings = Settings.load(data_dir=tmp_path / "data", corpus_dir=corpus_copy,
                             chunk_tokens=128, chunk_overlap=0)
    path = corpus_copy / "notes.md"
    long_part = "## Part 0\n\n" + " ".join(
        f"The glimmerwick{n} workshop in Ghent restores {n + 2} old mills and sells flour."
        for n in range(10, 30))
    parts = [long_part] + [
        f"## Part {n}\n\nThe glimmerwick{n} cooperative in Ghent restores {n + 2} old mills."
        for n in range(1, 6)
    ]
    path.write_text("# Notes\n\n" + "\n\n".join(parts) + "\n", encoding="utf-8")
    first = ingest(settings, progress=False)
    before = {i for i, m in _chroma_chunks(settings).items() if m["source"] == "notes.md"}
    assert len(before) >= 8, "the long part fills several chunks"

    # the long part cut to its first sentence, parts 1-5 removed
    short = long_part.split(". ")[0] + "."
    path.write_text("# Notes\n\n" + short + "\n", encoding="utf-8")
    report = ingest(settings, progress=False)
    assert report.updated == ["notes.md"]
    chunks = _chroma_chunks(settings)
    kept = {i for i, m in chunks.items() if m["source"] == "notes.md"}
    assert len(kept) == 1 and kept < before
    gone = [f"glimmerwick{n} " for n in (*range(1, 6), *range(11, 30))]
    assert not any(word in m["text"] for m in chunks.values() for word in gone)
    assert sorted(_bm25_ids(settings)) == sorted(chunks)
    assert report.chunks == len(chunks) == first.chunks - len(before) + 1
    docs = [d for d in load_docstore(settings.data_dir).docs.values()
            if d.metadata["source"] == "notes.md"]
    assert sum(d.metadata["chunks"] for d in docs) == 1
    asker = Assistant(settings=settings)
    for word in ("glimmerwick3", "glimmerwick25"):
        answer = asker.ask(f"What does the {word} cooperative restore?")
        for citation in [*answer.citations, *answer.related, *asker.search(f"{word} mills")]:
            assert citation.chunk_id in chunks and word not in citation.quote


def test_the_corpus_moved_to_another_folder_is_the_same_corpus(tmp_path, corpus_copy):
    settings = _settings(tmp_path, corpus_copy)
    first = ingest(settings, progress=False)
    moved = tmp_path / "elsewhere" / "corpus"
    moved.parent.mkdir()
    corpus_copy.rename(moved)
    again = ingest(settings.with_overrides(corpus_dir=moved), progress=False)
    assert again.embedded == 0 and again.chunks == first.chunks
    assert len(again.unchanged) == 6


def test_a_metadata_field_a_chunk_no_longer_has_is_removed_on_re_ingest(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    note = corpus / "note.md"
    note.write_text("---\ncity: Lyon\n---\n# Note\n\nThe workshop meets every Tuesday.\n")
    settings = _settings(tmp_path, corpus)
    ingest(settings, progress=False)
    assert all(m.get("city") == "Lyon" for m in _chroma_chunks(settings).values())

    note.write_text("# Note\n\nThe workshop meets every Tuesday.\n")
    ingest(settings, progress=False)
    chunks = _chroma_chunks(settings).values()
    assert chunks and not any(m.get("city") for m in chunks)
    assert not any(entry.get("city") for entry in _bm25_metadata(settings))


def test_small_batches_split_ahead_write_the_same_chunks_as_one_batch(tmp_path, corpus_copy,
                                                                      monkeypatch):
    """The next batch of sections is split on a thread while this one is embedded: batch
    boundaries change nothing that is written (ids, texts, metadata, chunk counts)."""
    import se_assistant.ingestion as ingestion

    whole = Settings.load(data_dir=tmp_path / "whole", corpus_dir=corpus_copy)
    ingest(whole, progress=False)
    monkeypatch.setattr(ingestion, "DOCUMENT_BATCH", 3)
    monkeypatch.setattr(ingestion, "NODE_BATCH", 2)
    pieces = Settings.load(data_dir=tmp_path / "pieces", corpus_dir=corpus_copy)
    report = ingest(pieces, progress=False)

    assert report.embedded == len(_chroma_chunks(whole)) > 2 * 3
    assert _chroma_chunks(pieces) == _chroma_chunks(whole)
    assert _bm25_ids(pieces) == _bm25_ids(whole)
    assert ingestion.index_contents(pieces).consistent
