"""Where the point of a petition is: the weight of each of its words, by the clause it stands in.

A petition asks for one thing and often mentions others on the way: thanks for a past service
("kömür yardımı geldi sağolsun"), what is fine ("SGK'dan bir şikayetim yok"), the part before a
"but" ("…, ama yolda tuz atılmıyor"), an add-on ("Ayrıca…", "bir de…", "bu arada…"). Those
clauses weigh less than the request itself; a petition that is all thanks keeps full weight (it
thanks someone, and that is its point).
"""

from __future__ import annotations

import re

from router.domain.morphology import written_words

PASSING = 0.35  # thanks, what is fine, the part before "ama"
ADD_ON = 0.6  # "ayrıca", "bir de", "bu arada"
FULL = 1.0

_SENTENCE = re.compile(r"[.!?;\n]+|\s[-–]\s")
_BUT = frozenset({"ama", "ancak", "fakat", "lakin"})
_PASSING_WORDS = frozenset(
    {"tesekkur", "tesekkurler", "tesekkurederiz", "sagolsun", "sagolsunlar", "sagolun", "sukur"}
)
_FINE = (("sorun", "yok"), ("sikayetim", "yok"), ("sikayetimiz", "yok"), ("isim", "bitti"), ("tamam",))
_ADD_ON_STARTS = (("ayrica",), ("bir", "de"), ("bide",), ("bu", "arada"), ("birde",))


def weighted_words(text: str) -> list[tuple[str, str, float]]:
    """Returns (search key, written form, weight) of every word of the text, in order."""
    clauses: list[tuple[list[tuple[str, str]], float]] = []
    for sentence in _SENTENCE.split(text):
        words = written_words(sentence)
        parts = _split_at_but(words)
        for number, part in enumerate(parts):
            before_but = number < len(parts) - 1
            clauses.append((part, PASSING if before_but else _clause_weight([t for t, _ in part])))
    if not any(weight == FULL for words, weight in clauses if words):
        return [(token, written, FULL) for words, _ in clauses for token, written in words]
    return [(token, written, weight) for words, weight in clauses for token, written in words]


def _split_at_but(words: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    parts: list[list[tuple[str, str]]] = [[]]
    for token, written in words:
        if token in _BUT and parts[-1]:
            parts.append([])
        parts[-1].append((token, written))
    return parts


def _clause_weight(tokens: list[str]) -> float:
    present = set(tokens)
    if _PASSING_WORDS & present or any(
        phrase[0] in present and _contains(tokens, phrase) for phrase in _FINE
    ):
        return PASSING
    if any(tuple(tokens[: len(start)]) == start for start in _ADD_ON_STARTS):
        return ADD_ON
    return FULL


def _contains(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(tokens[i : i + size]) == phrase for i in range(len(tokens) - size + 1))
