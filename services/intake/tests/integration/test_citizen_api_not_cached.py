"""The citizen API over real HTTP (uvicorn): every answer that may carry the tracking code or the
applicant's data — the look-ups, the submission's outcome, the applicant's requests, their refusals and
the framework's — is `Cache-Control: no-store` and `Referrer-Policy: no-referrer`, as the tracking page's."""

from __future__ import annotations

from typing import Any

import httpx

UNKNOWN_SUBMISSION = "0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10"


async def registered(served: Any) -> tuple[str, str, str]:
    """Returns the number, tracking code and submission id of an application posted through Open311."""
    posted = await served.open311_request()
    outcome = await served.client.get(f"/api/v1/submissions/{posted['token']}")
    return posted["service_request_id"], outcome.json()["tracking_code"], posted["token"]


def assert_private(answer: httpx.Response) -> None:
    request = answer.request
    where = f"{request.method} {request.url.path} → {answer.status_code}"
    assert answer.headers.get("cache-control") == "no-store", where
    assert answer.headers.get("referrer-policy") == "no-referrer", where


async def test_every_answer_of_the_citizen_api_is_neither_cached_nor_a_referrer(served_intake: Any) -> None:
    number, code, submission = await registered(served_intake)
    client: httpx.AsyncClient = served_intake.client
    application = f"/api/v1/applications/{number}"
    tracked = await client.get(application, headers={"X-Tracking-Code": code})
    assert tracked.status_code == 200 and tracked.json()["timeline"]
    outcome = await client.get(f"/api/v1/submissions/{submission}")
    assert outcome.status_code == 200 and outcome.json()["tracking_code"] == code
    answers = [
        tracked,
        outcome,
        await client.get(application, params={"tracking_code": code}),
        await client.get(application),
        await client.get(application, headers={"X-Tracking-Code": "AAAA-BBBB-CCCC"}),  # 404
        await client.get("/api/v1/submissions/not-a-uuid"),  # 400
        await client.get(f"/api/v1/submissions/{UNKNOWN_SUBMISSION}"),  # 404, not processed
    ]
    with_code = {"X-Tracking-Code": code}
    information, street = f"{application}/information", {"text": "Kazım Karabekir Caddesi"}

    async def post(path: str, body: dict[str, Any], key: str | None) -> httpx.Response:
        return await client.post(
            path, json=body, headers=with_code | ({"Idempotency-Key": key} if key else {})
        )

    answers += [
        await post(information, street, None),  # 400: no Idempotency-Key
        await post(information, {"text": 5}, "k0"),  # 422: the framework's refusal
        await post(information, street, "k1"),  # 409: nothing was asked
        await post(f"{application}/withdrawal", {}, "k2"),
    ]
    expected = [200, 200, 200, 200, 404, 400, 404, 400, 422, 409, 202]
    assert [answer.status_code for answer in answers] == expected
    for answer in answers:
        assert_private(answer)
