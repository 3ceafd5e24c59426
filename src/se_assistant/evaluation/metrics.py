"""The eval metrics as pure functions over plain values (unit-tested on hand-computed examples).

Per item: retrieval hit@k and reciprocal rank (llama-index's ``HitRate``/``MRR``), fact recall,
citation precision, cited-sentence share and which passages hold the item's evidence. Over
items: :func:`summarise`. Faithfulness of sentences is in :mod:`.faithfulness`."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from se_assistant import lexical

# The eval folds text on its own rather than with se_assistant.lexical, so that a bug in the
# system's folding cannot hide itself from the measurement.
_NON_WORD = re.compile(r"[^0-9a-z]+")
_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# Sentence ends: ., ! or ? (plus any [n] markers after it) followed by a capital, digit, quote or
# opening parenthesis; or a line break. Hand-written because punkt-style splitters
# separate "[1]" from the sentence it belongs to.
_BOUNDARY = re.compile(
    r"(?<=[.!?])((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*)\s+(?=[A-Z0-9\"“'‘(])|\n+"
)


def fold(text: str) -> str:
    """Lower-case, accents stripped, punctuation as single spaces: 'Coòpolis, SAW-B' ->
    'coopolis saw b'."""
    return _NON_WORD.sub(" ", lexical.fold(text)).strip()


def contains_phrase(text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs in ``text`` as whole words, ignoring case, accents and
    punctuation ('saw-b' matches 'SAW B'; 'art' does not match 'artists')."""
    needle = fold(phrase)
    return bool(needle) and f" {needle} " in f" {fold(text)} "


def fact_recall(text: str, facts: Sequence[Sequence[str]]) -> tuple[float | None, list[str]]:
    """Share of fact groups found in ``text`` (a group is found when any alternative is) and
    the groups missed, each shown by its first alternative. None when no facts are required."""
    if not facts:
        return None, []
    missing = [group[0] for group in facts if not any(contains_phrase(text, a) for a in group)]
    return (len(facts) - len(missing)) / len(facts), missing


def hit_at_k(retrieved: Sequence[str], expected: Iterable[str], k: int) -> float:
    """1.0 when any of the top ``k`` retrieved keys is expected, else 0.0."""
    from llama_index.core.evaluation.retrieval.metrics import HitRate

    expected = list(expected)
    top = list(retrieved)[:k]
    if not top or not expected:
        return 0.0
    return float(HitRate().compute(expected_ids=expected, retrieved_ids=top).score)


def reciprocal_rank(retrieved: Sequence[str], expected: Iterable[str]) -> float:
    """1 / rank of the first expected key among ``retrieved`` (0.0 when none is)."""
    from llama_index.core.evaluation.retrieval.metrics import MRR

    expected = list(expected)
    if not retrieved or not expected:
        return 0.0
    return float(MRR().compute(expected_ids=expected, retrieved_ids=list(retrieved)).score)


def _word_sequence(text: str) -> str:
    return " " + " ".join(lexical.words(text)) + " "


def holds_evidence(passage: str, evidence: Iterable[str]) -> bool:
    """Whether ``passage`` contains any evidence fragment as a sequence of words: case, accents,
    punctuation, bullet marks and line breaks are ignored, so a wrapped PDF line or a slide
    bullet still holds the fragment it shows."""
    text = _word_sequence(passage)
    return any(_word_sequence(fragment).strip() and _word_sequence(fragment) in text
               for fragment in evidence)


def evidence_keys(passages: Sequence[tuple[str, str]], evidence: Iterable[str]) -> list[str]:
    """The keys of the (key, text) ``passages`` that hold any evidence fragment: the expected
    ids for :func:`hit_at_k`, :func:`reciprocal_rank` and :func:`citation_hits`."""
    fragments = list(evidence)
    return [key for key, text in passages if holds_evidence(text, fragments)]


def citation_hits(cited: Sequence[str], expected: Iterable[str]) -> tuple[int, int]:
    """(citations pointing at an expected source, citations)."""
    wanted = set(expected)
    return sum(1 for key in cited if key in wanted), len(cited)


def split_sentences(text: str) -> list[str]:
    """Sentences of an answer, each keeping the [n] markers that follow it."""
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end(1) if match.group(1) is not None else match.start()
        pieces.append(text[start:end])
        start = match.end()
    pieces.append(text[start:])
    return [p.strip() for p in pieces if any(ch.isalpha() for ch in p)]


