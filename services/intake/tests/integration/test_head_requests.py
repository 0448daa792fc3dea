"""HEAD on intake's pages and GET APIs: what a link checker or an uptime monitor sends (RFC 9110 §9.1)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(
    "path", ["/takip", "/open311/v2/services.json", "/open311/v2/discovery.xml", "/healthz", "/metrics"]
)
async def test_head_is_answered_as_the_get_without_its_body(served_intake: Any, path: str) -> None:
    got = await served_intake.client.get(path)
    head = await served_intake.client.head(path)
    assert head.status_code == got.status_code == 200, head.text
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]


async def test_head_of_an_unknown_request_answers_the_404_of_its_get(served_intake: Any) -> None:
    head = await served_intake.client.head("/open311/v2/requests/2026-000001-N.json")
    got = await served_intake.client.get("/open311/v2/requests/2026-000001-N.json")
    assert head.status_code == got.status_code == 404
    assert head.content == b""
