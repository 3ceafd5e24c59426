"""Load: 200 requests from 20 concurrent gradio_client clients against the app on loopback.
Every answer must be the answer the same question gets when asked alone, the refusal stays a
refusal, every new conversation gets its own id, and follow-ups ("Where is it?") asked at the
same time in conversations about different cases each resolve to their own case. Latency
p50/p95 is printed (run pytest with -s to see it), never asserted."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from helpers import LOAD_QUESTIONS
from ui_server import REPO, running_app

pytestmark = [pytest.mark.server, pytest.mark.slow]

CLIENTS = 20
QUESTIONS = [
    *LOAD_QUESTIONS,  # the last one refused: off topic
    "When was the Pfefferwerk Foundation established?",  # refused: the material gives no date
    "What does Coopcity do for cooperatives?",
]
REFUSED = {"What is the capital of Australia?", "When was the Pfefferwerk Foundation established?"}
# (how a user names the case, the case as the index names it)
CASES = [
    ("Pfefferwerk", "Pfefferwerk Foundation"),
    ("Coopcity", "Coopcity"),
    ("REALIS", "REALIS"),
    ("Horcynus Orca", "Fondazione Horcynus Orca"),
    ("Impuls Cooperatiu de Sants", "Impuls Cooperatiu de Sants"),
]
FOLLOW_UPS = ["Where is it?", "Who set it up?"]


def _key(answer: dict) -> tuple:
    """What must not change under load: the text, the verdict, what is cited and related."""
    return (
        answer["text"],
        answer["grounded"],
        answer["query"],
        [c["chunk_id"] for c in answer["citations"]],
        [c["chunk_id"] for c in answer["related"]],
    )


def _conversation(client, case: str) -> list[dict]:
    """A conversation about ``case``: an opening question, then the follow-ups."""
    answers = [client.predict(f"Tell me about {case}.", "", api_name="/ask")]
    for question in FOLLOW_UPS:
        answers.append(client.predict(question, answers[0]["conversation_id"], api_name="/ask"))
    return answers


def test_200_concurrent_requests_get_the_answers_they_get_alone(ingested_dir):
    from gradio_client import Client

    with running_app(data_dir=ingested_dir, corpus_dir=REPO / "corpus") as (url, _assistant):
        alone = Client(url, verbose=False)
        expected = {q: _key(alone.predict(q, "", api_name="/ask")) for q in QUESTIONS}
        alone_talks = {name: _conversation(alone, name) for name, _ in CASES}
        expected_talks = {name: [_key(a) for a in talk] for name, talk in alone_talks.items()}

        def one_client(index: int) -> tuple[list, list]:
            client = Client(url, verbose=False)
            singles, talks = [], []
            # 4 single questions and 2 conversations of 3 turns about different cases: 10 requests
            for turn in range(4):
                question = QUESTIONS[(index + turn) % len(QUESTIONS)]
                started = time.perf_counter()
                answer = client.predict(question, "", api_name="/ask")
                singles.append((time.perf_counter() - started, question, answer))
            for offset in (0, 2):
                case = CASES[(index + offset) % len(CASES)][0]
                started = time.perf_counter()
                answers = _conversation(client, case)
                talks.append(((time.perf_counter() - started) / len(answers), case, answers))
            return singles, talks

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            results = list(pool.map(one_client, range(CLIENTS)))
        wall = time.perf_counter() - started

    singles = [s for ss, _ in results for s in ss]
    talks = [t for _, ts in results for t in ts]
    latencies = np.array([s for s, _, _ in singles] + [s for s, _, a in talks for _ in a])
    print(
        f"\nload: {len(latencies)} requests from {CLIENTS} clients in {wall:.1f} s; latency "
        f"p50 {np.percentile(latencies, 50):.2f} s, p95 {np.percentile(latencies, 95):.2f} s, "
        f"max {latencies.max():.2f} s"
    )
    assert len(latencies) == CLIENTS * 10

    # alone, the answers are what they should be
    for question, (_text, grounded, _query, cited, related) in expected.items():
        if question in REFUSED:
            assert grounded is False and cited == [] and related, question
        else:
            assert grounded and cited, question
    for name, case in CASES:
        for follow in alone_talks[name][1:]:
            assert follow["grounded"] and case in follow["query"], (name, follow["query"])
            assert {c["metadata"].get("case") for c in follow["citations"]} == {case}
    # under load, every answer is the answer alone
    for _, question, answer in singles:
        assert _key(answer) == expected[question], question
    for _, case, answers in talks:
        assert [_key(a) for a in answers] == expected_talks[case], case
        # one conversation, its own id, and its follow-ups stay in it
        assert len({a["conversation_id"] for a in answers}) == 1
    started_ids = [a["conversation_id"] for _, _, a in singles]
    started_ids += [answers[0]["conversation_id"] for _, _, answers in talks]
    assert all(started_ids) and len(set(started_ids)) == len(started_ids)
