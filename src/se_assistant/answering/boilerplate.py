"""Units written from one template for several subjects ("The report presents X as a case of
type I", "The report presents Y as a case of type I"): their words, less the subject's names,
recur in units about other subjects. They say little about any one question and crowd out the
facts, so the answerer weighs them down. Found once per index generation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from se_assistant.answering import calibration as cal
from se_assistant.answering.units import split_units
from se_assistant.lexical import content_terms


def template_units(passages: Iterable) -> frozenset[str]:
    """Texts of the units that share a template with units about other subjects. Indexes
    over ``cal.BOILERPLATE_MAX_UNITS`` units are not searched (the pairing grows with the
    square of a term's frequency)."""
    shapes: list[tuple[str, str, frozenset[str]]] = []
    for p in passages:
        case = str(p.metadata.get("case", ""))
        if not case:
            continue
        names = set(content_terms(case + " " + str(p.metadata.get("aliases", ""))))
        for unit in split_units(p.text):
            terms = frozenset(t for t in content_terms(unit.text) if t not in names)
            if len(terms) >= cal.BOILERPLATE_MIN_TERMS:
                shapes.append((unit.text, case, terms))
        if len(shapes) > cal.BOILERPLATE_MAX_UNITS:
            return frozenset()
    by_term: dict[str, list[int]] = defaultdict(list)
    for index, (_, _, terms) in enumerate(shapes):
        for term in terms:
            by_term[term].append(index)
    # a term in very many units is a word of the corpus, not of a template: pairing on it would
    # grow with the square of its frequency, so templates are found on the other terms
    common = {t for t, units in by_term.items() if len(units) > cal.BOILERPLATE_MAX_POSTINGS}
    if common:
        shapes = [(text, case, terms - common) for text, case, terms in shapes]
        for term in common:
            del by_term[term]
    found: set[str] = set()
    for index, (text, case, terms) in enumerate(shapes):
        if len(terms) < cal.BOILERPLATE_MIN_TERMS:
            continue
        shared: dict[int, int] = defaultdict(int)
        for term in terms:
            for other in by_term[term]:
                if other != index:
                    shared[other] += 1
        subjects = {
            shapes[other][1]
            for other, count in shared.items()
            if shapes[other][1] != case
            and count / len(terms | shapes[other][2]) >= cal.BOILERPLATE_JACCARD
        }
        if len(subjects) >= cal.BOILERPLATE_SUBJECTS:
            found.add(text)
    return frozenset(found)
