"""Runs eval sets against one or more indexes (renditions of the material) through the public
API, scores every item and applies the gate. ``evaluate`` (one index) and
``evaluate_renditions`` (several, side by side) are what ``se-assistant eval`` calls."""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from se_assistant.errors import SeAssistantError
from se_assistant.evaluation import faithfulness, metrics
from se_assistant.evaluation import report as reports
from se_assistant.evaluation.dataset import EvalItem, EvalSet, load_eval_set, source_key
from se_assistant.evaluation.gate import gap_failures, rendition_gaps, threshold_failures
from se_assistant.locations import checkout_root

if TYPE_CHECKING:
    from se_assistant.assistant import Assistant
    from se_assistant.models import Citation

REPORT_FORMAT = "se-assistant-eval/2"
RETRIEVAL_NOTE = (
    "retrieval metrics rank the passages of assistant.search(answer.query) (the standalone "
    "question that was searched; top_k from settings); a passage is expected when it holds one "
    "of the item's evidence fragments, or, for items without evidence, when its source | locator "
    "is listed"
)
# The name of the only rendition when the eval runs on the current index.
INDEX_RENDITION = "index"


def repo_root() -> Path:
    """The checkout holding ``evals/`` (else the working directory, e.g. for an installed wheel)."""
    return checkout_root() or Path.cwd()


def default_set_path() -> Path:
    """The dev split."""
    return repo_root() / "evals" / "questions.yaml"


def default_set_paths() -> list[Path]:
    """The dev split and, when it is there, the held-out test split."""
    test = repo_root() / "evals" / "questions-test.yaml"
    return [default_set_path(), *([test] if test.is_file() else [])]


def default_report_dir() -> Path:
    return repo_root() / "evals" / "reports"


@dataclass
class Rendition:
    """One index the sets run against, named for the report's column (``corpus``, ``pdf`` …);
    ``corpus`` is the folder it was ingested from and ``ingest`` what that ingest did, when the
    eval ingested it."""

    name: str
    assistant: Assistant
    corpus: Path | None = None
    ingest: dict[str, Any] | None = None


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
    evidence: list[str] = field(default_factory=list)
    query: str = ""
    answer: str = ""
    mode: str = ""
    grounded: bool = False
    citations: list[str] = field(default_factory=list)
    citation_expected: list[bool] = field(default_factory=list)
    related: int = 0
    retrieved: list[str] = field(default_factory=list)
    retrieved_expected: list[bool] = field(default_factory=list)
    missing_facts: list[str] = field(default_factory=list)
    unfaithful: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    scores: metrics.ItemScores | None = None

    @property
    def passed(self) -> bool:
        return bool(self.scores and self.scores.passed)

    def to_dict(self) -> dict[str, Any]:
        scores = asdict(self.scores) if self.scores else {}
        scores.pop("tags", None)
        data = {k: v for k, v in asdict(self).items() if k != "scores"}
        return {**data, **scores, "passed": self.passed}


def _expected_ids(item: EvalItem, passages: Sequence[Citation], prefix: str) -> tuple[
        list[str], list[str]]:
    """(ids of ``passages`` in order, the ids that count as expected). A passage is expected
    when it holds one of the item's evidence fragments (in its heading path and text), or when
    its ``source | locator`` is one of the item's listed sources: those name files of the
    corpus the set was written for, whose hand-written case descriptions restate facts in
    words of their own, and match nothing in other renditions."""
    ids = [f"{prefix}{i}" for i in range(len(passages))]
    listed = set(item.expected_keys)
    texts = [(k, passage_text(p)) for k, p in zip(ids, passages, strict=True)]
    holding = set(metrics.evidence_keys(texts, item.evidence)) if item.evidence else set()
    expected = [k for k, p in zip(ids, passages, strict=True)
                if k in holding or source_key(p.source, p.locator) in listed]
    return ids, expected


def passage_text(passage: Citation) -> str:
    """What evidence is looked for in: the passage's heading path (a slide title holds the
    place of the case it shows) and its whole text."""
    return f"{passage.breadcrumb}\n{passage.quote}"


