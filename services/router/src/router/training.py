"""Trains the router's classifier with scikit-learn and writes router/data/router-model.{bin,json}.

Run: uv run python -m router.training   (a test checks that the committed model is what this produces).
Training data: the project's labelled petitions and the train part of the independent Kars corpus
(services/router/tests/unit/data/); the corpus's test part is never read here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from router.domain.classifier import (
    META_RESOURCE,
    MODEL_RESOURCE,
    NGRAM_SIZES,
    pack,
    role_label,
    text_features,
)
from router.domain.routing import DEFAULT_TABLE_RESOURCE

DATA_DIR = Path(__file__).parent / "data"
TESTS_DATA = Path(__file__).parents[2] / "tests" / "unit" / "data"
SOURCES = (("labelled_petitions.jsonl", None), ("kars_corpus/petitions.jsonl", "train"))
REGULARISATION = 20.0
MIN_DOCUMENT_FREQUENCY = 2
FOLDS = 5


@dataclass(frozen=True, slots=True)
class Example:
    """One training petition."""

    text: str
    district: str
    topic: str
    type: str
    expected: str


def load_examples(data_dir: Path = TESTS_DATA) -> list[Example]:
    """Returns the training petitions, in file order."""
    examples = []
    for name, split in SOURCES:
        for line in (data_dir / name).read_text("utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if split is not None and item["set"] != split:
                continue
            examples.append(
                Example(item["text"], item["district"], item["topic"], item["type"], item["expected"])
            )
    return examples


def _analyse(document: tuple[str, str]) -> list[str]:
    return text_features(document[0], document[1])


def fit(examples: Sequence[Example]) -> tuple[Any, Any]:
    """Returns the fitted vectorizer and logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=_analyse, sublinear_tf=True, min_df=MIN_DOCUMENT_FREQUENCY)
    matrix = vectorizer.fit_transform([(example.text, example.district) for example in examples])
    model = LogisticRegression(C=REGULARISATION, solver="saga", tol=1e-3, max_iter=5000, random_state=0)
    model.fit(matrix, [role_label(example.expected) for example in examples])
    return vectorizer, model


def out_of_fold(examples: Sequence[Example]) -> list[tuple[str, float, list[tuple[str, float]]]]:
    """Returns, for every example, the model's best label and probability when trained without it."""
    from sklearn.model_selection import StratifiedKFold

    labels = [role_label(example.expected) for example in examples]
    counts = {label: labels.count(label) for label in labels}
    strata = [label if counts[label] >= FOLDS else "rare" for label in labels]
    result: list[tuple[str, float, list[tuple[str, float]]]] = [("", 0.0, [])] * len(examples)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    for train_index, held_index in folds.split(np.zeros(len(examples)), strata):
        vectorizer, model = fit([examples[i] for i in train_index])
        held = [(examples[i].text, examples[i].district) for i in held_index]
        probabilities = model.predict_proba(vectorizer.transform(held))
        for row, i in enumerate(held_index):
            order = np.argsort(-probabilities[row], kind="stable")[:3]
            ranked = [(str(model.classes_[j]), float(probabilities[row][j])) for j in order]
            result[i] = (ranked[0][0], ranked[0][1], ranked)
    return result


def model_arrays(vectorizer: Any, model: Any) -> tuple[dict[str, npt.NDArray[Any]], dict[str, Any]]:
    """Returns the arrays and the metadata of the model file."""
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    arrays = {
        "idf": np.asarray(vectorizer.idf_, dtype=np.float64),
        "coef": np.asarray(model.coef_, dtype=np.float64),
        "intercept": np.asarray(model.intercept_, dtype=np.float64),
    }
    meta = {
        "classes": [str(label) for label in model.classes_],
        "vocabulary": vocabulary,
        "params": {"ngram_sizes": list(NGRAM_SIZES), "C": REGULARISATION, "min_df": MIN_DOCUMENT_FREQUENCY},
    }
    return arrays, meta


def data_digest(data_dir: Path = TESTS_DATA) -> str:
    """Returns a digest of the training files, parameters and routing table: the model's version."""
    digest = hashlib.sha256()
    for name, split in SOURCES:
        digest.update(f"{name}:{split}\n".encode())
        digest.update((data_dir / name).read_bytes())
    digest.update(f"{NGRAM_SIZES}{REGULARISATION}{MIN_DOCUMENT_FREQUENCY}".encode())
    # The calibration is fitted on the bundled table's decisions: a table change is a new model.
    digest.update((Path(__file__).parent / "rules" / DEFAULT_TABLE_RESOURCE).read_bytes())
    return digest.hexdigest()[:12]


