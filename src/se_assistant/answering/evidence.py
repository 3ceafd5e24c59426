"""Does the material answer the question? Decided from evidence: how close the best sentence
is, whether the question's topic words exist in the material at all, and whether what the
question asks for is there: a date about the event asked of ("when was X founded" needs a
founding), a figure, contact details. Thresholds: :mod:`se_assistant.answering.calibration`."""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

from se_assistant.answering.calibration import (
    ACRONYM_INITIALS,
    COUNTED_WINDOW,
    MIN_SEMANTIC,
    MOSTLY_UNKNOWN_COSINE,
    MOSTLY_UNKNOWN_SHARE,
)
from se_assistant.answering.lexicon import (
    ABOUT_THE_MATERIAL,
    ASKS_OPINION,
    AUXILIARIES,
    CONTACT_DETAIL,
    CONTACT_KINDS,
    CONTACT_NOUNS,
    FOUNDING,
    GENERAL_NOUNS,
    ORGANISATION_OR_EVENT,
    PLACE_NOUNS,
    TIME_NOUNS,
    WHO_LISTS,
    synonyms,
)
from se_assistant.answering.question import QuestionInfo
from se_assistant.lexical import QUESTION_WORDS, content_terms, fold, same_word, stem, words

_YEAR_NUMBER = r"\b(?:1[89]|20)\d\d\b"
YEAR = re.compile(
    rf"({_YEAR_NUMBER})|\b(january|february|march|april|may|june|july|"
    r"august|september|october|november|december)\b",
    re.IGNORECASE,
)
NUMBER = re.compile(
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
    info: QuestionInfo,
    best_semantic: float,
    vocabulary: frozenset[str],
    chosen_texts: list[str],
    best_cosine: float | None = None,
    idf: dict[str, float] | None = None,
    places_named: bool = True,
) -> Evidence:
    """Answer or refuse. ``best_semantic`` is the best chosen unit's evidence, ``best_cosine``
    its plain cosine to the question (``best_semantic`` when not given); ``idf`` weighs the
    question's words (a word the material never uses weighs most); ``places_named`` says
    whether a chosen unit names a place (what a where-question needs)."""
    known = {t for t in info.terms if synonyms(t) & vocabulary or _inflected_in(t, vocabulary)}
    strange = [
        t for t in info.terms
        if t not in known
        and t not in info.place_terms
        and not _other_choice_known(info.text, t, known)
        and t not in ABOUT_THE_MATERIAL
        and t not in GENERAL_NOUNS
        and not (info.kind == "contact" and t in CONTACT_NOUNS)
        and not (info.kind == "where" and t in PLACE_NOUNS)
        and not (info.kind == "when" and t in TIME_NOUNS)
    ]
    # Unknown head nouns ("the mayor of ...") and names mark a topic the material lacks; other
    # unknown words are usually paraphrase ("What does REVES stand for?"), unless they are
    # most of the question and no unit is really close ("What do clusters eat for breakfast?")
    unknown = [t for t in strange if t in info.heads or t in info.names]
    if info.kind == "yes_no" and info.entities:
        # "Is the University of Palermo a partner of Acme?": what the material says of Acme's
        # partners answers it (no), though it never names Palermo
        unknown = [t for t in unknown if t not in info.names or t in info.heads]
    cosine = best_semantic if best_cosine is None else best_cosine
    weights = {t: (idf or {}).get(t, max((idf or {1: 1.0}).values())) for t in info.terms}
    share = sum(weights[t] for t in strange) / (sum(weights.values()) or 1.0)
    if not unknown and strange and share >= MOSTLY_UNKNOWN_SHARE and cosine < MOSTLY_UNKNOWN_COSINE:
        unknown = strange
    type_found, missing = True, ""
    if info.kind == "when":
        dated = [t for t in chosen_texts if YEAR.search(t)]
        if not info.entities and not info.about_document:
            # "When does the festival take place?": a date of something the question names,
            # not the only date at hand (the units of a named subject are all about it)
            dated = [t for t in dated if set(content_terms(t)) & set(info.terms)]
        type_found = bool(dated)
        missing = "date"
        founding = FOUNDING & set(info.terms)
        if dated and founding:  # "when was X founded": the date must be of a founding
            type_found = any(FOUNDING & set(content_terms(t)) for t in dated)
            missing = "date of its founding"
    elif info.kind == "how_many":
        # "How many people live in X?": a figure counts only what the sentence says it counts
        counted = _counted(info.text)
        if MONEY_QUESTION.search(info.text):  # "How much does it cost?": an amount of money
            type_found = any(MONEY.search(t) for t in chosen_texts)
            missing = "amount of money"
        else:
            # "How long did the talk on 4 June 2018 last?": the question's own figures are no answer
            own = set(re.findall(r"\d+", info.text))
            figures = [re.sub(r"\d+", lambda m: m.group() if m.group() not in own else " ", t)
                       for t in chosen_texts]
            type_found = any(_counts(t, counted) for t in figures) or lists_counted(
                info.text, chosen_texts
            )
            missing = "figure" + (f" of {_COUNTED.search(info.text).group(1)}" if counted else "")
    elif info.kind == "where":  # "Where was it held?": the answer names a place
        type_found = places_named
        missing = "place"
    elif info.kind == "contact":
        # "What's their phone number?" is not answered by an e-mail address
        asked = [detail for named, detail in CONTACT_KINDS if named.search(info.text)]
        type_found = any(
            any(d.search(t) for d in asked) if asked else CONTACT_DETAIL.search(t)
            for t in chosen_texts
        )
        missing = "contact details" + (f" for {' and '.join(info.entities)}" if info.entities else "")
    if type_found and info.defines and info.acronyms:  # "What does ACME stand for?"
        strict = bool(_EXPANSION_ASKED.search(info.text))
        unspelled = [a for a in info.acronyms
                     if not any(spells_out(a, t, strict) for t in chosen_texts)]
        type_found, missing = not unspelled, "meaning of " + " and ".join(unspelled)
    if type_found and (bound := _YEAR_BOUND.search(info.text)):
        # "after 2018": the material must date something after it, not merely mention 2018
        year, later = int(bound.group(2)), bound.group(1).lower() != "before"
        years = [int(y) for t in chosen_texts for y in re.findall(_YEAR_NUMBER, t)]
        type_found = any((y > year or (y == year and bound.group(1).lower() == "since"))
                         if later else y < year for y in years)
        missing = f"date {bound.group(1).lower()} {year}"
    if type_found and not info.about_document and (thing := _named_thing(info.text)):
        # "What are the names of the cinemas?": "cinemas, concert halls" names none of them
        type_found = any(_named_near(t, thing, info.text) for t in chosen_texts)
        missing = f"name of the {thing}"
    if type_found and (info.kind == "who" or NAME_WORD.search(info.text)) and PERSON_ASKED.search(
        info.text
    ):  # "Who was the speaker?", "the speaker's name": a person, not the organisation
        type_found = any(names_a_person(t) for t in chosen_texts)
        missing = "name of a person"
    if type_found and (superlative := SUPERLATIVE.search(info.text)) and not any(
        SUPERLATIVE.search(t) for t in chosen_texts
    ):  # "Which cluster is the most successful?": the material must rank them itself
        type_found, missing = False, f"ranking by {superlative.group(0).lower()}"
    if type_found and PRESENT.search(info.text) and not any(
        YEAR.search(t) or PRESENT.search(t) for t in chosen_texts
    ):  # "Is it still running today?": material says nothing of now unless it dates itself
        type_found, missing = False, "statement about the present"
    evidence = Evidence(best_semantic, unknown, type_found)
    if not info.terms and not info.entities:
        evidence.reason = "the question has no words the material could answer"
    elif ASKS_OPINION.search(info.text):
        evidence.reason = "the question asks for an opinion; the material holds only its own"
    elif not type_found:
        evidence.reason = f"the material gives no {missing}"
    elif unknown:  # "the mayor of X", "the weather in X": a thing the material never names
        evidence.reason = "the material never mentions " + as_written(info.text, unknown)
    elif best_semantic < MIN_SEMANTIC:
        evidence.reason = "no passage is close to the question"
    else:
        evidence.grounded = True
    return evidence


