"""General English a question is asked in: word families that mean the same thing to a reader
("goal" = "objective", "members" = "partners"), the verbs of founding, and the words of contact
questions. Nothing here is about any one corpus."""

from __future__ import annotations

import re

from se_assistant.lexical import stem

_FAMILIES = (
    ("goal", "aim", "objective", "purpose", "mission", "target", "intent", "intention", "achieve",
     "want"),
    ("cooperation", "cooperate", "collaborate", "collaboration", "partnership"),
    ("member", "partner", "participant", "structure", "organisation", "organization", "player",
     "actor", "stakeholder", "involved"),
    ("found", "establish", "create", "creation", "establishment", "launch", "set", "setup",
     "start", "begin"),
    ("fund", "finance", "financing", "capital", "money", "funding"),
    ("help", "support", "assist"),
    ("run", "offer", "provide", "organise", "organize", "hold"),
    ("programme", "program", "scheme", "strand"),
    ("city", "town", "place", "location", "locate", "base", "region"),
    ("company", "enterprise", "business", "firm"),
    ("film", "cinema", "movie"),
    ("asset", "capital", "property", "resource"),
)
SYNONYMS: dict[str, frozenset[str]] = {}
for _family in _FAMILIES:
    _stems = frozenset(stem(w) for w in _family)
    for _s in _stems:
        SYNONYMS[_s] = SYNONYMS.get(_s, frozenset()) | _stems

# Words about a document or an event itself, which its text rarely names ("the theme of the
# event", "who organised it"): never a sign that the question is about something else.
ABOUT_THE_MATERIAL = frozenset(stem(w) for w in (
    "event", "theme", "topic", "title", "subject", "presentation", "talk", "document", "slide",
    "deck", "author", "organiser", "organizer", "speaker", "conference", "meeting", "session",
    "summary", "message", "idea", "point", "material", "text", "example", "case", "instance",
    "intro", "introduction", "conclusion",
    # words about wording: "what expression does X use", "what was it called"
    "expression", "phrase", "term", "word", "wording", "quote", "call", "name",
    # what a document does: "what does the deck suggest?"
    "suggest", "propose", "recommend", "say", "mention", "claim", "argue", "state", "stress",
    "highlight", "point", "note",
))

# General nouns: words that stand for almost any thing ("what kind of environment", "which
# bodies", "the site of"), so a material that never uses them may still answer. Not nouns for
# people or roles ("the person who", "the director"), which name what is asked.
GENERAL_NOUNS = frozenset(stem(w) for w in (
    "thing", "things", "stuff", "kind", "sort", "type", "form", "way", "manner", "body", "bodies",
    "entity", "entities", "environment", "setting", "context", "ground", "site", "area", "field",
    "aspect", "element", "side", "bit", "piece", "lot", "people", "end", "outcome", "result",
    "tool", "tools", "means", "instrument", "mechanism", "approach", "option", "measure",
    "category", "categories", "class", "variety",
))

# Idioms and phrasal verbs read as the plain words a text would use ("get X off the ground" is
# to start X); the plain word replaces the idiom before a question's topic words are taken.
_IDIOMS = tuple((re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), plain) for pattern, plain in (
    (r"off the ground", "started"),
    (r"in the end|at the end of the day|in the first place|all in all", ""),
    (r"end(?:s|ed)? up(?= \w+ing\b)|end(?:s|ed)? up with", ""),
    (r"put(?:s|ting)? ((?:[\w-]+ ){0,3}?)together", r"made \1"),
    (r"br(?:ing|ings|inging|ought) ((?:[\w-]+ ){0,3}?)together", r"combines \1"),
    (r"team(?:s|ed|ing)? up with", "cooperated with"),
    (r"join(?:s|ed|ing)? forces with", "cooperated with"),
    (r"t(?:ake|akes|ook|aking) part in", "participated in"),
    (r"(?:grew|grow|grows|growing|came|come|comes|coming) out of", "resulted from"),
    (r"kick(?:s|ed)? off|kick-start(?:s|ed)?", "started"),
    (r"in charge of", "running"),
    # "can you say more about X?" asks about X
    (r"(?:can|could|would)\s+you\s+(?:please\s+)?(?:tell\s+(?:me|us)|say|explain|talk)\s+"
     r"(?:a\s+(?:bit|little)\s+)?(?:more\s+)?(?:about|on)", "tell me about"),
))


# the verbs a yes/no question opens with ("Is it ...?", "Did they ...?")
AUXILIARIES = r"(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would|should)"


