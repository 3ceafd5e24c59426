"""Load: 200 questions from 20 concurrent gradio_client clients against the app on loopback all
get answers; the p95 latency is printed (run pytest with -s to see it)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from ui_server import REPO, running_app

pytestmark = [pytest.mark.server, pytest.mark.slow]

CLIENTS = 20
PER_CLIENT = 10
QUESTIONS = [
    "how was Pfefferwerk funded?",
    "Where is Coopcity?",
    "Who launched Impuls Cooperatiu de Sants?",
    "What does Realis offer to social enterprises?",
    "What is Horcynus Orca?",
    "Which clusters are in Spain?",
    "What role do regions play in scaling up?",
    "What is the capital of Australia?",  # refused, still an answer
    "When was the Pfefferwerk Foundation established?",
    "What does Coopcity do for cooperatives?",
]


def test_200_questions_from_20_concurrent_clients_are_all_answered(ingested_dir):
    from gradio_client import Client

    with running_app(data_dir=ingested_dir, corpus_dir=REPO / "corpus") as (url, _assistant):

        def one_client(index: int) -> list[tuple[float, str, dict]]:
            client = Client(url, verbose=False)
            results = []
            for turn in range(PER_CLIENT):
                question = QUESTIONS[(index + turn) % len(QUESTIONS)]
                started = time.perf_counter()
                answer = client.predict(question, "", api_name="/ask")
                results.append((time.perf_counter() - started, question, answer))
            return results

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            runs = [r for rs in pool.map(one_client, range(CLIENTS)) for r in rs]
        wall = time.perf_counter() - started

    latencies = np.array([seconds for seconds, _, _ in runs])
    print(
        f"\nload: {len(runs)} questions from {CLIENTS} clients in {wall:.1f} s; latency "
        f"p50 {np.percentile(latencies, 50):.2f} s, p95 {np.percentile(latencies, 95):.2f} s, "
        f"max {latencies.max():.2f} s"
    )
    assert len(runs) == CLIENTS * PER_CLIENT
    assert all(answer["text"].strip() and answer["conversation_id"] for _, _, answer in runs)
    grounded = [a for _, question, a in runs if question == QUESTIONS[0]]
    assert grounded and all(a["citations"][0]["source"] == "cases/pfefferwerk.md" for a in grounded)
