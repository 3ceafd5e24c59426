"""The default answerer: picks the sentences and bullets of the retrieved passages that answer
the question and cites each one. It writes nothing a passage does not say."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from se_assistant.answering import calibration as cal
from se_assistant.answering.boilerplate import template_units
from se_assistant.answering.evidence import (
    NUMBER,
    YEAR,
    Evidence,
    as_written,
    judge,
    lists_counted,
    spells_out,
)
from se_assistant.answering.lexicon import (
    ABOUT_THE_MATERIAL,
    CONTACT_DETAIL,
    CONTACT_KINDS,
    DOCUMENT_VERBS,
    KINDS_OF,
    NAMING,
    SUBJECT_KINDS,
    SUBJECT_NOUNS,
    WHO_LISTS,
    synonyms,
)
from se_assistant.answering.parts import (
    KINDS_QUESTION,
    NTH_PART,
    ORDINALS,
    PART_QUESTION,
    outer_headings,
    parts_of,
    subjects_of,
)
from se_assistant.answering.question import QuestionInfo
from se_assistant.answering.units import Unit, split_units
from se_assistant.embedding import Encoder
from se_assistant.lexical import content_terms, fold, says, stem, words
from se_assistant.models import BREADCRUMB_SEP, Answer, Citation
from se_assistant.retrieval import Catalog, Passage
from se_assistant.subjects import clean_heading, subject_of

_LINKISH = re.compile(r"^\S*\w\.(?:[a-z]{2,}|[a-z]{2,}/\S*)$|@|^https?://")
_CREDIT_LABELS = frozenset(
    {"photo", "photos", "image", "picture", "source", "credit", "credits", "caption", "figure",
     # where to reach someone: an answer to a contact question only
     "facebook", "twitter", "linkedin", "instagram", "youtube", "website", "web", "email",
     "e-mail", "mail", "phone", "tel", "telephone", "fax", "contact"}
)
_BEFORE_PARENTHESIS = re.compile(r"([\w'’-]+)\s+([\w'’-]+)\s*\(")
_QUOTES = "\"“”„«»'‘’"
_CREDIT_TERMS = frozenset(stem(w) for w in ("photo", "picture", "image", "credit", "caption"))
_WHERE_HINTS = ("based", "located", "city", "region", "country", " in ")
_BY_AGENT = re.compile(r"\b\w+(?:ed|[-\s]up|run|set|made|done|held)\s+by\s+\w", re.IGNORECASE)
_WHO_HINTS = ("by ", "who", "partner", "involved", "launched", "set up", "set-up", "member",
              "founded", "run by")


@dataclass(eq=False)  # identity: candidates are compared with `in` on hot paths
class Candidate:
    passage: Passage
    rank: int
    unit: Unit
    semantic: float = 0.0
    evidence: float = 0.0  # how well the unit answers, ignoring rank and case focus
    score: float = 0.0
    vector: np.ndarray | None = None
    section_prefix: str = ""  # an outer heading the unit answers under (see _section_members)


class ExtractiveAnswerer:
    """Answers from passages alone; needs no language model."""

    def __init__(
        self, encoder: Encoder, catalog: Catalog, max_sentences: int = 4,
        rerank_sentences: int = 48,
    ):
        """``encoder``: unit-length vectors for questions and units (a cached one on the hot
        path); ``catalog``: the loaded index's words, idf and chunks."""
        self.encoder = encoder
        self.catalog = catalog
        self.max_sentences = max_sentences
        self.rerank_sentences = rerank_sentences
        self._template_units: frozenset[str] = frozenset()
        self._parts: dict[str, list[Passage]] = {}
        self._subjects: list[Passage] = []
        self._subject_words: frozenset[str] = frozenset()
        self._template_generation: int | None = None

    def answer(
        self, question: str, query: str, info: QuestionInfo, passages: list[Passage]
    ) -> tuple[Answer, Evidence]:
        """The answer to ``question`` from ``passages``, and the evidence for it."""
        answer, evidence, _ = self.answer_and_ranking(question, query, info, passages)
        return answer, evidence

    def answer_and_ranking(
        self, question: str, query: str, info: QuestionInfo, passages: list[Passage]
    ) -> tuple[Answer, Evidence, list[Passage]]:
        """:meth:`answer`, and the passages re-ranked by their best unit."""
        chosen, evidence, ranked = self._decide(query, info, passages)
        if not evidence.grounded:
            return refusal(question, query, ranked, evidence), evidence, ranked
        return compose(question, query, chosen), evidence, ranked

    def answer_parts(
        self, question: str, query: str, parts: list[tuple[str, QuestionInfo, list[Passage]]]
    ) -> tuple[Answer, Evidence]:
        """A question asking several things ("Who launched X, and why?"), asked as ``parts``
        (each its query, analysis and passages): the units answering each part, in one answer.
        The parts the material does not answer are left out; when it answers none, the
        refusal gives the first part's reason."""
        chosen: list[Candidate] = []
        first: tuple[Evidence, list[Passage]] | None = None
        grounded: list[Evidence] = []
        for part_query, info, passages in parts:
            # each part adds what the others did not say ("Who launched X, and why?")
            units, evidence, ranked = self._decide(part_query, info, passages, said=chosen)
            first = first or (evidence, ranked)
            if evidence.grounded:
                grounded.append(evidence)
                chosen += units
        if not grounded and first is not None:
            return refusal(question, query, first[1], first[0]), first[0]
        best = max(grounded, key=lambda e: e.best_semantic)
        return compose(question, query, chosen[: cal.MAX_LIST_UNITS]), best

    def _decide(
        self, query: str, info: QuestionInfo, passages: list[Passage],
        said: list[Candidate] | None = None,
    ) -> tuple[list[Candidate], Evidence, list[Passage]]:
        """The units that answer, the evidence whether they do, and the passages re-ranked;
        none of the units ``said`` already (nor one saying the same)."""
        info = self._in_the_material(info)
        ranked, candidates = self.rank(query, info, passages)
        if said:
            candidates = [c for c in candidates if not any(_same_fact(c, o) for o in said)]
        if not candidates:
            reason = ("no passage is about " + " and ".join(info.entities) if info.entities
                      else "nothing was retrieved")
            return [], Evidence(0.0, info.terms, True, False, reason), ranked
        chosen = self._with_named_evidence(query, info, self._choose(info, candidates))
        if info.kind != "yes_no" and chosen and _echoes(info, chosen[0]):
            # "On which day did the Day of X take place?": not the line "Day of X" said back
            # but the best other unit of its passage ("4 June 2018")
            chosen = _instead_of_echo(info, chosen, candidates)
        members = self._section_members(query, info, candidates, max(c.evidence for c in chosen))
        filed = (self._part_of_subject(info, max(c.evidence for c in chosen))
                 or self._nth_part(info, max(c.evidence for c in chosen)))
        if filed:
            chosen = filed
        elif members:
            chosen = members
        elif self._asks_for_the_subjects(info):
            chosen = self._every_subject(max(c.evidence for c in chosen)) or chosen
        best = max(chosen, key=lambda c: c.evidence)
        evidence = judge(
            info, best.evidence, self.catalog.vocabulary, [c.unit.text for c in chosen],
            best_cosine=best.semantic, idf=self.catalog.idf,
            # "Where is the photo from?": a credit line says where from
            places_named=_says_a_place(best) or (
                _asks_credit(info) and _only_links(best.unit.text, best.unit.label)
            ),
        )
        if evidence.grounded and (info.asked_noun or info.kind == "who") and all(
            _echoes(info, c) for c in chosen
        ):  # "Which commissioner opened the Day of X?" answered by "Day of X"
            evidence.grounded, evidence.reason = False, "the material only repeats the question"
        if evidence.grounded and not _about_the_named(info, chosen):
            names = as_written(info.text, info.names)
            evidence.grounded, evidence.reason = False, f"no passage says that of {names}"
        return chosen, evidence, ranked

    def _with_named_evidence(
        self, query: str, info: QuestionInfo, chosen: list[Candidate]
    ) -> list[Candidate]:
        """For a question naming its subject, the chosen units' evidence on the cosine of the
        whole question to the unit in its context (what the refusal threshold was calibrated
        on); their ranking used the cosine without the name."""
        if not info.entities:
            return chosen
        vectors = self.encoder.embed([_embedding_text(c) for c in chosen])
        named = vectors @ self.encoder.embed([info.aspect or query])[0]
        for c, sem in zip(chosen, named, strict=True):
            c.evidence += float(sem) - c.semantic
            c.semantic = float(sem)
        return chosen

    def _section_members(
        self, query: str, info: QuestionInfo, candidates: list[Candidate], best: float
    ) -> list[Candidate]:
        """"Which clusters are citizen initiatives?" when the material files them under a
        heading "I. Clusters as a result of citizen initiatives": the subjects under the
        heading that answers better than any sentence, each by its own heading line, prefixed
        with the part's heading. [] when no outer heading answers better."""
        if info.entities or not info.is_list:  # "Is there an X that ...?" asks for one
            return []
        parts = self._parts_map()
        under: dict[str, list[Candidate]] = {}
        for c in candidates:
            if c.unit.heading:
                for outer in outer_headings(c.passage.metadata):
                    under.setdefault(outer, []).append(c)
        kinds = bool(KINDS_QUESTION.search(info.text)) and len(parts) >= 2
        if kinds:  # "What kinds of X are there?": the parts, each with its first subject
            under = {h: [] for h in parts}
        if not under:
            return []
        outers = list(under)
        vectors = self.encoder.embed([clean_heading(h) for h in outers])
        closeness = vectors @ self.encoder.embed([info.aspect or query])[0]
        # what is said of the subjects ("... say they create jobs"), not what they are called
        terms = set(content_terms(info.aspect)) if info.aspect else set(info.terms) - {
            info.asked_noun
        }
        scored = [
            (float(sem) + cal.OVERLAP_WEIGHT * weighted_overlap(
                terms, set(content_terms(h)), self.catalog.idf, self.catalog.max_idf), h)
            for sem, h in zip(closeness, outers, strict=True)
        ]
        score, heading = max(scored)
        if score <= best + cal.SECTION_MARGIN and not kinds:
            return []
        members: list[Candidate] = []
        for outer in outers if kinds else [heading]:
            found = under[outer] + [
                c for p in parts.get(outer, []) if (c := _heading_candidate(p)) is not None
            ]
            for c in found[:1] if kinds else found:
                # "the founders of the French cluster": only the members in the places named
                if info.places and not _in_places(c, info.places):
                    continue
                if all(m.passage.case != c.passage.case for m in members):
                    members.append(_filed_under(c, outer, score))
        return members

    def _part_of_subject(self, info: QuestionInfo, best: float) -> list[Candidate]:
        """"In which part of the talk is X presented?": X by its heading line, prefixed with
        the heading of the part X is filed under. [] for other questions, or when X is under
        no part."""
        if len(info.entities) != 1 or not PART_QUESTION.search(info.text):
            return []
        for heading, passages in self._parts_map().items():
            for p in passages:
                if p.case == info.entities[0] and (c := _heading_candidate(p) or _first_candidate(p)):
                    # the part asked for is the answer, however the question is worded
                    return [_filed_under(c, heading, max(best, cal.MIN_SEMANTIC))]
        return []

    def _nth_part(self, info: QuestionInfo, best: float) -> list[Candidate]:
        """"What is the second type of cluster in the talk?": the second part's heading, with
        the subjects filed under it. [] for other questions, or when there is no such part."""
        match = NTH_PART.search(info.text)
        parts = self._parts_map()
        if info.entities or not match or len(parts) < 2:
            return []
        word = match.group(1) or match.group(2)
        n = len(parts) if fold(word) == "last" else ORDINALS.get(fold(word), 0)
        if not 1 <= n <= len(parts):
            return []
        heading = list(parts)[n - 1]
        # the part asked for by its place is the answer, however the question is worded
        return [_filed_under(c, heading, max(best, cal.MIN_SEMANTIC)) for p in parts[heading]
                if (c := _heading_candidate(p) or _first_candidate(p))][: cal.MAX_LIST_UNITS]

    def _in_the_material(self, info: QuestionInfo) -> QuestionInfo:
        """The question as this material reads it: "Which X ...?" asks for one of its
        subjects only when X is what subjects are called, in general English or in the words
        of the parts and names of this material ("What recognition is ... asking for?" does
        not)."""
        if not info.asks_case or not info.asked_noun:
            return info
        self._learn_index()
        if info.asked_noun in SUBJECT_KINDS or info.asked_noun in self._subject_words:
            return info
        return replace(info, asks_case=False, aspect="")

    def _asks_for_the_subjects(self, info: QuestionInfo) -> bool:
        """"List all the examples", "Which clusters does the report describe?": a list
        question in words about the material itself, or in the words its parts call their
        subjects ("clusters" under "I. Clusters started by citizens", learned per generation)."""
        if not info.is_list or info.entities or info.places or not info.terms:
            return False
        self._learn_index()
        rest = [t for t in info.terms if t not in ABOUT_THE_MATERIAL and t not in DOCUMENT_VERBS]
        return len(rest) <= 1 and all(t in self._subject_words for t in rest) and (
            len(rest) == 1 or bool(SUBJECT_NOUNS & set(info.terms))
        )

    def _every_subject(self, evidence: float) -> list[Candidate]:
        """Each subject of the material by its heading line, or the first sentence of a
        passage without one (at most ``MAX_LIST_UNITS``)."""
        found = [
            c for p in self._subjects
            if (c := _heading_candidate(p) or _first_candidate(p)) is not None
        ]
        if len(found) < 2 or len(found) > cal.MAX_LIST_UNITS:
            return []
        for c in found:
            c.evidence = max(evidence, cal.MIN_SEMANTIC)
        return found

    def rank(
        self, query: str, info: QuestionInfo, passages: list[Passage]
    ) -> tuple[list[Passage], list[Candidate]]:
        """Passages re-ranked by their best sentence for this question (the retrieval
        order breaks ties), with the scored sentences."""
        info = self._in_the_material(info)
        # only the named subjects' units are worth scoring (and embedding) for such a question
        candidates = about_subjects(info, self._candidates(passages))
        if not candidates:
            return passages, []
        candidates = self._score(query, info, candidates)
        best: dict[str, float] = {}
        for c in candidates:
            best[c.passage.node_id] = max(best.get(c.passage.node_id, -9.0), c.score)
        order = {p.node_id: i for i, p in enumerate(passages)}
        ranked = sorted(passages, key=lambda p: (-best.get(p.node_id, -9.0), order[p.node_id]))
        return ranked, candidates

    def _learn_index(self) -> None:
        """Template units and parts of the index loaded now (found once per generation; the
        state of the index is not read again on a question's path)."""
        generation = self.catalog.generation
        if self._template_generation != generation:
            passages = self.catalog.passages()
            self._template_units = template_units(passages)
            self._parts = parts_of(passages)
            self._subjects = subjects_of(passages)
            self._subject_words = frozenset(
                t for text in [*self._parts, *(str(p.metadata.get("case")) for p in self._subjects)]
                for t in content_terms(text)
            )
            self._template_generation = generation

    def _templates(self) -> frozenset[str]:
        self._learn_index()
        return self._template_units

    def _parts_map(self) -> dict[str, list[Passage]]:
        self._learn_index()
        return self._parts

    # ---- candidates and scores -----------------------------------------------------------
    @staticmethod
    def _candidates(passages: list[Passage]) -> list[Candidate]:
        """The units of the passages; a heading line only where it names a subject (it may
        say where the subject is, and says nothing else)."""
        return [
            Candidate(p, rank, unit)
            for rank, p in enumerate(passages)
            for unit in split_units(p.text, _heading_path(p))
            if not unit.heading or subject_of(unit.text) is not None
        ]

    def _score(self, query: str, info: QuestionInfo, candidates: list[Candidate]) -> list[Candidate]:
        """Score the candidates worth embedding and return them (see ``_worth_embedding``)."""
        terms = set(info.terms)
        idf, top = self.catalog.idf, self.catalog.max_idf
        overlaps: dict[int, float] = {}
        for c in candidates:
            unit_terms = set(
                content_terms(c.unit.text + " " + str(c.passage.metadata.get("section", "")))
            )
            overlaps[id(c)] = weighted_overlap(terms, unit_terms, idf, top)
        candidates = self._worth_embedding(info, candidates, overlaps)
        boilerplate = self._templates()
        # A question naming its subject is answered from that subject's units only: the name
        # tells them apart no more, and on short units it outweighs what is asked ("Who
        # launched X?" is closest to any short unit about X). So its units are ranked on the
        # question and units without the name; the evidence of the units chosen (and with it
        # the calibrated refusal threshold) gets the named cosine in `_with_named_evidence`.
        if info.entities:
            texts = [c.unit.text for c in candidates]
            asked = _without_names(query, info.entity_names)
        else:
            texts = [_embedding_text(c) for c in candidates]
            # "Which cluster organises a film festival?": every case is a cluster, so the unit
            # must match what is said of it ("organises a film festival"), not "cluster"; so
            # must "Did universities take part in any of the clusters?"
            asked = info.aspect or self._without_any_subject(query)
        vectors = self.encoder.embed(texts)
        semantic = vectors @ self.encoder.embed([asked])[0]
        unnamed = asked if info.entities else _without_names(asked, [
            w for w in re.findall(r"(?<=[\w,;:] )[A-Z][\w'’-]+", asked)
            if set(content_terms(w)) & set(info.names)])
        if unnamed != asked:
            # "What recognition is ACME asking for?": a name the model does not know can pull
            # the question away from the unit that answers it; each unit is judged on the
            # closer of the question with and without it
            semantic = np.maximum(semantic, vectors @ self.encoder.embed([unnamed])[0])
        rare_names = {t for t in set(info.names) - info.entity_terms
                      if idf.get(t, top) >= cal.RARE_NAME_IDF * top}
        for c, vec, sem in zip(candidates, vectors, semantic, strict=True):
            c.vector = vec
            c.semantic = float(sem)
            overlap = overlaps[id(c)]
            # a date or figure for when / how many; "What does REVES stand for?": the unit that
            # spells the acronym out
            c.evidence = (
                c.semantic
                + cal.OVERLAP_WEIGHT * overlap
                + (cal.TYPED_BONUS if _typed(info, c) else 0.0)
                + (cal.SPELLED_OUT_BONUS if _spells_out(info, c) else 0.0)
                + _label_bonus(info, c)
                + (cal.TYPED_BONUS if _names_asked_place(info, c) else 0.0)
                # "Which cluster works with ACME?": the model reads a rare name poorly
                + (cal.NAME_BONUS if _holds_the_names(rare_names, c) else 0.0)
                # "What was the talk called?": the opening says what the document itself is
                + _opening_bonus(info, c)
                # a credit or a bare address answers a contact question only
                - (cal.LINK_PENALTY if info.kind != "contact" and not _asks_credit(info)
                   and _only_links(c.unit.text, c.unit.label) else 0.0)
            )
            c.score = c.evidence + cal.RANK_BONUS / (1 + c.rank) + _adjust(info, c)
            if c.unit.text in boilerplate:
                c.score -= cal.BOILERPLATE_PENALTY
        return candidates

    def _without_any_subject(self, query: str) -> str:
        """The question without "(in) any/one/each of the clusters" when "clusters" is what
        subjects are called: it says every subject, and matches none better."""
        self._learn_index()

        def subjects(match: re.Match) -> str:
            noun = stem(fold(match.group(1)))
            return " " if noun in SUBJECT_KINDS or noun in self._subject_words else match.group(0)

        out = _ANY_OF_THE.sub(subjects, query)
        return " ".join(out.split()) or query

    def _worth_embedding(
        self, info: QuestionInfo, candidates: list[Candidate], overlaps: dict[int, float]
    ) -> list[Candidate]:
        """At most ``rerank_sentences`` candidates, the rest never embedded: embedding new
        sentences is most of a question's time on a big corpus. Kept first: sentences holding
        what is asked (contact details for a contact question), then sentences of the
        best-retrieved passages and sentences sharing the question's (rarer) words."""
        if len(candidates) <= self.rerank_sentences:
            return candidates
        prior = {id(c): overlaps[id(c)] + 0.5 / (1 + c.rank)
                 + (1.0 if info.kind == "contact" and _typed(info, c) else 0.0)
                 # "Who is behind this presentation?": the opening says what it is
                 + (1.0 if info.about_document and c.passage.metadata.get("opening") else 0.0)
                 for c in candidates}
        kept = set(map(id, sorted(candidates, key=lambda c: -prior[id(c)])[: self.rerank_sentences]))
        return [c for c in candidates if id(c) in kept]

    def _choose(self, info: QuestionInfo, candidates: list[Candidate]) -> list[Candidate]:
        ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
        if info.first and ranked[0].unit.bullet:  # "What does it ask for first?"
            top = ranked[0]
            return [min((c for c in candidates if c.passage is top.passage and c.unit.bullet),
                        key=lambda c: c.unit.start)]
        best = ranked[0].score
        limit = self.max_sentences if info.is_list else min(cal.SINGLE_ANSWER_UNITS, self.max_sentences)
        margin = cal.LIST_MARGIN if info.is_list else cal.SINGLE_MARGIN
        if info.is_list and len(info.entities) != 1:
            # a question across cases: the best sentence of each case first, then the rest
            per_case: dict[str, Candidate] = {}
            for c in ranked:
                per_case.setdefault(c.passage.case, c)
            leaders = [c for key, c in per_case.items() if key]
            parallel = _parallel(info, _kind_leader(ranked), leaders, ranked)
            if parallel:  # each subject's own unit of the kind that answers best
                leaders = parallel
            if info.places:  # the places named decide which cases belong in the answer
                leaders = [c for c in leaders if _in_places(c, info.places)]
            ranked = leaders + [c for c in ranked if c not in leaders]
            limit = max(limit, min(len(leaders), cal.MAX_LIST_UNITS))
        else:
            leaders, parallel = [], []
        every_detail: list[Candidate] = []
        if info.kind in ("when", "how_many", "contact"):
            typed = [c for c in ranked if _typed(info, c)]
            close = info.kind == "contact" or (typed and typed[0].score >= best - cal.TYPED_WITHIN)
            if typed and close:  # the date, figure or address asked for
                ranked = typed + [c for c in ranked if c not in typed]
                best = typed[0].score
            if typed and info.kind == "contact" and not any(
                named.search(info.text) for named, _ in CONTACT_KINDS
            ):  # "How can I reach them?": every detail the best passage gives
                every_detail = [c for c in typed if c.passage is typed[0].passage]
                limit = max(limit, min(len(every_detail), cal.MAX_LIST_UNITS))
        chosen: list[Candidate] = []
        for c in ranked:
            if len(chosen) >= limit:
                break
            # each subject named, each place, each subject's parallel unit: kept whatever its score
            exempt = info.places or parallel or len(info.entities) > 1
            if c.score < best - margin and not (c in leaders and exempt) and c not in every_detail:
                continue
            if any(_same_fact(c, o) for o in chosen):
                continue  # the same fact said twice (slide and case description)
            if any(fold(c.unit.text) in fold(o.unit.text) for o in chosen):
                continue
            chosen.append(c)
        # a list question answered by one item of a list: the whole list; a labelled bullet
        # ("Programmes: A, B, C") is a whole answer, its siblings are other attributes
        if info.is_list and chosen and chosen[0].unit.bullet and not chosen[0].unit.label:
            chosen = self._whole_list(chosen, candidates)
        if parallel and parallel[0].unit.heading and info.kind == "where" and not info.places:
            chosen = self._every_subject_too(chosen)
        first_seen = {c.passage.node_id: i for i, c in reversed(list(enumerate(chosen)))}
        return sorted(chosen, key=lambda c: (first_seen[c.passage.node_id], c.unit.start))

    def _every_subject_too(self, chosen: list[Candidate]) -> list[Candidate]:
        """"Which cities are the examples from?": every subject's heading line, retrieved or
        not (its place is in it), after those chosen."""
        self._learn_index()
        chosen = [c for i, c in enumerate(chosen)
                  if all(o.passage.case != c.passage.case for o in chosen[:i])]
        have = {c.passage.case for c in chosen}
        extra = [
            c for p in self._subjects if p.metadata.get("case") not in have
            if (c := _heading_candidate(p) or _first_candidate(p)) is not None
        ]
        return (chosen + extra)[: max(len(chosen), cal.MAX_LIST_UNITS)]

    def _whole_list(self, chosen: list[Candidate], candidates: list[Candidate]) -> list[Candidate]:
        """A list question answered by a bullet: give the bullets of that list, in order."""
        top = chosen[0]
        siblings = [c for c in candidates if c.passage is top.passage and c.unit.bullet]
        extra = [c for c in siblings if c not in chosen][: max(0, cal.MAX_LIST_UNITS - len(chosen))]
        return chosen + extra


