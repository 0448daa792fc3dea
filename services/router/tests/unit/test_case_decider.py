"""The router's Case decider, given events / when a command / then events: no database."""

from __future__ import annotations

from datetime import UTC, datetime

from acikkapi_shared.events.router import CaseRouted
from acikkapi_shared.reference import TRIAGE_INSTITUTION, kars
from acikkapi_shared.testing.in_process import decide_after
from router.domain.case import case_decider
from router.domain.case_commands import RouteCase
from router.domain.routing import RoutingTable

RECEIVED = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)
NUMBER = "2026-000001-N"
cases = case_decider(RoutingTable.load_default(), kars())


def route(text: str, subject: str = "YEREL_YONETIMLER", district: str = "MERKEZ") -> RouteCase:
    return RouteCase(NUMBER, subject, district, "SIKAYET", text, RECEIVED)


def test_a_new_case_is_routed_with_its_explanation() -> None:
    (routed,) = decide_after(cases, NUMBER, [], route("Mahallemizde iki gündür içme suyu kesik."))
    assert isinstance(routed, CaseRouted)
    assert routed.institution == "BELEDIYE_KARS" and routed.institution_name == "Kars Belediyesi"
    assert routed.matched and routed.rule and 0 < routed.confidence <= 1
    assert routed.received_at == RECEIVED and routed.application_number == NUMBER


def test_a_routed_case_is_not_routed_again() -> None:
    (first,) = decide_after(cases, NUMBER, [], route("Mahallemizde iki gündür içme suyu kesik."))
    assert decide_after(cases, NUMBER, [first], route("Okulun kalorifer kazanı bozuk.", "EGITIM")) == []


def test_a_petition_no_rule_understands_goes_to_the_triage_queue() -> None:
    (routed,) = decide_after(
        cases, NUMBER, [], route("Merhaba, bir konuda yardımınızı rica ediyorum.", "DIGER")
    )
    assert isinstance(routed, CaseRouted) and routed.institution == TRIAGE_INSTITUTION
