"""Bad input everywhere gives one clear line (API: SeAssistantError; CLI: exit 2) or a skipped
file with its reason, and leaves the index as it was."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import assert_faithful

from se_assistant import Assistant
from se_assistant.errors import SeAssistantError, SettingsError
from se_assistant.ingestion import index_contents, ingest
from se_assistant.settings import Settings

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture
def data_dir(tmp_path, ingested_dir) -> Path:
    """A private copy of the ingested bundled corpus (same corpus path, so same roots)."""
    target = tmp_path / "data"
    shutil.copytree(ingested_dir, target)
    return target


def _snapshot(data_dir: Path) -> tuple:
    contents = index_contents(Settings.load(data_dir=data_dir, corpus_dir=CORPUS))
    meta = json.loads((data_dir / "index.json").read_text())
    return sorted(contents.chroma), sorted(contents.docstore), sorted(contents.keyword), meta


def _cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "se_assistant.cli", *args], capture_output=True,
                          text=True, env=env, timeout=600)


def _assert_one_line(stderr: str) -> str:
    line = stderr.strip()
    assert line.startswith("error: ") and "\n" not in line and "Traceback" not in line, stderr
    return line


# ---- settings ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "value"),
    [("chroma_port", "abc"), ("top_k", "0"), ("llm_provider", "foo"), ("chroma_port", "70000"),
     ("embed_backend", "tensorflow"), ("index_precision", "int4")],
)
def test_bad_setting_is_one_line_naming_it_via_api_cli_and_environment(data_dir, name, value):
    before = _snapshot(data_dir)
    with pytest.raises(SettingsError) as info:
        Assistant(data_dir=data_dir, **{name: value})
    assert name in str(info.value) and "\n" not in str(info.value)

    flag = f"--{name.replace('_', '-')}"
    result = _cli("ask", "how was Pfefferwerk funded?", "--data-dir", str(data_dir), flag, value)
    assert result.returncode == 2
    assert name in _assert_one_line(result.stderr)

    env = {f"SE_ASSISTANT_{name.upper()}": value}
    result = _cli("ingest", "--data-dir", str(data_dir), env_extra=env)
    assert result.returncode == 2
    assert f"SE_ASSISTANT_{name.upper()}" in _assert_one_line(result.stderr)
    assert _snapshot(data_dir) == before


# ---- paths that stop an ingest -------------------------------------------------------------
def _missing_corpus(tmp: Path) -> tuple[list[Path], dict]:
    return [tmp / "no-such-folder"], {}


def _corpus_is_a_symlink_loop(tmp: Path) -> tuple[list[Path], dict]:
    (tmp / "a").symlink_to(tmp / "b")
    (tmp / "b").symlink_to(tmp / "a")
    return [tmp / "a"], {}


def _data_dir_is_a_file(tmp: Path) -> tuple[list[Path], dict]:
    (tmp / "file").write_text("not a folder")
    return [CORPUS], {"data_dir": tmp / "file"}


def _data_dir_below_a_file(tmp: Path) -> tuple[list[Path], dict]:
    (tmp / "file").write_text("not a folder")
    return [CORPUS], {"data_dir": tmp / "file" / "index"}


@pytest.mark.parametrize(
    ("case", "words"),
    [
        (_missing_corpus, "path not found"),
        (_corpus_is_a_symlink_loop, "symlink loop"),
        (_data_dir_is_a_file, "is a file"),
        (_data_dir_below_a_file, "is a file"),
    ],
    ids=["missing-corpus", "symlink-loop-corpus", "data-dir-is-a-file", "data-dir-below-a-file"],
)
def test_unusable_path_stops_the_ingest_with_one_line(tmp_path, data_dir, case, words):
    before = _snapshot(data_dir)
    paths, overrides = case(tmp_path)
    settings = Settings.load(data_dir=overrides.get("data_dir", data_dir), corpus_dir=CORPUS)
    with pytest.raises(SeAssistantError) as info:
        ingest(settings, paths, progress=False)
    assert words in str(info.value) and "\n" not in str(info.value)

    result = _cli("ingest", *map(str, paths), "--data-dir", str(settings.data_dir))
    assert result.returncode == 2 and words in _assert_one_line(result.stderr)
    assert _snapshot(data_dir) == before


# ---- files that are skipped, each with its reason ------------------------------------------
def _symlink_loop_inside(folder: Path) -> None:
    (folder / "loop-a").symlink_to(folder / "loop-b")
    (folder / "loop-b").symlink_to(folder / "loop-a")
    (folder / "self").symlink_to(folder)


def _links_outside(folder: Path) -> None:
    outside = folder.parent / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# Secret\n\nThe outside file must not be ingested.\n")
    (folder / "secret.md").symlink_to(outside / "secret.md")
    (folder / "elsewhere").symlink_to(outside)


def _fifty_mb_text(folder: Path) -> None:
    with (folder / "big.txt").open("w") as out:
        for i in range(340_000):
            out.write(f"Paragraph {i} of a very long text about cooperative number {i}.\n\n")
        out.write("x" * (50_000_000 - out.tell()))


def _thousands_of_unusable_files(folder: Path) -> None:
    for i in range(3000):
        (folder / f"tiny-{i:04d}.md").write_text("" if i % 2 else "   \n")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_symlink_loop_inside, {"loop-a": "symlink loop", "loop-b": "symlink loop",
                                "self": "symlink loop"}),
        (_links_outside, {"secret.md": "outside", "elsewhere": "outside"}),
        (_fifty_mb_text, {"big.txt": "over the 10 MB limit"}),
        (_thousands_of_unusable_files, {"tiny-0000.md": "empty", "tiny-2999.md": "empty"}),
    ],
    ids=["symlink-loop-inside", "links-outside-root", "50-mb-file", "3000-unusable-files"],
)
def test_unusable_file_is_skipped_with_its_reason_and_the_index_is_untouched(
    tmp_path, data_dir, make, expected
):
    before = _snapshot(data_dir)
    folder = tmp_path / "incoming"
    folder.mkdir()
    make(folder)
    settings = Settings.load(data_dir=data_dir, corpus_dir=CORPUS, max_file_mb=10)
    report = ingest(settings, [folder], progress=False)
    failed = dict(report.failed)
    for path, words in expected.items():
        assert words in failed[path] and "\n" not in failed[path]
    assert report.embedded == 0 and not report.added
    assert _snapshot(data_dir) == before

    result = _cli("ingest", str(folder), "--data-dir", str(data_dir), "--max-file-mb", "10")
    assert result.returncode == 0, result.stderr
    first = sorted(expected)[0]
    assert f"failed: {first}" in result.stdout
    assert _snapshot(data_dir) == before


def test_question_filter_on_a_source_outside_the_index_finds_nothing(data_dir):
    assistant = Assistant(data_dir=data_dir, corpus_dir=CORPUS)
    answer = assistant.ask("how was Pfefferwerk funded?", filters={"source": "/etc/passwd"})
    assert not answer.citations and not answer.grounded


# ---- a 50 MB file within the limit streams in with bounded memory --------------------------
STREAM_CHILD = r"""
import resource, sys, time
import se_assistant.store as store
from se_assistant.ingestion import ingest
from se_assistant.settings import Settings

