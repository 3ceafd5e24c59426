"""The chat is callable from other tools through gradio_client's named endpoint ``/ask``."""

from __future__ import annotations

import pytest
from ui_server import REPO, running_app

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture(scope="module")
def client(ingested_dir):
    from gradio_client import Client

    with running_app(data_dir=ingested_dir, corpus_dir=REPO / "corpus") as (url, _assistant):
        yield Client(url, verbose=False)


def test_ask_endpoint_is_listed_by_name(client):
    assert "/ask" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]


def test_ask_returns_the_answer_with_citations(client):
    result = client.predict("how was Pfefferwerk funded?", "", api_name="/ask")
    assert result["grounded"] is True
    assert "[1]" in result["text"]
    first = result["citations"][0]
    assert first["source"] == "cases/pfefferwerk.md"
    assert first["locator"] and first["quote"]
    assert first["highlights"][0] in first["quote"]
    assert first["origin"] == "slide 4 of presentation.md"
    assert result["conversation_id"]


def test_conversation_id_carries_follow_ups(client):
    first = client.predict("how was Pfefferwerk funded?", "", api_name="/ask")
    follow = client.predict("Where is it?", first["conversation_id"], api_name="/ask")
    assert follow["conversation_id"] == first["conversation_id"]
    assert "Pfefferwerk" in follow["query"]
    assert "Berlin" in follow["text"]


def test_unanswerable_question_comes_back_refused_with_related_passages(client):
    result = client.predict("What is the capital of Australia?", "", api_name="/ask")
    assert result["grounded"] is False
    assert result["citations"] == []
    assert result["related"]


def test_bad_question_raises_a_one_line_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as info:
        client.predict("   ", "", api_name="/ask")
    assert "\n" not in str(info.value).strip()
    assert "question" in str(info.value).lower()
