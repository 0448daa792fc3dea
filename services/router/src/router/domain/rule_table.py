"""The routing table as data: parsing and validating the YAML document against the reference list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from acikkapi_shared.reference import ReferenceData

# Placeholders an institution may use; each district of the table says which code they stand for.
DISTRICT_ROLES = ("municipality", "kaymakamlik")
_RULE_FIELDS = frozenset(
    {"id", "institution", "keywords", "hints", "requires", "excludes", "topics", "types"}
    | {"districts", "priority", "note"}
)
_TOP_FIELDS = frozenset({"version", "threshold", "weights", "districts", "rules"})
_WEIGHT_FIELDS = frozenset({"keyword", "hint", "requirement", "topic", "type", "typo_factor"})


class RoutingTableError(ValueError):
    """The routing table document is malformed or names codes the reference list does not know."""


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each kind of evidence adds to a rule's score."""

    keyword: float = 1.0
    hint: float = 0.4
    requirement: float = 0.3
    topic: float = 0.5
    type: float = 0.3
    typo_factor: float = 0.8


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule as written in the table; keywords are still in their written form."""

    id: str
    institution: str
    keywords: tuple[str, ...]
    hints: tuple[str, ...]
    requires: tuple[tuple[str, ...], ...]
    excludes: tuple[str, ...]
    topics: frozenset[str]
    types: frozenset[str]
    districts: frozenset[str]
    priority: float


@dataclass(frozen=True, slots=True)
class TableSpec:
    """The whole validated table document."""

    version: str
    threshold: float
    weights: Weights
    district_roles: Mapping[str, Mapping[str, str]]
    rules: tuple[RuleSpec, ...]


def parse_table(text: str, reference: ReferenceData) -> TableSpec:
    """Returns the validated table; RoutingTableError names the first problem found."""
    try:
        # libyaml's C loader when installed: the pure-Python one takes ~0.1 s of the CLI's start
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        raise RoutingTableError(f"routing table is not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise RoutingTableError("routing table must be a mapping with 'version' and 'rules'")
    _reject_unknown_fields("routing table", document, _TOP_FIELDS)
    version = document.get("version")
    if not isinstance(version, str | int | float) or not str(version).strip():
        raise RoutingTableError("routing table needs a non-empty 'version'")
    threshold = _number(document.get("threshold", 0.5), "threshold")
    if not 0.0 < threshold <= 1.0:
        raise RoutingTableError(f"threshold must be in (0, 1], got {threshold}")
    weights = _parse_weights(document.get("weights") or {})
    district_roles = _parse_districts(document.get("districts"), reference)
    raw_rules = document.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RoutingTableError("routing table needs a non-empty list 'rules'")
    rules = tuple(_parse_rule(raw, index, reference) for index, raw in enumerate(raw_rules))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RoutingTableError(f"duplicate rule id '{rule.id}'")
        seen.add(rule.id)
    return TableSpec(str(version), threshold, weights, district_roles, rules)


def _reject_unknown_fields(where: str, mapping: dict[str, Any], known: frozenset[str]) -> None:
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise RoutingTableError(f"{where}: unknown field(s) {', '.join(unknown)}")


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RoutingTableError(f"'{name}' must be a number, got {value!r}")
    return float(value)


def _parse_weights(raw: Any) -> Weights:
    if not isinstance(raw, dict):
        raise RoutingTableError("'weights' must be a mapping")
    _reject_unknown_fields("weights", raw, _WEIGHT_FIELDS)
    values = {name: _number(value, f"weights.{name}") for name, value in raw.items()}
    return Weights(**values)


def _parse_districts(raw: Any, reference: ReferenceData) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        raise RoutingTableError("routing table needs 'districts' mapping each district's roles")
    for district in raw:
        if district not in reference.districts:
            raise RoutingTableError(f"districts: unknown district code '{district}'")
    roles: dict[str, dict[str, str]] = {}
    for district in reference.districts:
        entry = raw.get(district)
        if not isinstance(entry, dict) or set(entry) != set(DISTRICT_ROLES):
            raise RoutingTableError(f"districts.{district}: must give exactly {', '.join(DISTRICT_ROLES)}")
        for role, code in entry.items():
            _check_institution(code, f"districts.{district}.{role}", reference)
        roles[district] = {role: str(code) for role, code in entry.items()}
    return roles


def _check_institution(code: Any, where: str, reference: ReferenceData) -> None:
    if not isinstance(code, str) or code not in reference.institutions:
        raise RoutingTableError(
            f"{where}: unknown institution code {code!r} (not in the Kars reference list)"
        )


def _words(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise RoutingTableError(f"{where}: must be a list of strings")
    for item in raw:
        if not isinstance(item, str) or not item.strip():
            raise RoutingTableError(f"{where}: {item!r} is not a non-empty string (quote numbers)")
    return tuple(raw)


def _codes(raw: Any, where: str, known: Mapping[str, str]) -> frozenset[str]:
    codes = _words(raw, where)
    for code in codes:
        if code not in known:
            raise RoutingTableError(f"{where}: unknown code '{code}'")
    return frozenset(codes)


def _parse_rule(raw: Any, index: int, reference: ReferenceData) -> RuleSpec:
    if not isinstance(raw, dict):
        raise RoutingTableError(f"rules[{index}]: must be a mapping")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise RoutingTableError(f"rules[{index}]: needs a non-empty 'id'")
    where = f"rule '{rule_id}'"
    _reject_unknown_fields(where, raw, _RULE_FIELDS)
    institution = raw.get("institution")
    if isinstance(institution, str) and institution.startswith("$"):
        if institution[1:] not in DISTRICT_ROLES:
            raise RoutingTableError(f"{where}: unknown placeholder '{institution}'")
    else:
        _check_institution(institution, where, reference)
    keywords = _words(raw.get("keywords"), f"{where}.keywords")
    if not keywords:
        raise RoutingTableError(f"{where}: needs at least one keyword")
    requires_raw = raw.get("requires") or []
    if not isinstance(requires_raw, list):
        raise RoutingTableError(f"{where}.requires: must be a list of keyword lists")
    requires = tuple(
        _words(group, f"{where}.requires[{number}]") for number, group in enumerate(requires_raw)
    )
    if any(not group for group in requires):
        raise RoutingTableError(f"{where}.requires: a group may not be empty")
    return RuleSpec(
        id=rule_id,
        institution=str(institution),
        keywords=keywords,
        hints=_words(raw.get("hints"), f"{where}.hints"),
        requires=requires,
        excludes=_words(raw.get("excludes"), f"{where}.excludes"),
        topics=_codes(raw.get("topics"), f"{where}.topics", reference.topics),
        types=_codes(raw.get("types"), f"{where}.types", reference.types),
        districts=_codes(raw.get("districts"), f"{where}.districts", reference.districts),
        priority=_number(raw.get("priority", 0.0), f"{where}.priority"),
    )
