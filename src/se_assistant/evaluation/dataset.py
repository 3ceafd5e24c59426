"""The eval set file (YAML): loaded and validated with pydantic; a bad file is one error line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from se_assistant.errors import SeAssistantError
from se_assistant.lexical import words

# Metrics a threshold may name (the keys of the overall metrics in a report).
GATED_METRICS = (
    "hit_at_1",
    "hit_at_3",
    "mrr",
    "fact_recall",
    "citation_precision",
    "cited_sentence_share",
    "faithful_sentence_share",
    "llm_supported_share",
    "refusal_accuracy",
    "false_refusal_rate",
    "pass_rate",
    "smalltalk_clean_share",
    "latency_median",
    "latency_p95",
    "regressions",
)
# Not a metric: the largest gap allowed between the first rendition and the worst one on each
# gated share (see ``EvalSet.thresholds``).
RENDITION_GAP = "rendition_gap"
ThresholdName = Literal[(*GATED_METRICS, RENDITION_GAP)]  # type: ignore[valid-type]
Split = Literal["dev", "test"]
# Items with this tag are chat turns that are no question; they are scored for a clean reply.
SMALLTALK_TAG = "smalltalk"


class EvalSetError(SeAssistantError):
    """The eval set file is missing or malformed."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectedSource(_Strict):
    """A place the answer should come from: ``source`` relative to the corpus root and its
    ``locator`` ("slide 4", "§ Funding and capital")."""

    source: str = Field(min_length=1)
    locator: str = Field(min_length=1)

    @property
    def key(self) -> str:
        return source_key(self.source, self.locator)


class EvalItem(_Strict):
    """One question (or conversation: only the last turn is scored) and what a good answer has.

    ``facts`` are groups of alternatives: each group must appear in the answer text through at
    least one of its phrases (case- and accent-insensitive, whole words). ``evidence`` are
    fragments of the source text: a passage holding any of them is where the answer comes from,
    whatever file or format it is in (they replace ``sources`` in the metrics when given)."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    turns: list[str] = Field(min_length=1)
    reference: str = Field(min_length=1)
    sources: list[ExpectedSource] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    facts: list[list[str]] = Field(default_factory=list)
    answerable: bool = True
    tags: list[str] = Field(default_factory=list)

    @field_validator("turns")
    @classmethod
    def _turns_not_blank(cls, value: list[str]) -> list[str]:
        if any(not t.strip() for t in value):
            raise ValueError("a turn is empty")
        return value

    @field_validator("evidence")
    @classmethod
    def _evidence_has_words(cls, value: list[str]) -> list[str]:
        if any(not words(fragment) for fragment in value):
            raise ValueError("an evidence fragment has no words")
        return value

    @field_validator("facts", mode="before")
    @classmethod
    def _fact_groups(cls, value: object) -> object:
        # A bare string is a group with a single alternative.
        if isinstance(value, list):
            return [[g] if isinstance(g, str | int | float) else g for g in value]
        return value

    @field_validator("facts")
    @classmethod
    def _facts_not_blank(cls, value: list[list[str]]) -> list[list[str]]:
        if any(not group or any(not str(a).strip() for a in group) for group in value):
            raise ValueError("a fact group or alternative is empty")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> EvalItem:
        if self.answerable and not (self.sources or self.evidence):
            raise ValueError("an answerable item needs evidence or at least one expected source")
        if self.answerable and not self.facts:
            raise ValueError("an answerable item needs at least one required fact")
        if not self.answerable and self.facts:
            raise ValueError("an unanswerable item cannot require facts")
        return self

    @property
    def expected_keys(self) -> list[str]:
        return [s.key for s in self.sources]

    @property
    def smalltalk(self) -> bool:
        """A chat turn that is no question ("thanks!"): it wants a reply without citations."""
        return SMALLTALK_TAG in self.tags

    @property
    def fingerprint(self) -> str:
        """Changes when what is asked or expected changes (so old results stop comparing)."""
        fields = {"turns", "sources", "facts", "answerable"} | ({"evidence"} if self.evidence else set())
        data = self.model_dump(include=fields)
        return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


class Threshold(_Strict):
    """A gate on one metric: it must be at least ``min`` and/or at most ``max``."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Threshold:
        if self.min is None and self.max is None:
            raise ValueError("give min or max")
        return self

    def failure(self, name: str, value: float | None) -> str | None:
        """Why ``value`` fails this threshold, or None when it passes (or was not measured)."""
        if value is None:
            return None
        if self.min is not None and value < self.min:
            return f"{name} {value:.3f} < {self.min:g}"
        if self.max is not None and value > self.max:
            return f"{name} {value:.3f} > {self.max:g}"
        return None


