"""The default answerer: picks the sentences and bullets of the retrieved passages that answer
the question and cites each one. It writes nothing a passage does not say."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from se_assistant.answering.evidence import _NUMBER, _YEAR, Evidence, judge
from se_assistant.answering.question import QuestionInfo
from se_assistant.answering.units import Unit, split_units
from se_assistant.lexical import content_terms, fold
from se_assistant.models import Answer, Citation
from se_assistant.retrieval import HybridRetriever, Passage

# Sentences about the presentation itself ("The REVES presentation presents X as ..."): they
# answer questions about cluster types, and crowd out the facts for every other question.
_META = re.compile(r"\bREVES presentation\b|\bpresentation (?:gives|lists)\b", re.IGNORECASE)
_TYPE_TERMS = frozenset(
    {"type", "kind", "categori", "categor", "promot", "public", "author", "citizen", "bottom",
     "initi", "joint", "group", "class", "classifi", "distinguish"}
)
_WHERE_HINTS = ("based", "located", "city", "region", "country", " in ")
_WHO_HINTS = (
    "by ",
    "who",
    "partner",
    "involved",
    "launched",
    "set up",
    "set-up",
    "players",
    "universit",
    "structures",
)


@dataclass(eq=False)  # identity: candidates are compared with `in` on hot paths
class Candidate:
    passage: Passage
    rank: int
    unit: Unit
    semantic: float = 0.0
    evidence: float = 0.0  # how well the unit answers, ignoring rank and case focus
    score: float = 0.0
    vector: np.ndarray | None = None


class ExtractiveAnswerer:
    """Answers from passages alone; needs no language model."""

    def __init__(
        self, retriever: HybridRetriever, max_sentences: int = 4, rerank_sentences: int = 48
    ):
        self.retriever = retriever
        self.max_sentences = max_sentences
        self.rerank_sentences = rerank_sentences

    def answer(
        self, question: str, query: str, info: QuestionInfo, passages: list[Passage]
    ) -> tuple[Answer, Evidence]:
        ranked, candidates = self.rank(query, info, passages)
        if not candidates:
            evidence = Evidence(0.0, info.terms, True, False, "nothing was retrieved")
            return refusal(question, query, ranked, evidence), evidence
        chosen = self._choose(info, candidates)
        best_semantic = max(c.evidence for c in chosen)
        evidence = judge(
            info, best_semantic, self.retriever.vocabulary, [c.unit.text for c in chosen]
        )
        if not evidence.grounded:
            return refusal(question, query, ranked, evidence), evidence
        return compose(question, query, chosen), evidence

    def rank(
        self, query: str, info: QuestionInfo, passages: list[Passage]
    ) -> tuple[list[Passage], list[Candidate]]:
        """Passages re-ranked by their best sentence for this question (the retrieval
        order breaks ties), with the scored sentences."""
        candidates = self._candidates(passages)
        if not candidates:
            return passages, []
        candidates = self._score(query, info, candidates)
        best: dict[str, float] = {}
        for c in candidates:
            best[c.passage.node_id] = max(best.get(c.passage.node_id, -9.0), c.score)
        order = {p.node_id: i for i, p in enumerate(passages)}
        ranked = sorted(passages, key=lambda p: (-best.get(p.node_id, -9.0), order[p.node_id]))
        return ranked, candidates

    # ---- candidates and scores -----------------------------------------------------------
    @staticmethod
    def _candidates(passages: list[Passage]) -> list[Candidate]:
        return [
            Candidate(p, rank, unit)
            for rank, p in enumerate(passages)
            for unit in split_units(p.text)
        ]

    def _score(self, query: str, info: QuestionInfo, candidates: list[Candidate]) -> list[Candidate]:
        """Score the candidates worth embedding and return them (see ``_worth_embedding``)."""
        terms = set(info.terms)
        idf, top = self.retriever.idf, self.retriever.max_idf
        overlaps: dict[int, float] = {}
        for c in candidates:
            unit_terms = set(
                content_terms(c.unit.text + " " + str(c.passage.metadata.get("section", "")))
            )
            overlaps[id(c)] = _weighted_overlap(terms, unit_terms, idf, top)
        candidates = self._worth_embedding(candidates, overlaps)
        vectors = self.retriever.embed([_embedding_text(c) for c in candidates])
        # "Which cluster organises a film festival?": every case is a cluster, so the sentence
        # must match what is said of it ("organises a film festival"), not the word "cluster"
        q = self.retriever.embed_query(info.aspect or query)
        semantic = vectors @ q
        for c, vec, sem in zip(candidates, vectors, semantic, strict=True):
            c.vector = vec
            c.semantic = float(sem)
            overlap = overlaps[id(c)]
            # a date or figure for when / how many; "What does REVES stand for?": the unit that
            # spells the acronym out
            c.evidence = c.semantic + 0.35 * overlap + (0.3 if _typed(info, c) else 0.0)
            if _spells_out(info, c):
                c.evidence += 0.5
            c.score = c.evidence + 0.03 / (1 + c.rank) + _adjust(info, c)
        return candidates

    def _worth_embedding(
        self, candidates: list[Candidate], overlaps: dict[int, float]
    ) -> list[Candidate]:
        """At most ``rerank_sentences`` candidates, the rest never embedded: embedding new
        sentences is most of a question's time on a big corpus. Kept first: sentences of the
        best-retrieved passages and sentences sharing the question's (rarer) words."""
        if len(candidates) <= self.rerank_sentences:
            return candidates
        prior = {id(c): overlaps[id(c)] + 0.5 / (1 + c.rank) for c in candidates}
        kept = set(map(id, sorted(candidates, key=lambda c: -prior[id(c)])[: self.rerank_sentences]))
        return [c for c in candidates if id(c) in kept]

    def _choose(self, info: QuestionInfo, candidates: list[Candidate]) -> list[Candidate]:
        ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
        best = ranked[0].score
        limit = self.max_sentences if info.is_list else min(2, self.max_sentences)
        margin = 0.12 if info.is_list else 0.05
        if info.is_list and len(info.entities) != 1:
            # a question across cases: the best sentence of each case first, then the rest
            per_case: dict[str, Candidate] = {}
            for c in ranked:
                per_case.setdefault(c.passage.case, c)
            leaders = [c for key, c in per_case.items() if key]
            if info.places:  # the places named decide which cases belong in the answer
                leaders = [c for c in leaders if _in_places(c, info.places)]
            ranked = leaders + [c for c in ranked if c not in leaders]
            limit = max(limit, min(len(leaders), 6))
        else:
            leaders = []
        if info.kind in ("when", "how_many"):
            typed = [c for c in ranked if _typed(info, c)]
            if typed and typed[0].score >= best - 0.2:  # the sentence with the date or figure
                ranked = typed + [c for c in ranked if c not in typed]
                best = typed[0].score
        chosen: list[Candidate] = []
        for c in ranked:
            if len(chosen) >= limit:
                break
            if c.score < best - margin and not (c in leaders and info.places):
                continue
            if any(float(c.vector @ o.vector) > 0.86 for o in chosen):
                continue  # the same fact said twice (slide and case description)
            if any(fold(c.unit.text) in fold(o.unit.text) for o in chosen):
                continue
            chosen.append(c)
        if info.is_list and chosen and chosen[0].unit.bullet:
            chosen = self._whole_list(chosen, candidates)
        first_seen = {c.passage.node_id: i for i, c in reversed(list(enumerate(chosen)))}
        return sorted(chosen, key=lambda c: (first_seen[c.passage.node_id], c.unit.start))

    def _whole_list(self, chosen: list[Candidate], candidates: list[Candidate]) -> list[Candidate]:
        """A list question answered by a bullet: give the bullets of that list, in order."""
        top = chosen[0]
        siblings = [c for c in candidates if c.passage is top.passage and c.unit.bullet]
        extra = [c for c in siblings if c not in chosen][: max(0, 6 - len(chosen))]
        return chosen + extra


