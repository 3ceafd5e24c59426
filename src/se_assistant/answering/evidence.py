"""Does the material answer the question? Decided from evidence: how close the best sentence
is, whether the question's topic words exist in the material at all, and whether the kind of
answer asked for (a date, a number) is there. Thresholds calibrated on evals/questions.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from se_assistant.answering.question import QuestionInfo
from se_assistant.lexical import QUESTION_WORDS, fold, stem, words

# Calibrated on evals/questions.yaml. The score is the best chosen sentence's evidence
# (cosine to the question + weighted term overlap + answer-type bonus): below MIN it is
# unrelated (weather 0.35, Python 0.25; lowest answerable 0.37); at or above SURE it answers
# even when the question names something the material never mentions (mayor 0.59, turnover 0.63).
MIN_SEMANTIC = 0.36
SURE_SEMANTIC = 0.70
# What users call things the material names otherwise (question vocabulary, not corpus facts).
QUESTION_SYNONYMS = frozenset({"goal", "aim", "purpos", "mission", "target", "intent"})
_YEAR = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b(january|february|march|april|may|june|july|"
    r"august|september|october|november|december)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twenty|hundred|"
    r"thousand|million|dozen)\b",
    re.IGNORECASE,
)


@dataclass
class Evidence:
    """The facts behind a grounded/refused decision, kept for evals and debugging."""

    best_semantic: float
    unknown_terms: list[str] = field(default_factory=list)
    answer_type_found: bool = True
    grounded: bool = False
    reason: str = ""


def judge(
    info: QuestionInfo, best_semantic: float, vocabulary: frozenset[str], chosen_texts: list[str]
) -> Evidence:
    # Only unknown head nouns ("the mayor of ...") mark a topic the material lacks; other
    # unknown words are usually paraphrase ("What does REVES stand for?").
    unknown = [
        t for t in info.terms
        if t not in vocabulary and t not in QUESTION_SYNONYMS and (t in info.heads or t in info.names)
    ]
    type_found = True
    if info.kind == "when":
        type_found = any(_YEAR.search(t) for t in chosen_texts)
    elif info.kind == "how_many":
        type_found = any(_NUMBER.search(t) for t in chosen_texts) or _lists_counted(
            info.text, chosen_texts
        )
    evidence = Evidence(best_semantic, unknown, type_found)
    if not info.terms and not info.entities:
        evidence.reason = "the question has no words the material could answer"
    elif not type_found:
        evidence.reason = "the material gives no " + ("date" if info.kind == "when" else "figure")
    elif unknown_names := [t for t in unknown if t in info.names]:
        evidence.reason = "the material never mentions " + _as_written(info.text, unknown_names)
    elif best_semantic < MIN_SEMANTIC:
        evidence.reason = "no passage is close to the question"
    elif unknown and best_semantic < SURE_SEMANTIC:
        evidence.reason = "the material never mentions " + _as_written(info.text, unknown)
    else:
        evidence.grounded = True
    return evidence


def _as_written(question: str, stems: list[str]) -> str:
    """The question's own words for some stems: 'Lisbon' rather than 'lisbon'."""
    found: dict[str, str] = {}
    for raw in re.findall(r"[\w'’-]+", question):
        for w in words(raw):
            if w not in QUESTION_WORDS and stem(w) in stems:
                found.setdefault(stem(w), raw)
    return ", ".join(f"“{found.get(s, s)}”" for s in stems)


_COUNTED = re.compile(r"\bhow\s+many\s+([\w-]+)", re.IGNORECASE)


def _lists_counted(question: str, texts: list[str]) -> bool:
    """"How many programmes …?" with no figure in the material, but a sentence that lists the
    programmes: the list answers it (the reader counts), where a missing budget does not."""
    match = _COUNTED.search(question)
    if not match:
        return False
    counted = stem(fold(match.group(1)))
    return any(
        counted in {stem(w) for w in words(t)} and (t.count(",") >= 2 or " and " in t)
        for t in texts
    )
