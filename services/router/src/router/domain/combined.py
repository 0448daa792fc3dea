"""The decision of the router: the routing table and the classifier together, with calibrated confidence.

Both must point to the same institution, or the table has no opinion and the model alone is confident;
anything else (they disagree, neither is confident) goes to the office's triage queue. The confidence of a
decision is a probability fitted on held-out petitions (isotonic, per kind of agreement), and the triage
threshold was chosen on their coverage-vs-accuracy curve (router.training).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from acikkapi_shared.reference import TRIAGE_INSTITUTION
from router.domain.classifier import Classifier, Prediction
from router.domain.routing import RoutingDecision, RoutingRequest, RoutingTable

AGREE, WEAK_AGREE, MODEL_ALONE = "agree", "weak-agree", "model-alone"
DISAGREEMENT_RULE = "rules-and-model-disagree"
MODEL_RULE = "model"


@dataclass(frozen=True, slots=True)
class Curve:
    """A monotone map from the model's probability to observed accuracy (linear between points)."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]

    def __call__(self, value: float) -> float:
        if not self.xs:
            return 0.0
        if value <= self.xs[0]:
            return self.ys[0]
        if value >= self.xs[-1]:
            return self.ys[-1]
        i = bisect.bisect_right(self.xs, value)
        x0, x1, y0, y1 = self.xs[i - 1], self.xs[i], self.ys[i - 1], self.ys[i]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (value - x0) / (x1 - x0)


@dataclass(frozen=True, slots=True)
class Calibration:
    """How a decision's confidence is read and where triage begins."""

    curves: Mapping[str, Curve]
    threshold: float

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> Calibration:
        """Returns the calibration stored in the model's metadata."""
        curves = {
            kind: Curve(tuple(points["x"]), tuple(points["y"])) for kind, points in meta["curves"].items()
        }
        return cls(curves, float(meta["threshold"]))


def agreement(rule: RoutingDecision, prediction: Prediction) -> tuple[str | None, str, float]:
    """Returns the kind of agreement (None: they disagree), the proposed institution and the model's p.

    A table below its own threshold still names its best candidate (`rule_institution`): the model
    agreeing with it is WEAK_AGREE; the model naming another one, or the table having nothing, is
    MODEL_ALONE (the table is not confident, so the model may decide if it is).
    """
    model_institution, probability = prediction.best
    model_names_one = model_institution != TRIAGE_INSTITUTION and not model_institution.startswith("$")
    if not rule.triaged:
        if model_institution == rule.institution:
            return AGREE, rule.institution, probability
        return None, rule.institution, probability
    if not model_names_one:
        return None, TRIAGE_INSTITUTION, probability
    if rule.rule_institution == model_institution:
        return WEAK_AGREE, model_institution, probability
    return MODEL_ALONE, model_institution, probability


def combine(
    rule: RoutingDecision, prediction: Prediction, calibration: Calibration, version: str
) -> RoutingDecision:
    """Returns the decision of the table and the model together."""
    kind, institution, probability = agreement(rule, prediction)
    confidence, decided_by = 0.0, "triage"
    if kind is None:
        institution, rule_id = TRIAGE_INSTITUTION, rule.rule if rule.triaged else DISAGREEMENT_RULE
    else:
        calibrated = calibration.curves[kind](probability)
        confidence = round(calibrated, 3)
        if calibrated < calibration.threshold:
            institution, rule_id = TRIAGE_INSTITUTION, rule.rule if rule.triaged else "low-confidence"
        else:
            rule_id = {AGREE: rule.rule, WEAK_AGREE: rule.candidate_rule}.get(kind, MODEL_RULE)
            decided_by = kind
    return replace(
        rule,
        institution=institution,
        rule=rule_id,
        confidence=confidence,
        decided_by=decided_by,
        rule_institution=rule.rule_institution or rule.institution,
        rule_confidence=rule.confidence,
        model_top=tuple((code, round(p, 3)) for code, p in prediction.ranked),
        model_version=version,
    )


class Router:
    """Routes with the table and the classifier; the same interface as RoutingTable."""

    def __init__(self, table: RoutingTable, classifier: Classifier) -> None:
        self.table = table
        self.classifier = classifier
        self.version = table.version
        self.model_version = classifier.version
        self.spec = table.spec
        self._calibration = Calibration.from_meta(classifier.meta["calibration"])
        self._roles: dict[str, dict[str, str]] = {}

    @classmethod
    def load_default(cls) -> Router:
        """Returns the bundled table with the bundled model."""
        return cls(RoutingTable.load_default(), Classifier.load_default())

    def clear_match_memo(self) -> None:
        """Forgets the per-word results kept for speed (decisions do not change)."""
        self.table.clear_match_memo()
        self.classifier.clear_memo()

    def predict(self, request: RoutingRequest) -> Prediction:
        """Returns the model's opinion alone."""
        district = self.table.district_code(request.district) or ""
        resolved = self._roles.get(district)
        if resolved is None:
            roles = self.table.spec.district_roles.get(district, {})
            resolved = self._roles[district] = {f"${role}": code for role, code in roles.items()}
        return self.classifier.predict(request.text, district, resolved)

    def route(self, request: RoutingRequest) -> RoutingDecision:
        """Returns the decision for one request."""
        return combine(
            self.table.route(request), self.predict(request), self._calibration, self.model_version
        )


def reliability(pairs: Sequence[tuple[float, bool]]) -> list[tuple[float, int, int]]:
    """Returns (bin start, right, total) over tenths of confidence."""
    bins: dict[int, list[int]] = {}
    for confidence, right in pairs:
        counts = bins.setdefault(min(int(confidence * 10), 9), [0, 0])
        counts[0] += right
        counts[1] += 1
    return [(b / 10, counts[0], counts[1]) for b, counts in sorted(bins.items())]
