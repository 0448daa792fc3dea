"""Loading a routing table: the bundled one is valid, mistakes are reported clearly."""

from __future__ import annotations

import pytest

from acikkapi_shared.reference import kars
from router.domain.routing import RoutingRequest, RoutingTable, RoutingTableError

DISTRICTS = """
districts:
  MERKEZ: {municipality: BELEDIYE_KARS, kaymakamlik: VALILIK}
  AKYAKA: {municipality: BELEDIYE_AKYAKA, kaymakamlik: KAYMAKAMLIK_AKYAKA}
  ARPACAY: {municipality: BELEDIYE_ARPACAY, kaymakamlik: KAYMAKAMLIK_ARPACAY}
  DIGOR: {municipality: BELEDIYE_DIGOR, kaymakamlik: KAYMAKAMLIK_DIGOR}
  KAGIZMAN: {municipality: BELEDIYE_KAGIZMAN, kaymakamlik: KAYMAKAMLIK_KAGIZMAN}
  SARIKAMIS: {municipality: BELEDIYE_SARIKAMIS, kaymakamlik: KAYMAKAMLIK_SARIKAMIS}
  SELIM: {municipality: BELEDIYE_SELIM, kaymakamlik: KAYMAKAMLIK_SELIM}
  SUSUZ: {municipality: BELEDIYE_SUSUZ, kaymakamlik: KAYMAKAMLIK_SUSUZ}
"""


def table_text(rules: str, *, head: str = 'version: "t1"\n') -> str:
    return head + DISTRICTS + "rules:\n" + rules


GOOD_RULE = "  - {id: museums, institution: KULTUR_TURIZM, keywords: [müze]}\n"


def test_the_bundled_table_loads_and_uses_only_reference_codes() -> None:
    table = RoutingTable.load_default()
    codes = {rule.institution for rule in table.spec.rules}
    codes |= {code for roles in table.spec.district_roles.values() for code in roles.values()}
    placeholders = {"$municipality", "$kaymakamlik"}
    assert codes - placeholders <= set(kars().institutions)
    assert set(table.spec.district_roles) == set(kars().districts)


def test_every_institution_except_the_office_is_reachable_by_some_rule() -> None:
    table = RoutingTable.load_default()
    reachable = {rule.institution for rule in table.spec.rules}
    for roles in table.spec.district_roles.values():
        reachable |= set(roles.values())
    assert set(kars().institutions) - reachable == {"ACIKKAPI"}


def test_a_small_table_loads_from_text_and_routes() -> None:
    table = RoutingTable.from_yaml_text(table_text(GOOD_RULE))
    decision = table.route(RoutingRequest("DIGER", "MERKEZ", "ISTEK", "Müzeler kapalı"))
    assert (decision.institution, decision.rule, decision.table_version) == (
        "KULTUR_TURIZM",
        "museums",
        "t1",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            table_text("  - {id: x, institution: BELEDIYE_MERKEZ, keywords: [çöp]}\n"),
            "rule 'x': unknown institution code 'BELEDIYE_MERKEZ'",
        ),
        (
            table_text("  - {id: x, institution: $belediye, keywords: [çöp]}\n"),
            "unknown placeholder '$belediye'",
        ),
        (
            table_text("  - {id: x, institution: MEM, topics: [OKUL], keywords: [okul]}\n"),
            "rule 'x'.topics: unknown code 'OKUL'",
        ),
        (
            table_text("  - {id: x, institution: MEM, districts: [ANKARA], keywords: [okul]}\n"),
            "unknown code 'ANKARA'",
        ),
        (table_text("  - {id: x, institution: MEM}\n"), "rule 'x': needs at least one keyword"),
        (table_text("  - {id: x, institution: MEM, keyword: [okul]}\n"), "unknown field(s) keyword"),
        (table_text(GOOD_RULE + GOOD_RULE), "duplicate rule id 'museums'"),
        (table_text("  - {id: x, institution: SAGLIK, keywords: [112]}\n"), "quote numbers"),
        (table_text(GOOD_RULE, head=""), "needs a non-empty 'version'"),
        (table_text(GOOD_RULE, head='version: "1"\nthreshold: 2\n'), "threshold must be in"),
        (
            'version: "1"\ndistricts:\n  MERKEZ: {municipality: BELEDIYE_KARS, kaymakamlik: VALILIK}\n'
            "rules:\n" + GOOD_RULE,
            "districts.AKYAKA: must give exactly municipality, kaymakamlik",
        ),
        (
            table_text(GOOD_RULE).replace("kaymakamlik: KAYMAKAMLIK_SUSUZ", "kaymakamlik: X"),
            "districts.SUSUZ.kaymakamlik: unknown institution code 'X'",
        ),
        ("version: [unclosed", "not valid YAML"),
        ("- just a list", "must be a mapping"),
    ],
)
def test_mistakes_in_the_table_are_reported_clearly(text: str, message: str) -> None:
    with pytest.raises(RoutingTableError) as raised:
        RoutingTable.from_yaml_text(text)
    assert message in str(raised.value)
