"""Finding a table's keywords and phrases in a petition and scoring each rule's evidence."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from router.domain.emphasis import weighted_words
from router.domain.lexicon import Lexicon
from router.domain.rule_table import RuleSpec, Weights
from router.domain.text_matching import StemIndex, WordHit, keyword_stems

# Words of a phrase may stand this many tokens apart ("köy yolu", "köyümüzün ana yolu").
_PHRASE_GAP = 2


@dataclass(frozen=True, slots=True)
class MatchedKeyword:
    """A keyword found in the text; `shown` is how the explanation names it."""

    typo: bool
    shown: str
    # Inside a longer keyword's match ("ders" in "odam dershanem"): counts for `requires` and
    # `excludes`, not as evidence of its own.
    shadowed: bool = False
    # How much the clause it stands in counts (router.domain.emphasis): 1 for the request itself.
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class _RuleKeys:
    scored: tuple[tuple[int, float], ...]
    requires: tuple[tuple[int, ...], ...]
    excludes: tuple[int, ...]


class KeywordMatcher:
    """Compiles every keyword of a table once and matches them all against a text."""

    def __init__(self, rules: Sequence[RuleSpec], weights: Weights, lexicon: Lexicon | None = None) -> None:
        self._weights = weights
        self._written: list[str] = []
        self._phrases: list[tuple[int, ...]] = []
        self._stem_ids: dict[str, int] = {}
        self._keyword_ids: dict[tuple[int, ...], int] = {}
        self._by_first_stem: dict[int, list[int]] = {}
        self._rule_keys: list[_RuleKeys] = []
        self._rules_of_keyword: dict[int, list[int]] = {}
        for rule_index, rule in enumerate(rules):
            weighted = [(self._keyword(word), weights.keyword) for word in rule.keywords]
            weighted += [(self._keyword(word), weights.hint) for word in rule.hints]
            # A keyword written twice in a rule counts once, with its first weight.
            scored = tuple({keyword_id: weight for keyword_id, weight in reversed(weighted)}.items())
            for keyword_id, _ in scored:
                owners = self._rules_of_keyword.setdefault(keyword_id, [])
                if rule_index not in owners:
                    owners.append(rule_index)
            self._rule_keys.append(
                _RuleKeys(
                    scored=scored,
                    requires=tuple(tuple(self._keyword(word) for word in group) for group in rule.requires),
                    excludes=tuple(self._keyword(word) for word in rule.excludes),
                )
            )
        stems = sorted(self._stem_ids, key=self._stem_ids.__getitem__)
        known = lexicon if lexicon is not None else Lexicon.empty()
        self._index = StemIndex(stems, known.known_words, known.places)

    def _keyword(self, written: str) -> int:
        words = keyword_stems(written)
        if not words:
            raise ValueError(f"keyword {written!r} has no letters")
        phrase = tuple(self._stem_ids.setdefault(word, len(self._stem_ids)) for word in words)
        keyword_id = self._keyword_ids.get(phrase)
        if keyword_id is None:
            keyword_id = len(self._phrases)
            self._keyword_ids[phrase] = keyword_id
            self._phrases.append(phrase)
            self._written.append(written)
            self._by_first_stem.setdefault(phrase[0], []).append(keyword_id)
        return keyword_id

    def clear_memo(self) -> None:
        """Forgets the per-word match results kept for speed."""
        self._index.clear_memo()

    def match(self, text: str) -> dict[int, MatchedKeyword]:
        """Returns the keywords found in the text by id, exact matches preferred over typos."""
        words = weighted_words(text)
        tokens = [token for token, _, _ in words]
        positions: dict[int, list[tuple[int, bool]]] = {}
        for position, (token, written, _) in enumerate(words):
            for hit in self._index.hits(token, written):
                positions.setdefault(hit.stem, []).append((position, hit.typo))
        found: dict[int, MatchedKeyword] = {}
        covered: dict[int, set[int]] = {}
        for first_stem in positions:
            for keyword_id in self._by_first_stem.get(first_stem, ()):
                phrase = self._phrases[keyword_id]
                span = self._find(phrase, positions)
                if span is None:
                    continue
                typo, start, end = span
                shown = self._written[keyword_id]
                if typo:
                    shown = f"{shown}~{' '.join(tokens[start : end + 1])}"
                if len(phrase) == 1:
                    covered[keyword_id] = {position for position, _ in positions[first_stem]}
                else:
                    covered[keyword_id] = set(range(start, end + 1))
                weight = max(words[position][2] for position in covered[keyword_id])
                found[keyword_id] = MatchedKeyword(typo, shown, weight=weight)
        return self._longest_matches(found, covered)

    def _longest_matches(
        self, found: dict[int, MatchedKeyword], covered: dict[int, set[int]]
    ) -> dict[int, MatchedKeyword]:
        # A keyword whose every word lies inside a longer keyword's match is part of that one
        # ("ders" in "odam dershanem"), not evidence of its own.
        sizes = {keyword_id: len(self._written[keyword_id]) for keyword_id in found}
        return {
            keyword_id: MatchedKeyword(match.typo, match.shown, shadowed=True, weight=match.weight)
            if any(
                sizes[other] > sizes[keyword_id] and covered[keyword_id] <= covered[other]
                for other in found
                if other != keyword_id
            )
            else match
            for keyword_id, match in found.items()
        }

    @staticmethod
    def _find(
        phrase: tuple[int, ...], positions: dict[int, list[tuple[int, bool]]]
    ) -> tuple[bool, int, int] | None:
        best: tuple[bool, int, int] | None = None
        for start, start_typo in positions[phrase[0]]:
            current, typo = start, start_typo
            for stem in phrase[1:]:
                following = [
                    (pos, hit_typo)
                    for pos, hit_typo in positions.get(stem, ())
                    if current < pos <= current + _PHRASE_GAP
                ]
                if not following:
                    break
                current, next_typo = min(following, key=lambda item: (item[1], item[0]))
                typo = typo or next_typo
            else:
                if best is None or (best[0] and not typo):
                    best = (typo, start, current)
                if not typo:
                    return best
        return best

    def rules_with_evidence(self, matches: dict[int, MatchedKeyword]) -> list[int]:
        """Returns the indexes, in table order, of rules with a keyword or hint in the matches."""
        rules: set[int] = set()
        for keyword_id in matches:
            rules.update(self._rules_of_keyword.get(keyword_id, ()))
        return sorted(rules)

    def evidence(self, rule_index: int, matches: dict[int, MatchedKeyword]) -> RuleEvidence | None:
        """Returns what the text shows for one rule; None when excluded or a requirement is unmet."""
        keys = self._rule_keys[rule_index]
        if any(keyword_id in matches for keyword_id in keys.excludes):
            return None
        weighted: dict[int, float] = {}
        has_keyword = False
        for keyword_id, weight in keys.scored:
            found = matches.get(keyword_id)
            if found is not None and not found.shadowed:
                # A phrase is as strong as its words together ("taşımalı eğitim" = 2 keywords).
                strength = weight * len(self._phrases[keyword_id]) * found.weight
                weighted[keyword_id] = strength * (self._weights.typo_factor if found.typo else 1.0)
                has_keyword = has_keyword or weight >= self._weights.keyword
        if not has_keyword:
            return None
        required: list[int] = []
        for group in keys.requires:
            hit = next((key for key in group if key in matches), None)
            if hit is None:
                return None
            required.append(hit)
        bonus = self._weights.requirement * len(required)
        return RuleEvidence(weighted, tuple(required), bonus)

    def shown(self, keyword_ids: Iterable[int], matches: dict[int, MatchedKeyword]) -> list[str]:
        """Returns how the explanation names these matched keywords, in the given order."""
        return [matches[keyword_id].shown for keyword_id in keyword_ids]


@dataclass(frozen=True, slots=True)
class RuleEvidence:
    """A rule's matched keywords with their weights, the requirements met and their bonus."""

    weighted: dict[int, float]
    required: tuple[int, ...]
    requirement_bonus: float

    @property
    def score(self) -> float:
        """Returns the rule's own keyword score."""
        return sum(self.weighted.values()) + self.requirement_bonus


__all__ = ["KeywordMatcher", "MatchedKeyword", "RuleEvidence", "WordHit"]
