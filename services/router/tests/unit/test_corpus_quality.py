"""The router on the independent Kars corpora's test parts, and the committed model's reproducibility."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from acikkapi_shared.reference import kars
from router.domain.classifier import Classifier
from router.domain.combined import Router
from router.evaluation import calibration_gaps, evaluate, load_corpus
from router.training import document, fit, load_examples, read_items, train

CORPUS = Path(__file__).parent / "data" / "kars_corpus"
ROUTER = Router.load_default()
TEST = load_corpus(CORPUS / "petitions.jsonl", "test")
TEST2 = load_corpus(CORPUS / "petitions_b2.jsonl", "test2")
PARTS = {"test": TEST, "test2": TEST2}
# Largest gap allowed between a confidence bin's mean confidence and its observed accuracy, for bins of
# at least MIN_BIN decisions; with ~20-150 decisions a bin, one or two petitions move a bin by that much.
CALIBRATION_TOLERANCE = 0.10
MIN_BIN = 20


def test_the_committed_model_is_what_training_produces() -> None:
    arrays, meta = train()
    committed = Classifier.load_default()
    assert meta["version"] == committed.version
    assert meta["vocabulary"] == committed.meta["vocabulary"]
    assert meta["classes"] == committed.meta["classes"]
    assert meta["combiner"] == committed.meta["combiner"]
    assert np.allclose(arrays["coef"].T.ravel(), np.asarray(committed._coef), atol=1e-9)
    assert np.allclose(arrays["idf"], np.asarray(committed._idf), atol=1e-12)


def test_the_pure_python_inference_equals_scikit_learns_predict_proba_on_the_test_part() -> None:
    examples = load_examples()
    vectorizer, model = fit(examples)
    committed = Classifier.load_default()
    assert [str(label) for label in model.classes_] == list(committed.classes)
    documents = [document(p.as_example()) for p in TEST]
    documents += [
        ("yol yol yol yolu kapandı kapandı, köy yolu", "SARIKAMIS", "ULASIM"),
        ("", "", ""),
        ("!!!", "NOWHERE", "NOTHING"),
    ]
    expected = model.predict_proba(vectorizer.transform(documents))
    got = np.asarray([committed.probabilities(*doc) for doc in documents])
    assert np.abs(got - expected).max() < 1e-9


def test_the_combiner_is_fitted_on_every_independent_corpus_and_on_nothing_else() -> None:
    corpora = sorted(CORPUS.glob("petitions*.jsonl"))
    written = Counter(
        (item["text"], item["expected"]) for path in corpora for item in read_items(path, "train")
    )
    independent = Counter((e.text, e.expected) for e in load_examples() if e.independent)
    assert [path.name for path in corpora] == ["petitions.jsonl", "petitions_b2.jsonl", "petitions_b3.jsonl"]
    assert independent == written


@pytest.mark.parametrize("split", PARTS)
def test_the_test_parts_were_never_trained_on(split: str) -> None:
    trained = {(example.text, example.district) for example in load_examples()}
    part = PARTS[split]
    assert len(part) >= 200
    assert {p.split for p in part} == {split}
    assert not [p.id for p in part if (p.request.text, p.request.district) in trained]


def test_the_outsiders_petitions_were_never_trained_on_and_cover_every_institution() -> None:
    outsider = load_corpus(CORPUS / "outsider_120.jsonl", "outsider")
    trained = {(example.text, example.district) for example in load_examples()}
    assert len(outsider) == 120
    assert not [p.id for p in outsider if (p.request.text, p.request.district) in trained]
    assert {p.expected for p in outsider} >= set(kars().institutions) - {"ACIKKAPI"}


def test_the_blind_labels_cover_every_corpus_petition_once_with_valid_codes() -> None:
    # bench/route_human.py scores them as a router; a petition left out would pass as triage.
    corpora = ("petitions.jsonl", "petitions_b2.jsonl", "petitions_b3.jsonl")
    ids = [item["id"] for name in corpora for item in read_items(CORPUS / name, None)]
    labels = [json.loads(line) for line in (CORPUS / "blind_labels.jsonl").read_text("utf-8").splitlines()]
    assert [label["id"] for label in labels] == ids
    assert {label["expected"] for label in labels} <= set(kars().institutions)
    assert all(label["expected"] == "ACIKKAPI" for label in labels if label["clear"] is False)


@pytest.mark.parametrize("split", PARTS)
def test_combining_with_the_model_makes_wrong_institutions_rarer_than_the_table_alone(split: str) -> None:
    table_alone = evaluate(ROUTER.table.route, PARTS[split])
    combined = evaluate(ROUTER.route, PARTS[split])
    assert combined.wrong_rate < table_alone.wrong_rate / 2
    assert combined.unclear_to_institution < table_alone.unclear_to_institution


@pytest.mark.parametrize("split", PARTS)
def test_the_confidence_matches_the_observed_accuracy_on_the_test_parts(split: str) -> None:
    report = evaluate(ROUTER.route, PARTS[split])
    # Every petition's most likely institution with its confidence (routed or not: the whole range),
    # and the decisions that were routed.
    for table in (report.suggestions, report.reliability):
        gaps = calibration_gaps(table, MIN_BIN)
        assert gaps, "no confidence bin holds enough decisions to judge"
        assert max(abs(gap) for gap in gaps.values()) <= CALIBRATION_TOLERANCE, gaps


@pytest.mark.xfail(
    strict=True,
    reason="not met: clear petitions routed right 74.5% (test) / 71.7% (test2) of >= 92%; unclear sent to "
    "an institution 1 (test) of 0, met on test2; wrong among routed 1 in 152 / 1 in 190 (both met)",
)
@pytest.mark.parametrize("split", PARTS)
def test_the_test_parts_meet_the_issue_targets(split: str) -> None:
    report = evaluate(ROUTER.route, PARTS[split])
    assert report.accuracy_clear >= 0.92
    assert report.unclear_to_institution == 0
    assert report.wrong_rate < 1 / 50
