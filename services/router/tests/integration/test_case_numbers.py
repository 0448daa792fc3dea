"""The case routes read a number as intake's citizen API does (any case, blanks, dashes), over real
HTTP; one that cannot be a number is a 400 with intake's codes, after the token's check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.staff.local import LocalIssuer
from acikkapi_shared.testing.in_process import settings_for

from .conftest import StaffApi, number_of, staff_api

NUMBER = number_of(5)  # 2026-000005-A: a letter for a check character


@pytest.fixture
async def served_api(tmp_path: Path, clock: ManualClock, issuer: LocalIssuer) -> AsyncIterator[StaffApi]:
    async with staff_api(settings_for("router", tmp_path), clock, issuer, over_http=True) as api:
        yield api


async def test_a_case_number_is_read_as_staff_type_it(served_api: StaffApi) -> None:
    assert NUMBER == "2026-000005-A"
    await served_api.register(NUMBER)
    for typed in ("2026-000005-a", " 2026 000005 a ", "2026000005A"):
        shown = await served_api.get("belediye", f"/api/v1/cases/{typed}")
        assert shown.status_code == 200, (typed, shown.text)
        assert shown.json()["application_number"] == NUMBER
    acknowledged = await served_api.post("belediye", "2026-000005-a", "acknowledge", key="ack")
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["application_number"] == NUMBER
    again = await served_api.post("belediye", "2026 000005 A", "acknowledge", key="ack")
    assert again.status_code == 200, again.text
    assert again.json()["replayed"] is True  # the same case, however written
    assert [event.type for event in await served_api.events(NUMBER)][-1] == "CaseAcknowledged"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("2026-000005-B", "APPLICATION_NUMBER_CHECK_FAILED"),
        ("garbage", "APPLICATION_NUMBER_MALFORMED"),
        ("2026-0000005-A", "APPLICATION_NUMBER_MALFORMED"),
    ],
)
async def test_a_number_that_cannot_be_one_is_a_400_with_the_citizen_apis_code(
    served_api: StaffApi, typed: str, code: str
) -> None:
    await served_api.register(NUMBER)
    before = await served_api.events(NUMBER)
    for answer in (
        await served_api.get("sef", f"/api/v1/cases/{typed}"),
        await served_api.post("belediye", typed, "acknowledge", key="ack"),
    ):
        assert answer.status_code == 400, answer.text
        error = answer.json()["error"]
        assert (error["code"], error["field"]) == (code, "number")
        assert error["message"].startswith("Başvuru numarası")
    assert await served_api.events(NUMBER) == before
    # The token is checked first: a caller without one is told only that.
    unauthenticated = await served_api.post(None, typed, "acknowledge", key="ack")
    assert unauthenticated.status_code == 401
    assert (await served_api.http.get(f"/api/v1/cases/{typed}")).status_code == 401
