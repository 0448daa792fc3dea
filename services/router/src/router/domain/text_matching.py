"""Turkish-aware keyword matching: casing, missing diacritics, suffixes and small typos."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from acikkapi_shared.turkish import search_key

_TOKEN = re.compile(r"[a-z0-9]+")
# A written word starting with this mark matches that whole word only ("=koyun": not "koyunlar").
EXACT_MARK = "="
# Shorter stems match whole words with a known suffix ("su" → "suyu"); longer ones any ending.
MIN_PREFIX_STEM = 4
# Typos (one edit, swap included) are forgiven only on words and stems this long.
MIN_TYPO_LENGTH = 5
MIN_SUBSTITUTION_LENGTH = 6
# Final consonants that soften before a vowel suffix (köpek → köpeği, kitap → kitabı, dert → derdi).
_SOFTENING = {"k": "g", "p": "b", "t": "d"}
# Frequent petition words that must never be read as typos of a keyword.
_NOT_TYPOS_TEXT = """
lütfen sayın saygılarımla arz ederim ediyorum istiyorum olarak kadar yardımcı sorun sorunu
sorunumuz durum durumu konusunda hakkında gereğinin bilgilerinize teşekkür yıllardır günlerdir
aylardır haftalardır birkaç burada orada şimdi herkes hiçbir değil olmuyor yapılmadı yapılsın
rağmen beri sonra önce içinde vatandaş vatandaşlar zaman
"""
_NOT_TYPOS = frozenset(search_key(word) for word in _NOT_TYPOS_TEXT.split())


def _short_stem_suffixes(vowel_final: bool) -> frozenset[str]:
    # Stems of 1-3 letters would match too much as prefixes ("su" → "sunu"), so they take the
    # usual Turkish suffixes explicitly (folded, both vowel harmonies, overgenerating a little).
    if vowel_final:
        possessives = ["", "yu", "yi", "yum", "yim", "yumuz", "yimiz", "yun", "yin", "lar", "ler"]
        possessives += ["lari", "leri", "larimiz", "lerimiz", "suz", "siz", "lu", "li"]
        cases = ["", "yu", "yi", "ya", "ye", "da", "de", "dan", "den", "yla", "yle", "daki", "deki"]
    else:
        possessives = ["", "i", "u", "im", "um", "imiz", "umuz", "in", "un", "iniz", "unuz"]
        possessives += ["leri", "lari", "ler", "lar", "lerimiz", "larimiz", "li", "lu", "lik"]
        possessives += ["luk", "siz", "suz"]
        cases = ["", "i", "u", "e", "a", "de", "da", "te", "ta", "den", "dan", "ten", "tan", "in"]
        cases += ["un", "le", "la", "deki", "daki", "teki", "taki", "ki"]
    buffered = ["na", "ne", "nda", "nde", "ndan", "nden", "ni", "nu", "nin", "nun", "ndaki"]
    forms = {owner + case for owner in possessives for case in cases}
    forms |= {owner + case for owner in possessives if owner[-1:] and owner[-1] in "iu" for case in buffered}
    return frozenset(forms)


_SHORT_SUFFIXES = {True: _short_stem_suffixes(True), False: _short_stem_suffixes(False)}
_THIRD_PERSON = frozenset(
    "s" + owner + case
    for owner in ("i", "u")
    for case in ("", "ne", "na", "nde", "nda", "nden", "ndan", "ni", "nu", "nin", "nun")
)
_TYPO_SUFFIXES = _SHORT_SUFFIXES[True] | _SHORT_SUFFIXES[False] | _THIRD_PERSON


def tokenize(text: str) -> list[str]:
    """Returns the search-key words of a text ("Belediye'den" → ["belediye", "den"])."""
    return _TOKEN.findall(search_key(text))


def keyword_stems(written: str) -> list[str]:
    """Returns the stems of a written keyword, exact-only words keeping their leading mark."""
    stems: list[str] = []
    for word in written.split():
        exact = word.startswith(EXACT_MARK)
        stems.extend(EXACT_MARK + part if exact else part for part in tokenize(word))
    return stems


def within_one_edit(a: str, b: str) -> bool:
    """Returns whether a and b differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la < lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < lb and a[i] == b[i]:
        i += 1
    if la > lb:
        return a[i + 1 :] == b[i:]
    if a[i + 1 :] == b[i + 1 :]:
        return True
    return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]