def cited_sentences(text: str, valid_numbers: Iterable[int]) -> tuple[int, int]:
    """(sentences with at least one [n] marker naming a real citation, sentences)."""
    valid = set(valid_numbers)
    sentences = split_sentences(text)
    cited = 0
    for sentence in sentences:
        markers = _MARKER.finditer(sentence)
        numbers = {int(n) for m in markers for n in re.split(r"[,;]", m.group(1))}
        if numbers & valid:
            cited += 1
    return cited, len(sentences)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation between ranks (as numpy's
    default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class ItemScores:
    """What one answered item contributes to the metrics."""

    answerable: bool
    grounded: bool
    latency: float
    hit_at_1: float | None = None
    hit_at_3: float | None = None
    reciprocal_rank: float | None = None
    fact_recall: float | None = None
    citation_hits: int = 0
    citation_count: int = 0
    cited_sentences: int = 0
    sentences: int = 0
    faithful_sentences: int = 0
    checked_sentences: int = 0
    supported_sentences: int = 0
    llm_sentences: int = 0
    smalltalk: bool = False
    clean: bool | None = None
    error: str = ""
    tags: list[str] = field(default_factory=list)

    @property
    def correct_refusal_behaviour(self) -> bool:
        """Answered when answerable, refused when not."""
        return self.grounded == self.answerable and not self.error

    @property
    def passed(self) -> bool:
        """Answerable: answered, every fact present, an expected source in the top 3.
        Unanswerable: refused (small talk: also without citations or related passages)."""
        if not self.correct_refusal_behaviour:
            return False
        if not self.answerable:
            return bool(self.clean) if self.smalltalk else True
        return self.fact_recall == 1.0 and self.hit_at_3 == 1.0


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def summarise(items: Sequence[ItemScores]) -> dict[str, Any]:
    """Metrics over ``items`` (None where no item applies).

    Retrieval, fact recall and citation precision count answerable items; the cited-sentence
    share counts the sentences of answers given (grounded), the faithful share those of
    extractive answers given, the LLM-supported share those of LLM answers given; refusal
    accuracy counts unanswerable items, false refusals answerable ones; the small-talk clean
    share counts small-talk items; latency counts every item."""
    answerable = [i for i in items if i.answerable]
    unanswerable = [i for i in items if not i.answerable]
    grounded = [i for i in items if i.grounded]
    smalltalk = [i for i in items if i.smalltalk]
    latencies = [i.latency for i in items if not i.error]
    return {
        "items": len(items),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit_at_1": _mean(i.hit_at_1 for i in answerable),
        "hit_at_3": _mean(i.hit_at_3 for i in answerable),
        "mrr": _mean(i.reciprocal_rank for i in answerable),
        "fact_recall": _mean(i.fact_recall for i in answerable),
        "citation_precision": _ratio(
            sum(i.citation_hits for i in answerable), sum(i.citation_count for i in answerable)
        ),
        "cited_sentence_share": _ratio(
            sum(i.cited_sentences for i in grounded), sum(i.sentences for i in grounded)
        ),
        "faithful_sentence_share": _ratio(
            sum(i.faithful_sentences for i in grounded),
            sum(i.checked_sentences for i in grounded),
        ),
        "llm_supported_share": _ratio(
            sum(i.supported_sentences for i in grounded), sum(i.llm_sentences for i in grounded)
        ),
        "refusal_accuracy": _ratio(sum(not i.grounded for i in unanswerable), len(unanswerable)),
        "false_refusal_rate": _ratio(sum(not i.grounded for i in answerable), len(answerable)),
        "pass_rate": _ratio(sum(i.passed for i in items), len(items)),
        "smalltalk_clean_share": _ratio(sum(bool(i.clean) for i in smalltalk), len(smalltalk)),
        "latency_median": statistics.median(latencies) if latencies else None,
        "latency_p95": percentile(latencies, 95),
    }


def summarise_by_tag(items: Sequence[ItemScores]) -> dict[str, dict[str, Any]]:
    """:func:`summarise` for each tag's items, tags sorted."""
    tags = sorted({t for i in items for t in i.tags})
    return {tag: summarise([i for i in items if tag in i.tags]) for tag in tags}
