"""On-topic questions the material cannot answer are refused: no citation, no [n], the closest
passages listed instead. Each names something the material is about (a city, a case, a
foundation) and asks for what it never says, so the words alone look answerable.

The tests run on the bundled corpus and on every rendition the evals use (the seed deck as
.txt, .pptx, .pdf, .docx and .html, built by evals/renditions.py), plus any folder given as
SE_TEST_RENDITIONS=name=path,...
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from helpers import assert_refused

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
FORMATS = ("txt", "pptx", "pdf", "docx", "html")
RENDITIONS: dict[str, Path | None] = {"bundled": CORPUS, **dict.fromkeys(FORMATS)}
for _item in filter(None, os.environ.get("SE_TEST_RENDITIONS", "").split(",")):
    _name, _, _path = _item.partition("=")
    RENDITIONS[_name.strip()] = Path(_path.strip())


@pytest.fixture(scope="session")
def seed_renditions(tmp_path_factory) -> dict[str, Path]:
    """The seed deck in every format, built once per session by evals/renditions.py."""
    spec = importlib.util.spec_from_file_location("renditions", REPO / "evals" / "renditions.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["renditions"] = module
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("renditions")
    built = module.build_renditions(module.default_seed(), out, FORMATS)
    return {fmt: path.parent for fmt, path in built.items()}

UNANSWERABLE = [
    pytest.param("What will the weather be like in Brussels tomorrow?", id="weather-in-a-named-city"),
    pytest.param("What are the opening hours of Coopcity?", id="opening-hours"),
    pytest.param("When was Coopcity founded?", id="founding-year"),
    # "What is the annual budget of Pfefferwerk?" is refused today; this wording is not
    pytest.param("What is Pfefferwerk's annual budget?", id="budget"),
    pytest.param("What is Coopcity's e-mail address?", id="e-mail-address"),
    pytest.param("Who is the director of the Pfefferwerk Foundation?", id="unnamed-person"),
]


@pytest.fixture(scope="session", params=sorted(RENDITIONS))
def rendition_assistant(request, tmp_path_factory):
    """An Assistant over one rendition of the material, ingested once per session."""
    from se_assistant import Assistant

    corpus = RENDITIONS[request.param] or request.getfixturevalue("seed_renditions")[request.param]
    if corpus == CORPUS:
        data_dir = request.getfixturevalue("ingested_dir")
    else:
        from se_assistant.ingestion import ingest
        from se_assistant.settings import Settings

        data_dir = tmp_path_factory.mktemp(f"rendition-{request.param}")
        ingest(Settings.load(data_dir=data_dir, corpus_dir=corpus), progress=False)
    return Assistant(data_dir=data_dir, corpus_dir=corpus)


# In the material's own words, about nothing it says: only closeness can refuse it. (Asked
# alone: in a conversation about a case, a five-word question reads as a follow-up about it.)
NOTHING_CLOSE = [pytest.param("Do the universities offer degrees?", id="nothing-close")]


@pytest.mark.parametrize("question", UNANSWERABLE + NOTHING_CLOSE)
def test_on_topic_questions_the_material_does_not_answer_are_refused(rendition_assistant, question):
    assert_refused(rendition_assistant.ask(question))


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_refusals_hold_in_a_conversation_about_the_case(rendition_assistant, question):
    """The conversation's subject does not make the missing fact answerable."""
    chat = rendition_assistant.chat()
    chat.ask("Tell me about Coopcity.")
    assert_refused(chat.ask(question))