def _deletions(word: str) -> Iterable[str]:
    return (word[:i] + word[i + 1 :] for i in range(len(word)))


@dataclass(frozen=True, slots=True)
class WordHit:
    """One stem found in one token; `typo` tells it was matched with one edit."""

    stem: int
    typo: bool


class StemIndex:
    """Finds which known stems a token matches, exactly, with suffixes, or with one typo."""

    def __init__(self, stems: Sequence[str]) -> None:
        self._stems = tuple(stems)
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._typo: dict[str, set[int]] = {}
        for stem_id, stem in enumerate(self._stems):
            if stem.startswith(EXACT_MARK):
                self._exact.setdefault(stem[1:], []).append(stem_id)
                continue
            if len(stem) < MIN_PREFIX_STEM:
                for suffix in _SHORT_SUFFIXES[stem[-1] in "aeiou"]:
                    self._exact.setdefault(stem + suffix, []).append(stem_id)
                continue
            for form in self._forms(stem):
                self._prefix.setdefault(form, []).append(stem_id)
            if len(stem) >= MIN_TYPO_LENGTH:
                for key in (stem, *_deletions(stem)):
                    self._typo.setdefault(key, set()).add(stem_id)
        self._longest = max((len(stem) for stem in self._stems), default=0) + 1
        self._memo: dict[str, tuple[WordHit, ...]] = {}

    @staticmethod
    def _forms(stem: str) -> tuple[str, ...]:
        last = stem[-1:]
        if len(stem) >= MIN_PREFIX_STEM and last in _SOFTENING:
            softened = stem[:-1] + _SOFTENING[last]
            if stem.endswith("nk"):
                softened = stem[:-1] + "g"
            return (stem, softened)
        return (stem,)

    def clear_memo(self) -> None:
        """Forgets the per-token results kept for speed."""
        self._memo.clear()

    def hits(self, token: str) -> tuple[WordHit, ...]:
        """Returns the stems this token matches; typo matches only when nothing matched exactly."""
        cached = self._memo.get(token)
        if cached is not None:
            return cached
        found = self._exact_hits(token)
        if not found and len(token) >= MIN_TYPO_LENGTH and token not in _NOT_TYPOS:
            found = self._typo_hits(token)
        if len(self._memo) < 200_000:
            self._memo[token] = found
        return found

    def _exact_hits(self, token: str) -> tuple[WordHit, ...]:
        stem_ids = list(self._exact.get(token, ()))
        for length in range(MIN_PREFIX_STEM, min(len(token), self._longest) + 1):
            stem_ids.extend(self._prefix.get(token[:length], ()))
        return tuple(WordHit(stem_id, typo=False) for stem_id in sorted(set(stem_ids)))

    def _typo_hits(self, token: str) -> tuple[WordHit, ...]:
        candidates: set[int] = set()
        for length in range(MIN_TYPO_LENGTH - 1, min(len(token), self._longest) + 1):
            head = token[:length]
            for key in (head, *_deletions(head)):
                candidates.update(self._typo.get(key, ()))
        found = [
            WordHit(stem_id, typo=True)
            for stem_id in sorted(candidates)
            if self._close(token, self._stems[stem_id])
        ]
        return tuple(found)

    @staticmethod
    def _close(token: str, stem: str) -> bool:
        # The typo must sit in the stem itself: what follows it has to be a usual suffix, so
        # "karabekir" is not read as "karla" + "bekir".
        size = len(stem)
        if token[0] != stem[0]:
            return False  # a changed first letter makes another word ("bakacak", "yakacak")
        for length in (size - 1, size, size + 1):
            if not MIN_TYPO_LENGTH - 1 <= length <= len(token) or token[length:] not in _TYPO_SUFFIXES:
                continue
            head = token[:length]
            # On five-letter stems a changed letter too often makes another word ("zaman" is
            # not "saman"): there only swapped, missing or extra letters are forgiven.
            if length == size < MIN_SUBSTITUTION_LENGTH and sorted(head) != sorted(stem):
                continue
            if within_one_edit(head, stem):
                return True
        return False
