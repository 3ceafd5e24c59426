"""Server mode: a real `chroma run` on a free loopback port holds the vectors; the docstore and
BM25 stay in the data dir and consistent with it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from processes import chroma_run, free_port

from se_assistant import Assistant
from se_assistant.errors import SeAssistantError
from se_assistant.ingestion import index_contents, ingest
from se_assistant.settings import Settings

pytestmark = [pytest.mark.server, pytest.mark.slow]

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """(host, port) of a Chroma server started for these tests, stopped afterwards."""
    with chroma_run(tmp_path_factory.mktemp("chroma-server")) as address:
        yield address


@pytest.fixture(scope="module")
def server_settings(chroma_server, tmp_path_factory):
    host, port = chroma_server
    settings = Settings.load(data_dir=tmp_path_factory.mktemp("client-data"), corpus_dir=CORPUS,
                             chroma_host=host, chroma_port=port)
    ingest(settings, progress=False)
    return settings


def test_bundled_corpus_ingested_into_a_chroma_server_answers_with_its_citation(server_settings):
    assert not (server_settings.data_dir / "chroma").exists(), "vectors live in the server"
    answer = Assistant(settings=server_settings).ask("how was Pfefferwerk funded?")
    assert answer.grounded
    first = answer.citations[0]
    assert first.source == "cases/pfefferwerk.md"
    assert "brewery" in first.quote or "capital" in first.quote


def test_server_docstore_and_bm25_name_the_same_chunks(server_settings):
    contents = index_contents(server_settings)
    assert contents.consistent and len(contents.chroma) > 20
    again = ingest(server_settings, progress=False)
    assert again.embedded == 0 and again.chunks == len(contents.chroma)


def test_a_reset_server_is_refilled_by_the_next_ingest(chroma_server, tmp_path, corpus_copy):
    import chromadb

    host, port = chroma_server
    settings = Settings.load(data_dir=tmp_path / "data", corpus_dir=corpus_copy,
                             chroma_host=host, chroma_port=port, collection="reset_me")
    first = ingest(settings, progress=False)
    chromadb.HttpClient(host=host, port=port).delete_collection("reset_me")
    again = ingest(settings, progress=False)
    assert again.embedded == first.embedded
    assert index_contents(settings).consistent


@pytest.mark.parametrize("form", ["host-and-port", "url"])
def test_cli_settings_from_environment_reach_the_server(server_settings, chroma_server, form):
    host, port = chroma_server
    env = {**os.environ, "SE_ASSISTANT_CHROMA_HOST": host, "SE_ASSISTANT_CHROMA_PORT": str(port)}
    if form == "url":
        env.pop("SE_ASSISTANT_CHROMA_PORT")
        env["SE_ASSISTANT_CHROMA_HOST"] = f"http://{host}:{port}"
    result = subprocess.run(
        [sys.executable, "-m", "se_assistant.cli", "ask", "how was Pfefferwerk funded?",
         "--data-dir", str(server_settings.data_dir), "--json"],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert '"cases/pfefferwerk.md"' in result.stdout


def test_a_server_that_is_down_gives_one_line_naming_its_address(tmp_path, corpus_copy):
    port = free_port()  # nothing listens there
    settings = Settings.load(data_dir=tmp_path / "data", corpus_dir=corpus_copy,
                             chroma_host="127.0.0.1", chroma_port=port)
    with pytest.raises(SeAssistantError) as info:
        ingest(settings, progress=False)
    message = str(info.value)
    assert f"127.0.0.1:{port}" in message and "\n" not in message and "chroma run" in message

    result = subprocess.run(
        [sys.executable, "-m", "se_assistant.cli", "ingest", "--data-dir", str(tmp_path / "d"),
         "--chroma-host", "127.0.0.1", "--chroma-port", str(port)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and f"127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_health_says_whether_the_index_is_loaded_and_names_a_server_that_is_down(
    server_settings, tmp_path
):
    health = Assistant(settings=server_settings).health()
    assert health["ok"] and health["index_loaded"] and health["chunks"] > 20
    assert health["generation"] >= 1 and health["chroma"] == server_settings.chroma_address

    port = free_port()  # nothing listens there
    down = Assistant(data_dir=tmp_path / "d", chroma_host="127.0.0.1", chroma_port=port).health()
    assert not down["ok"] and not down["index_loaded"]
    assert f"127.0.0.1:{port}" in down["error"] and "\n" not in down["error"]
