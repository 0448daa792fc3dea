"""Trains the router's classifier with scikit-learn and writes router/data/router-model.{bin,json}.

Run: uv run python -m router.training   (a test checks that the committed model is what this produces).
Training data: the project's labelled petitions and the train parts of the independent Kars corpora
(services/router/tests/unit/data/kars_corpus/); their test parts are never read here. The combiner of
the table and the model, its calibration and the triage threshold are fitted on held-out predictions of
the independent train petitions only (router.stacking_training).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
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
from router.domain.lexicon import PLACES_RESOURCE
from router.domain.routing import DEFAULT_TABLE_RESOURCE, RoutingTable

DATA_DIR = Path(__file__).parent / "data"
TESTS_DATA = Path(__file__).parents[2] / "tests" / "unit" / "data"
# (file, the split read from it or None for all, whether its writer never saw the routing table).
OFFICE_EXAMPLES = "office_routings.jsonl"  # the office's hand routings (`acikkapi route learn --write`)
SOURCES = (
    ("labelled_petitions.jsonl", None, False),
    ("kars_corpus/petitions.jsonl", "train", True),
    ("kars_corpus/petitions_b2.jsonl", "train", True),
    ("kars_corpus/petitions_b3.jsonl", "train", True),  # every petition of the third corpus is train
    # Not independent: the office routes by hand what the router could not, a sample of hard cases
    # whose share would mislead the combiner's calibration.
    (OFFICE_EXAMPLES, None, False),
)
REGULARISATION = 20.0
MIN_DOCUMENT_FREQUENCY = 2
# Raw term counts: a sum of per-word rows at inference (sublinear counts needed a correction per
# repeated n-gram, a tenth of a decision's time) and no worse on held-out training petitions.
SUBLINEAR_TF = False
FOLDS = 5

Ranked = list[tuple[str, float]]  # the model's labels (roles unresolved) by probability, best first


@dataclass(frozen=True, slots=True)
class Example:
    """One training petition."""

    text: str
    district: str
    topic: str
    type: str
    expected: str
    independent: bool = False  # written without reading the table: fit for calibrating the combiner
    id: str = ""


def read_items(path: Path, split: str | None) -> list[dict[str, Any]]:
    """Returns the JSON lines of a petitions file (of one split, or all), in file order."""
    items = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [item for item in items if split is None or item["set"] == split]


def read_examples(path: Path, split: str | None, independent: bool) -> list[Example]:
    """Returns the petitions of one file (of one split, or all), in file order."""
    return [
        Example(
            item["text"],
            item["district"],
            item["topic"],
            item["type"],
            item["expected"],
            independent,
            item.get("id", ""),
        )
        for item in read_items(path, split)
    ]


def sources(data_dir: Path = TESTS_DATA) -> list[tuple[Path, str | None, bool]]:
    """Returns the training files that exist (a corpus not yet written is skipped)."""
    return [
        (data_dir / name, split, independent)
        for name, split, independent in SOURCES
        if (data_dir / name).exists()
    ]


def load_examples(data_dir: Path = TESTS_DATA) -> list[Example]:
    """Returns the training petitions, in file order."""
    return [example for source in sources(data_dir) for example in read_examples(*source)]


def _analyse(document: tuple[str, str, str]) -> list[str]:
    return text_features(*document)


@cache
def bundled_table() -> RoutingTable:
    """Returns the bundled routing table, loaded once."""
    return RoutingTable.load_default()


def document(example: Example) -> tuple[str, str, str]:
    """Returns what the classifier reads of a petition: text, district code and topic code."""
    table = bundled_table()
    district = table.district_code(example.district) or ""
    return example.text, district, table.topic_code(example.topic) or ""


def fit(examples: Sequence[Example]) -> tuple[Any, Any]:
    """Returns the fitted vectorizer and logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=_analyse, sublinear_tf=SUBLINEAR_TF, min_df=MIN_DOCUMENT_FREQUENCY)
    matrix = vectorizer.fit_transform([document(example) for example in examples])
    model = LogisticRegression(C=REGULARISATION, solver="saga", tol=1e-3, max_iter=5000, random_state=0)
    model.fit(matrix, [role_label(example.expected) for example in examples])
    return vectorizer, model