def _filed_under(c: Candidate, heading: str, evidence: float) -> Candidate:
    """``c`` answering under the part ``heading`` it is filed in, with at least ``evidence``."""
    c.evidence = max(c.evidence, evidence)
    c.section_prefix = heading.strip().rstrip(":").rstrip()
    return c


def _same_fact(a: Candidate, b: Candidate) -> bool:
    """Whether two units say the same (a slide and a case description can): the same text,
    or vectors this close (a unit added without scoring has none)."""
    if a.unit.text == b.unit.text:
        return True
    return a.vector is not None and b.vector is not None and (
        float(a.vector @ b.vector) > cal.DUPLICATE_COSINE)


_ANY_OF_THE = re.compile(
    r"\b(?:(?:in|of|for|from|among|by)\s+)?(?:any|one|some|each|all|either|none|several)\s+of\s+"
    r"(?:the|these|those|its|their)\s+(?:[\w-]+\s+)??([\w-]+)\b",
    re.IGNORECASE,
)


def _parallel(
    info: QuestionInfo, top: Candidate, leaders: list[Candidate], ranked: list[Candidate]
) -> list[Candidate]:
    """A question across subjects answered best by a subject's heading line or labelled unit
    ("Objective: ..."): every subject's unit of that same kind, which says the same of another
    subject. [] when the best unit has no such kind or fewer than two subjects have one."""
    if not top.unit.heading and not top.unit.label:
        return []
    same: dict[str, Candidate] = {}
    for c in ranked:
        kind = (c.unit.heading, c.unit.label)
        if c.passage.case and kind == (top.unit.heading, top.unit.label) and (
            _typed(info, c) or not _typed(info, top)
        ):
            same.setdefault(c.passage.case, c)
    if len(same) < 2:
        return []
    return [same.get(c.passage.case, c) for c in leaders if c.passage.case in same]


