"""Folding, tokenising and stemming English answer text.

Everything here is a pure, deterministic function of its input and cheap enough to run on
every chat message. Stemming uses the Snowball (Porter 2) English stemmer from the pure-Python
``snowballstemmer`` package; when that package is missing a small suffix stripper stands in, so
the graders still work (slightly less tolerant of inflection).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

try:  # pragma: no cover - exercised implicitly
    import snowballstemmer

    _STEMMER = snowballstemmer.stemmer("english")
except ImportError:  # pragma: no cover - fallback when the dependency is absent
    _STEMMER = None

MAX_CHARS = 20_000
"""Input beyond this many characters is ignored before any regex runs."""

NUMBER_WORDS: dict[str, str] = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty": "60",
    "seventy": "70",
    "eighty": "80",
    "ninety": "90",
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
    "half": "0.5",
    "twice": "2",
}

NEGATIONS: frozenset[str] = frozenset(
    {
        "not",
        "no",
        "never",
        "without",
        "cannot",
        "neither",
        "nor",
        "none",
        "nothing",
        "hardly",
        "barely",
        "lack",
        "lacks",
        "instead",
        "rather",
        "unlike",
        "false",
        "fails",
        "fail",
        "failed",
    }
)
"""Words that turn the claim after them around (`rather`/`instead` for "rather than",
"instead of"; `unlike` for "unlike X, ...")."""

DIMINISHERS: frozenset[str] = frozenset(
    [
        "reduce",
        "reduces",
        "reduced",
        "reducing",
        "prevent",
        "prevents",
        "prevented",
        "preventing",
        "avoid",
        "avoids",
        "avoided",
        "avoiding",
        "decrease",
        "decreases",
        "decreased",
        "decreasing",
        "stop",
        "stops",
        "stopped",
        "stopping",
        "mitigate",
        "mitigates",
        "mitigated",
        "mitigating",
        "minimize",
        "minimizes",
        "minimise",
        "minimises",
        "minimized",
        "eliminate",
        "eliminates",
        "eliminated",
        "combat",
        "combats",
        "limit",
        "limits",
        "limited",
        "limiting",
        "curb",
        "curbs",
        "lessen",
        "lessens",
        "alleviate",
        "alleviates",
        "counter",
        "counters",
        "counteract",
        "counteracts",
        "suppress",
        "suppresses",
        "fight",
        "fights",
        "fighting",
        "lower",
        "lowers",
        "lowered",
        "lowering",
        "cut",
        "cuts",
    ]
)
"""Verbs that negate their object: "prevents overfitting" = "does not overfit"."""


# Function words: determiners, pronouns, auxiliaries, prepositions, conjunctions and very
# common verbs. They carry the grammar of a sentence, so their share tells prose from a bag
# of keywords, and they are ignored when matching key points. Negations and comparatives
# (more, less, only) are deliberately absent: they change meaning.
FUNCTION_WORDS: frozenset[str] = frozenset(
    [
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "it",
        "its",
        "it's",
        "itself",
        "they",
        "them",
        "their",
        "theirs",
        "we",
        "us",
        "our",
        "ours",
        "you",
        "your",
        "yours",
        "i",
        "me",
        "my",
        "mine",
        "he",
        "him",
        "his",
        "she",
        "her",
        "hers",
        "one",
        "ones",
        "someone",
        "something",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "doing",
        "done",
        "have",
        "has",
        "had",
        "having",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "ought",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "about",
        "as",
        "into",
        "onto",
        "over",
        "under",
        "between",
        "through",
        "during",
        "before",
        "after",
        "above",
        "below",
        "up",
        "down",
        "out",
        "off",
        "upon",
        "within",
        "across",
        "along",
        "among",
        "around",
        "via",
        "per",
        "and",
        "or",
        "but",
        "if",
        "then",
        "else",
        "so",
        "because",
        "since",
        "while",
        "whereas",
        "though",
        "although",
        "unless",
        "until",
        "whether",
        "either",
        "both",
        "also",
        "too",
        "very",
        "just",
        "than",
        "such",
        "same",
        "other",
        "another",
        "each",
        "every",
        "all",
        "any",
        "some",
        "many",
        "much",
        "most",
        "few",
        "more",
        "less",
        "own",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "get",
        "gets",
        "got",
        "make",
        "makes",
        "made",
        "let",
        "lets",
        "use",
        "uses",
        "used",
        "using",
        "like",
        "well",
        "really",
        "basically",
        "e",
        "g",
        "eg",
        "ie",
        "i.e",
        "etc",
        "vs",
        "versus",
        "thus",
        "hence",
        "therefore",
        "however",
        "instead",
        "still",
        "even",
        "yet",
        "already",
        "s",
        "t",
        "d",
        "ll",
        "re",
        "ve",
        "m",
    ]
) - {
    "more",
    "less",
    "most",
    "few",
    "instead",
    "rather",
    "before",
    "after",
    "over",
    "under",
    "up",
    "down",
    "in",
    "out",
    "same",
    "other",
}
# A few words above are both grammatical and meaningful; keep them as content for matching.
MATCH_STOPWORDS: frozenset[str] = (
    FUNCTION_WORDS
    | {"in", "out", "over", "under", "up", "down", "other", "same", "is", "are", "be"}
) - {"more", "less", "most", "few"}
# Grammar share for stuffing detection counts these as grammatical too.
GRAMMAR_WORDS: frozenset[str] = (
    FUNCTION_WORDS
    | NEGATIONS
    | {
        "in",
        "out",
        "over",
        "under",
        "up",
        "down",
        "other",
        "same",
        "before",
        "after",
        "not",
        "more",
        "less",
        "most",
        "few",
        "only",
        "rather",
        "instead",
    }
)

_APOSTROPHES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": " - ",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_CONTRACTIONS = (
    (re.compile(r"\bcan't\b"), "can not"),
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\bshan't\b"), "shall not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'(s|re|ve|ll|d|m)\b"), ""),
)
_CAMEL = re.compile(r"\b[a-z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\b")
"""A camelCase identifier ("wordCount", "maxNewTokens"): split into its words. Names that
start with a capital ("LoRA", "ReLU", "PyTorch", "LangChain") stay one word, so they match
however the answer capitalises them ("lora", "langchain")."""
_CAMEL_PART = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z][a-z0-9]*|[0-9]+|\n|[.!?;:,()\[\]{}]| - ")
_WORD = re.compile(r"\d+(?:\.\d+)?|[a-z0-9]+")
_CLAUSE_WORDS = frozenset(
    {"because", "but", "whereas", "while", "although", "though", "however", "unless"}
)
"""Conjunctions that open a new clause (negation and swaps are read within a clause)."""
_SENTENCE_END = frozenset({".", "!", "?", "\n"})
_CLAUSE_END = frozenset({";", ":", ",", "(", ")", "[", "]", "{", "}", " - "})


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_ROMAN_TYPE = re.compile(r"\b(type|phase|class|tier|level|stage)\s+(iv|iii|ii|i)\b")
""""Type I" and "type II" errors: the numeral is the claim, not the pronoun "I"."""


def fold(text: str) -> str:
    """Casefold, strip accents (NFKD), unify quotes and dashes, expand n't contractions."""
    text = text[:MAX_CHARS].translate(_APOSTROPHES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    return _ROMAN_TYPE.sub(lambda m: f"{m.group(1)} {_ROMAN[m.group(2)]}", text)


_NO_ACRONYM = re.compile(r"\b[Nn]o-?([A-Z]{2,})(?=s?\b)")
"""A term built on "No" and an acronym ("NoSQL", "No-SQL") is one word, not a negation."""


def _split_camel(text: str) -> str:
    # "wordCount" -> "word Count", "snake_case" -> "snake case": identifiers in coding answers.
    text = _NO_ACRONYM.sub(lambda m: "no" + m.group(1).lower(), text[:MAX_CHARS])
    text = text.replace("_", " ")
    return _CAMEL.sub(lambda m: _CAMEL_PART.sub(" ", m.group(0)), text)


def words(text: str) -> list[str]:
    """Folded word tokens, number words as digits ("two" -> "2"), punctuation dropped."""
    return [NUMBER_WORDS.get(w, w) for w in _WORD.findall(fold(_split_camel(text)))]


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The Snowball English stem of a folded word (cached)."""
    if _STEMMER is not None:
        return str(_STEMMER.stemWord(word))
    return _fallback_stem(word)


_ABLE = ("abl", "ibl")


@lru_cache(maxsize=65_536)
def root(stem_: str) -> str:
    """A stem with the "-able"/"-ible" that Snowball keeps removed, and a final "e" dropped,
    so that "reusability", "reusable" and "reuse" share "reus", "scalable" and "scale" share
    "scal". Roots shorter than 4 letters are not cut ("capable", "table" keep their stem)."""
    out = stem_
    if out.endswith(_ABLE) and len(out) - 3 >= 4:
        out = out[:-3]
    if out.endswith("e") and len(out) - 1 >= 4:
        out = out[:-1]
    return out


def same_root(a: str, b: str) -> bool:
    """Whether two different stems are one word with and without "-able"/"-ible" ("reusabl"
    and "reus"); unrelated stems that merely share a root ("state", "stat") are not."""
    return a != b and (a.endswith(_ABLE) != b.endswith(_ABLE)) and root(a) == root(b)


def _fallback_stem(word: str) -> str:  # pragma: no cover - only without snowballstemmer
    for suffix in (
        "ization",
        "isation",
        "ations",
        "ation",
        "ness",
        "ments",
        "ment",
        "ingly",
        "ings",
        "ing",
        "edly",
        "ies",
        "ied",
        "ed",
        "es",
        "ly",
        "er",
        "s",
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True, slots=True)
class Token:
    word: str
    stem: str
    sentence: int
    clause: int
    """Index of the clause (split at , ; : brackets, dashes and sentence ends)."""
    grammar: bool
    negation: bool
    diminisher: bool = False


def tokenize(text: str, max_tokens: int = 800) -> list[Token]:
    """Word tokens of `text` with their sentence and clause, at most `max_tokens` of them."""
    out: list[Token] = []
    sentence = 0
    clause = 0
    for raw in _TOKEN.findall(fold(_split_camel(text))):
        if raw in _SENTENCE_END:
            if out and out[-1].sentence == sentence:
                sentence += 1
                clause += 1
            continue
        if raw in _CLAUSE_END:
            if out and out[-1].clause == clause:
                clause += 1
            continue
        word = NUMBER_WORDS.get(raw, raw)
        if word in _CLAUSE_WORDS and out and out[-1].clause == clause:
            clause += 1
        out.append(
            Token(
                word=word,
                stem=stem(word),
                sentence=sentence,
                clause=clause,
                grammar=word in GRAMMAR_WORDS,
                negation=word in NEGATIONS,
                diminisher=word in DIMINISHERS,
            )
        )
        if len(out) >= max_tokens:
            break
    return _terms_not_negations(out)


_FALSE_TERMS = frozenset(
    ["positive", "positives", "negative", "negatives", "alarm", "alarms", "hit", "hits"]
)


def _terms_not_negations(tokens: list[Token]) -> list[Token]:
    """Negation words that are part of a term deny nothing: "false positives"; "fail" denies
    only as "fails to" ("the invoice that fails a check goes to review", "fail over")."""
    for i, tok in enumerate(tokens[:-1]):
        if not tok.negation:
            continue
        nxt = tokens[i + 1].word
        if (tok.word == "false" and nxt in _FALSE_TERMS) or (
            tok.word.startswith("fail") and nxt != "to"
        ):
            tokens[i] = replace(tok, negation=False, grammar=False)
    return tokens


_ARTICLE = re.compile(r"^(?:a|an|the)\s+")


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def normalise_phrase(text: str) -> str:
    """Canonical form of a short answer: folded, no punctuation, hyphens as spaces, number
    words as digits, no leading article, simple plurals singular
    ("The Transformers!" -> "transformer")."""
    # Options and accepted answers are normalised on every grade: remember the short ones.
    if len(text) <= _CACHED_PHRASE_CHARS:
        return _normalise_phrase_cached(text)
    return _normalise_phrase(text)


def _normalise_phrase(text: str) -> str:
    tokens = [_singular(w) for w in words(text)]
    phrase = " ".join(tokens)
    return _ARTICLE.sub("", phrase)


_CACHED_PHRASE_CHARS = 200
_normalise_phrase_cached = functools.lru_cache(maxsize=8192)(_normalise_phrase)
