"""Shared fixtures: a real embedding model and a real Chroma on small data in temp dirs."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
# The ONNX export of the model, shared by the tests (content-keyed, so reuse is safe) and kept
# out of the developer's own cache; set before session fixtures and subprocesses start.
MODEL_CACHE = Path(tempfile.gettempdir()) / "se-assistant-test-models"
os.environ["SE_ASSISTANT_MODEL_CACHE_DIR"] = str(MODEL_CACHE)


@pytest.fixture(autouse=True)
def _no_user_environment(monkeypatch, tmp_path_factory):
    """Tests never read the developer's SE_ASSISTANT_* settings or default data dir."""
    for key in list(os.environ):
        if key.startswith("SE_ASSISTANT_") and key != "SE_ASSISTANT_MODEL_CACHE_DIR":
            monkeypatch.delenv(key)
    monkeypatch.setenv("SE_ASSISTANT_MODEL_CACHE_DIR", str(MODEL_CACHE))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.getbasetemp() / "xdg-data"))


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A private copy of the bundled corpus that a test may edit."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def ingested_dir(tmp_path_factory) -> Path:
    """A data dir holding the bundled corpus, ingested once per test session. Read-only."""
    from se_assistant.ingestion import ingest
    from se_assistant.settings import Settings

    data_dir = tmp_path_factory.mktemp("ingested")
    ingest(Settings.load(data_dir=data_dir, corpus_dir=CORPUS), progress=False)
    return data_dir


@pytest.fixture(scope="session")
def assistant(ingested_dir):
    """An Assistant over the bundled corpus (shared; do not ingest into it)."""
    from se_assistant import Assistant

    return Assistant(data_dir=ingested_dir, corpus_dir=CORPUS)
