"""Words as search sees them: lower-cased, accents folded ("Coòpolis" == "coopolis"), English
stems. Shared by the BM25 index, the answerer's term matching and the refusal check."""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache

import Stemmer

TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_TOKEN = re.compile(TOKEN_PATTERN)

# Words that carry the shape of a question, not its topic.
QUESTION_WORDS = frozenset(
    [
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "where",
        "when",
        "why",
        "how",
        "tell",
        "about",
        "describe",
        "explain",
        "give",
        "list",
        "name",
        "show",
        "behind",
        "each",
        "every",
        "both",
        "versus",
        "please",
        "know",
        "can",
        "could",
        "would",
        "does",
        "did",
        "do",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "but",
        "not",
        "no",
        "any",
        "some",
        "all",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "they",
        "them",
        "their",
        "there",
        "here",
        "me",
        "you",
        "your",
        "my",
        "our",
        "we",
        "us",
        "i",
        "also",
        "else",
        # adverbs that sharpen a question without naming a topic ("what exactly does X do?")
        "exactly",
        "precisely",
        "actually",
        "really",
        "specifically",
        "basically",
        # a place in an order, not a topic ("the second type of X")
        "first",
        "last",
        "second",
        "third",
        "fourth",
        "fifth",
        # a question's frame, not its topic ("according to the intro, what is X supposed to do?")
        "according",
        "supposed",
        "other",
        "more",
        "most",
        "much",
        "many",
        "very",
        "just",
        "only",
        "still",
        "yet",
        "into",
        "onto",
        "out",
        "up",
        "down",
        "over",
        "under",
        "than",
        "then",
        "so",
        "such",
        "as",
        "if",
        "into",
        "per",
        "via",
        "vs",
        "etc",
        "kind",
        "type",
        "sort",
        "thing",
        "things",
        "something",
        "anything",
        "stuff",
        "one",
        "ones",
        "way",
        "ways",
        "s",
        # light verbs: they carry the question's grammar, not its topic ("when was it given?")
        "given",
        "gave",
        "gives",
        "take",
        "takes",
        "took",
        "taken",
        "make",
        "makes",
        "made",
        "get",
        "gets",
        "got",
        "happen",
        "happens",
        "happened",
        "come",
        "comes",
        "came",
        "coming",
        # politeness and chat shorthand carry no topic ("list them pls")
        "behind",
        "each",
        "every",
        "both",
        "vs",
        "versus",
        "please",
        "pls",
        "plz",
        "kindly",
        "thanks",
        "thx",
    ]
)


def fold(text: str) -> str:
    """Lower-case and strip accents: 'Coòpolis' -> 'coopolis'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _stemmer():
    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer().stemWord(word)


class FoldingStemmer:
    """A PyStemmer-compatible stemmer that folds accents first (bm25s calls ``stemWords``)."""

    def stemWords(self, words: list[str]) -> list[str]:  # noqa: N802 - PyStemmer's name
        return [stem(fold(w)) for w in words]


def words(text: str) -> list[str]:
    """Folded word tokens of ``text`` (no stemming, no stop-word removal)."""
    return _TOKEN.findall(fold(text))


def says(text: str, phrase: str) -> bool:
    """Whether ``text`` contains ``phrase`` as whole words, case and accents aside."""
    wanted = " ".join(words(phrase))
    return bool(wanted) and f" {wanted} " in f" {' '.join(words(text))} "


@lru_cache(maxsize=65536)  # answer sentences recur across questions
def _content_terms(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(text) if w not in QUESTION_WORDS and not w.isdigit())


def content_terms(text: str) -> list[str]:
    """Stems of the words that carry meaning (question words and stop words removed)."""
    return list(_content_terms(text))


# "east"/"eastern": one word is the other with a suffix of at most this many letters
SUFFIX_CHARS = 4


def same_word(a: str, b: str) -> bool:
    """Whether two (folded or stemmed) words are forms of one word that stemming keeps apart:
    one is the other with a suffix ("east", "eastern"), or they share all but the last two
    letters of at least five ("belgian", "belgium")."""
    if min(len(a), len(b)) < 4:
        return False
    shared = len(os.path.commonprefix([a, b]))
    if shared == min(len(a), len(b)):
        return abs(len(a) - len(b)) <= SUFFIX_CHARS
    return shared >= 5 and max(len(a), len(b)) - shared <= 2
