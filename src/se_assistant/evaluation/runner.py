"""Runs an eval set against the current index through the public API, scores every item and
applies the gate. ``evaluate`` is what ``se-assistant eval`` calls."""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from se_assistant.errors import SeAssistantError
from se_assistant.evaluation import metrics
from se_assistant.evaluation.dataset import EvalItem, EvalSet, load_eval_set, source_key
from se_assistant.locations import checkout_root

if TYPE_CHECKING:
    from se_assistant.assistant import Assistant

REPORT_FORMAT = "se-assistant-eval/1"
RETRIEVAL_NOTE = (
    "retrieval metrics rank the passages of assistant.search(answer.query) (the standalone "
    "question that was searched; top_k from settings) against the expected sources"
)


def repo_root() -> Path:
    """The checkout holding ``evals/`` (else the working directory, e.g. for an installed wheel)."""
    return checkout_root() or Path.cwd()


def default_set_path() -> Path:
    return repo_root() / "evals" / "questions.yaml"


def default_report_dir() -> Path:
    return repo_root() / "evals" / "reports"


@dataclass
class ItemResult:
    """One item as asked and scored."""

    id: str
    tags: list[str]
    turns: list[str]
    answerable: bool
    reference: str
    fingerprint: str
    expected: list[str]
    query: str = ""
    answer: str = ""
    grounded: bool = False
    citations: list[str] = field(default_factory=list)
    retrieved: list[str] = field(default_factory=list)
    missing_facts: list[str] = field(default_factory=list)
    scores: metrics.ItemScores | None = None

    @property
    def passed(self) -> bool:
        return bool(self.scores and self.scores.passed)

    def to_dict(self) -> dict[str, Any]:
        scores = asdict(self.scores) if self.scores else {}
        scores.pop("tags", None)
        data = {k: v for k, v in asdict(self).items() if k != "scores"}
        return {**data, **scores, "passed": self.passed}


def run_item(assistant: Assistant, item: EvalItem) -> ItemResult:
    """Ask the item's turns in one conversation and score the last answer."""
    result = ItemResult(
        id=item.id, tags=list(item.tags), turns=list(item.turns), answerable=item.answerable,
        reference=item.reference, fingerprint=item.fingerprint, expected=item.expected_keys,
    )
    chat = assistant.chat()
    try:
        for turn in item.turns:
            started = time.perf_counter()
            answer = chat.ask(turn)
            latency = time.perf_counter() - started
        retrieved = assistant.search(answer.query)
    except SeAssistantError as exc:
        result.scores = metrics.ItemScores(item.answerable, False, 0.0, error=str(exc),
                                           tags=list(item.tags))
        result.answer = f"error: {exc}"
        return result

    result.query, result.answer, result.grounded = answer.query, answer.text, answer.grounded
    result.citations = [source_key(c.source, c.locator) for c in answer.citations]
    result.retrieved = [source_key(c.source, c.locator) for c in retrieved]
    scores = metrics.ItemScores(item.answerable, answer.grounded, latency, tags=list(item.tags))
    if answer.grounded:
        scores.cited_sentences, scores.sentences = metrics.cited_sentences(
            answer.text, [c.number for c in answer.citations]
        )
    if item.answerable:
        expected = item.expected_keys
        scores.hit_at_1 = metrics.hit_at_k(result.retrieved, expected, 1)
        scores.hit_at_3 = metrics.hit_at_k(result.retrieved, expected, 3)
        scores.reciprocal_rank = metrics.reciprocal_rank(result.retrieved, expected)
        # A refusal states no facts, whatever words its text happens to contain.
        text = answer.text if answer.grounded else ""
        scores.fact_recall, result.missing_facts = metrics.fact_recall(text, item.facts)
        hits = metrics.citation_hits(result.citations, expected)
        scores.citation_hits, scores.citation_count = hits
    result.scores = scores
    return result


def run_items(assistant: Assistant, eval_set: EvalSet, progress: bool = True) -> list[ItemResult]:
    """Every item of ``eval_set`` asked against ``assistant``, with a progress bar."""
    from tqdm import tqdm

    results: list[ItemResult] = []
    # Load the index and the embedding model first, so the first item's latency is not a
    # cold start.
    assistant.search(eval_set.items[0].turns[0])
    bar = tqdm(eval_set.items, desc="eval", unit="q", file=sys.stderr, disable=not progress,
               dynamic_ncols=True)
    for item in bar:
        bar.set_postfix_str(item.id, refresh=False)
        results.append(run_item(assistant, item))
    return results