def _inflected_in(term: str, vocabulary: frozenset[str]) -> bool:
    """Whether the material has another form of ``term`` that stemming keeps apart: "east" and
    "eastern", "belgian" and "belgium"."""
    if len(term) < 4:
        return False
    ordered = _sorted(vocabulary)
    at = bisect.bisect_left(ordered, term[:4])
    for word in ordered[at:]:
        if not word.startswith(term[:4]):
            break
        if same_word(term, word):
            return True
    return False


@functools.lru_cache(maxsize=4)
def _sorted(vocabulary: frozenset[str]) -> list[str]:
    return sorted(vocabulary)


_CHOICE = re.compile(
    r"([\w'’-]+)\s+or\s+(?:(?:in|at|on|from|to|by|for|with)\s+)?(?:the\s+|an?\s+)?([\w'’-]+)",
    re.IGNORECASE,
)


def _other_choice_known(question: str, term: str, known: set[str]) -> bool:
    """"Was it in East or West Berlin?": one side of a choice may be what the material never
    says, when it says the other."""
    for left, right in _CHOICE.findall(question):
        sides = [set(content_terms(left)), set(content_terms(right))]
        for this, other in (sides, sides[::-1]):
            if term in this and other & known:
                return True
    return False


def as_written(question: str, stems: list[str]) -> str:
    """The question's own words for some stems: 'Lisbon' rather than 'lisbon'."""
    found: dict[str, str] = {}
    for raw in re.findall(r"[\w'’-]+", question):
        for w in words(raw):
            if w not in QUESTION_WORDS and stem(w) in stems:
                found.setdefault(stem(w), raw)
    return ", ".join(f"“{found.get(s, s)}”" for s in stems)


