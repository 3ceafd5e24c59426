"""The embedding model: the ONNX copy is the sentence-transformers model, the int8 copy is
close to it, questions never import PyTorch, and a change of model or precision re-embeds."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import CORPUS
from helpers import assert_faithful

from se_assistant.errors import SettingsError
from se_assistant.ingestion import ingest
from se_assistant.settings import Settings

SENTENCES = [
    "How was Pfefferwerk funded?",
    "The Pfefferwerk Foundation was established with the terrain of the old brewery as its capital.",
    "Coopcity accompagne l'entrepreneuriat coopératif à Bruxelles (SEEDS, été 2018).",
    "",
    " ".join(["Social economy clusters link enterprises, universities and local authorities."] * 30),
]


@pytest.fixture(scope="module")
def reference():
    """sentence-transformers itself (PyTorch), the model the ONNX copies are held to."""
    from se_assistant.embedding import load_encoder

    settings = Settings.load(embed_backend="torch", index_precision="float32")
    return load_encoder(settings).embed(SENTENCES)


def test_onnx_float32_gives_the_sentence_transformers_vectors(reference):
    from se_assistant.embedding import load_encoder

    got = load_encoder(Settings.load()).embed(SENTENCES)
    assert got.shape == reference.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert float(np.min(np.sum(got * reference, axis=1))) > 0.9999


def test_int8_chunk_vectors_stay_close_and_keep_the_nearest_neighbour(reference):
    from se_assistant.embedding import load_encoder

    settings = Settings.load()
    int8 = load_encoder(settings, "int8", bulk=True).embed(SENTENCES)
    assert float(np.min(np.sum(int8 * reference, axis=1))) > 0.95
    # the question's nearest sentence is the same whichever precision embedded the sentences
    question = load_encoder(settings).embed(SENTENCES[:1])[0]
    assert int(np.argmax(int8[1:] @ question)) == int(np.argmax(reference[1:] @ question)) == 0


def test_export_is_made_once_checked_and_reused(tmp_path):
    from se_assistant.embedding.model_path import resolve_model_path
    from se_assistant.embedding.onnx_export import export_folder

    model = resolve_model_path("all-MiniLM-L6-v2")
    folder = export_folder(model, tmp_path)
    meta = json.loads((folder / "meta.json").read_text())
    assert {p.name for p in folder.iterdir()} >= {"model.onnx", "model.int8.onnx", "tokenizer.json"}
    assert meta["dimension"] == 384 and meta["max_seq_length"] == 256
    assert meta["probe_cosine_float32"] > 0.9999 and 0.95 < meta["probe_cosine_int8"] < 1.0
    # int8 weights: about a quarter of the float32 file
    assert (folder / "model.int8.onnx").stat().st_size < 0.4 * (folder / "model.onnx").stat().st_size
    stamp = (folder / "meta.json").stat().st_mtime_ns
    assert export_folder(model, tmp_path) == folder
    assert (folder / "meta.json").stat().st_mtime_ns == stamp
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export-")]


def test_questions_are_answered_without_importing_pytorch(ingested_dir):
    script = (
        "import sys\n"
        "from se_assistant import Assistant\n"
        f"a = Assistant(data_dir={str(ingested_dir)!r}, corpus_dir={str(CORPUS)!r})\n"
        "answer = a.ask('how was Pfefferwerk funded?')\n"
        "print(answer.grounded, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.split() == ["True", "False", "False"], result.stderr[-2000:]


def test_changing_index_precision_re_embeds_every_chunk_once(tmp_path):
    settings = Settings.load(data_dir=tmp_path / "data", corpus_dir=CORPUS)
    first = ingest(settings, progress=False)
    assert first.embedded == first.chunks > 20
    assert ingest(settings, progress=False).embedded == 0

    exact = settings.with_overrides(index_precision="float32")
    switched = ingest(exact, progress=False)
    assert switched.embedded == switched.chunks == first.chunks
    assert not switched.added and len(switched.updated) == len(first.added)
    assert ingest(exact, progress=False).embedded == 0


def test_torch_backend_answers_like_the_onnx_backend(ingested_dir):
    from se_assistant import Assistant

    onnx = Assistant(data_dir=ingested_dir, corpus_dir=CORPUS)
    torch = Assistant(data_dir=ingested_dir, corpus_dir=CORPUS, embed_backend="torch",
                      index_precision="float32")
    question = "who launched Pfefferwerk?"
    answer = onnx.ask(question)
    assert_faithful(answer)
    assert torch.ask(question).text == answer.text


def test_int8_with_the_torch_backend_is_refused_in_one_line():
    with pytest.raises(SettingsError) as info:
        Settings.load(embed_backend="torch")
    message = str(info.value)
    assert "index_precision" in message and "float32" in message and "\n" not in message


def test_unwritable_model_cache_is_one_line_naming_the_setting(tmp_path):
    from se_assistant.embedding import load_encoder

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(SettingsError) as info:
        load_encoder(Settings.load(model_cache_dir=blocker / "cache"))
    message = str(info.value)
    assert "model_cache_dir" in message and "SE_ASSISTANT_MODEL_CACHE_DIR" in message
    assert "\n" not in message
