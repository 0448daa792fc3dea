"""How the table's and the model's opinions are combined, with hand-set combiner weights."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from acikkapi_shared.reference import TRIAGE_INSTITUTION
from router.domain.classifier import Prediction
from router.domain.combined import DISAGREEMENT_RULE, UNCLEAR_RULE, combine
from router.domain.routing import RoutingDecision
from router.domain.stacking import FEATURES, Combiner, Context, Curve, Prior, compile_trees
from router.stacking_training import _fit, ensemble_meta

CONTEXT = Context("SAGLIK", "SIKAYET", 12)
NO_PRIOR = Prior({}, {}, 0.0)
IDENTITY = Curve((0.0, 1.0), (0.0, 1.0))


def linear(**weights: float) -> Callable[[Sequence[float]], float]:
    """Returns a scorer: the sigmoid of the named features' weighted sum."""
    unknown = set(weights) - set(FEATURES)
    assert not unknown, unknown
    values = [weights.get(name, 0.0) for name in FEATURES]
    return lambda x: 1 / (1 + math.exp(-sum(w * f for w, f in zip(values, x, strict=True))))


def combiner(threshold: float = 0.5, **weights: float) -> Combiner:
    """Returns a combiner whose score is the sigmoid of the named features' weighted sum."""
    return Combiner(linear(**weights), NO_PRIOR, NO_PRIOR, IDENTITY, threshold)


def table(institution: str, confidence: float = 0.8) -> RoutingDecision:
    return RoutingDecision(institution, "health", confidence, ("hastane",), "t1")


def guess(institution: str, confidence: float = 0.4) -> RoutingDecision:
    return RoutingDecision(
        TRIAGE_INSTITUTION,
        "no-confident-rule",
        confidence,
        ("hastane",),
        "t1",
        rule_institution=institution,
        rule_confidence=confidence,
        candidate_rule="health",
    )


def model(*ranked: tuple[str, float]) -> Prediction:
    return Prediction.of([code for code, _ in ranked], [p for _, p in ranked])


def test_table_and_model_agreeing_route_with_the_tables_rule() -> None:
    decision = combine(table("SAGLIK"), model(("SAGLIK", 0.9), ("SGK", 0.1)), combiner(p=6.0), CONTEXT, "m1")
    assert (decision.institution, decision.rule, decision.decided_by) == ("SAGLIK", "health", "agree")
    assert decision.confidence == pytest.approx(1 / (1 + math.exp(-5.4)), abs=1e-3)
    assert decision.model_version == "m1"
    assert decision.rule_institution == "SAGLIK"
    assert decision.model_top[0] == ("SAGLIK", 0.9)


def test_a_disagreement_goes_to_whichever_the_combiner_trusts() -> None:
    opinions = table("SAGLIK"), model(("SGK", 0.8), ("SAGLIK", 0.2))
    trusts_table = combine(*opinions, combiner(table_says=3.0), CONTEXT, "m1")
    trusts_model = combine(*opinions, combiner(p=6.0), CONTEXT, "m1")
    assert (trusts_table.institution, trusts_table.decided_by) == ("SAGLIK", "rules")
    assert (trusts_model.institution, trusts_model.decided_by, trusts_model.rule) == ("SGK", "model", "model")


def test_a_disagreement_below_the_threshold_goes_to_triage_saying_so() -> None:
    decision = combine(
        table("SAGLIK"), model(("SGK", 0.6), ("SAGLIK", 0.4)), combiner(0.9, p=2.0), CONTEXT, "m1"
    )
    assert decision.institution == TRIAGE_INSTITUTION
    assert decision.rule == DISAGREEMENT_RULE
    assert decision.decided_by == "triage"
    assert decision.rule_institution == "SAGLIK"  # the staff still sees both opinions
    assert decision.model_top[0] == ("SGK", 0.6)


def test_the_tables_guess_confirmed_by_the_model_routes_with_the_guessed_rule() -> None:
    decision = combine(
        guess("SAGLIK"),
        model(("SAGLIK", 0.7), ("SGK", 0.3)),
        combiner(table_guess_and_model_agree=3.0),
        CONTEXT,
        "m1",
    )
    assert (decision.institution, decision.rule, decision.decided_by) == ("SAGLIK", "health", "weak-agree")


def test_a_petition_judged_unclear_goes_to_triage_even_when_sure() -> None:
    decision = combine(
        table("SAGLIK"),
        model((TRIAGE_INSTITUTION, 0.9), ("SAGLIK", 0.1)),
        combiner(is_triage=5.0),
        CONTEXT,
        "m1",
    )
    assert decision.institution == TRIAGE_INSTITUTION
    assert decision.rule == UNCLEAR_RULE


def test_the_topic_prior_can_tip_a_close_call() -> None:
    prior = Prior.count([("SAGLIK", "SAGLIK")] * 9 + [("SAGLIK", "SGK")], ["SAGLIK", "SGK"])
    tipped = Combiner(linear(topic_prior=3.0), prior, NO_PRIOR, IDENTITY, 0.0)
    decision = combine(table("SGK"), model(("SGK", 0.5), ("SAGLIK", 0.5)), tipped, CONTEXT, "m1")
    assert decision.institution == "SAGLIK"


def test_the_prior_is_smoothed_for_unseen_pairs_and_choices() -> None:
    prior = Prior.count([("SAGLIK", "SAGLIK"), ("SAGLIK", "SAGLIK")], ["SAGLIK", "SGK"])
    assert prior("SAGLIK", "SAGLIK") == pytest.approx(math.log(2.5 / 3))
    assert prior("SAGLIK", "SGK") == pytest.approx(math.log(0.5 / 3))
    assert prior("EGITIM", "SGK") == pytest.approx(math.log(1 / 2))
    assert Prior.from_meta(prior.to_meta()) == prior


def test_the_compiled_trees_give_what_scikit_learn_predicts() -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(400, len(FEATURES)))
    right = features[:, 0] + features[:, 1] * features[:, 2] > 0.3
    candidates = [[(str(i), list(row))] for i, row in enumerate(features)]
    model = _fit(candidates, [str(i) if ok else "-" for i, ok in enumerate(right)])
    score = compile_trees(json.loads(json.dumps(ensemble_meta(model))))  # as stored in the model file
    probe = rng.normal(size=(200, len(FEATURES)))
    expected = model.predict_proba(probe)[:, 1]
    assert np.abs(np.asarray([score(list(row)) for row in probe]) - expected).max() < 1e-12


def test_a_combiner_fitted_on_other_features_is_refused() -> None:
    with pytest.raises(ValueError, match="retrain"):
        Combiner.from_meta({"features": ["p"], "weights": [1.0]})