def plain_words(text: str) -> str:
    """``text`` with idioms and phrasal verbs replaced by plain words (see ``_IDIOMS``)."""
    for pattern, plain in _IDIOMS:
        text = pattern.sub(plain, text)
    return re.sub(r"^[\s,;]+|\s+(?=[?.!,;])", "", " ".join(text.split()))


# "In your opinion ...?", "Do you think ...?": the reader's own view is asked, which no material
# holds (what the material thinks is asked as "What does X think ...?")
ASKS_OPINION = re.compile(
    r"\bin\s+your\s+(?:opinion|view|experience)\b|\b(?:do|would)\s+you\s+(?:think|believe|"
    r"recommend|prefer|like|say|rate|suggest)\b|\byour\s+(?:favou?rite|opinion|view|take|guess)\b|"
    r"\bwhat\s+do\s+you\s+(?:think|feel)\b",
    re.IGNORECASE,
)

# Words naming the document or event itself ("the theme of the talk", "who organised the
# event"): its opening (a deck's title slide) is where such things are said. Matched as words,
# not stems: "authorities" shares the stem of "author", "organisation" that of "organiser".
DOCUMENT_ITSELF = frozenset(
    form for w in (
        "event", "presentation", "talk", "conference", "title", "theme", "topic", "author",
        "organiser", "organizer", "speaker", "presenter", "deck", "document", "session", "meeting",
    ) for form in (w, w + "s")
)

# what a "Who:" label lists (not "organisation": its stem is also the verb "organise")
WHO_LISTS = frozenset(stem(w) for w in (
    "member", "partner", "participant", "player", "actor", "stakeholder",
))

# Words naming a kind of thing a question asks for ("At which event ...?", "Who ...?"): a unit
# naming one ("European Day of ...", "... Network") says what is asked
KINDS_OF = {
    stem("event"): frozenset(stem(w) for w in (
        "day", "days", "conference", "forum", "summit", "congress", "week", "festival", "fair",
        "symposium", "meeting", "workshop", "seminar", "expo", "exhibition", "convention",
    )),
    "who": frozenset(stem(w) for w in (
        "network", "association", "foundation", "federation", "cooperative", "company",
        "organisation", "organization", "agency", "ministry", "council", "university", "union",
        "institute", "centre", "center", "society", "committee", "aisbl", "asbl", "ngo",
    )),
}

# a capitalised name holding one of these words names an organisation or an event, not a person
ORGANISATION_OR_EVENT = KINDS_OF["who"] | KINDS_OF[stem("event")] | frozenset(stem(w) for w in (
    "economy", "enterprise", "enterprises", "foundation", "museum", "park", "school",
    "region", "city", "cluster", "programme", "project", "initiative", "cooperative", "research",
))

# What a document does with its subjects ("the examples the talk describes"), and what it
# calls them in general ("list all the cases")
DOCUMENT_VERBS = frozenset(stem(w) for w in (
    "describe", "present", "show", "mention", "cover", "feature", "discuss", "include", "list",
    "give", "contain", "use", "have", "talk", "about",
))
SUBJECT_NOUNS = frozenset(stem(w) for w in ("example", "case", "instance", "subject"))
# what things a document is about are called in general English ("Which organisation ...?")
SUBJECT_KINDS = SUBJECT_NOUNS | frozenset(stem(w) for w in (
    "organisation", "organization", "project", "initiative", "network", "foundation", "company",
    "enterprise", "business", "cooperative", "coop", "association", "group", "one", "ones",
    "body", "institution", "programme", "program", "partner", "member", "place", "city",
))

# "What was the talk called?", "the theme of the event": what a title answers
NAMING = frozenset(stem(w) for w in ("call", "called", "title", "name", "theme", "topic", "entitle"))

