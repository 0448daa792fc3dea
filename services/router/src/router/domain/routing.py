"""Routing an application to the institution responsible, with the reason for the choice."""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

from acikkapi_shared.reference import TRIAGE_INSTITUTION, ReferenceData, kars
from acikkapi_shared.turkish import search_key
from router.domain.keyword_matching import KeywordMatcher, MatchedKeyword, RuleEvidence
from router.domain.lexicon import Lexicon
from router.domain.rule_table import RoutingTableError, RuleSpec, TableSpec, parse_table

__all__ = [
    "TRIAGE_INSTITUTION",
    "Routes",
    "RoutingDecision",
    "RoutingRequest",
    "RoutingTable",
    "RoutingTableError",
]

DEFAULT_TABLE_RESOURCE = "kars-routing.yaml"
TRIAGE_RULE = "triage"
NO_CONFIDENT_RULE = "no-confident-rule"


@dataclass(frozen=True)
class RoutingRequest:
    """What the router knows of an application: chosen topic, district, type and free text."""

    topic: str
    district: str
    type: str
    text: str


@dataclass(frozen=True)
class RoutingDecision:
    """Where an application goes and why: rule id, matched words and confidence in 0..1."""

    institution: str
    rule: str
    confidence: float
    matched: tuple[str, ...]
    table_version: str
    # Filled by the combined router (router.domain.combined): what each opinion said.
    rule_institution: str = ""
    rule_confidence: float = 0.0
    model_top: tuple[tuple[str, float], ...] = ()
    model_version: str = ""
    decided_by: str = "rules"
    candidate_rule: str = ""  # the best rule when none was confident enough
    # The combined router's most likely institution (ACIKKAPI: unclear), routed or not: `confidence`
    # is its calibrated chance, so a triaged petition still shows the staff what was most likely.
    suggestion: str = ""

    @property
    def triaged(self) -> bool:
        """Returns whether the application went to the office's triage queue."""
        return self.institution == TRIAGE_INSTITUTION


@dataclass(frozen=True, slots=True)
class _Candidate:
    rule_index: int
    institution: str
    score: float
    matched: tuple[str, ...]


class _InstitutionEvidence:
    """Evidence of every applicable rule of one institution, each keyword counted once."""

    def __init__(self) -> None:
        self.weighted: dict[int, float] = {}
        self.required: list[int] = []
        self.requirement_bonus = 0.0
        self.priority = -math.inf
        self.topic_agrees = False
        self.type_agrees = False
        self.best_rule = -1
        self._best_rule_score = -math.inf

    def add(
        self,
        rule_index: int,
        rule: RuleSpec,
        evidence: RuleEvidence,
        topic: str | None,
        kind: str | None,
    ) -> None:
        """Merges one applicable rule's evidence into the institution's."""
        for keyword_id, weight in evidence.weighted.items():
            self.weighted[keyword_id] = max(weight, self.weighted.get(keyword_id, 0.0))
        self.required.extend(key for key in evidence.required if key not in self.required)
        self.requirement_bonus = max(self.requirement_bonus, evidence.requirement_bonus)
        self.priority = max(self.priority, rule.priority)
        self.topic_agrees = self.topic_agrees or (topic is not None and topic in rule.topics)
        self.type_agrees = self.type_agrees or (kind is not None and kind in rule.types)
        own_score = evidence.score + rule.priority
        if own_score > self._best_rule_score:
            self.best_rule, self._best_rule_score = rule_index, own_score


class _CodeLookup:
    """A reference code by its code or name as the citizen's form sent it, remembered per spelling."""

    def __init__(self, codes: dict[str, str]) -> None:
        self._by_key: dict[str, str] = {}
        for code, name in codes.items():
            self._by_key[search_key(name)] = code
            self._by_key[search_key(code)] = code
        self._memo: dict[str, str | None] = {}

    def code(self, written: str) -> str | None:
        """Returns the code of a code or name ("Sarıkamış" → SARIKAMIS), or None."""
        try:
            return self._memo[written]
        except KeyError:
            found = self._by_key.get(search_key(written).strip())
            if len(self._memo) < 10_000:  # a handful of codes and names; bounded against odd input
                self._memo[written] = found
            return found


class Routes(Protocol):
    """What routes an application: the table alone, or the table with the classifier."""

    version: str

    def route(self, request: RoutingRequest) -> RoutingDecision:
        """Returns the decision for one request."""
        ...


