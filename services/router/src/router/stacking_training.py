"""Fits the combiner of the table and the classifier (router.domain.stacking) on held-out predictions.

The classifier's probabilities come from 5-fold cross-validation (router.training.out_of_fold), so the
combiner learns how far a model that has not seen a petition can be trusted. It is fitted only on
petitions of the independent corpora: the table was written beside the project's own labelled petitions
and is right on nearly all of them, which would teach the combiner to trust it more than it deserves.
Its calibration (isotonic) and the triage threshold come from a second cross-validation of the
combiner itself over those petitions: every score they are fitted on is of a petition the combiner did
not see.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from acikkapi_shared.reference import TRIAGE_INSTITUTION, kars
from router.domain.classifier import Prediction
from router.domain.routing import RoutingDecision, RoutingRequest, RoutingTable
from router.domain.stacking import FEATURES, Context, Curve, Prior, candidate_features
from router.training import Example, Ranked, folds

# Wrong institutions allowed among the decisions that are not triage, with a margin under 1 in 50.
TARGET_WRONG_RATE = 0.015
# A small ensemble: 30 trees of depth 3 routed as many held-out petitions as 100, at a sixth of the cost
# per decision; leaves of at least 30 candidates keep it from learning single petitions.
ENSEMBLE = {"max_iter": 30, "learning_rate": 0.15, "max_depth": 3, "min_samples_leaf": 30}
CandidateRows = list[tuple[str, list[float]]]


def opinions(
    example: Example, ranked: Ranked, table: RoutingTable
) -> tuple[RoutingDecision, Prediction, Context]:
    """Returns the table's decision, the model's (roles resolved) and the context of one petition."""
    request = RoutingRequest(example.topic, example.district, example.type, example.text)
    district = table.district_code(example.district) or ""
    roles = {f"${role}": code for role, code in table.spec.district_roles.get(district, {}).items()}
    prediction = Prediction.of([roles.get(label, label) for label, _ in ranked], [p for _, p in ranked])
    context = Context(
        table.topic_code(example.topic) or "",
        table.type_code(example.type) or "",
        len(example.text.split()),
    )
    return table.route(request), prediction, context


def priors(examples: Sequence[Example], contexts: Sequence[Context]) -> tuple[Prior, Prior]:
    """Returns how often each topic and each type went with each institution in these examples."""
    codes = sorted(kars().institutions)
    topic = Prior.count([(c.topic, e.expected) for e, c in zip(examples, contexts, strict=True)], codes)
    kind = Prior.count([(c.type, e.expected) for e, c in zip(examples, contexts, strict=True)], codes)
    return topic, kind


def _rows(
    opinion: tuple[RoutingDecision, Prediction], context: Context, topic: Prior, kind: Prior
) -> CandidateRows:
    return candidate_features(opinion[0], opinion[1], context, topic, kind)


def _fit(rows: Sequence[CandidateRows], expected: Sequence[str]) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    features = [f for candidates in rows for _, f in candidates]
    right = [code == want for candidates, want in zip(rows, expected, strict=True) for code, _ in candidates]
    model = HistGradientBoostingClassifier(**ENSEMBLE, early_stopping=False, random_state=0)
    return model.fit(np.asarray(features), np.asarray(right))


def _best(rows: CandidateRows, model: Any) -> tuple[str, float]:
    scores = model.predict_proba(np.asarray([f for _, f in rows]))[:, 1]
    best = int(np.argmax(scores))
    return rows[best][0], float(scores[best])


def ensemble_meta(model: Any) -> dict[str, Any]:
    """Returns the fitted trees as data: per node [feature or -1 (leaf), threshold, left, right, value]."""
    trees = [
        [
            [
                -1 if node["is_leaf"] else int(node["feature_idx"]),
                float(node["num_threshold"]),
                int(node["left"]),
                int(node["right"]),
                float(node["value"]),
            ]
            for node in predictor.nodes
        ]
        for predictors in model._predictors
        for predictor in predictors
    ]
    return {"baseline": float(model._baseline_prediction[0][0]), "trees": trees}


def centred_steps(xs: Sequence[float], ys: Sequence[float]) -> Curve:
    """Returns the isotonic fit as a line through the centres of its steps.

    Isotonic regression is a staircase: every score on one step gets the same confidence, so a threshold
    could only fall between whole steps (on held-out training petitions the lowest step allowed at
    1 in 67 wrong routed a tenth fewer petitions than a threshold on the score). Joined at their centres
    the steps keep the combiner's order of the decisions and still follow observed accuracy.
    """
    centres: list[float] = []
    levels: list[float] = []
    start = 0
    while start < len(xs):
        end = start
        while end + 1 < len(xs) and ys[end + 1] == ys[start]:
            end += 1
        centres.append(round((xs[start] + xs[end]) / 2, 9))
        levels.append(round(ys[start], 9))
        start = end + 1
    return Curve(tuple(centres), tuple(levels))


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


def held_out_combiner(
    examples: Sequence[Example],
    contexts: Sequence[Context],
    opinions_of: Sequence[tuple[RoutingDecision, Prediction]],
) -> list[tuple[str, float]]:
    """Returns, for each independent example (in order), the best candidate and its score when the
    combiner and the priors were fitted without it."""
    independent = [i for i, example in enumerate(examples) if example.independent]
    chosen: dict[int, tuple[str, float]] = {}
    for train_index, held_index in folds([examples[i] for i in independent], seed=1):
        held = {independent[i] for i in held_index}
        known = [i for i in range(len(examples)) if i not in held]
        topic, kind = priors([examples[i] for i in known], [contexts[i] for i in known])
        fitted = [independent[i] for i in train_index]
        rows = {i: _rows(opinions_of[i], contexts[i], topic, kind) for i in (*fitted, *held)}
        model = _fit([rows[i] for i in fitted], [examples[i].expected for i in fitted])
        for i in held:
            chosen[i] = _best(rows[i], model)
    return [chosen[i] for i in independent]


def fit_combiner(
    examples: Sequence[Example], held_out: Sequence[Ranked], table: RoutingTable
) -> dict[str, Any]:
    """Returns the combiner's metadata: weights, priors, calibration curve, threshold, held-out figures."""
    from sklearn.isotonic import IsotonicRegression

    decided = [opinions(e, ranked, table) for e, ranked in zip(examples, held_out, strict=True)]
    contexts = [context for _, _, context in decided]
    opinions_of = [(rule, prediction) for rule, prediction, _ in decided]
    chosen = held_out_combiner(examples, contexts, opinions_of)
    expected = [example.expected for example in examples if example.independent]
    # Calibrated on every petition's best candidate (triage too: the staff sees its confidence); the
    # threshold only among those that would be routed.
    pairs = [(score, code == want) for (code, score), want in zip(chosen, expected, strict=True)]
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit([score for score, _ in pairs], [float(right) for _, right in pairs])
    curve = centred_steps(iso.X_thresholds_.tolist(), iso.y_thresholds_.tolist())
    calibrated = [
        (curve(score), right)
        for (score, right), (code, _) in zip(pairs, chosen, strict=True)
        if code != TRIAGE_INSTITUTION
    ]
    threshold = choose_threshold(calibrated)
    topic, kind = priors(examples, contexts)
    independent = [i for i, example in enumerate(examples) if example.independent]
    rows = [_rows(opinions_of[i], contexts[i], topic, kind) for i in independent]
    model = _fit(rows, expected)
    kept = [right for confidence, right in calibrated if confidence >= threshold]
    return {
        "features": list(FEATURES),
        "ensemble": ensemble_meta(model),
        "topic_prior": _rounded(topic.to_meta()),
        "type_prior": _rounded(kind.to_meta()),
        "curve": {"x": list(curve.xs), "y": list(curve.ys)},
        "threshold": threshold,
        "held_out": {"petitions": len(expected), "routed": len(kept), "wrong": kept.count(False)},
    }


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value