# a question about an amount of money, and what answers it
MONEY_QUESTION = re.compile(
    r"\b(?:cost|costs|price|prices|fee|fees|budget|turnover|revenue|salary|pay|paid|spend|"
    r"spent|afford)\b|\bhow\s+much\s+(?:money|funding|capital)\b", re.IGNORECASE
)
MONEY = re.compile(
    r"[€$£]\s?\d|\d\s?(?:€|\$|£)|\b\d[\d.,]*\s?(?:k|m|bn|million|billion|thousand)?\s?"
    r"(?:eur|euros?|usd|dollars?|pounds?|gbp|chf|francs?)\b", re.IGNORECASE
)
# "What does X stand for?" asks the words X is made of, not what X is
_EXPANSION_ASKED = re.compile(
    r"\bstands?\s+for\b|\bacronym\b|\babbreviat\w*|\bfull\s+name\b", re.IGNORECASE
)
# "after 2018", "since 2010", "before 2000": a date on one side of a year
_NAME_ASKED = re.compile(
    r"\bnames?\s+of\s+(?:the|a|an|this|that|these|those|its|their|his|her)\s+([\w\s-]+)", re.I
)
_NOUN_PHRASE_END = re.compile(
    r"\s+(?:in|of|at|from|for|with|on|by|that|which|who|whom|where|is|are|was|were|does|do|did|"
    r"has|have|had|can|could|will|would|took|take|takes|[a-z]+ed)\b.*", re.I
)
# a proper name: a capitalised word or an acronym
_PROPER = re.compile(r"^(?:[A-Z][\w'’-]*|[A-Z0-9-]{2,})$")
NAME_WINDOW = 3  # words either side of the thing whose name is asked


def _named_thing(question: str) -> str:
    """What "the name(s) of the X" asks to name: the last word of X ("the old brewery")."""
    match = _NAME_ASKED.search(question)
    if not match:
        return ""
    # at most an adjective and its noun: "the old brewery (Acme took over)"
    phrase = _NOUN_PHRASE_END.sub("", match.group(1)).split()[:2]
    return phrase[-1].lower() if phrase else ""


def _named_near(text: str, thing: str, question: str) -> bool:
    """Whether ``text`` gives a proper name the question does not near a word for ``thing``
    ("two universities (Messina and Reggio Calabria)", "the SEEDS programme")."""
    tokens = re.findall(r"[\w'’-]+", text)
    asked, wanted = set(content_terms(question)), stem(thing)
    for i, token in enumerate(tokens):
        form = stem(fold(token))
        if form != wanted and not same_word(form, wanted):
            continue
        window = tokens[max(0, i - NAME_WINDOW): i] + tokens[i + 1: i + 1 + NAME_WINDOW]
        if any(_PROPER.match(w) and stem(fold(w)) not in asked for w in window):
            return True
    return False


PERSON_ASKED = re.compile(
    r"\b(?:speaker|presenter|person|director|president|chair(?:man|woman|person)?|ceo|manager|"
    r"mayor|minister|commissioner|spokes(?:man|woman|person))(?:'s|’s)?\b|"
    # "Who gave the talk for ACME?": someone on behalf of the organisation, not the organisation
    r"\bwho\s+(?:gave|presented|delivered|spoke|held)\b.*\b(?:for|on\s+behalf\s+of|representing)\s",
    re.IGNORECASE,
)
SUPERLATIVE = re.compile(
    r"\b(?:most|least)\s+(?!of\b)[a-z]{4,}|\b(?:best|worst|biggest|largest|smallest|oldest|newest|"
    r"youngest|greatest|highest|lowest|strongest|weakest)\b",
    re.IGNORECASE,
)
NAME_WORD = re.compile(r"\bnames?\b", re.IGNORECASE)
# a run of capitalised words, joined by the small words names hold ("Network of Cities and ...")
_CAPITALISED_RUN = re.compile(
    r"[A-Z][\w'’.-]*(?:\s+(?:(?:of|and|for|the|de|di|del|la|le|von|van)\s+)*[A-Z][\w'’.-]*)+"
)


def names_a_person(text: str) -> bool:
    """Whether ``text`` gives a name that may be a person's: two or more capitalised words
    ("Ivan Miró"), none of them a word for an organisation or an event ("European Network of
    Cities", "European Day of ...")."""
    for run in _CAPITALISED_RUN.findall(text):
        parts = [w for w in run.split() if w[:1].isupper()]
        if not any(w.isupper() and len(w) > 1 for w in parts) and not any(
            stem(fold(w)) in ORGANISATION_OR_EVENT for w in parts
        ):
            return True
    return False