original = store.upsert_nodes
def upsert(collection, nodes, embeddings):
    original(collection, nodes, embeddings)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("WRITTEN", len(nodes), "PEAK_MB", round(peak_mb), flush=True)
    time.sleep(600)
store.upsert_nodes = upsert
ingest(Settings.load(data_dir=sys.argv[1], corpus_dir=sys.argv[2]), progress=False)
"""


@pytest.mark.slow
def test_a_50_mb_text_file_streams_into_chroma_with_bounded_memory(tmp_path, data_dir):
    folder = tmp_path / "big"
    folder.mkdir()
    _fifty_mb_text(folder)
    child = subprocess.Popen([sys.executable, "-c", STREAM_CHILD, str(data_dir), str(folder)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline().split()
        assert line[:1] == ["WRITTEN"], child.stderr.read()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    peak_mb = int(line[3])
    print(f"\n50 MB text file: first {line[1]} chunks written, peak RSS {peak_mb} MB")
    assert int(line[1]) > 0
    # the process with torch and the model is ~0.85 GB; the whole file held as ~10^6 objects
    # or all its chunks embedded at once took several GB
    assert peak_mb < 2500
    answer = Assistant(data_dir=data_dir, corpus_dir=CORPUS).ask("how was Pfefferwerk funded?")
    assert_faithful(answer)
    assert answer.citations[0].source == "cases/pfefferwerk.md"
