"""What a question asks: its kind (who, where, list ...), the entities it names and the
terms that carry its topic."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from se_assistant.answering.lexicon import (
    AUXILIARIES,
    DEMONYMS,
    DOCUMENT_ITSELF,
    GENERAL_NOUNS,
    asks_contact,
    plain_words,
)
from se_assistant.lexical import content_terms, fold, same_word, says, stem, words

# "Which programmes ...", "Who are ...", "Name the partners ...": a question asking for a plural
_LIST_START = re.compile(
    r"^\s*(?:and\s+)?(?:which|what|who|list|name|enumerate|give)\b.*"
    r"(?:\b(?:are|were|ones)\b|(?-i:\b(?!(?:does|has|was|this|his|its|yes|always|perhaps|less|"
    r"across|plus|towards|thanks|news)\b)[a-z]{2,}[a-rt-z]s\b))",
    re.IGNORECASE,
)
_LIST_WORDS = re.compile(
    r"^\s*(?:list|enumerate|name)\b|\b(?:all|every|each|which\s+\w+s)\b|^\s*(?:and\s+)?what\s+(?:are|were)\b|"
    r"\bwhat\s+(?:did|does|do)\b.*\b(?:create|creat\w*|run|offer|include|combine|do)\b|"
    r"\bwhat(?:\s+is|'s|’s)\s+on\b|\bon\s+(?:the|their|its|this|that)\s+(?:[\w-]+\s+)?list\b",
    re.IGNORECASE,
)


@dataclass
class QuestionInfo:
    """The parts of a question the answerer and the refusal check use."""

    text: str
    kind: str  # who | where | when | how_many | contact | how | what | yes_no
    is_list: bool
    entities: list[str] = field(default_factory=list)  # canonical case names mentioned
    terms: list[str] = field(default_factory=list)  # content stems, entity names removed
    entity_terms: set[str] = field(default_factory=set)
    entity_names: list[str] = field(default_factory=list)  # the names as the question says them
    places: dict[str, list[str]] = field(default_factory=dict)  # field -> values named
    names: list[str] = field(default_factory=list)  # stems of capitalised words (proper names)
    heads: list[str] = field(default_factory=list)  # stems of "the X of"-style head nouns
    place_phrases: list[str] = field(default_factory=list)  # the words naming places, folded
    place_terms: set[str] = field(default_factory=set)  # stems of words naming a place by
    # another form of its name ("German" for Germany)
    acronyms: list[str] = field(default_factory=list)  # ALL-CAPS words, e.g. REVES
    asks_case: bool = False  # "Which cluster ...?": the answer names one of the cases
    aspect: str = ""  # for such questions, what is asked of the case ("organises a festival")
    about_document: bool = False  # "Who gave the talk?": about the document or event itself
    asked_noun: str = ""  # stem of X in "Which X ...?", "Is there an X that ...?"
    first: bool = False  # "What does the list ask for first?": the first item, not the list
    defines: bool = False  # "What does it mean by X?", "What does X stand for?"


def analyse(
    text: str, entity_names: dict[str, str], place_names: dict[str, dict[str, str]] | None = None
) -> QuestionInfo:
    """``entity_names`` maps each folded name or alias to its canonical case name;
    ``place_names`` maps a field (city, country, region) to folded value -> stored value."""
    text = plain_words(text)  # "who put the deck together?" asks who made it
    # "I work for a city. What tool does the deck suggest?": the last clause asks; what comes
    # before it only sets the scene (its words still count as the question's terms)
    asking = _SCENE_SET.split(text)[-1]
    # chat shorthand a reader expands: "co-ops" are cooperatives
    folded = " " + " ".join(words(_CO_OP.sub("cooperatives", text))) + " "
    places: dict[str, list[str]] = {}
    said_words = folded.split()
    place_words: set[str] = set()
    said_as: list[str] = []
    for key, values in (place_names or {}).items():
        for name, stored in values.items():
            # "the German cluster" is the one in Germany, "the French one" the one in France
            forms = [w for w in said_words if DEMONYMS.get(w) == name
                     or (" " not in name and w != name and same_word(w, name))]
            if not says(folded, name) and not forms:
                continue
            if len(name) <= 3 and not re.search(rf"\b{re.escape(name.upper())}\b", text):
                continue  # a country code ("BE") only as written, never the word "be"
            places.setdefault(key, []).append(stored)
            place_words.update(stem(w) for w in forms)
            said_as.extend([*forms, name] if says(folded, name) else forms)
    entities: list[str] = []
    entity_terms: set[str] = set()
    said: list[str] = []
    for name in sorted(entity_names, key=len, reverse=True):
        if f" {name} " in folded:
            canonical = entity_names[name]
            if canonical not in entities:
                entities.append(canonical)
            said.append(name)
            entity_terms.update(content_terms(name))
            folded = folded.replace(f" {name} ", " ")
    terms = [t for t in content_terms(folded) if t not in entity_terms]
    if _SPELLED_OUT.search(text):  # "What does X stand for?": the words ask, X is the topic
        terms = [t for t in terms if t not in _SPELLING_WORDS]
    # "What is X for?", "Why was Acme set up?" ask its purpose ("Why does the talk say ...?"
    # asks for a reason)
    if _WHAT_FOR.search(text) or (_WHY.match(text) and entities):
        terms.append(stem("purpose"))
    capitalised = re.findall(r"(?<=[\w,;:] )([A-Z][\w'’-]+)", text)
    names = [t for w in capitalised for t in content_terms(w) if t in terms]
    # "What does the report distinguish?", "Where do the examples come from?": after
    # do/does/did the words at the end are the verb; only "the X of/for ..." names a head
    head_text = fold(text)
    found = (_HEAD_OF if _DO_QUESTION.search(head_text) else _HEAD).findall(head_text)
    if found and _PASSIVE.search(head_text):  # "When was the museum opened?": a verb at the end
        last = re.findall(r"[\w-]+", head_text)[-1:]
        found = [w for w in found if [w] != last]
    asked = _WHICH_NOUNS.match(fold(text))  # "Which football team do ...?": what is asked for
    if asked:
        found = [*found, *asked.group(1).split()]
    # "How many partners ...?", "Who are Acme's members?": the counted or possessed noun
    found += [w for pair in _COUNTED_OR_POSSESSED.findall(head_text) for w in pair if w]
    # "the name of the person who ...": what is named is asked for too
    found += [m.group(1) for m in _NAME_OF.finditer(head_text)]
    # "Name the organisations behind X", "List all the partners": what is to be listed
    found += [m.group(1) for m in _LIST_ASKED.finditer(head_text)]
    # "the legal form of X": a general noun names no topic, the word before it does
    found += [m.group(1) for w in found if stem(w) in GENERAL_NOUNS
              for m in re.finditer(rf"\b([\w-]+)\s+{re.escape(w)}\b", head_text)
              if not _QUANTIFIER.fullmatch(m.group(1))]
    heads = [t for w in found for t in content_terms(w) if t in terms]
    # "What does the talk say about X?" asks about X: the talk there only frames it
    about_document = (
        not entities
        and bool(DOCUMENT_ITSELF & set(_DOCUMENT_FRAME.sub(" ", folded).split()))
    )
    if stem("purpose") in terms and stem("purpose") not in heads:  # what "why?" asks for
        heads.append(stem("purpose"))
    return QuestionInfo(
        text=text,
        kind=_kind(asking),
        is_list=bool(_LIST_START.search(asking) or _LIST_WORDS.search(asking)) or len(entities) > 1,
        entities=entities,
        terms=list(dict.fromkeys(terms)),
        entity_terms=entity_terms,
        entity_names=[*said, *entities],
        places=places,
        place_terms=place_words,
        place_phrases=list(dict.fromkeys(said_as)),
        names=list(dict.fromkeys(names)),
        heads=list(dict.fromkeys(heads)),
        acronyms=list(dict.fromkeys(re.findall(r"\b[A-Z]{3,}\b", text)))
        if _SPELLED_OUT.search(text)
        else [],
        # "Which organisation is behind this talk?" asks about the document, not a subject
        asks_case=bool(_ASKS_CASE.search(asking)) and not entities and not about_document,
        aspect=_aspect(asking) if not entities and not about_document else "",
        about_document=about_document,
        asked_noun=_asked_noun(asking),
        first=bool(_FIRST.search(text)),
        defines=bool(_SPELLED_OUT.search(text)),
    )


# "Which organisation runs X?", "Is there a project that ...?": the answer names a subject.
# Nouns asking for an attribute (a year, a city, a number) ask something else.
_ATTRIBUTE_NOUNS = (
    "year|years|date|dates|time|times|day|month|city|cities|country|countries|region|regions|"
    "place|places|kind|kinds|type|types|number|amount|language|languages|way|ways|percentage|"
    "part|parts|role|roles|theme|topic|name|names|reason|reasons|goal|aim|objective|purpose|"
    "value|values|size|age|status|share|level"
)
_ASKS_CASE = re.compile(
    r"^\s*(?:and\s+)?(?:which|what)\s+(?:of\s+(?:the|these|those)\s+)?"
    rf"(?!(?:{_ATTRIBUTE_NOUNS}|is|are|was|were|does|do|did|has|have|can|could|would|should|will)\b)"
    r"(?:(?!of\b)[a-z-]+\s+)?[a-z-]+(?=\s+(?:is|are|was|were|has|have|can|could|"
    r"[a-z]+s|[a-z]+ed)\b)|"
    r"\bis\s+there\s+(?:a|an|any)\s+[a-z-]+\b|"
    # "Is one of these clusters ...", "Are any of the projects ...", "any clusters that ...?"
    r"^\s*(?:is|are|does|do|did)\s+(?:one|any|some)\s+of\s+(?:the|these|those)\s+[a-z-]+\b|"
    r"^\s*(?:are\s+there\s+)?any\s+[a-z-]+\s+(?=(?:that|which|who)\b)|"
    # "Which initiatives say they ...?": a plural noun and its verb
    r"^\s*(?:and\s+)?which\s+(?:of\s+(?:the|these|those)\s+)?[a-z-]+s\s+"
    r"(?!(?:does|do|did|is|are|was|were|has|have|of|in|on|for|from|with)\b)[a-z]+\b",
    re.IGNORECASE,
)
_WHY = re.compile(r"^\s*(?:and\s+)?why\b", re.IGNORECASE)
_WHAT_FOR = re.compile(r"^\s*(?:and\s+)?what\s+(?:is|are|was|were)\b.*\bfor\s*\??\s*$", re.I)
_WHICH_NOUNS = re.compile(
    r"^\s*(?:and\s+)?(?:which|what)\s+((?:[a-z-]+\s+){0,2}?[a-z-]+)\s+"
    # "Which EU commissioner opened ...?": a past tense is the verb as well
    r"(?:do|does|did|is|are|was|were|has|have|can|could|will|would|[a-z]{3,}ed)\b"
)
_HEAD_OF = re.compile(
    r"\b(?:the|its|their|his|her)\s+(?:[\w-]+\s+)??([\w-]+)\s*(?=\b(?:of|for)\b)"
)
_LIST_ASKED = re.compile(
    r"^\s*(?:please\s+)?(?:name|list|enumerate)\s+(?:all\s+)?(?:the|its|their|his|her)?\s*"
    r"(?:[\w-]+\s+)??([\w-]+)(?=\s+(?:of|behind|in|involved|that|who|which|at|for)\b|\s*[?.!]?\s*$)"
)
_NAME_OF = re.compile(r"\b(?:name|names|title)\s+of\s+(?:the|a|an|this|that|its|their)\s+([\w-]+)")
_COUNTED_OR_POSSESSED = re.compile(r"\bhow\s+many\s+([\w-]+)|\w(?:'s|’s)\s+([\w-]+)")
_PASSIVE = re.compile(r"\b(?:was|were|is|are|been|be|get|got)\b\s+(?:the|its|their|his|her)\b")
_DO_QUESTION = re.compile(r"\b(?:does|do|did|can|could|would|should)\b")
_HEAD = re.compile(
    r"\b(?:the|its|their|his|her)\s+(?:[\w-]+\s+)??([\w-]+)\s*"
    r"(?=\b(?:of|for|be|is|are|was|were|will|like)\b|\?|$)"
)


_DOCUMENT_WORDS = (
    r"(?:presentations?|talks?|deck|slides?|speakers?|presenters?|authors?|documents?|intro|"
    r"introduction|text|material|report|conference|session|speech)"
)
_DOCUMENT_FRAME = re.compile(
    rf"\b(?:according\s+to|in|on|from|throughout)\s+(?:the|this|that|these|those|its|their)\s+"
    rf"(?:[\w-]+\s+)?{_DOCUMENT_WORDS}\b|"
    rf"\b(?:the|this|that)\s+{_DOCUMENT_WORDS}\s+(?:says?|said|mentions?|mentioned|considers?|"
    r"considered|thinks?|claims?|argues?|calls?\s+for|describes?|lists?|puts?|points?|suggests?|"
    r"wants?|asks?|refers?|highlights?|stresses?|notes?|states?|shows?|tells?|means?|meant)\b|"
    rf"\b(?:does|do|did)\s+(?:the|this|that)\s+{_DOCUMENT_WORDS}\s+"
    r"(?!(?:take|get|happen|start|begin|last|end)\b)",
)


# "the three kinds of", "the main ways": a number or quantifier names no topic
_QUANTIFIER = re.compile(
    r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|many|several|few|some|all|both|"
    r"different|various|main|other|first|second|third|last|same|key|major",
)


_SPELLED_OUT = re.compile(
    r"\bstands?\s+for\b|\bmean(?:s|ing|t)?\b|\bacronym\b|\babbreviat\w*|\bfull\s+name\b",
    re.IGNORECASE,
)


_FIRST = re.compile(r"\b(?:first|1st|top)\b(?!\s+(?:of|time))|\bto\s+begin\s+with\b", re.I)
_CO_OP = re.compile(r"\bco-?ops?\b", re.IGNORECASE)
_ASKED_NOUN = re.compile(
    r"^\s*(?:and\s+)?(?:(?:at|in|on|from|for|to|by|with|during)\s+)?(?:which|what)\s+"
    # "What does ...?" asks no noun
    r"(?:of\s+(?:the|these|those)\s+)?(?!(?:do|does|did|is|are|was|were|has|have|had|can|could|"
    r"will|would|should|about|if)\b)([a-z-]+)|"
    r"\bis\s+there\s+(?:a|an|any)\s+([a-z-]+)|"
    r"\b(?:one|any|some)\s+of\s+(?:the|these|those)\s+([a-z-]+)|"
    r"^\s*(?:are\s+there\s+)?any\s+([a-z-]+)\s+(?:that|which|who)\b"
)


_WH = r"(?:(?:at|on|in|from|for|by|with|to)\s+)?(?:what|who|whom|whose|why|where|when|which|how)"
# where a question asking several things asks the next: ", and why?", " and what does it do?",
# ", at what event", or a second question after a "?"
_AUX = AUXILIARIES
_NEXT_PART = re.compile(
    rf"\s*[,;]\s*(?:and\s+)?(?={_WH}\b)|\s+and\s+(?={_WH}\b)|(?<=\?)\s+(?=(?:{_WH}|{_AUX})\b)",
    re.IGNORECASE,
)
# a part that is a question itself: not "According to the deck, what ...?" nor "When the
# intro talks about X, what does it mean?" (a clause leading to the question)
_A_QUESTION = re.compile(
    rf"^\s*(?:and\s+|so\s+)?(?:{_AUX}\b|(?!(?:when|where)\s+(?!{_AUX}\b)[a-z]+\s+[a-z]+\s)"
    rf"{_WH}\b)",
    re.IGNORECASE,
)
_LEADING_WH = re.compile(
    rf"^\s*{_WH}\b(?:\s+(?:is|are|was|were|did|does|do|has|have|can|could))?\s*", re.IGNORECASE
)


def split_compound(text: str) -> list[str]:
    """The questions in ``text`` when it asks several things: "Who launched X, and why?" ->
    ["Who launched X?", "why (launched X)?"]. A short part takes the first part's topic. One
    question gives ``[text]``."""
    parts = [p.strip(" ,;?") for p in _NEXT_PART.split(text)]
    parts = [p for p in parts if any(ch.isalnum() for ch in p)]
    # "Where and when ...?" is one question; so is a first part of a word or two
    if len(parts) < 2 or len(parts[0].split()) <= 2 or not _A_QUESTION.match(parts[0]):
        return [text]
    topic = _LEADING_WH.sub("", parts[0])
    return [f"{parts[0]}?"] + [
        f"{p} ({topic})?" if len(p.split()) <= 3 else f"{p}?" for p in parts[1:]
    ]


_SCENE_SET = re.compile(
    rf"(?:[.:;!?]|\s[-–—])\s+(?=(?:and\s+)?(?:{_WH}|{AUXILIARIES}|list|name|tell)\b)", re.IGNORECASE
)


# what a question calls the thing in a place ("the Italian foundation", "the Berlin project")
_THING_IN_PLACE = (
    r"clusters?|cases?|examples?|foundations?|projects?|initiatives?|networks?|ones?|"
    r"programmes?|programs?|organi[sz]ations?|cooperatives?|co-?ops?|associations?"
)


def naming_subject(text: str, info: QuestionInfo, subject: str) -> str:
    """``text`` with the subject in the place it names said by its name: "What was the Italian
    foundation trying to achieve?" -> "What was the Acme Foundation trying to achieve?". A
    place that is not said of a thing ("in Berlin") stays, and the name is added at the end."""
    out = text
    for phrase in sorted(info.place_phrases, key=len, reverse=True):
        pattern = re.compile(
            rf"\b(?:the\s+)?{re.escape(phrase)}\s+(?:{_THING_IN_PLACE})\b|"
            # "the foundation in Messina"
            rf"\b(?:the\s+)?(?:{_THING_IN_PLACE})\s+(?:in|from|of|at)\s+{re.escape(phrase)}\b",
            re.IGNORECASE,
        )
        out = pattern.sub(subject, out)
    return out if out != text else f"{text.rstrip(' ?')} ({subject})?"


def _asked_noun(text: str) -> str:
    match = _ASKED_NOUN.search(fold(text))
    noun = next((g for g in match.groups() if g), "") if match else ""
    return stem(noun) if noun else ""


_SPELLING_WORDS = frozenset(stem(w) for w in (
    "stand", "stands", "mean", "means", "meaning", "acronym", "abbreviation", "full", "name",
))


def _aspect(text: str) -> str:
    if not _ASKS_CASE.search(text):
        return ""
    rest = _ASKS_CASE.sub(" ", text)
    rest = re.sub(r"^\W*(?:that|which|who|is|are|was|were)\b", " ", rest.strip(), flags=re.I)
    rest = " ".join(rest.split()).strip(" ?.!")
    return rest if len(rest.split()) >= 2 else ""


def _kind(text: str) -> str:
    t = fold(text).strip()
    t = re.sub(r"^(and|so|ok|okay|also|then)\b[\s,]*", "", t)
    # "When the intro talks about X, what does it mean?": the main clause asks
    t = re.sub(r"^(?:when|if|since|as|while)\b[^?]*?,\s*(?=(?:what|how|who|which|where|why)\b)",
               "", t)
    if re.match(r"^(when|what year|in what year|since when|which year)\b", t) or re.search(
        r"\b(what|which) ((is|was|were|are) the )?(date|year|day|month)\b", t
    ):
        return "when"
    if asks_contact(t):  # before how-many: "the phone number of X"
        return "contact"
    # "How big / long / old is X?" asks a measure: a figure, like "how many"
    if re.match(r"^how (many|much|big|large|long|old|far|tall|high|wide|heavy)\b", t) or re.search(
        r"\b(number of|budget|cost|price)\b", t
    ):
        return "how_many"
    if re.match(r"^where\b", t) and re.search(r"\b(money|funding|funds|capital|financ\w*)\b", t):
        return "how"  # "Where did the money come from?" asks how it was funded, not a place
    if re.match(
        r"^(where|(in|from) (which|what) (city|cities|country|countries|region|regions|place|places)|"
        r"(which|what) (city|cities|country|countries|region|regions|places?))\b",
        t,
    ) or re.search(  # "A and B are both citizen-driven: in which cities are they?"
        r"\b(in|from) (which|what) (city|cities|country|countries|region|regions|places?)\b", t
    ):
        return "where"
    if re.match(r"^(who|by whom|whom)\b", t) or re.search(r"\bwho\b", t) or re.search(
        # "Name the organisations behind X" asks who is behind it
        r"\b(organi[sz]ations?|people|groups?|partners?|bodies|members?|players?)\s+"
        r"((is|are|were|was)\s+)?(behind|involved)\b", t
    ):
        return "who"
    if re.match(r"^how\b", t):
        return "how"
    if re.match(r"^(is|are|was|were|does|do|did|can|has|have)\b", t):
        return "yes_no"
    return "what"