def _spells_out(info: QuestionInfo, c: Candidate) -> bool:
    return any(re.search(rf"\(\s*{re.escape(a)}\b", c.unit.text) for a in info.acronyms)


def _typed(info: QuestionInfo, c: Candidate) -> bool:
    """Whether the unit holds the kind of answer asked for: a date for when, a figure for
    how many."""
    if info.kind == "when":
        return bool(_YEAR.search(c.unit.text))
    if info.kind == "how_many":
        return bool(_NUMBER.search(c.unit.text))
    return False


def _weighted_overlap(
    terms: set[str], unit_terms: set[str], idf: dict[str, float], top: float
) -> float:
    """Share of the question's terms the unit has, rare terms weighing more ("festival"
    tells more than "cluster" in a corpus about clusters); ``top`` weighs unknown terms."""
    if not terms:
        return 0.0
    weights = {t: idf.get(t, top) for t in terms}
    return sum(w for t, w in weights.items() if t in unit_terms) / sum(weights.values())


def _in_places(c: Candidate, places: dict[str, list[str]]) -> bool:
    return any(str(c.passage.metadata.get(k, "")) in vals for k, vals in places.items())


def _embedding_text(c: Candidate) -> str:
    context = c.passage.case or str(c.passage.metadata.get("section", ""))
    return f"{context}: {c.unit.text}" if context else c.unit.text


