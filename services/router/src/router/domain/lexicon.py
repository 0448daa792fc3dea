"""The words the router knows besides its table: real Turkish words and the place names of Kars."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from router.domain.morphology import tokenize

WORDS_RESOURCE = "turkish-words.txt"
PLACES_RESOURCE = "kars-places.txt"


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Search keys of known Turkish words (never typos) and of place names (never subjects)."""

    known_words: frozenset[str]
    places: Mapping[str, str]

    @classmethod
    def empty(cls) -> Lexicon:
        """Returns a lexicon that knows no word and no place."""
        return cls(frozenset(), {})

    @classmethod
    def load_default(cls) -> Lexicon:
        """Returns the lexicon bundled with the router (router/data/)."""
        return cls(
            frozenset(read_lines(WORDS_RESOURCE)),
            {key: kind for line in read_lines(PLACES_RESOURCE) for key, kind in place_keys(line)},
        )


def read_lines(resource: str) -> list[str]:
    """Returns the non-comment, non-blank lines of a bundled data file."""
    text = resources.files("router.data").joinpath(resource).read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def place_keys(line: str) -> list[tuple[str, str]]:
    """Returns (search key, kind) of a "name|kind" line, the name as one word ("Yeni Mahalle")."""
    name, _, kind = line.partition("|")
    words = tokenize(name)
    return [("".join(words), kind.strip() or "place")] if words else []
