"""The statistical second opinion: character n-grams of the petition's words and a linear model.

Besides the words, two context features: the district (which municipality, town or village) and the
topic the citizen chose (right about nine times in ten, and the text overrides it when it is not).

Inference only, in pure Python (no numpy: the CLI must start fast), from a model file trained by
`router.training` with scikit-learn (TF-IDF of the features below, raw term counts, l2 norm;
multinomial logistic regression). Institutions that exist once per district are learnt as their role
($municipality, $kaymakamlik) and resolved with the district, so the eight municipalities pool their
petitions.

A linear model over TF-IDF features is a sum of weight rows: with v_f = c_f * idf_f for the c_f
occurrences of feature f, the scores are (sum_f v_f * W_f) / |v| + b, and sum_f v_f * W_f is the sum
over the words of each word's own sum of idf_f * W_f. That sum (and its idf_f squared) is computed once
per word and remembered, so a petition costs one vector addition per word; only |v| needs the n-grams
that occur more than once (c_f squared, not c_f, times idf_f squared).
"""

from __future__ import annotations

import json
import math
import sys
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

from router.domain.morphology import tokenize

MODEL_RESOURCE = "router-model.bin"
META_RESOURCE = "router-model.json"
NGRAM_SIZES = (2, 3, 4, 5)
MUNICIPALITY, KAYMAKAMLIK = "$municipality", "$kaymakamlik"
_MEMO_LIMIT = 200_000


def word_features(word: str) -> list[str]:
    """Returns the character n-grams of one word, with its boundaries marked ("<su>")."""
    marked = f"<{word}>"
    grams = [marked[i : i + size] for size in NGRAM_SIZES for i in range(len(marked) - size + 1)]
    return grams or [marked]


def context_features(district: str, topic: str) -> list[str]:
    """Returns the features of what the citizen chose besides the text ("=" is in no word's n-gram)."""
    return [f"district={district}", f"topic={topic}"]


def text_features(text: str, district: str, topic: str = "") -> list[str]:
    """Returns every feature of a petition: its words' n-grams, its district and its chosen topic."""
    features = context_features(district, topic)
    for word in tokenize(text):
        features.extend(word_features(word))
    return features


def role_label(institution: str) -> str:
    """Returns the label the model learns for an institution (district ones as their role)."""
    if institution.startswith("BELEDIYE_"):
        return MUNICIPALITY
    if institution.startswith("KAYMAKAMLIK_"):
        return KAYMAKAMLIK
    return institution


def pack(
    idf: Sequence[float], coef_by_feature: Sequence[Sequence[float]], intercept: Sequence[float]
) -> bytes:
    """Returns the model file's bytes: little-endian float64 idf, weight rows by feature, intercepts."""
    values = array("d", idf)
    for row in coef_by_feature:
        values.extend(row)
    values.extend(intercept)
    if sys.byteorder != "little":
        values.byteswap()
    return values.tobytes()


@dataclass(frozen=True, slots=True)
class Prediction:
    """The model's classes by probability (roles resolved to institutions), best first."""

    ranked: tuple[tuple[str, float], ...]  # the best few
    probabilities: Mapping[str, float]  # every class

    @classmethod
    def of(cls, labels: Sequence[str], probabilities: Sequence[float], top: int = 3) -> Prediction:
        """Returns the prediction of institutions with these probabilities, best first.

        Two labels may name one institution (in MERKEZ the governorship acts as kaymakamlık:
        $kaymakamlik and VALILIK): their probabilities add up.
        """
        by_code = dict(zip(labels, probabilities, strict=True))
        if len(by_code) < len(labels):
            by_code = {}
            for code, p in zip(labels, probabilities, strict=True):
                by_code[code] = by_code.get(code, 0.0) + p
        ranked = sorted(by_code.items(), key=itemgetter(1), reverse=True)[:top]
        return cls(tuple(ranked), by_code)

    @property
    def best(self) -> tuple[str, float]:
        """Returns the most probable institution and its probability."""
        return self.ranked[0]

    def probability(self, institution: str) -> float:
        """Returns the model's probability of one institution (0 when it is not among its classes)."""
        return self.probabilities.get(institution, 0.0)


@dataclass(frozen=True, slots=True)
class _Word:
    ids: tuple[int, ...]  # feature ids of the word's n-grams, repeated as often as they occur
    weights: list[float]  # sum of idf_f * W_f over those
    square: float  # sum of idf_f ** 2 over those