def _opening_bonus(info: QuestionInfo, c: Candidate) -> float:
    """"Who gave the talk?": a unit of a document's opening (its title slide) says what the
    document itself is; "What was the talk called?": a quoted title there says its name."""
    if not info.about_document or not c.passage.metadata.get("opening"):
        return 0.0
    text = c.unit.text.strip()
    quoted = len(text) > 2 and text[0] in _QUOTES and text[-1] in _QUOTES
    # "Which network made it?" asks who, as "Who made it?" does
    asked = ["who"] if info.kind == "who" or info.asked_noun in KINDS_OF["who"] else [
        t for t in [*info.heads, info.asked_noun] if t in KINDS_OF
    ]
    unit_terms = {stem(w) for w in words(text)}
    return (
        cal.OPENING_BONUS
        + (cal.TITLE_BONUS if quoted and NAMING & set(info.terms) else 0.0)
        # "At which event ...?": the line naming a day or conference; "Who gave it?": a network
        + (cal.TITLE_BONUS if any(KINDS_OF[a] & unit_terms for a in asked) else 0.0)
    )


_PLACE_AFTER = re.compile(r"\b(?:in|at|from|near)\s+(?:the\s+)?[A-Z][\w'’-]+")


def _says_a_place(c: Candidate) -> bool:
    """Whether the unit names a place: one its subject's heading gives, or "in Lyon"."""
    return any(says(c.unit.text, p) for p in c.passage.places_as_written) or bool(
        _PLACE_AFTER.search(c.unit.text)
    )