class EvalSet(_Strict):
    """An eval set: its ``split`` (``dev`` to calibrate on, ``test`` held out and gated),
    thresholds (the gate) and items."""

    version: Literal[1] = 1
    split: Split = "dev"
    description: str = ""
    thresholds: dict[ThresholdName, Threshold] = Field(default_factory=dict)
    items: list[EvalItem] = Field(min_length=1)

    @field_validator("thresholds")
    @classmethod
    def _gap_is_a_maximum(cls, value: dict[str, Threshold]) -> dict[str, Threshold]:
        gap = value.get(RENDITION_GAP)
        if gap is not None and (gap.max is None or gap.min is not None):
            raise ValueError(f"{RENDITION_GAP} takes only max (the largest gap allowed)")
        return value

    @property
    def metric_thresholds(self) -> dict[str, Threshold]:
        """The thresholds on metrics (all but ``rendition_gap``)."""
        return {k: v for k, v in self.thresholds.items() if k != RENDITION_GAP}

    @property
    def rendition_gap(self) -> float | None:
        gap = self.thresholds.get(RENDITION_GAP)
        return gap.max if gap else None

    @model_validator(mode="after")
    def _unique_ids(self) -> EvalSet:
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise ValueError(f"item id '{item.id}' appears twice")
            seen.add(item.id)
        return self

    @property
    def tags(self) -> list[str]:
        return sorted({t for item in self.items for t in item.tags})


def source_key(source: str, locator: str) -> str:
    """One string per place, used as the id in retrieval metrics."""
    return f"{source} | {locator}"


def load_eval_set(path: str | Path) -> EvalSet:
    """Read and validate an eval set file; raises :class:`EvalSetError` with one line."""
    import yaml  # not at the top: `se-assistant --help` imports this module (yaml adds ~8 ms)

    path = Path(path)
    hint = "see evals/README.md for the format"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalSetError(f"eval set {path} not found; pass --set FILE") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(
            f"eval set {path} cannot be read ({exc}); pass a UTF-8 YAML file"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise EvalSetError(f"eval set {path}{where}: {problem}; fix the YAML ({hint})") from None
    if not isinstance(data, dict):
        raise EvalSetError(f"eval set {path} must be a mapping with 'items'; {hint}")
    try:
        return EvalSet.model_validate(data)
    except ValidationError as exc:
        raise EvalSetError(f"eval set {path}: {_describe(exc, data)}; {hint}") from None


def _describe(exc: ValidationError, data: dict) -> str:
    """The first problem as 'items[3] (id 'x').facts: message'."""
    err = exc.errors()[0]
    loc = list(err.get("loc", ()))
    parts: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]"] if parts else [f"[{part}]"]
            if i == 1 and loc[0] == "items":
                items = data.get("items") or []
                item_id = items[part].get("id") if isinstance(items[part], dict) else None
                if item_id:
                    parts[-1] += f" (id '{item_id}')"
        else:
            parts.append(str(part))
    message = err.get("msg", "invalid").removeprefix("Value error, ")
    return f"{'.'.join(parts) or 'file'}: {message}"