def _adjust(info: QuestionInfo, c: Candidate) -> float:
    adj = 0.0
    case = c.passage.case
    if info.entities:
        if case in info.entities:
            adj += 0.08
        elif case:
            adj -= 0.25
        else:
            adj -= 0.10
    if info.places and not info.entities:
        meta = c.passage.metadata
        if any(str(meta.get(k, "")) in vals for k, vals in info.places.items()):
            adj += 0.08
        elif case:
            adj -= 0.15
    text = " " + fold(c.unit.text) + " "
    if info.kind == "where":
        meta = c.passage.metadata
        town = fold(str(meta.get("city") or meta.get("region") or ""))
        country = fold(str(meta.get("country", "")))
        if town and town in text and country and country in text:
            adj += 0.2
        elif (town and town in text) or any(h in text for h in _WHERE_HINTS):
            adj += 0.05
    elif info.kind == "who" and any(h in text for h in _WHO_HINTS):
        adj += 0.05
    if len(c.unit.text) < 12 and not _typed(info, c):
        adj -= 0.1
    if info.asks_case and not info.entities:
        adj += 0.1 if case else -0.1
    if _META.search(c.unit.text) and not (set(info.terms) & _TYPE_TERMS):
        adj -= 0.15
    return adj


def compose(question: str, query: str, chosen: list[Candidate]) -> Answer:
    """Write the chosen units as sentences, each ending with the [n] of its passage."""
    numbers: dict[str, int] = {}
    used: dict[str, list[str]] = {}
    sentences: list[str] = []
    prefixed: set[str] = set()
    for c in chosen:
        n = numbers.setdefault(c.passage.node_id, len(numbers) + 1)
        used.setdefault(c.passage.node_id, []).append(c.unit.text)
        sentences.append(f"{_sentence(c, prefixed)} [{n}]")
    passages = {c.passage.node_id: c.passage for c in chosen}
    citations = [
        to_citation(passages[node_id], n, tuple(used[node_id])) for node_id, n in numbers.items()
    ]
    return Answer(
        text=" ".join(sentences), citations=citations, grounded=True, query=query, question=question
    )


def _sentence(c: Candidate, prefixed: set[str]) -> str:
    """The unit as a sentence; a bullet that does not name its subject gets it as a prefix
    (once per passage: the next bullets of the same list follow it)."""
    text = c.unit.text.strip()
    subject = c.passage.case or ""
    names = [subject, *str(c.passage.metadata.get("aliases", "")).split(",")]
    if c.unit.bullet and c.passage.node_id not in prefixed:
        if not subject:
            subject = str(c.passage.metadata.get("section", ""))
        if subject and not any(n.strip() and fold(n.strip()) in fold(text) for n in names if n):
            text = f"{subject}: {text[0].upper() + text[1:]}"
            prefixed.add(c.passage.node_id)
    text = text[0].upper() + text[1:]
    if text[-1] not in ".!?…":
        text += "."
    return text


def to_citation(p: Passage, number: int, highlights: tuple[str, ...] = ()) -> Citation:
    meta = p.metadata
    keep = ("case", "city", "country", "region", "cluster_type", "kind")
    return Citation(
        number=number,
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        locator=str(meta.get("locator", "")),
        quote=p.text,
        score=round(float(p.dense if p.dense is not None else p.score), 4),
        breadcrumb=str(meta.get("breadcrumb", "")),
        highlights=highlights,
        chunk_id=p.node_id,
        metadata={k: str(meta[k]) for k in keep if meta.get(k)},
        origin=Citation.origin_from(meta),
    )


def refusal(
    question: str, query: str, passages: list[Passage], evidence: Evidence, related: int = 3
) -> Answer:
    """Say plainly that the material does not answer, and keep the closest passages."""
    detail = f" ({evidence.reason})" if evidence.reason else ""
    text = (
        f"The material does not answer this question{detail}. "
        "The closest passages are listed as related sources."
        if passages
        else f"The material does not answer this question{detail}."
    )
    return Answer(
        text=text,
        citations=[],
        grounded=False,
        query=query,
        question=question,
        related=[to_citation(p, i + 1) for i, p in enumerate(passages[:related])],
    )
