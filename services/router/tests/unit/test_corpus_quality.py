"""The router on the independent Kars corpus's test part, and the committed model's reproducibility."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from router.domain.classifier import Classifier
from router.domain.combined import Router
from router.evaluation import evaluate, load_corpus
from router.training import fit, load_examples, train

DATA = Path(__file__).parent / "data" / "kars_corpus" / "petitions.jsonl"
ROUTER = Router.load_default()
TEST = load_corpus(DATA, "test")


def test_the_committed_model_is_what_training_produces() -> None:
    arrays, meta = train()
    committed = Classifier.load_default()
    assert meta["version"] == committed.version
    assert meta["vocabulary"] == committed.meta["vocabulary"]
    assert meta["classes"] == committed.meta["classes"]
    assert meta["calibration"] == committed.meta["calibration"]
    assert np.allclose(arrays["coef"].T.ravel(), np.asarray(committed._coef), atol=1e-9)
    assert np.allclose(arrays["idf"], np.asarray(committed._idf), atol=1e-12)


def test_the_pure_python_inference_equals_scikit_learns_predict_proba_on_the_test_part() -> None:
    vectorizer, model = fit(load_examples())
    committed = Classifier.load_default()
    assert [str(label) for label in model.classes_] == list(committed.classes)
    documents = [(p.request.text, p.request.district) for p in TEST]
    documents += [("yol yol yol yolu kapandı kapandı, köy yolu", "SARIKAMIS"), ("", ""), ("!!!", "NOWHERE")]
    expected = model.predict_proba(vectorizer.transform(documents))
    got = np.asarray([committed.probabilities(text, district) for text, district in documents])
    assert np.abs(got - expected).max() < 1e-9


def test_the_test_part_was_never_trained_on() -> None:
    assert len(TEST) >= 200
    assert {p.split for p in TEST} == {"test"}


def test_combining_with_the_model_makes_wrong_institutions_rarer_than_the_table_alone() -> None:
    table_alone = evaluate(ROUTER.table.route, TEST)
    combined = evaluate(ROUTER.route, TEST)
    assert combined.wrong_rate < table_alone.wrong_rate / 2
    assert combined.unclear_to_institution < table_alone.unclear_to_institution


@pytest.mark.xfail(strict=True, reason="not met yet: 65% of clear test petitions correct, 1 wrong in 20")
def test_the_test_part_meets_the_issue_targets() -> None:
    report = evaluate(ROUTER.route, TEST)
    assert report.accuracy_clear >= 0.92
    assert report.unclear_to_institution == 0
    assert report.wrong_rate < 1 / 50