def run_item(assistant: Assistant, item: EvalItem) -> ItemResult:
    """Ask the item's turns in one conversation and score the last answer."""
    result = ItemResult(
        id=item.id, tags=list(item.tags), turns=list(item.turns), answerable=item.answerable,
        reference=item.reference, fingerprint=item.fingerprint, expected=item.expected_keys,
        evidence=list(item.evidence),
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
                                           smalltalk=item.smalltalk, tags=list(item.tags))
        result.answer = f"error: {exc}"
        return result

    result.query, result.answer, result.grounded = answer.query, answer.text, answer.grounded
    result.mode, result.related = answer.mode, len(answer.related)
    result.citations = [source_key(c.source, c.locator) for c in answer.citations]
    result.retrieved = [source_key(c.source, c.locator) for c in retrieved]
    retrieved_ids, expected = _expected_ids(item, retrieved, "r")
    cited_ids, cited_expected = _expected_ids(item, answer.citations, "c")
    result.retrieved_expected = [i in set(expected) for i in retrieved_ids]
    result.citation_expected = [i in set(cited_expected) for i in cited_ids]

    scores = metrics.ItemScores(item.answerable, answer.grounded, latency,
                                smalltalk=item.smalltalk, tags=list(item.tags))
    if item.smalltalk:
        scores.clean = not answer.citations and not answer.related
    if answer.grounded:
        scores.cited_sentences, scores.sentences = metrics.cited_sentences(
            answer.text, [c.number for c in answer.citations]
        )
        if answer.mode == "llm":
            result.unsupported = faithfulness.unsupported_sentences(answer)
            scores.llm_sentences = len(metrics.split_sentences(answer.text))
            scores.supported_sentences = scores.llm_sentences - len(result.unsupported)
        else:
            result.unfaithful = faithfulness.unfaithful_sentences(answer)
            scores.checked_sentences = faithfulness.sentence_count(answer)
            scores.faithful_sentences = scores.checked_sentences - len(result.unfaithful)
    if item.answerable:
        scores.hit_at_1 = metrics.hit_at_k(retrieved_ids, expected, 1)
        scores.hit_at_3 = metrics.hit_at_k(retrieved_ids, expected, 3)
        scores.reciprocal_rank = metrics.reciprocal_rank(retrieved_ids, expected)
        # A refusal states no facts, whatever words its text happens to contain.
        text = answer.text if answer.grounded else ""
        scores.fact_recall, result.missing_facts = metrics.fact_recall(text, item.facts)
        scores.citation_hits, scores.citation_count = metrics.citation_hits(cited_ids,
                                                                             cited_expected)
    result.scores = scores
    return result


def run_items(assistant: Assistant, eval_set: EvalSet, progress: bool = True,
              label: str = "eval") -> list[ItemResult]:
    """Every item of ``eval_set`` asked against ``assistant``, with a progress bar."""
    from tqdm import tqdm  # not at the top: `se-assistant --help` imports this module (~4 ms)

    results: list[ItemResult] = []
    # Load the index and the embedding model first, so the first item's latency is not a
    # cold start.
    assistant.search(eval_set.items[0].turns[0])
    bar = tqdm(eval_set.items, desc=label, unit="q", file=sys.stderr, disable=not progress,
               dynamic_ncols=True)
    for item in bar:
        bar.set_postfix_str(item.id, refresh=False)
        results.append(run_item(assistant, item))
    return results


# ---- outcome -------------------------------------------------------------------------------
@dataclass
class EvalOutcome:
    """A finished eval: the report (as written to JSON), where it was written, the gate
    (``failures``: gated splits only) and the thresholds broken on splits not gated
    (``information``)."""

    report: dict[str, Any]
    paths: dict[str, Path]
    failures: list[str]
    information: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def _changes(self, kind: str) -> list[dict[str, Any]]:
        return [{**entry, "split": s["name"], "rendition": name}
                for s in self.report["splits"] for name, run in s["renditions"].items()
                for entry in run["changes"][kind]]

    @property
    def regressed(self) -> list[dict[str, Any]]:
        """Regressed questions, each with its ``split`` and ``rendition``."""
        return self._changes("regressed")

    @property
    def improved(self) -> list[dict[str, Any]]:
        return self._changes("improved")

    def summary_line(self) -> str:
        """One line: per split and rendition the passes and headline numbers, the changes and
        the gate."""

        def f(m: dict[str, Any], name: str) -> str:
            value = m.get(name)
            return "n/a" if value is None else f"{value:.2f}"

        parts = []
        for split in self.report["splits"]:
            for name, run in split["renditions"].items():
                m = run["metrics"]
                passed = round((m["pass_rate"] or 0) * m["items"])
                faithful = (f"faithful {f(m, 'faithful_sentence_share')}"
                            if m.get("llm_supported_share") is None
                            else f"LLM-supported {f(m, 'llm_supported_share')}")
                parts.append(
                    f"{split['name']}/{name} {passed}/{m['items']} passed (hit@3 "
                    f"{f(m, 'hit_at_3')}, fact recall {f(m, 'fact_recall')}, refusal accuracy "
                    f"{f(m, 'refusal_accuracy')}, false refusals {f(m, 'false_refusal_rate')}, "
                    f"{faithful})"
                )
        compared = (f"{len(self.regressed)} regressed, {len(self.improved)} improved"
                    if self.report["baseline"] else "no baseline")
        gated = ", ".join(self.report["gated_splits"])
        gate = (f"gate ({gated}) passed" if self.passed
                else f"gate ({gated}) FAILED ({len(self.failures)})")
        return (f"eval: {'; '.join(parts)} in {self.report['seconds']:.0f} s; {compared}; "
                f"{gate} → {self.paths.get('md', '')}")


def _split_names(eval_sets: Sequence[tuple[Path, EvalSet]]) -> list[str]:
    names: list[str] = []
    for path, eval_set in eval_sets:
        name = eval_set.split
        names.append(name if name not in names else f"{name}-{path.stem}")
    return names


