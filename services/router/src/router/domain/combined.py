"""The decision of the router: the routing table and the classifier together, with calibrated confidence.

The combiner (router.domain.stacking) weighs what the table and the model each say of a few candidate
institutions and names the one most likely right, with a confidence fitted on held-out petitions; below
the triage threshold, or when the most likely answer is that the petition is unclear, it goes to the
office's triage queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from acikkapi_shared.reference import TRIAGE_INSTITUTION
from router.domain.classifier import Classifier, Prediction
from router.domain.routing import RoutingDecision, RoutingRequest, RoutingTable
from router.domain.stacking import Combiner, Context

AGREE, RULES, MODEL, WEAK_AGREE = "agree", "rules", "model", "weak-agree"
DISAGREEMENT_RULE = "rules-and-model-disagree"
LOW_CONFIDENCE_RULE = "low-confidence"
UNCLEAR_RULE = "unclear"
MODEL_RULE = "model"


def decided_by(rule: RoutingDecision, prediction: Prediction, institution: str) -> str:
    """Returns whose opinion the chosen institution is (agree, rules, weak-agree or model)."""
    model_best = prediction.best[0]
    if not rule.triaged and institution == rule.institution:
        return AGREE if institution == model_best else RULES
    if rule.triaged and institution == rule.rule_institution:
        return WEAK_AGREE if institution == model_best else RULES
    return MODEL


def combine(
    rule: RoutingDecision, prediction: Prediction, combiner: Combiner, context: Context, version: str
) -> RoutingDecision:
    """Returns the decision of the table and the model together."""
    institution, _, confidence = combiner.best(rule, prediction, context)
    suggestion = institution
    by = decided_by(rule, prediction, institution)
    if institution == TRIAGE_INSTITUTION or confidence < combiner.threshold:
        if rule.triaged:
            rule_id = rule.rule
        elif institution == TRIAGE_INSTITUTION:
            rule_id = UNCLEAR_RULE
        elif institution != rule.institution:
            rule_id = DISAGREEMENT_RULE
        else:
            rule_id = LOW_CONFIDENCE_RULE
        institution, by = TRIAGE_INSTITUTION, "triage"
    elif by in (AGREE, RULES):
        rule_id = rule.rule if not rule.triaged else rule.candidate_rule
    elif by == WEAK_AGREE:
        rule_id = rule.candidate_rule
    else:
        rule_id = MODEL_RULE
    return replace(
        rule,
        institution=institution,
        rule=rule_id,
        confidence=round(confidence, 3),
        decided_by=by,
        rule_institution=rule.rule_institution or rule.institution,
        rule_confidence=rule.confidence,
        model_top=tuple((code, round(p, 3)) for code, p in prediction.ranked[:3]),
        model_version=version,
        suggestion=suggestion,
    )


class Router:
    """Routes with the table and the classifier; the same interface as RoutingTable."""

    def __init__(self, table: RoutingTable, classifier: Classifier) -> None:
        self.table = table
        self.classifier = classifier
        self.version = table.version
        self.model_version = classifier.version
        self.spec = table.spec
        self.combiner = Combiner.from_meta(classifier.meta["combiner"])
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
        topic = self.table.topic_code(request.topic) or ""
        return self.classifier.predict(request.text, district, resolved, topic)

    def context(self, request: RoutingRequest) -> Context:
        """Returns what the combiner reads of a request besides the two opinions."""
        topic = self.table.topic_code(request.topic) or ""
        return Context(topic, self.table.type_code(request.type) or "", len(request.text.split()))

    def route(self, request: RoutingRequest) -> RoutingDecision:
        """Returns the decision for one request."""
        context = self.context(request)
        return combine(
            self.table.route(request), self.predict(request), self.combiner, context, self.model_version
        )


def reliability(pairs: Sequence[tuple[float, bool]]) -> list[tuple[float, int, int]]:
    """Returns (bin start, right, total) over tenths of confidence."""
    bins: dict[int, list[int]] = {}
    for confidence, right in pairs:
        counts = bins.setdefault(min(int(confidence * 10), 9), [0, 0])
        counts[0] += right
        counts[1] += 1
    return [(b / 10, counts[0], counts[1]) for b, counts in sorted(bins.items())]