# "When was it founded?": a date answers only in a sentence about the founding
FOUNDING = frozenset(stem(w) for w in (
    "found", "founded", "establish", "established", "create", "created", "creation", "launch",
    "launched", "start", "started", "set", "begin", "began", "open", "opened", "incorporate",
    "register", "registered", "establishment", "founding", "birth",
))
_CONTACT_QUESTION = re.compile(
    r"\b(?:e-?mail|mail|phone|telephone|contact|reach|website|web\s*site|address|url|in\s+touch|"
    r"online|homepage|internet|social\s+media|facebook|twitter|linkedin|instagram|"
    r"fax|call(?!\s+for\b)|write\s+to)\b",
    re.IGNORECASE,
)
# what a contact question asks for: the detail itself answers it, whatever the material calls it
CONTACT_NOUNS = frozenset(stem(w) for w in (
    "email", "mail", "phone", "telephone", "number", "website", "site", "address", "url",
    "homepage", "page", "contact", "fax", "online", "internet", "touch", "reach",
))
# searched along with a contact question that names none of the words details go by
CONTACT_WORDS = "e-mail email phone telephone website web address contact"
# What people of a country are called where the word is not a form of the country's name
# (general English; "German"/"Germany", "Belgian"/"Belgium" are matched as word forms)
DEMONYMS = {
    "french": "france", "spanish": "spain", "italian": "italy", "dutch": "netherlands",
    "swiss": "switzerland", "british": "united kingdom", "english": "united kingdom",
    "scottish": "united kingdom", "welsh": "united kingdom", "irish": "ireland",
    "greek": "greece", "portuguese": "portugal", "danish": "denmark", "swedish": "sweden",
    "finnish": "finland", "polish": "poland", "czech": "czechia", "slovak": "slovakia",
    "slovenian": "slovenia", "hungarian": "hungary", "croatian": "croatia",
    "norwegian": "norway", "icelandic": "iceland", "luxembourgish": "luxembourg",
    "maltese": "malta", "cypriot": "cyprus", "lithuanian": "lithuania", "latvian": "latvia",
    "estonian": "estonia", "romanian": "romania", "bulgarian": "bulgaria",
    "serbian": "serbia", "turkish": "turkey", "ukrainian": "ukraine",
    # the people of a region, for the country it is in ("the Catalan network" is in Spain)
    "catalan": "spain", "basque": "spain", "andalusian": "spain", "galician": "spain",
    "valencian": "spain", "bavarian": "germany", "saxon": "germany", "flemish": "belgium",
    "walloon": "belgium", "sicilian": "italy", "calabrian": "italy", "tuscan": "italy",
    "lombard": "italy", "sardinian": "italy", "neapolitan": "italy", "breton": "france",
    "corsican": "france", "occitan": "france", "alsatian": "france", "provencal": "france",
}
# what a where-question asks for: the place itself answers it, whatever the material calls it
PLACE_NOUNS = frozenset(stem(w) for w in (
    "city", "town", "country", "region", "place", "location", "area", "where", "base", "based",
    "located", "situated", "continent", "state", "province", "nation",
))
# what a when-question asks for: the date itself answers it, whatever the material calls it
TIME_NOUNS = frozenset(stem(w) for w in (
    "date", "year", "day", "month", "time", "period", "when", "week",
))
# what each kind of contact detail looks like
_PHONE = r"\+?\d[\d ()/.-]{6,}\d"
_EMAIL = r"[\w.+-]+@[\w-]+\.[\w.]+"
_WEB = r"\bwww\.[\w-]+\.\w+|https?://\S+"
_SOCIAL = r"^\W*(?:facebook|twitter|linkedin|instagram|youtube|mastodon|bluesky|x)\s*:\s*\S"
# the contact details a question may ask for by name, and what each looks like; a question
# asking for none of them by name ("how can I reach them?") takes any (CONTACT_DETAIL)
CONTACT_KINDS = (
    (re.compile(r"\b(?:phone|telephone|fax|call)\b", re.I), re.compile(_PHONE)),
    (re.compile(r"\be-?mail\b", re.I), re.compile(_EMAIL)),
    (re.compile(r"\b(?:website|web\s*site|url|homepage|web\s*page)\b", re.I),
     re.compile(rf"{_WEB}|\b(?:website|web|site|url)\s*:\s*\S", re.I)),
)
CONTACT_DETAIL = re.compile(f"{_EMAIL}|{_WEB}|{_PHONE}|{_SOCIAL}", re.IGNORECASE)


def synonyms(term: str) -> frozenset[str]:
    """Stems that mean the same as ``term`` (a stem), itself included."""
    return SYNONYMS.get(term, frozenset()) | {term}


def asks_contact(question: str) -> bool:
    """Whether the question asks how to reach someone (e-mail, phone, website, address).
    "What does he call it?" asks a name, not a phone call."""
    return bool(_CONTACT_QUESTION.search(_NAMING_CALL.sub(" ", question)))


_NAMING_CALL = re.compile(r"\bwhat\b[^?.!]*?\bcall(?:s|ed)?\b", re.IGNORECASE)