def _kind_leader(ranked: list[Candidate]) -> Candidate:
    """The best unit, or a heading line or labelled unit nearly as good: what kind of unit
    answers the question."""
    for c in ranked:
        if c.score < ranked[0].score - cal.LIST_MARGIN:
            break
        if c.unit.heading or c.unit.label:
            return c
    return ranked[0]


def _spells_out(info: QuestionInfo, c: Candidate) -> bool:
    """"What does ACME stand for?": "Association of ... (ACME"; "What is meant by local
    development?": "local development (service to the local community)"."""
    if any(spells_out(a, c.unit.text) for a in info.acronyms):
        return True
    if not info.defines:
        return False
    terms = set(info.terms)
    return any(
        {stem(fold(a)), stem(fold(b))} <= terms
        for a, b in _BEFORE_PARENTHESIS.findall(c.unit.text)
    )


def _typed(info: QuestionInfo, c: Candidate) -> bool:
    """Whether the unit holds the kind of answer asked for: a date for when, a figure for
    how many."""
    if info.kind == "when":
        return bool(YEAR.search(c.unit.text))
    if info.kind == "how_many":  # a figure, or a list of what is counted ("Partners: A, B, C")
        return bool(NUMBER.search(c.unit.text)) or lists_counted(info.text, [c.unit.text])
    if info.kind == "contact":
        return bool(CONTACT_DETAIL.search(c.unit.text))
    if info.kind == "where":  # the unit says where its subject is
        return any(says(c.unit.text, p) for p in c.passage.places_as_written)
    return False