def save(arrays: dict[str, npt.NDArray[Any]], meta: dict[str, Any], target: Path = DATA_DIR) -> None:
    """Writes the model file pair (the weights as packed float64, read without numpy)."""
    packed = pack(arrays["idf"].tolist(), arrays["coef"].T.tolist(), arrays["intercept"].tolist())
    (target / MODEL_RESOURCE).write_bytes(packed)
    (target / META_RESOURCE).write_text(json.dumps(meta, ensure_ascii=False, indent=0) + "\n", "utf-8")


# Wrong institutions allowed among the decisions that are not triage, with a margin under 1 in 50.
TARGET_WRONG_RATE = 0.015


def calibrate(
    examples: Sequence[Example], folds: Sequence[tuple[str, float, list[tuple[str, float]]]]
) -> dict[str, Any]:
    """Returns the isotonic curves per kind of agreement and the threshold, from held-out predictions."""
    from sklearn.isotonic import IsotonicRegression

    from router.domain.classifier import Prediction
    from router.domain.combined import agreement
    from router.domain.routing import RoutingRequest, RoutingTable

    table = RoutingTable.load_default()
    samples: dict[str, list[tuple[float, bool]]] = {}
    for example, (_, _, ranked) in zip(examples, folds, strict=True):
        request = RoutingRequest(example.topic, example.district, example.type, example.text)
        district = table.district_code(example.district) or ""
        roles = {f"${role}": code for role, code in table.spec.district_roles.get(district, {}).items()}
        prediction = Prediction(tuple((roles.get(label, label), p) for label, p in ranked))
        kind, institution, probability = agreement(table.route(request), prediction)
        if kind is not None:
            samples.setdefault(kind, []).append((probability, institution == example.expected))
    curves: dict[str, dict[str, list[float]]] = {}
    calibrated: list[tuple[float, bool]] = []
    for kind, pairs in sorted(samples.items()):
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        iso.fit([p for p, _ in pairs], [float(right) for _, right in pairs])
        curves[kind] = {
            "x": [round(float(x), 6) for x in iso.X_thresholds_],
            "y": [round(float(y), 6) for y in iso.y_thresholds_],
        }
        calibrated += [(float(iso.predict([p])[0]), right) for p, right in pairs]
    return {"curves": curves, "threshold": choose_threshold(calibrated), "samples": len(calibrated)}


def coverage_curve(pairs: Sequence[tuple[float, bool]]) -> list[tuple[float, int, int]]:
    """Returns (threshold, decisions kept, wrong among them) for every distinct confidence."""
    ordered = sorted(pairs, key=lambda pair: -pair[0])
    curve, wrong = [], 0
    for index, (confidence, right) in enumerate(ordered):
        wrong += not right
        if index + 1 == len(ordered) or ordered[index + 1][0] != confidence:
            curve.append((confidence, index + 1, wrong))
    return curve


def choose_threshold(pairs: Sequence[tuple[float, bool]]) -> float:
    """Returns the lowest confidence whose kept decisions have at most TARGET_WRONG_RATE wrong."""
    best = 1.0
    for threshold, kept, wrong in coverage_curve(pairs):
        if wrong / kept <= TARGET_WRONG_RATE:
            best = threshold
    return round(best, 6)


def train(data_dir: Path = TESTS_DATA) -> tuple[dict[str, npt.NDArray[Any]], dict[str, Any]]:
    """Returns the model file's arrays and metadata, trained from the data files."""
    examples = load_examples(data_dir)
    folds = out_of_fold(examples)
    vectorizer, model = fit(examples)
    arrays, meta = model_arrays(vectorizer, model)
    meta["version"] = data_digest(data_dir)
    meta["calibration"] = calibrate(examples, folds)
    meta["examples"] = len(examples)
    return arrays, meta


def main() -> None:
    """Trains and writes the model files."""
    arrays, meta = train()
    save(arrays, meta)
    print(f"model {meta['version']}: {len(meta['vocabulary'])} features, {len(meta['classes'])} classes")
    print(f"threshold {meta['calibration']['threshold']}")


if __name__ == "__main__":
    main()
