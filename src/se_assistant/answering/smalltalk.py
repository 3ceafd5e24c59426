"""Turns that are not questions about the material: thanks, greetings, "ok", a lone word,
pasted markup. They get a short reply with no citations, never a cited fact nobody asked for.
"What else?" after an answer is a real follow-up (see :func:`asks_for_more`)."""

from __future__ import annotations

import re
import unicodedata

from se_assistant.answering.lexicon import AUXILIARIES
from se_assistant.lexical import words
from se_assistant.models import Answer

_THANKS = frozenset(["thanks", "thank", "thx", "cheers", "ta", "merci", "grazie", "gracias", "danke"])
_GREETING = frozenset(["hello", "hi", "hey", "hiya", "morning", "evening", "afternoon", "greetings"])
_BYE = frozenset(["bye", "goodbye", "ciao", "later", "farewell", "cya"])
_ACK = frozenset(
    ["ok", "okay", "k", "fine", "good", "great", "nice", "cool", "perfect", "excellent", "super", "awesome", "wow", "sure", "yes", "no", "yeah", "yep", "nope", "alright", "right", "got", "it", "that", "that's", "thats", "s", "all", "i", "needed", "need", "you", "very", "much", "so", "lol", "hmm", "hm", "mm", "uh", "um", "ah", "oh", "well", "interesting", "noted", "understood", "see", "a", "lot", "for", "the", "your", "help", "helpful", "again", "really", "indeed", "have", "day",
     "night", "weekend", "take", "care", "soon"]
)
_GREETING_PHRASES = re.compile(
    r"\b(?:good\s+(?:morning|afternoon|evening|day)|hello(?:\s+there)?|hi(?:\s+there)?|hey|"
    r"greetings|how\s+are\s+you(?:\s+doing)?(?:\s+today)?|how(?:'s|\s+is)\s+it\s+going|"
    r"what'?s\s+up|nice\s+to\s+meet\s+you|hope\s+you(?:'re|\s+are)\s+(?:well|fine|good))\b",
    re.IGNORECASE,
)
# words opening an acknowledgement ("great, that helps"), and words asking or telling to do
_OPENING_ACK = frozenset(["ok", "okay", "great", "perfect", "cool", "nice", "awesome", "excellent",
                          "wow", "brilliant", "super", "fantastic", "wonderful", "amazing"])
_ASKING = re.compile(
    r"\b(?:what|who|whom|whose|why|where|when|which|how|tell|list|name|explain|describe|give|"
    r"show|compare|summari[sz]e)\b",
    re.IGNORECASE,
)
_MORE = re.compile(
    r"^\s*(?:and\s+)?(?:what|anything|something|tell\s+me)\s+(?:else|more)\b|"
    r"^\s*(?:and\s+)?(?:more|go\s+on|continue)\b",
    re.IGNORECASE,
)
_MORE_ONLY = re.compile(
    r"^\s*(?:and\s+)?(?:what|anything|something)\s+(?:else|more)\s*\??\s*$|"
    r"^\s*(?:tell\s+me\s+)?more\s*[.!?]*$|^\s*(?:go\s+on|continue)\s*[.!?]*$",
    re.IGNORECASE,
)


def small_talk_kind(text: str, vocabulary: frozenset[str], stems: list[str]) -> str:
    """"thanks", "greeting", "bye", "ack" or "noise" for a turn that asks nothing of the
    material; "" for a question. ``stems`` are the turn's content stems, ``vocabulary`` the
    index's."""
    # "Good morning, how are you doing today?": a greeting, with or without a courtesy question
    if _GREETING_PHRASES.sub(" ", text).strip(" ,.!?;:-") == "" and words(text):
        return "greeting"
    tokens = words(text)
    if not tokens:
        return "ack" if any(unicodedata.category(ch) == "So" for ch in text) else "noise"
    if set(tokens) <= _THANKS | _ACK | _GREETING | _BYE:
        if set(tokens) & _THANKS:
            return "thanks"
        if set(tokens) & _BYE:
            return "bye"
        if set(tokens) & _GREETING:
            return "greeting"
        return "ack"
    if "?" not in text and tokens[0] in _THANKS | _OPENING_ACK and not _ASKING.search(text):
        # "thanks a lot, that's really helpful for my article!": thanks, whatever follows
        return "thanks" if set(tokens) & _THANKS else "ack"
    if "?" not in text and len(tokens) <= 2 and not any(s in vocabulary for s in stems):
        return "noise"  # a lone word the material never uses, or what is left of markup
    return ""


def looks_like_a_question(text: str) -> bool:
    """Whether ``text`` asks something: it ends with "?" or says a word that asks or tells
    ("what", "how", "list", "explain" ...), or opens as a question does ("Is it ...")."""
    return text.rstrip().endswith("?") or bool(_ASKING.search(text)) or bool(
        re.match(rf"^\s*(?:and\s+)?{AUXILIARIES}\b", text, re.IGNORECASE)
    )


def asks_for_more(text: str) -> bool:
    """"What else?", "anything else on that list?", "tell me more": the rest of the last answer."""
    return bool(_MORE.search(text))


def only_asks_for_more(text: str) -> bool:
    """"What else?" with nothing more said."""
    return bool(_MORE_ONLY.search(text))


REPLIES = {
    "thanks": "You're welcome. Ask another question about the material whenever you like.",
    "bye": "Goodbye. Come back with any question about the material.",
    "greeting": "Hello. Ask me a question about the material, for example what one of its "
    "subjects does or who is involved in it.",
    "ack": "OK. Ask another question about the material when you are ready.",
    "noise": "That does not look like a question about the material. Ask a question, for "
    "example who is involved in one of its subjects.",
}


def nothing_more(question: str) -> Answer:
    """"What else?" when the last answer already gave all its passages say."""
    return Answer(
        text="The answer above already gives everything its passages say; ask about another "
        "subject or aspect to read more.",
        citations=[], grounded=False, query=question, question=question, kind="smalltalk",
    )