def _breadcrumb(p: Passage) -> list[str]:
    return str(p.metadata.get("breadcrumb", "")).split(BREADCRUMB_SEP)


def _heading_path(p: Passage) -> list[str]:
    """The headings above and of the passage: its breadcrumb below the document title, and
    its section (the title itself when a deck's first slide gave the document its title)."""
    return [*_breadcrumb(p)[1:], str(p.metadata.get("section", ""))]


def _about_the_named(info: QuestionInfo, chosen: list[Candidate]) -> bool:
    """"Where is ACME headquartered?" (ACME a name, not a subject of the material): an
    attribute of a named thing is answered only by a passage that names it."""
    names = set(info.names) - info.place_terms  # "the German foundation": a place's subject
    if info.entities or not names or info.kind not in ("where", "when", "how_many", "contact"):
        return True
    if info.places and all(_in_places(c, info.places) for c in chosen):
        return True
    return any(names & set(content_terms(" ".join([
        c.passage.text, str(c.passage.metadata.get("breadcrumb", "")), str(c.passage.case),
        str(c.passage.metadata.get("aliases", "")), *c.passage.places_as_written,
        *c.passage.places,
    ]))) for c in chosen)


def _first_candidate(p: Passage) -> Candidate | None:
    units = split_units(p.text, _heading_path(p))
    return Candidate(p, cal.PART_MEMBER_RANK, units[0]) if units else None


