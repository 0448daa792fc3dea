"""intake's framework refusals over real HTTP: an unknown path (404) or a wrong method (405) answers in
the one error shape, under /open311/ in the specification's `errors` shape in the path's format, and a
browser outside the APIs keeps the Turkish page and the /takip redirects; a desk write whose body cannot
be read is refused for its token (401, 403) before the body is looked at."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import pytest

from acikkapi_shared.http_errors import FRAMEWORK_REFUSALS
from acikkapi_shared.staff.identity import Role
from acikkapi_shared.staff.local import StaffUser
from acikkapi_shared.testing.served import UNREADABLE_BODIES

API_CLIENTS = [{"Accept": "*/*"}, {"Accept": "application/json"}, {}]
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
DESK = "/api/v1/desk/applications"


def expected(status: int) -> str:
    code, message = FRAMEWORK_REFUSALS[status]
    return f"{code} {message}"


@pytest.mark.parametrize("accept", API_CLIENTS, ids=["any", "json", "none"])
async def test_an_api_clients_unknown_path_and_wrong_method_have_the_one_error_shape(
    served_intake: Any, accept: dict[str, str]
) -> None:
    client = served_intake.client
    for path in ("/xyz", "/api/xyz", "/api/v1/xyz"):
        answer = await client.get(path, headers=accept)
        assert answer.status_code == 404, path
        assert answer.json()["error"]["code"] == "NOT_FOUND", (path, answer.text)
    wrong = await client.put("/takip", headers=accept)
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "METHOD_NOT_ALLOWED", wrong.text
    assert "GET" in wrong.headers["allow"]


@pytest.mark.parametrize("accept", [*API_CLIENTS, BROWSER], ids=["any", "json", "none", "browser"])
async def test_open311s_unknown_path_and_wrong_method_answer_in_its_errors_shape_and_format(
    served_intake: Any, accept: dict[str, str]
) -> None:
    client = served_intake.client
    for status, method, path in ((404, "GET", "/open311/v2/xyz"), (405, "PATCH", "/open311/v2/requests")):
        as_json = await client.request(method, f"{path}.json", headers=accept)
        assert as_json.status_code == status and as_json.headers["content-type"].startswith(
            "application/json"
        )
        assert as_json.json() == [{"code": status, "description": expected(status)}]
        as_xml = await client.request(method, f"{path}.xml", headers=accept)
        assert as_xml.status_code == status and as_xml.headers["content-type"].startswith("text/xml")
        root = ET.fromstring(as_xml.content)
        assert root.tag == "errors" and [child.tag for child in root] == ["error"], as_xml.text
        assert root.findtext("error/code") == str(status)
        assert root.findtext("error/description") == expected(status)
        if status == 405:
            assert "POST" in as_json.headers["allow"] and "POST" in as_xml.headers["allow"]


async def test_a_browser_keeps_the_turkish_page_and_the_redirects_but_not_under_the_apis(
    served_intake: Any,
) -> None:
    client = served_intake.client
    page = await client.get("/xyz", headers=BROWSER)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Sayfa bulunamadı" in page.text
    redirected = await client.get("/TAKIP", headers=BROWSER)
    assert (redirected.status_code, redirected.headers["location"]) == (308, "/takip")
    api = await client.get("/api/xyz", headers=BROWSER)
    assert api.status_code == 404 and api.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("raw", UNREADABLE_BODIES.values(), ids=UNREADABLE_BODIES.keys())
async def test_a_desk_write_with_an_unreadable_body_is_refused_for_its_token_first(
    served_intake: Any, raw: bytes
) -> None:
    served_intake.staff.add_user(StaffUser("can", "Can Demir", (Role.AUDITOR,)))
    headers = {"Content-Type": "application/json", "Idempotency-Key": "k-1"}

    async def post(subject: str | None) -> Any:
        token = (
            {} if subject is None else {"Authorization": f"Bearer {served_intake.staff.issue_token(subject)}"}
        )
        return await served_intake.client.post(DESK, content=raw, headers={**headers, **token})

    missing = await post(None)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "missing", missing.text
    assert missing.headers["www-authenticate"] == "Bearer"
    auditor = await post("can")
    assert auditor.status_code == 403 and auditor.json()["error"]["code"] == "read_only", auditor.text
    other_role = await post("mehmet")
    assert other_role.status_code == 403 and other_role.json()["error"]["code"] == "role_required"
    officer = await post("ayse")  # a valid token: the body's own answer, as before
    assert officer.status_code == 400 and officer.json()["error"]["code"] == "BODY_UNREADABLE"
