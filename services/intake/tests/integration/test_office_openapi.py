"""The office's routes in intake's OpenAPI document: a staff token is required, and said so."""

from __future__ import annotations

from typing import Any


async def test_the_duplicates_view_declares_the_staff_bearer_token_and_its_refusals(
    served_intake: Any,
) -> None:
    document = (await served_intake.client.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/office/duplicates"]["get"]
    assert operation["security"] == [{"HTTPBearer": []}]
    assert {"401", "403"} <= set(operation["responses"])
    refusal = operation["responses"]["401"]["content"]["application/json"]["schema"]
    assert refusal == {"$ref": "#/components/schemas/ErrorAnswer"}
    # What the document says is what the route does.
    assert (await served_intake.client.get("/api/v1/office/duplicates")).status_code == 401