def _heading_candidate(p: Passage) -> Candidate | None:
    """The passage's heading line naming its subject, as a candidate of its own."""
    for unit in split_units(p.text, _heading_path(p)):
        if unit.heading and subject_of(unit.text) is not None:
            return Candidate(p, cal.PART_MEMBER_RANK, unit)
    return None


def _without_names(query: str, names: list[str]) -> str:
    """The question with the subject names it says taken out ("Who launched ?")."""
    out = query
    for name in sorted(names, key=len, reverse=True):
        out = re.sub(rf"(?i)\b{re.escape(name)}(?:'s|’s)?\b", " ", out)
    return " ".join(out.split()) or query


def _holds_the_names(names: set[str], c: Candidate) -> bool:
    """Whether the unit says every one of ``names`` (the question's rare names)."""
    return bool(names) and names <= set(content_terms(c.unit.text))


def _label_bonus(info: QuestionInfo, c: Candidate) -> float:
    """"Objective: ..." for "What is the aim?", "Who: ..." for a who-question: the unit's
    label means a word of the question, or is its question word; more when it means what the
    question asks for ("What are the objectives of ...?")."""
    if not c.unit.label or (info.about_document and c.passage.case):
        return 0.0  # "Which organisation is behind the talk?" is no subject's "Who:"
    label_terms = set(content_terms(c.unit.label))
    if "who" in words(c.unit.label):  # "Who: A, B and C" names the members, partners ...
        label_terms |= WHO_LISTS
    if any(synonyms(t) & label_terms for t in info.heads):
        return cal.HEAD_LABEL_BONUS
    if info.kind in words(c.unit.label) or any(synonyms(t) & label_terms for t in info.terms):
        return cal.LABEL_BONUS
    return 0.0