def folds(examples: Sequence[Example], seed: int = 0) -> list[tuple[Any, Any]]:
    """Returns the stratified folds (train indices, held-out indices) of the examples."""
    from sklearn.model_selection import StratifiedKFold

    labels = [role_label(example.expected) for example in examples]
    counts = {label: labels.count(label) for label in labels}
    strata = [label if counts[label] >= FOLDS else "rare" for label in labels]
    splitter = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(examples)), strata))


def out_of_fold(examples: Sequence[Example]) -> list[Ranked]:
    """Returns, for every example, every label of the model by probability when trained without it."""
    result: list[Ranked] = [[] for _ in examples]
    for train_index, held_index in folds(examples):
        vectorizer, model = fit([examples[i] for i in train_index])
        held = [document(examples[i]) for i in held_index]
        probabilities = model.predict_proba(vectorizer.transform(held))
        for row, i in enumerate(held_index):
            order = np.argsort(-probabilities[row], kind="stable")
            result[i] = [(str(model.classes_[j]), float(probabilities[row][j])) for j in order]
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


def data_digest(data_dir: Path = TESTS_DATA, extra: Sequence[Path] = ()) -> str:
    """Returns a digest of the training files, parameters and routing table: the model's version."""
    digest = hashlib.sha256()
    for path, split, _ in sources(data_dir):
        digest.update(f"{path.relative_to(data_dir)}:{split}\n".encode())
        digest.update(path.read_bytes())
    for path in extra:
        digest.update(path.read_bytes())
    # The code that trains the model and fits the combiner is part of what the model is.
    for code in ("training.py", "stacking_training.py", "domain/stacking.py"):
        digest.update((Path(__file__).parent / code).read_bytes())
    # The combiner is fitted on the bundled table's decisions: a change of the table or of the place
    # names it reads is a new model.
    digest.update((Path(__file__).parent / "rules" / DEFAULT_TABLE_RESOURCE).read_bytes())
    digest.update((DATA_DIR / PLACES_RESOURCE).read_bytes())
    return digest.hexdigest()[:12]


def save(arrays: dict[str, npt.NDArray[Any]], meta: dict[str, Any], target: Path = DATA_DIR) -> None:
    """Writes the model file pair (the weights as packed float64, read without numpy)."""
    packed = pack(arrays["idf"].tolist(), arrays["coef"].T.tolist(), arrays["intercept"].tolist())
    (target / MODEL_RESOURCE).write_bytes(packed)
    (target / META_RESOURCE).write_text(json.dumps(meta, ensure_ascii=False, indent=0) + "\n", "utf-8")


def train_on(
    examples: Sequence[Example], table: RoutingTable | None = None
) -> tuple[dict[str, npt.NDArray[Any]], dict[str, Any]]:
    """Returns the model file's arrays and metadata trained on these examples (no version set), the
    combiner fitted on the decisions of `table` (default: the bundled one)."""
    from router.stacking_training import fit_combiner

    held_out = out_of_fold(examples)
    vectorizer, model = fit(examples)
    arrays, meta = model_arrays(vectorizer, model)
    meta["combiner"] = fit_combiner(examples, held_out, table or bundled_table())
    meta["examples"] = len(examples)
    return arrays, meta


def train(data_dir: Path = TESTS_DATA) -> tuple[dict[str, npt.NDArray[Any]], dict[str, Any]]:
    """Returns the model file's arrays and metadata, trained from the data files."""
    arrays, meta = train_on(load_examples(data_dir))
    meta["version"] = data_digest(data_dir)
    return arrays, meta


def main() -> None:
    """Trains and writes the model files."""
    arrays, meta = train()
    save(arrays, meta)
    combiner = meta["combiner"]
    print(f"model {meta['version']}: {len(meta['vocabulary'])} features, {len(meta['classes'])} classes")
    print(f"threshold {combiner['threshold']} (held-out: {combiner['held_out']})")


if __name__ == "__main__":
    main()