class Classifier:
    """A trained model: vocabulary, idf, weight rows and the calibration of its decisions."""

    def __init__(self, packed: bytes, meta: Mapping[str, Any]) -> None:
        self.version: str = meta["version"]
        self.meta = dict(meta)
        self._classes: list[str] = list(meta["classes"])
        self._vocabulary = {feature: index for index, feature in enumerate(meta["vocabulary"])}
        values = array("d")
        values.frombytes(packed)
        if sys.byteorder != "little":
            values.byteswap()
        size, width = len(self._vocabulary), len(self._classes)
        if len(values) != size * (width + 1) + width:
            raise ValueError(f"model file holds {len(values)} numbers, expected {size * (width + 1) + width}")
        self._width = width
        self._idf = values[:size]
        self._coef = values[size : size * (width + 1)]  # row f: coef[f * width : (f + 1) * width]
        self._intercept = list(values[size * (width + 1) :])
        self._memo: dict[str, _Word] = {}
        self._names: dict[str, list[str]] = {}
        self._context_memo: dict[tuple[str, str], list[_Word]] = {}

    @classmethod
    def load_default(cls) -> Classifier:
        """Returns the model bundled with the router (router/data/router-model.*)."""
        files = resources.files("router.data")
        meta = json.loads(files.joinpath(META_RESOURCE).read_text("utf-8"))
        return cls(files.joinpath(MODEL_RESOURCE).read_bytes(), meta)

    @classmethod
    def load(cls, folder: Path) -> Classifier:
        """Returns the model whose file pair is in this folder."""
        meta = json.loads((folder / META_RESOURCE).read_text("utf-8"))
        return cls((folder / MODEL_RESOURCE).read_bytes(), meta)

    def clear_memo(self) -> None:
        """Forgets the per-word sums kept for speed."""
        self._memo.clear()
        self._context_memo.clear()

    def _row(self, feature_id: int) -> array[float]:
        return self._coef[feature_id * self._width : (feature_id + 1) * self._width]

    def _word(self, word: str) -> _Word:
        found = self._memo.get(word)
        if found is None:
            ids = tuple(i for i in map(self._vocabulary.get, word_features(word)) if i is not None)
            weights = [0.0] * self._width
            for feature_id in ids:
                idf = self._idf[feature_id]
                weights = [w + idf * c for w, c in zip(weights, self._row(feature_id), strict=True)]
            found = _Word(ids, weights, sum(self._idf[i] ** 2 for i in ids))
            if len(self._memo) < _MEMO_LIMIT:
                self._memo[word] = found
        return found

    def scores(self, text: str, district: str, topic: str = "") -> list[float]:
        """Returns the linear scores of each class, in `classes` order."""
        memo = self._memo
        words = [memo.get(word) or self._word(word) for word in tokenize(text)]
        words += self._contexts(district, topic)
        ids = list(chain.from_iterable(word.ids for word in words))
        if not ids:
            return list(self._intercept)
        vectors = [word.weights for word in words]
        square = sum(word.square for word in words)
        # An n-gram occurring c times adds c² idf² to |v|², not c idf². Counted at once: a petition of
        # a few words nearly always repeats one (a set to find out first cost as much again).
        counts = Counter(ids)
        if len(counts) != len(ids):
            idf = self._idf
            for feature_id, count in counts.items():
                if count > 1:
                    square += (count * count - count) * idf[feature_id] ** 2
        norm = math.sqrt(square)
        return [t / norm + b for t, b in zip(map(sum, zip(*vectors)), self._intercept)]  # noqa: B905

    def _contexts(self, district: str, topic: str) -> list[_Word]:
        found = self._context_memo.get((district, topic))
        if found is None:
            found = [w for w in map(self._context, context_features(district, topic)) if w is not None]
            if len(self._context_memo) < 10_000:
                self._context_memo[(district, topic)] = found
        return found

    def _context(self, key: str) -> _Word | None:
        found = self._memo.get(key)  # "=" is in no word, so no word's key
        if found is None:
            feature_id = self._vocabulary.get(key)
            if feature_id is None:
                return None
            idf = self._idf[feature_id]
            found = _Word((feature_id,), [idf * c for c in self._row(feature_id)], idf * idf)
            self._memo[key] = found
        return found

    def probabilities(self, text: str, district: str, topic: str = "") -> list[float]:
        """Returns the probability of each class (the model's own labels), in `classes` order."""
        scores = self.scores(text, district, topic)
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return [e / total for e in exp]

    @property
    def classes(self) -> Sequence[str]:
        """Returns the model's labels."""
        return self._classes

    def predict(
        self, text: str, district: str, roles: Mapping[str, str], topic: str = "", top: int = 3
    ) -> Prediction:
        """Returns the best classes and every class's probability, roles resolved through `roles`."""
        probabilities = self.probabilities(text, district, topic)
        names = self._names.get(district)
        if names is None:  # the roles are the district's: resolved once per district
            names = self._names[district] = [roles.get(label, label) for label in self._classes]
        return Prediction.of(names, probabilities, top)
