"""The statistical second opinion: character n-grams of the petition's words and a linear model.

Inference only, in numpy, from a model file trained by `router.training` with scikit-learn (TF-IDF of the
features below, sublinear term frequency, l2 norm; multinomial logistic regression). Institutions that
exist once per district are learnt as their role ($municipality, $kaymakamlik) and resolved with the
district, so the eight municipalities pool their petitions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from router.domain.morphology import tokenize

MODEL_RESOURCE = "router-model.npz"
META_RESOURCE = "router-model.json"
NGRAM_SIZES = (2, 3, 4, 5)
MUNICIPALITY, KAYMAKAMLIK = "$municipality", "$kaymakamlik"


def word_features(word: str) -> list[str]:
    """Returns the character n-grams of one word, with its boundaries marked ("<su>")."""
    marked = f"<{word}>"
    grams = [marked[i : i + size] for size in NGRAM_SIZES for i in range(len(marked) - size + 1)]
    return grams or [marked]


def text_features(text: str, district: str) -> list[str]:
    """Returns every feature of a petition: its words' n-grams and its district."""
    features = [f"district={district}"]
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


@dataclass(frozen=True, slots=True)
class Prediction:
    """The model's classes by probability (roles resolved to institutions), best first."""

    ranked: tuple[tuple[str, float], ...]

    @property
    def best(self) -> tuple[str, float]:
        """Returns the most probable institution and its probability."""
        return self.ranked[0]


class Classifier:
    """A trained model: vocabulary, idf, coefficients and the calibration of its decisions."""

    def __init__(self, arrays: Mapping[str, npt.NDArray[Any]], meta: Mapping[str, Any]) -> None:
        self.version: str = meta["version"]
        self.meta = dict(meta)
        self._classes: list[str] = list(meta["classes"])
        self._vocabulary = {feature: index for index, feature in enumerate(meta["vocabulary"])}
        self._idf = np.asarray(arrays["idf"], dtype=np.float64)
        # Coefficients by feature (rows), so a petition's features select rows.
        self._coef = np.ascontiguousarray(np.asarray(arrays["coef"], dtype=np.float64).T)
        self._intercept = np.asarray(arrays["intercept"], dtype=np.float64)
        self._memo: dict[str, tuple[int, ...]] = {}

    @classmethod
    def load_default(cls) -> Classifier:
        """Returns the model bundled with the router (router/data/router-model.*)."""
        files = resources.files("router.data")
        meta = json.loads(files.joinpath(META_RESOURCE).read_text("utf-8"))
        with files.joinpath(MODEL_RESOURCE).open("rb") as stream, np.load(stream) as arrays:
            return cls({name: arrays[name] for name in arrays.files}, meta)

    def clear_memo(self) -> None:
        """Forgets the per-word features kept for speed."""
        self._memo.clear()

    def _feature_ids(self, text: str, district: str) -> dict[int, int]:
        counts: dict[int, int] = {}
        district_id = self._vocabulary.get(f"district={district}")
        if district_id is not None:
            counts[district_id] = 1
        for word in tokenize(text):
            ids = self._memo.get(word)
            if ids is None:
                ids = tuple(i for i in map(self._vocabulary.get, word_features(word)) if i is not None)
                if len(self._memo) < 200_000:
                    self._memo[word] = ids
            for feature_id in ids:
                counts[feature_id] = counts.get(feature_id, 0) + 1
        return counts

    def probabilities(self, text: str, district: str) -> npt.NDArray[np.float64]:
        """Returns the probability of each class (the model's own labels), in `classes` order."""
        counts = self._feature_ids(text, district)
        if counts:
            ids = np.fromiter(counts, dtype=np.intp, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
            values = tf * self._idf[ids]
            values /= math.sqrt(float(values @ values))
            scores = values @ self._coef[ids] + self._intercept
        else:
            scores = self._intercept.copy()
        scores -= scores.max()
        exp = np.exp(scores)
        result: npt.NDArray[np.float64] = exp / exp.sum()
        return result

    @property
    def classes(self) -> Sequence[str]:
        """Returns the model's labels."""
        return self._classes

    def predict(self, text: str, district: str, roles: Mapping[str, str], top: int = 3) -> Prediction:
        """Returns the best classes with their probabilities, roles resolved through `roles`."""
        probabilities = self.probabilities(text, district)
        order = np.argsort(-probabilities, kind="stable")[:top]
        ranked = tuple(
            (roles.get(self._classes[i], self._classes[i]), float(probabilities[i])) for i in order
        )
        return Prediction(ranked)