def evaluate(
    assistant: Assistant,
    set_path: str | Path | Sequence[str | Path] | None = None,
    report_dir: str | Path | None = None,
    baseline: str | Path | None = None,
    progress: bool = True,
) -> EvalOutcome:
    """Run the eval set(s) (default: the dev and test splits) on the current index of
    ``assistant`` (the report's one rendition, ``index``), compare with ``baseline`` (default:
    the latest report in ``report_dir``), write the Markdown/JSON/PNG report and apply the
    gate (see :func:`evaluate_renditions`)."""
    return evaluate_renditions([Rendition(INDEX_RENDITION, assistant)], set_path, report_dir,
                               baseline, progress)


def run_rendition(rendition: Rendition, eval_set: EvalSet, where: str,
                  baseline_items: list[dict[str, Any]] | None, progress: bool) -> dict[str, Any]:
    """One set on one rendition: metrics (overall and per tag), the changes against the
    baseline's items, the thresholds broken (named by ``where``) and every item."""
    started = time.perf_counter()
    results = run_items(rendition.assistant, eval_set, progress, label=where)
    scores = [r.scores for r in results if r.scores]
    overall = metrics.summarise(scores)
    items = [r.to_dict() for r in results]
    changes = (reports.compare({"items": baseline_items}, items) if baseline_items is not None
               else {"regressed": [], "improved": []})
    overall["regressions"] = len(changes["regressed"]) if baseline_items is not None else None
    return {
        "metrics": overall, "by_tag": metrics.summarise_by_tag(scores), "changes": changes,
        "failures": threshold_failures(eval_set, overall, where),
        "seconds": round(time.perf_counter() - started, 3), "items": items,
    }


def _set_paths(set_path: str | Path | Sequence[str | Path] | None) -> list[Path]:
    if set_path is None:
        return default_set_paths()
    if isinstance(set_path, str | Path):
        return [Path(set_path)]
    return [Path(p) for p in set_path]


def evaluate_renditions(
    renditions: Sequence[Rendition],
    set_path: str | Path | Sequence[str | Path] | None = None,
    report_dir: str | Path | None = None,
    baseline: str | Path | None = None,
    progress: bool = True,
) -> EvalOutcome:
    """Run the eval set(s) (default: the dev and test splits) on every rendition, side by side,
    compare with ``baseline`` (default: the latest report in ``report_dir``), write the report
    and apply the gate: to the test split(s) (to every set run when none is a test split), each
    rendition's thresholds and the worst rendition's gap to the first one (``rendition_gap``)."""
    if not renditions:
        raise SeAssistantError("no index to evaluate; pass --corpus DIR or ingest first")
    eval_sets = [(p, load_eval_set(p)) for p in _set_paths(set_path)]
    report_dir = Path(report_dir) if report_dir else default_report_dir()
    if baseline:
        previous, previous_path = reports.load_report(Path(baseline)), Path(baseline)
    else:
        previous, previous_path = reports.previous_report(report_dir)
    has_test = any(s.split == "test" for _, s in eval_sets)

    started = time.perf_counter()
    splits: list[dict[str, Any]] = []
    gate: list[str] = []
    information: list[str] = []
    for name, (path, eval_set) in zip(_split_names(eval_sets), eval_sets, strict=True):
        gated = eval_set.split == "test" or not has_test
        runs = {
            r.name: run_rendition(
                r, eval_set, f"{name}/{r.name}",
                reports.baseline_items(previous, name, str(path), r.name,
                                       first=r is renditions[0]),
                progress,
            )
            for r in renditions
        }
        gaps = rendition_gaps(eval_set, {n: r["metrics"] for n, r in runs.items()})
        failures = [f for r in runs.values() for f in r["failures"]]
        failures += gap_failures(eval_set, gaps, name)
        (gate if gated else information).extend(failures)
        splits.append({
            "name": name, "split": eval_set.split, "eval_set": str(path),
            "description": eval_set.description, "gated": gated,
            "thresholds": {k: v.model_dump(exclude_none=True)
                           for k, v in eval_set.thresholds.items()},
            "failures": failures, "gaps": gaps, "renditions": runs,
        })
    seconds = time.perf_counter() - started

    settings = renditions[0].assistant.settings
    one_index = len(renditions) == 1 and renditions[0].corpus is None
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "settings": {
            "data_dir": str(settings.data_dir) if one_index else None,
            "embed_model": settings.embed_model,
            "top_k": settings.top_k,
            "llm_provider": settings.llm_provider,
            "llm_model": settings.llm_model,
        },
        "retrieval": RETRIEVAL_NOTE,
        "renditions": [{"name": r.name, "corpus": str(r.corpus) if r.corpus else None,
                        "ingest": r.ingest} for r in renditions],
        "gated_splits": [s["name"] for s in splits if s["gated"]],
        "baseline": {"path": str(previous_path), "created": previous.get("created")}
        if previous else None,
        "gate": {"passed": not gate, "failures": gate, "not_gated": information},
        "splits": splits,
    }
    paths = reports.write_report(report, report_dir)
    return EvalOutcome(report=report, paths=paths, failures=gate, information=information)