class RoutingTable:
    """A versioned set of routing rules checked against a province's reference list."""

    def __init__(self, spec: TableSpec, reference: ReferenceData, lexicon: Lexicon | None = None) -> None:
        self.spec = spec
        self.version = spec.version
        self._rules = spec.rules
        self._matcher = KeywordMatcher(spec.rules, spec.weights, lexicon)
        self._districts = _CodeLookup(reference.districts)
        self._topics = _CodeLookup(reference.topics)
        self._types = _CodeLookup(reference.types)

    @classmethod
    def load_default(cls) -> RoutingTable:
        """Returns the table bundled with the router package (rules/kars-routing.yaml)."""
        text = resources.files("router.rules").joinpath(DEFAULT_TABLE_RESOURCE).read_text("utf-8")
        return cls.from_yaml_text(text)

    @classmethod
    def from_yaml_text(cls, text: str, reference: ReferenceData | None = None) -> RoutingTable:
        """Returns the table parsed from YAML; RoutingTableError on malformed data or unknown codes."""
        known = reference if reference is not None else kars()
        return cls(parse_table(text, known), known, Lexicon.load_default())

    def district_code(self, district: str) -> str | None:
        """Returns the district code of a code or name ("Sarıkamış" → SARIKAMIS), or None."""
        return self._districts.code(district)

    def topic_code(self, topic: str) -> str | None:
        """Returns the topic code of a code or name, or None."""
        return self._topics.code(topic)

    def type_code(self, kind: str) -> str | None:
        """Returns the application type code of a code or name, or None."""
        return self._types.code(kind)

    def clear_match_memo(self) -> None:
        """Forgets the per-word match results kept for speed (decisions do not change)."""
        self._matcher.clear_memo()

    def route(self, request: RoutingRequest) -> RoutingDecision:
        """Returns the decision for one request; ACIKKAPI (triage) when no rule is confident."""
        district = self._districts.code(request.district)
        topic = self._topics.code(request.topic)
        kind = self._types.code(request.type)
        matches = self._matcher.match(request.text)
        candidates = self._candidates(matches, district, topic, kind)
        if not candidates:
            return RoutingDecision(TRIAGE_INSTITUTION, TRIAGE_RULE, 0.0, (), self.version)
        best = candidates[0]
        runner_up = next((other.score for other in candidates if other.institution != best.institution), 0.0)
        confidence = self._confidence(best.score, runner_up)
        if confidence < self.spec.threshold:
            return RoutingDecision(
                TRIAGE_INSTITUTION,
                NO_CONFIDENT_RULE,
                confidence,
                best.matched,
                self.version,
                rule_institution=best.institution,
                rule_confidence=confidence,
                candidate_rule=self._rules[best.rule_index].id,
            )
        rule_id = self._rules[best.rule_index].id
        return RoutingDecision(best.institution, rule_id, confidence, best.matched, self.version)

    @staticmethod
    def _confidence(best: float, runner_up: float) -> float:
        # Strength grows with the evidence; a close second institution halves it at worst,
        # so a tie can never reach a threshold above 0.5.
        strength = 1.0 - math.exp(-best / 0.9)
        return round(strength * (1.0 - 0.5 * runner_up / best), 3)

    def _candidates(
        self,
        matches: dict[int, MatchedKeyword],
        district: str | None,
        topic: str | None,
        kind: str | None,
    ) -> list[_Candidate]:
        by_institution: dict[str, _InstitutionEvidence] = {}
        for rule_index in self._matcher.rules_with_evidence(matches):
            rule = self._rules[rule_index]
            institution = self._institution(rule, district)
            if institution is None:
                continue
            evidence = self._matcher.evidence(rule_index, matches)
            if evidence is None:
                continue
            gathered = by_institution.setdefault(institution, _InstitutionEvidence())
            gathered.add(rule_index, rule, evidence, topic, kind)
        found = [
            self._candidate(institution, gathered, matches, topic, kind)
            for institution, gathered in by_institution.items()
        ]
        found.sort(key=lambda candidate: (-candidate.score, candidate.rule_index))
        return found

    def _candidate(
        self,
        institution: str,
        gathered: _InstitutionEvidence,
        matches: dict[int, MatchedKeyword],
        topic: str | None,
        kind: str | None,
    ) -> _Candidate:
        weights = self.spec.weights
        score = sum(gathered.weighted.values()) + gathered.requirement_bonus + gathered.priority
        matched = self._matcher.shown([*gathered.weighted, *gathered.required], matches)
        if gathered.topic_agrees:
            score += weights.topic
            matched.append(f"topic:{topic}")
        if gathered.type_agrees:
            score += weights.type
            matched.append(f"type:{kind}")
        return _Candidate(gathered.best_rule, institution, score, tuple(dict.fromkeys(matched)))

    def _institution(self, rule: RuleSpec, district: str | None) -> str | None:
        if rule.districts and district not in rule.districts:
            return None
        if not rule.institution.startswith("$"):
            return rule.institution
        if district is None:
            return None
        return self.spec.district_roles[district][rule.institution[1:]]