def _names_asked_place(info: QuestionInfo, c: Candidate) -> bool:
    """"Is there a cluster in Spain?": the unit says its subject is in a place the question
    names (in the words the material uses: "ES" for Spain)."""
    if not info.places or not (info.asks_case or info.kind == "where"):
        return False
    # "Which organisations are behind the Brussels hub?" names the place of what it asks of,
    # not the place asked about
    if info.kind != "where" and not _PLACE_ASKED.search(fold(info.text)):
        return False
    return any(says(c.unit.text, v) for vals in info.places.values() for v in vals)


_PLACE_ASKED = re.compile(r"\b(?:in|at|from|near|based|located|around)\s+(?:the\s+)?[\w-]+")


def _asks_credit(info: QuestionInfo) -> bool:
    """"Where is the photo from?": a credit line answers it."""
    return bool(set(info.terms) & _CREDIT_TERMS)


def _only_links(text: str, label: str = "") -> bool:
    """"Photo: Jane Doe", "www.example.org": a credit or an address, no statement."""
    named = re.match(r"^\W*([\w -]{1,20}):\s", text)  # "*Facebook: ...*" as well
    if fold(label or (named.group(1) if named else "")).strip() in _CREDIT_LABELS:
        return True
    value = text.split(":", 1)[1] if named else text
    return bool(value.strip()) and all(_LINKISH.search(w) for w in value.split())


def about_subjects(info: QuestionInfo, candidates: list[Candidate]) -> list[Candidate]:
    """A question naming subjects is answered only from passages about them, or from
    passages about nothing in particular that name them: another subject's facts are no
    answer."""
    if not info.entities:
        return candidates
    names = [fold(n) for n in info.entity_names]
    return [
        c for c in candidates
        if c.passage.case in info.entities
        or (not c.passage.case and any(n in fold(c.unit.text) for n in names))
    ]


def weighted_overlap(
    terms: set[str], unit_terms: set[str], idf: dict[str, float], top: float
) -> float:
    """Share of the question's terms the unit has, rare terms weighing more ("festival"
    tells more than "cluster" in a corpus about clusters); ``top`` weighs unknown terms."""
    if not terms:
        return 0.0
    weights = {t: idf.get(t, top) for t in terms}
    found = sum(
        w if t in unit_terms else cal.SYNONYM_WEIGHT * w
        for t, w in weights.items()
        if synonyms(t) & unit_terms
    )
    return found / sum(weights.values())


def _in_places(c: Candidate, places: dict[str, list[str]]) -> bool:
    named = {fold(v) for vals in places.values() for v in vals}
    return bool(named & c.passage.places)


def _embedding_text(c: Candidate) -> str:
    """The unit in its context: its subject, or its section's heading (not an opening's: its
    heading is the document's title, often only a file name)."""
    section = "" if c.passage.metadata.get("opening") else c.passage.metadata.get("section", "")
    context = c.passage.case or str(section)
    return f"{context}: {c.unit.text}" if context else c.unit.text


def _echoes(info: QuestionInfo, c: Candidate) -> bool:
    """Whether the unit says nothing but words of the question (a title the question quotes):
    no other word, no other figure, and no subject the question does not name."""
    said = set(content_terms(c.unit.text)) | set(content_terms(c.passage.case or ""))
    figures = set(re.findall(r"\d+", c.unit.text)) - set(re.findall(r"\d+", info.text))
    return bool(said) and not figures and said <= {*info.terms, *info.entity_terms}


def _instead_of_echo(
    info: QuestionInfo, chosen: list[Candidate], candidates: list[Candidate]
) -> list[Candidate]:
    """``chosen`` led by the best unit of the same passage as its first unit, which only
    repeats the question (kept after it: it says what the unit is about)."""
    echo = chosen[0]
    others = [c for c in candidates
              if c.passage is echo.passage and not _echoes(info, c) and c not in chosen]
    if not others:
        return chosen
    return [max(others, key=lambda c: c.score), *chosen]