@dataclass
class EvalOutcome:
    """A finished eval: the report (as written to JSON), where it was written, the gate."""

    report: dict[str, Any]
    paths: dict[str, Path]
    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    @property
    def regressed(self) -> list[str]:
        return [c["id"] for c in self.report["changes"]["regressed"]]

    @property
    def improved(self) -> list[str]:
        return [c["id"] for c in self.report["changes"]["improved"]]

    def summary_line(self) -> str:
        """One line with the headline numbers, the changes and the gate."""
        m = self.report["metrics"]

        def f(name: str, digits: int = 2) -> str:
            value = m.get(name)
            return "n/a" if value is None else f"{value:.{digits}f}"

        changes = self.report["changes"]
        compared = (f"; {len(changes['regressed'])} regressed, {len(changes['improved'])} improved"
                    if self.report["baseline"] else "; no baseline")
        gate = "gate passed" if self.passed else f"gate FAILED ({len(self.failures)})"
        where = self.paths.get("md", "")
        return (
            f"eval: {m['items']} items, {m['pass_rate'] * m['items']:.0f} passed in "
            f"{self.report['seconds']:.0f} s — hit@1 {f('hit_at_1')}, hit@3 {f('hit_at_3')}, "
            f"MRR {f('mrr')}, fact recall {f('fact_recall')}, citation precision "
            f"{f('citation_precision')}, cited sentences {f('cited_sentence_share')}, refusal "
            f"accuracy {f('refusal_accuracy')}, false refusals {f('false_refusal_rate')}, latency "
            f"p50 {f('latency_median')} s p95 {f('latency_p95')} s{compared}; {gate} → {where}"
        )


def gate_failures(eval_set: EvalSet, overall: dict[str, Any]) -> list[str]:
    """The thresholds the metrics break, one line each."""
    failures = []
    for name, threshold in eval_set.thresholds.items():
        problem = threshold.failure(name, overall.get(name))
        if problem:
            failures.append(problem)
    return failures


def evaluate(
    assistant: Assistant,
    set_path: str | Path | None = None,
    report_dir: str | Path | None = None,
    baseline: str | Path | None = None,
    progress: bool = True,
) -> EvalOutcome:
    """Run the eval set, compare with ``baseline`` (default: the latest report in
    ``report_dir``), write the Markdown/JSON/PNG report and apply the gate."""
    from se_assistant.evaluation import report as reports

    set_path = Path(set_path) if set_path else default_set_path()
    report_dir = Path(report_dir) if report_dir else default_report_dir()
    eval_set = load_eval_set(set_path)
    if baseline:
        previous, previous_path = reports.load_report(Path(baseline)), Path(baseline)
    else:
        previous, previous_path = reports.previous_report(report_dir)

    started = time.perf_counter()
    results = run_items(assistant, eval_set, progress)
    seconds = time.perf_counter() - started

    scores = [r.scores for r in results if r.scores]
    overall = metrics.summarise(scores)
    items = [r.to_dict() for r in results]
    changes = reports.compare(previous, items) if previous else {"regressed": [], "improved": []}
    overall["regressions"] = len(changes["regressed"]) if previous else None
    settings = assistant.settings
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "eval_set": str(set_path),
        "description": eval_set.description,
        "settings": {
            "data_dir": str(settings.data_dir),
            "embed_model": settings.embed_model,
            "top_k": settings.top_k,
            "llm_provider": settings.llm_provider,
            "llm_model": settings.llm_model,
        },
        "retrieval": RETRIEVAL_NOTE,
        "baseline": {"path": str(previous_path), "created": previous.get("created")}
        if previous else None,
        "metrics": overall,
        "by_tag": metrics.summarise_by_tag(scores),
        "thresholds": {k: v.model_dump(exclude_none=True) for k, v in eval_set.thresholds.items()},
        "changes": changes,
        "items": items,
    }
    failures = gate_failures(eval_set, overall)
    report["gate"] = {"passed": not failures, "failures": failures}
    paths = reports.write_report(report, report_dir)
    return EvalOutcome(report=report, paths=paths, failures=failures)
