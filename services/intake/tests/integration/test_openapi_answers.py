"""What intake's OpenAPI document says its routes answer: the office's token, the citizen API's errors."""

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


async def test_the_citizen_api_documents_its_one_error_shape_not_the_framework_422_schema(
    served_intake: Any,
) -> None:
    paths = (await served_intake.client.get("/openapi.json")).json()["paths"]
    citizen = [path for path in paths if path.startswith(("/api/v1/applications", "/api/v1/submissions"))]
    assert len(citizen) == 5
    for path in citizen:
        for operation in paths[path].values():
            responses = operation["responses"]
            assert {"400", "404", "422", "429"} <= set(responses), path
            for status in ("404", "422"):
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorAnswer"}, (path, status)