def _adjust(info: QuestionInfo, c: Candidate) -> float:
    adj = 0.0
    case = c.passage.case
    if info.entities:
        adj += cal.FOCUS_BONUS if case in info.entities else -cal.NO_SUBJECT_PENALTY
    if info.places and not info.entities:
        if _in_places(c, info.places):
            adj += cal.PLACE_BONUS
        elif case:
            adj -= cal.PLACE_MISS_PENALTY
    text = " " + " ".join(words(c.unit.text)) + " "
    if info.kind == "where":
        places = c.passage.places_as_written
        if places and all(says(c.unit.text, p) for p in places):
            adj += cal.WHERE_FULL_BONUS
        elif any(says(c.unit.text, p) for p in places) or any(
            h in text for h in _WHERE_HINTS
        ):
            adj += cal.WHERE_HINT_BONUS
    elif info.kind == "who" and (c.unit.label == "who" or _BY_AGENT.search(c.unit.text)):
        adj += cal.WHO_AGENT_BONUS  # "Who: ...", "launched by citizens": names who does it
    elif info.kind == "who" and any(h in text for h in _WHO_HINTS):
        adj += cal.WHO_HINT_BONUS
    opening = info.about_document and c.passage.metadata.get("opening")
    if info.about_document and c.passage.case and not (info.asks_case or info.is_list):
        adj -= cal.SUBJECT_NOT_DOCUMENT_PENALTY  # "Who made this deck?" is no subject's "Who:"
    if c.unit.heading and info.kind != "where" and not _names_asked_place(info, c) and not opening:
        adj -= cal.HEADING_PENALTY
    if c.unit.text.rstrip().endswith("?"):  # the material asking, not telling
        adj -= cal.QUESTION_UNIT_PENALTY
    elif c.unit.text.rstrip().endswith("!") and info.kind != "yes_no":  # a slogan
        adj -= cal.EXCLAMATION_PENALTY
    if len(c.unit.text) < cal.SHORT_UNIT_CHARS and not _typed(info, c):
        adj -= cal.SHORT_UNIT_PENALTY
    if info.asks_case and not info.entities:
        adj += cal.ASKS_SUBJECT_BONUS if case else -cal.ASKS_SUBJECT_BONUS
    return adj


def compose(question: str, query: str, chosen: list[Candidate]) -> Answer:
    """Write the chosen units as sentences, each ending with the [n] of its passage."""
    numbers: dict[str, int] = {}
    used: dict[str, list[str]] = {}
    sentences: list[str] = []
    prefixed: set[str] = set()
    for c in chosen:
        n = numbers.setdefault(c.passage.node_id, len(numbers) + 1)
        used.setdefault(c.passage.node_id, []).append(c.unit.text.strip().rstrip(":").rstrip() or c.unit.text)
        sentences.append(f"{_sentence(c, prefixed)} [{n}]")
    passages = {c.passage.node_id: c.passage for c in chosen}
    citations = [
        to_citation(passages[node_id], n, tuple(used[node_id])) for node_id, n in numbers.items()
    ]
    return Answer(
        text=" ".join(sentences), citations=citations, grounded=True, query=query, question=question
    )


def _sentence(c: Candidate, prefixed: set[str]) -> str:
    """The unit as a sentence; a unit that does not name its passage's subject gets it as a
    prefix (once per passage: the next units of the same passage follow it)."""
    text = c.unit.text.strip()
    if c.section_prefix:
        text = text.rstrip(":").rstrip() or text
        return f"{c.section_prefix}: {text}" + ("" if text[-1] in ".!?…" else ".")
    subject = c.passage.case or ""
    names = [subject, *str(c.passage.metadata.get("aliases", "")).split(",")]
    if not c.unit.heading and c.passage.node_id not in prefixed:
        if not subject and c.unit.bullet:
            subject = clean_heading(str(c.passage.metadata.get("section", "")))
        if subject and not any(n.strip() and fold(n.strip()) in fold(text) for n in names if n):
            text = f"{subject}: {text[0].upper() + text[1:]}"
            prefixed.add(c.passage.node_id)
    text = text.rstrip(":").rstrip() or text  # a heading "Acme (Paris, FR):"
    if text.split(" ", 1)[0].isalpha():  # not "office@example.org" or "www.example.org"
        text = text[0].upper() + text[1:]
    if text[-1] not in ".!?…":
        text += "."
    return text


def more_from(question: str, previous: Answer) -> Answer | None:
    """"What else?": the units of the previous answer's passages it did not give, in order
    (a list goes on where it stopped). None when nothing is left."""
    chosen: list[Candidate] = []
    for citation in previous.citations:
        meta = {"source": citation.source, "title": citation.title, "locator": citation.locator,
                "breadcrumb": citation.breadcrumb, "origin": citation.origin,
                "section": citation.breadcrumb.split(BREADCRUMB_SEP)[-1], **citation.metadata}
        passage = Passage(citation.chunk_id, citation.quote, meta, score=citation.score)
        given = {fold(h) for h in citation.highlights}
        for unit in split_units(passage.text, _heading_path(passage)):
            if not unit.heading and fold(unit.text) not in given:
                chosen.append(Candidate(passage, 0, unit))
    if not chosen:
        return None
    # searched as the question it goes on from: "what else?" alone finds nothing
    return compose(question, previous.query, chosen[: cal.MAX_LIST_UNITS])


def to_citation(p: Passage, number: int, highlights: tuple[str, ...] = ()) -> Citation:
    meta = p.metadata
    keep = ("case", "city", "country", "region", "places", "cluster_type", "kind")
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
        origin=Citation.origin_from(meta) or str(meta.get("origin", "")),
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
        kind="refusal",
        related=[to_citation(p, i + 1) for i, p in enumerate(passages[:related])],
    )
