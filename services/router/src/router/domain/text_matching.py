"""Turkish-aware keyword matching: casing, missing diacritics, morphology, place names and typos."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from router.domain.morphology import Stemmer, tokenize

# A written word starting with this mark matches that word and its inflections only, never as the
# beginning of another word ("=mera": "meramızı", not "meraklı").
EXACT_MARK = "="
# Shorter stems match a word whose snowball stem they are ("su" → "suyu", not "sunu"); longer ones
# also any word they begin ("belediye" → "belediyesinin").
MIN_PREFIX_STEM = 4
# Typos are forgiven only on words and stems this long: one edit (a swap included), two from 10.
MIN_TYPO_LENGTH = 5
LONG_TYPO_LENGTH = 10
MIN_SUBSTITUTION_LENGTH = 6
# Final consonants that soften before a vowel suffix (köpek → köpeği, kitap → kitabı, dert → derdi).
_SOFTENING = {"k": "g", "p": "b", "t": "d"}
# What a place name of each kind also says about the petition.
PLACE_KIND_WORDS = {"village": "koy", "neighbourhood": "mahalle"}

__all__ = ["EXACT_MARK", "StemIndex", "WordHit", "keyword_stems", "max_typo_edits", "tokenize"]


def max_typo_edits(length: int) -> int:
    """Returns how many edits (rapidfuzz's OSA distance: a swap is one) a stem of this length forgives."""
    if length < MIN_TYPO_LENGTH:
        return 0
    return 1 if length < LONG_TYPO_LENGTH else 2


def within_one_edit(a: str, b: str) -> bool:
    """Returns whether a and b differ by at most one insertion, deletion, substitution or swap."""
    return OSA.distance(a, b, score_cutoff=1) <= 1


def keyword_stems(written: str) -> list[str]:
    """Returns the stems of a written keyword, exact-only words keeping their leading mark."""
    stems: list[str] = []
    for word in written.split():
        exact = word.startswith(EXACT_MARK)
        stems.extend(EXACT_MARK + part if exact else part for part in tokenize(word))
    return stems


@dataclass(frozen=True, slots=True)
class WordHit:
    """One stem found in one token; `typo` tells it was matched with one edit."""

    stem: int
    typo: bool


class StemIndex:
    """Finds which known stems a word matches: exactly, by its stem, as a prefix, or with a typo.

    `known_words` (search keys of real Turkish words) are never read as typos of another word;
    `places` (search keys of place names → their kind) match only stems that are themselves place
    names, so a district or village is never read as a subject word ("Selim" is not "sel"); a
    village counts as "köy", a neighbourhood as "mahalle" (PLACE_KIND_WORDS).
    """

    def __init__(
        self,
        stems: Sequence[str],
        known_words: Collection[str] = frozenset(),
        places: Mapping[str, str] | None = None,
        stemmer: Stemmer | None = None,
    ) -> None:
        self._stems = tuple(stems)
        self._known = known_words
        self._places = dict(places or {})
        self._stemmer = stemmer if stemmer is not None else Stemmer()
        self._exact: dict[str, list[int]] = {}
        self._by_stem: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._typo: dict[str, list[int]] = {}
        for stem_id, stem in enumerate(self._stems):
            if stem.startswith(EXACT_MARK):
                self._exact.setdefault(stem[1:], []).append(stem_id)
                self._by_stem.setdefault(stem[1:], []).append(stem_id)
                continue
            self._exact.setdefault(stem, []).append(stem_id)
            if len(stem) < MIN_PREFIX_STEM:
                self._by_stem.setdefault(stem, []).append(stem_id)
                continue
            for form in self._forms(stem):
                self._prefix.setdefault(form, []).append(stem_id)
            if len(stem) >= MIN_TYPO_LENGTH:
                self._typo.setdefault(stem[0], []).append(stem_id)
        self._longest = max((len(stem) for stem in self._stems), default=0) + 2
        self._memo: dict[str, tuple[WordHit, ...]] = {}

    @staticmethod
    def _forms(stem: str) -> tuple[str, ...]:
        last = stem[-1:]
        if last in _SOFTENING:
            softened = stem[:-1] + _SOFTENING[last]
            if stem.endswith("nk"):
                softened = stem[:-1] + "g"
            return (stem, softened)
        return (stem,)

    def clear_memo(self) -> None:
        """Forgets the per-word results kept for speed."""
        self._memo.clear()
        self._stemmer.clear_memo()

    def place(self, token: str) -> str | None:
        """Returns the place name the word is, maybe with a suffix ("kagizmanda" → kagizman), or None."""
        if token in self._places:
            return token
        for length in range(max(5, len(token) - 5), len(token)):
            if token[:length] in self._places:
                return token[:length]
        return None

    def hits(self, token: str, written: str | None = None) -> tuple[WordHit, ...]:
        """Returns the stems this word matches; typo matches only when nothing matched exactly.

        `token` is the word's search key, `written` its Turkish lower-case form (default: the key).
        """
        key = token if written is None else written
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        place = self.place(token)
        if place is not None:
            implied = PLACE_KIND_WORDS.get(self._places[place], "")
            stem_ids = sorted(
                {*self._exact.get(token, ()), *self._exact.get(place, ()), *self._exact.get(implied, ())}
            )
            found = tuple(WordHit(stem_id, typo=False) for stem_id in stem_ids)
        else:
            found = self._exact_hits(token, key)
            if not found and len(token) >= MIN_TYPO_LENGTH and token not in self._known:
                found = self._typo_hits(token)
        if len(self._memo) < 200_000:
            self._memo[key] = found
        return found

    def _exact_hits(self, token: str, written: str) -> tuple[WordHit, ...]:
        stem_ids = list(self._exact.get(token, ()))
        stemmed = self._stemmer.stem(written)
        stem_ids.extend(self._by_stem.get(stemmed, ()))
        # Snowball sometimes strips into a short stem ("günü" → "g"): a three-letter stem still
        # matches a word it begins when at most two letters follow and the stemmer cut deeper.
        head = token[:3]
        if len(token) - 3 <= 2 and head.startswith(stemmed) and head in self._by_stem:
            stem_ids.extend(i for i in self._by_stem[head] if not self._stems[i].startswith(EXACT_MARK))
        for length in range(MIN_PREFIX_STEM, min(len(token), self._longest) + 1):
            stem_ids.extend(self._prefix.get(token[:length], ()))
        return tuple(WordHit(stem_id, typo=False) for stem_id in sorted(set(stem_ids)))

    def _typo_hits(self, token: str) -> tuple[WordHit, ...]:
        # A changed first letter makes another word ("bakacak", "yakacak"): only stems of the
        # same first letter are candidates.
        found = [
            WordHit(stem_id, typo=True)
            for stem_id in self._typo.get(token[0], ())
            if self._close(token, self._stems[stem_id])
        ]
        return tuple(found)

    def _close(self, token: str, stem: str) -> bool:
        size = len(stem)
        edits = max_typo_edits(size)
        for length in range(max(MIN_TYPO_LENGTH - 1, size - edits), min(size + edits, len(token)) + 1):
            head, rest = token[:length], token[length:]
            # On five-letter stems a changed letter too often makes another word ("zaman" is
            # not "saman"): there only swapped, missing or extra letters are forgiven.
            if length == size < MIN_SUBSTITUTION_LENGTH and sorted(head) != sorted(stem):
                continue
            if OSA.distance(head, stem, score_cutoff=edits) > edits:
                continue
            # What follows the typo must be a suffix: the stemmer strips it from the word written
            # right, so "karabekir" is not read as "karla" + "bekir".
            if not rest:
                return True
            stemmed = self._stemmer.stem(stem + rest)
            if len(stemmed) <= size and stemmed.startswith(stem[: size - 1]):
                return True
        return False
