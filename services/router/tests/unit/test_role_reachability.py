"""Every part of every institution's role in the reference data can be reached by a petition."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from acikkapi_shared.reference import TRIAGE_INSTITUTION, kars
from router.domain.routing import RoutingRequest, RoutingTable

EXAMPLES = yaml.safe_load((Path(__file__).parent / "data" / "role_examples.yaml").read_text("utf-8"))
DISTRICT_SERVICES = "district services"


def role_parts(role: str | None) -> list[str]:
    """Returns the parts of a role: split at commas, parenthesised remarks left out."""
    if role is None:
        return [DISTRICT_SERVICES]
    return [" ".join(part.split()) for part in re.split(r",", re.sub(r"\([^)]*\)", "", role)) if part.strip()]


ROLES = [
    (code, part)
    for code, institution in kars().institutions.items()
    if code != TRIAGE_INSTITUTION
    for part in role_parts(institution.role)
]


def test_every_institution_but_the_office_has_role_parts_to_check() -> None:
    assert len({code for code, _ in ROLES}) == len(kars().institutions) - 1
    assert len(ROLES) >= 80


@pytest.mark.parametrize(("code", "part"), ROLES, ids=[f"{code}:{part}" for code, part in ROLES])
def test_each_role_part_has_a_petition_that_reaches_it(code: str, part: str) -> None:
    examples = EXAMPLES.get(code, {}).get(part)
    assert examples, f"no petition in role_examples.yaml reaches {code} for its role part '{part}'"
    table = RoutingTable.load_default()
    district = kars().institutions[code].district or "MERKEZ"
    for text in examples:
        decision = table.route(RoutingRequest("DIGER", district, "SIKAYET", text))
        assert decision.institution == code, f"{text!r} went to {decision.institution} ({decision.matched})"


def test_the_examples_name_no_role_part_that_does_not_exist() -> None:
    known = {(code, part) for code, part in ROLES}
    listed = {(code, part) for code, parts in EXAMPLES.items() for part in parts}
    assert listed - known == set()