_YEAR_BOUND = re.compile(rf"\b(after|since|before)\s+({_YEAR_NUMBER})", re.IGNORECASE)


def spells_out(acronym: str, text: str, strict: bool = False) -> bool:
    """Whether ``text`` gives what ``acronym`` stands for: "Full Name of It (ACME)" or
    "ACME (full name of it)", not a bare list of acronyms ("(ACME, XYZ)"). ``strict``: the
    full name's initials must hold most of the acronym's letters ("ACME (a social
    cooperative)" describes ACME; it does not spell it out)."""
    a = re.escape(acronym)
    before = re.search(rf"((?:\w[\w'’-]*\s+){{2,}})\(\s*{a}\b[^,;)]*\)", text)
    after = re.search(rf"\b{a}\s*\(([^)]*)\)", text)
    named = before.group(1) if before else after.group(1) if after and len(
        words(after.group(1))) >= 2 and not re.fullmatch(r"[\sA-Z0-9,&/-]+", after.group(1)) else ""
    if not named or not strict:
        return bool(named)
    initials = {w[0] for w in words(named) if len(w) > 2}
    letters = set(fold(acronym))
    return len(letters & initials) >= ACRONYM_INITIALS * len(letters)


# a question about the present, which dated material answers only if it says so
PRESENT = re.compile(
    r"\b(?:today|now|nowadays|currently|still|these\s+days|at\s+the\s+moment|at\s+present|"
    r"any\s*more|presently)\b", re.IGNORECASE
)
_COUNTED = re.compile(
    rf"\bhow\s+many\s+(?!(?:{AUXILIARIES}|there|of)\b)([\w-]+)|\bhow\s+many\s+(?:are|were)\s+there\b",
    re.IGNORECASE,
)


def _counted(question: str) -> str:
    """The stem of what "How many X ...?" counts; for "Name the partners - how many are
    there?" what the question names first ("" when it says no noun)."""
    match = _COUNTED.search(question)
    if match and match.group(1):
        return stem(fold(match.group(1)))
    if match:  # "... how many are there?" counts the noun asked for before it
        named = _NAMED_FIRST.search(question)
        return stem(fold(named.group(1))) if named else ""
    return ""


_NAMED_FIRST = re.compile(
    r"^\s*(?:please\s+)?(?:name|list|which|what)\s+(?:all\s+)?(?:the\s+)?(?:[\w-]+\s+)??([\w-]+s)\b",
    re.IGNORECASE,
)


def _list_head(text: str) -> tuple[str, str]:
    """A list's head and its items: the label and what follows it ("Programmes: A, B, C"), or
    the words before a listing verb and what follows it ("The partners of X are A, B and C").
    A name that merely holds an "and" ("Network of Cities and Regions") lists nothing."""
    label, sep, items = text.partition(":")
    if sep:
        return label, items
    verb = _LISTING_VERB.search(text)
    return (text[: verb.start()], text[verb.end():]) if verb else (text, "")


_LISTING_VERB = re.compile(r"\b(?:are|were|include|includes|included|comprise|comprises)\b", re.I)


def _counts(text: str, counted: str) -> bool:
    """Whether ``text`` has a figure, of the counted thing when there is one: "20 social
    economy structures" counts members, not jobs."""
    if not counted:
        return bool(NUMBER.search(text))
    for match in NUMBER.finditer(text):
        # the words the figure qualifies: up to the next punctuation or conjunction
        phrase = _PHRASE_END.split(text[match.end():], maxsplit=1)[0]
        after = {stem(w) for w in words(phrase)[:COUNTED_WINDOW]}
        if synonyms(counted) & after:
            return True
    return False


_PHRASE_END = re.compile(r"[,;:.()!?]|\b(?:and|or|but|while|which|that|who|to)\b", re.I)


def _names(text: str, counted: str) -> bool:
    """Whether ``text`` names the counted thing, or a word meaning the same."""
    return bool(synonyms(counted) & {stem(w) for w in words(text)})


def lists_counted(question: str, texts: list[str]) -> bool:
    """"How many programmes …?" with no figure in the material, but a list headed by the
    programmes ("Programmes: A, B, C"): the list answers it (the reader counts), where a
    missing budget, or a list of other things that mentions them, does not."""
    counted = _counted(question)
    # "Who: A, B and C" lists the members, partners, participants ...
    return bool(counted) and any(
        (_names(head, counted) or (fold(head).strip() == "who" and synonyms(counted) & WHO_LISTS))
        and (items.count(",") >= 2 or " and " in items)
        for head, items in map(_list_head, texts)
    )
