"""Open311 GeoReport v2 over real HTTP: every endpoint in XML (parsed, checked against the
specification's element names) and JSON, the errors shape, the api_key and the idempotent POST."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import httpx
import sqlalchemy as sa

from acikkapi_shared.reference import kars
from intake.open311.post import FORM_EXAMPLE
from intake.projections import applications

SERVICE = "YEREL_YONETIMLER-SIKAYET"
SERVICE_CHILDREN = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_CHILDREN = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
ATTRIBUTE_CHILDREN = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
]
PRIVATE = ("Ayşe", "Yılmaz", "5321234567", "10000000146", "Yusufpaşa", "içme suyu")


def xml_of(response: httpx.Response, root: str, status: int = 200) -> ET.Element:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    element = ET.fromstring(response.content)
    assert element.tag == root
    return element


def json_of(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def children(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def form(key: str, **changes: str) -> dict[str, str]:
    values = {
        "api_key": key,
        **FORM_EXAMPLE,
        "media_url": "https://foto.example.org/su.jpg",
        "email": "ayse@example.org",
    }
    values.update(changes)
    return values


async def post(served: Any, fmt: str = "json", headers: dict[str, str] | None = None, **changes: str) -> Any:
    return await served.client.post(
        f"/open311/v2/requests.{fmt}", data=form(served.api_key, **changes), headers=headers or {}
    )


async def registered_count(served: Any) -> int:
    async with served.runtime.engine.connect() as connection:
        query = sa.text("SELECT count(*) FROM events WHERE type = 'ApplicationRegistered'")
        return int((await connection.execute(query)).scalar_one())


async def test_discovery_names_the_endpoint_and_both_formats(served_intake: Any) -> None:
    root = xml_of(await served_intake.client.get("/open311/v2/discovery.xml"), "discovery")
    assert children(root) == ["changeset", "contact", "key_service", "endpoints"]
    (endpoint,) = root.find("endpoints") or []
    assert endpoint.tag == "endpoint"
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == f"{served_intake.base_url}/open311/v2/"
    assert [f.text for f in endpoint.iter("format")] == ["text/xml", "application/json"]
    document = json_of(await served_intake.client.get("/open311/v2/discovery.json"))
    assert document["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert document["changeset"].endswith("+03:00")


async def test_the_openapi_documents_example_form_registers(served_intake: Any) -> None:
    schema = (await served_intake.client.get("/openapi.json")).json()
    body = schema["paths"]["/open311/v2/requests.{fmt}"]["post"]["requestBody"]["content"]
    example = body["application/x-www-form-urlencoded"]["example"]
    assert example["api_key"] == "<api_key>"
    answer = await served_intake.client.post(
        "/open311/v2/requests.json", data={**example, "api_key": served_intake.api_key}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()[0]["service_request_id"]


async def test_services_are_every_topic_by_every_type_grouped_by_topic(served_intake: Any) -> None:
    reference = kars()
    root = xml_of(await served_intake.client.get("/open311/v2/services.xml"), "services")
    listed = root.findall("service")
    assert len(listed) == len(reference.topics) * len(reference.types) == len(root)
    assert all(children(service) == SERVICE_CHILDREN for service in listed)
    first = listed[0]
    assert first.findtext("metadata") == "true" and first.findtext("type") == "realtime"
    document = json_of(await served_intake.client.get("/open311/v2/services.json"))
    entry = next(s for s in document if s["service_code"] == SERVICE)
    assert entry["group"] == "Yerel yönetimler"
    assert entry["service_name"] == "Yerel yönetimler: Şikâyet"
    assert entry["metadata"] is True


async def test_a_service_definition_has_its_attributes_in_order(served_intake: Any) -> None:
    root = xml_of(await served_intake.client.get(f"/open311/v2/services/{SERVICE}.xml"), "service_definition")
    assert children(root) == ["service_code", "attributes"]
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["DISTRICT", "TCKN", "TYPE", "IDENTITY_HIDDEN"]
    assert all(children(a)[: len(ATTRIBUTE_CHILDREN)] == ATTRIBUTE_CHILDREN for a in attributes)
    district = attributes[0]
    assert district.findtext("datatype") == "singlevaluelist" and district.findtext("required") == "true"
    values = {v.findtext("key"): v.findtext("name") for v in district.findall("values/value")}
    assert values["KAGIZMAN"] == "Kağızman" and len(values) == 8
    assert attributes[2].findtext("variable") == "false"
    document = json_of(await served_intake.client.get(f"/open311/v2/services/{SERVICE}.json"))
    assert document["attributes"][1] == {
        "variable": True,
        "code": "TCKN",
        "datatype": "string",
        "required": False,
        "datatype_description": "11 haneli T.C. Kimlik Numarası",
        "order": 2,
        "description": "T.C. Kimlik Numarası (isteğe bağlı)",
    }


async def test_errors_have_the_specifications_shape_in_both_formats(served_intake: Any) -> None:
    root = xml_of(await served_intake.client.get("/open311/v2/services/NOPE-NOPE.xml"), "errors", 404)
    (error,) = root
    assert error.tag == "error" and children(error) == ["code", "description"]
    assert error.findtext("code") == "404"
    assert error.findtext("description", "").startswith("SERVICE_CODE_UNKNOWN ")
    document = json_of(await served_intake.client.get("/open311/v2/services/NOPE-NOPE.json"), 404)
    assert document == [{"code": 404, "description": document[0]["description"]}]
    wrong_format = await served_intake.client.get("/open311/v2/services.yaml")
    assert xml_of(wrong_format, "errors", 404).findtext("error/description", "").startswith("FORMAT_UNKNOWN")
    other = await served_intake.client.get("/open311/v2/services.json", params={"jurisdiction_id": "x.gov"})
    assert json_of(other, 404)[0]["description"].startswith("JURISDICTION_UNKNOWN")
    posted = await post(served_intake, jurisdiction_id="x.gov")
    assert json_of(posted, 404)[0]["description"].startswith("JURISDICTION_UNKNOWN")


async def test_a_post_needs_a_valid_api_key(served_intake: Any) -> None:
    wrong = await post(served_intake, "xml", api_key="not-a-key")
    error = xml_of(wrong, "errors", 403).find("error")
    assert error is not None and error.findtext("code") == "403"
    assert error.findtext("description", "").startswith("API_KEY_INVALID")
    missing = await served_intake.client.post("/open311/v2/requests.json", data={"service_code": SERVICE})
    assert json_of(missing, 403)[0]["code"] == 403
    assert await registered_count(served_intake) == 0


async def test_a_post_registers_and_the_request_shows_no_personal_data(served_intake: Any) -> None:
    root = xml_of(await post(served_intake, "xml"), "service_requests")
    (answer,) = root.findall("request")
    assert children(answer) == ["service_request_id", "token", "service_notice", "account_id"]
    number = answer.findtext("service_request_id", "")
    assert number.startswith("2026-000001-")
    one = xml_of(await served_intake.client.get(f"/open311/v2/requests/{number}.xml"), "service_requests")
    (request,) = one
    assert request.tag == "request" and children(request) == REQUEST_CHILDREN
    assert request.findtext("status") == "open"
    assert request.findtext("status_notes") == "Başvurunuz alındı ve kaydedildi"
    assert request.findtext("service_code") == SERVICE
    assert request.findtext("requested_datetime") == "2026-05-22T14:00:05+03:00"
    as_json = json_of(await served_intake.client.get(f"/open311/v2/requests/{number}.json"))
    assert as_json[0]["service_request_id"] == number and as_json[0]["description"] is None
    for body in (one, as_json):
        text = ET.tostring(body, encoding="unicode") if isinstance(body, ET.Element) else str(body)
        assert not any(private in text for private in PRIVATE)
    async with served_intake.runtime.engine.connect() as connection:
        row = (await connection.execute(sa.select(applications))).one()
    assert row.channel == "OPEN311" and row.district == "MERKEZ"


async def test_the_registered_event_keeps_the_place_and_the_attachment(served_intake: Any) -> None:
    await post(served_intake)
    async with served_intake.runtime.engine.connect() as connection:
        query = sa.text("SELECT payload FROM events WHERE type = 'ApplicationRegistered'")
        payload = (await connection.execute(query)).scalar_one()
    stored = payload if isinstance(payload, dict) else __import__("json").loads(payload)
    assert stored["location"] == {"lat": 40.6013, "long": 43.0975}
    assert stored["address"] == "Yusufpaşa Mahallesi, Kars"
    assert stored["attachments"] == ["https://foto.example.org/su.jpg"]
    assert stored["applicant"]["name"] == "Ayşe Yılmaz" and stored["applicant"]["phone"] == "+905321234567"


async def test_hidden_identity_is_the_forms_true_or_false_and_nothing_else(served_intake: Any) -> None:
    hidden = await post(served_intake, **{"attribute[IDENTITY_HIDDEN]": "True"})
    assert hidden.status_code == 200, hidden.text
    unclear = await post(served_intake, phone="0533 111 22 33", **{"attribute[IDENTITY_HIDDEN]": "yes"})
    assert json_of(unclear, 400)[0]["description"].startswith("FIELD_INVALID attribute[IDENTITY_HIDDEN]")
    async with served_intake.runtime.engine.connect() as connection:
        query = sa.text("SELECT payload FROM events WHERE type = 'ApplicationRegistered'")
        payloads = list((await connection.execute(query)).scalars())
    (stored,) = [p if isinstance(p, dict) else __import__("json").loads(p) for p in payloads]
    assert stored["applicant"]["identity_hidden"] is True


async def test_an_invalid_post_names_every_failing_field(served_intake: Any) -> None:
    answer = await post(
        served_intake,
        "xml",
        first_name="",
        last_name="",
        phone="12345",
        description="kısa",
        lat="39.9",
        long="32.85",
        media_url="ftp://foto.example.org/a.jpg",
        **{"attribute[DISTRICT]": "ANKARA", "attribute[TCKN]": "12345678901"},
    )
    descriptions = [e.findtext("description", "") for e in xml_of(answer, "errors", 400)]
    assert [d.split(" ", 1)[0] for d in descriptions] == [
        "FIELD_MISSING",
        "PHONE_INVALID",
        "TCKN_INVALID",
        "DISTRICT_UNKNOWN",
        "TEXT_TOO_SHORT",
        "LOCATION_OUTSIDE_KARS",
        "ATTACHMENT_URL_INVALID",
    ]
    assert descriptions[0] == "FIELD_MISSING first_name: Ad soyad alanı boş bırakılamaz."
    assert descriptions[3].startswith("DISTRICT_UNKNOWN attribute[DISTRICT]: Seçilen ilçe tanınmadı.")
    unknown = await post(served_intake, service_code="NOPE")
    assert json_of(unknown, 400)[0]["description"].startswith("SERVICE_CODE_UNKNOWN")
    not_form = await served_intake.client.post("/open311/v2/requests.json", json={"api_key": "x"})
    assert json_of(not_form, 400)[0]["description"].startswith("FORM_NOT_URLENCODED")
    # Bytes that are not UTF-8 are refused whether raw or percent-escaped (never kept as U+FFFD).
    body = f"api_key={served_intake.api_key}&service_code={SERVICE}&description=Sokak%FF%FE"
    escaped = await served_intake.client.post(
        "/open311/v2/requests.json",
        content=body.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert json_of(escaped, 400)[0]["description"].startswith("FORM_UNREADABLE")
    assert await registered_count(served_intake) == 0


async def test_a_retried_post_with_the_same_key_is_the_same_application(served_intake: Any) -> None:
    first = json_of(await post(served_intake, headers={"Idempotency-Key": "k-1"}))
    again = json_of(await post(served_intake, headers={"Idempotency-Key": "k-1"}))
    assert again == first
    by_token = json_of(await post(served_intake, client_token="t-1"))
    assert json_of(await post(served_intake, client_token="t-1")) == by_token
    assert by_token[0]["service_request_id"] != first[0]["service_request_id"]
    other_body = await post(
        served_intake, headers={"Idempotency-Key": "k-1"}, description="Bambaşka bir konu."
    )
    assert json_of(other_body, 409)[0]["description"].startswith("IDEMPOTENCY_KEY_REUSED")
    assert await registered_count(served_intake) == 2


async def raw_post(base_url: str, path: str, body: bytes, key: bytes) -> Any:
    """POSTs over a socket of its own: httpx (h11) refuses to send a header value with blanks around
    it, which curl and other clients send."""
    url = httpx.URL(base_url)
    reader, writer = await asyncio.open_connection(url.host, url.port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {url.host}\r\nConnection: close\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n"
    ).encode()
    writer.write(head + b"Idempotency-Key:" + key + b"\r\n\r\n" + body)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    status, _, rest = answer.partition(b"\r\n")
    assert status.startswith(b"HTTP/1.1 200"), answer
    return json.loads(rest.partition(b"\r\n\r\n")[2])


async def test_a_key_with_blanks_around_it_is_the_same_key(served_intake: Any) -> None:
    # RFC 9110 §5.5: the blanks around a field value are not part of it (a client's "tk1 " is "tk1").
    body = urlencode(form(served_intake.api_key)).encode()
    path = "/open311/v2/requests.json"
    first = await raw_post(served_intake.base_url, path, body, b" tk1")
    for sent in (b"tk1 ", b"tk1\t", b" tk1 \t"):
        assert await raw_post(served_intake.base_url, path, body, sent) == first, sent
    assert await registered_count(served_intake) == 1


async def test_concurrent_posts_with_one_key_register_once(served_intake: Any) -> None:
    answers = await asyncio.gather(
        *(post(served_intake, headers={"Idempotency-Key": "same"}) for _ in range(6))
    )
    ids = {json_of(answer)[0]["service_request_id"] for answer in answers}
    assert len(ids) == 1
    assert await registered_count(served_intake) == 1


async def test_a_token_maps_to_its_request(served_intake: Any) -> None:
    (answer,) = json_of(await post(served_intake))
    root = xml_of(
        await served_intake.client.get(f"/open311/v2/tokens/{answer['token']}.xml"), "service_requests"
    )
    assert [children(r) for r in root] == [["service_request_id", "token"]]
    assert root.findtext("request/service_request_id") == answer["service_request_id"]
    as_json = json_of(await served_intake.client.get(f"/open311/v2/tokens/{answer['token']}.json"))
    assert as_json == [{"service_request_id": answer["service_request_id"], "token": answer["token"]}]
    unknown = await served_intake.client.get("/open311/v2/tokens/0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10.json")
    assert json_of(unknown, 404)[0]["description"].startswith("TOKEN_NOT_FOUND")
    assert json_of(await served_intake.client.get("/open311/v2/tokens/zzz.json"), 404)[0]["code"] == 404


async def test_get_requests_filters_by_ids_service_dates_and_status(served_intake: Any) -> None:
    first = json_of(await post(served_intake))[0]["service_request_id"]
    second = json_of(await post(served_intake, service_code="EGITIM-ISTEK", phone="0533 111 22 33"))[0]
    second_id = second["service_request_id"]
    get = served_intake.client.get
    everything = json_of(await get("/open311/v2/requests.json"))
    assert [r["service_request_id"] for r in everything] == [second_id, first]
    by_ids = json_of(await get("/open311/v2/requests.json", params={"service_request_id": f"{first},bogus"}))
    assert [r["service_request_id"] for r in by_ids] == [first]
    by_service = xml_of(
        await get("/open311/v2/requests.xml", params={"service_code": "EGITIM-ISTEK"}), "service_requests"
    )
    assert [r.findtext("service_request_id") for r in by_service] == [second_id]
    both_services = {"service_code": f"EGITIM-ISTEK,{SERVICE}"}  # comma delimited, as the spec says
    assert len(json_of(await get("/open311/v2/requests.json", params=both_services))) == 2
    repeated = [("service_code", "EGITIM-ISTEK"), ("service_code", SERVICE)]  # or the parameter repeated
    assert len(json_of(await get("/open311/v2/requests.json", params=repeated))) == 2
    unknown = json_of(
        await get("/open311/v2/requests.json", params={"service_code": "EGITIM-ISTEK,NOPE"}), 400
    )
    assert (
        unknown[0]["description"].startswith("SERVICE_CODE_UNKNOWN") and "NOPE" in unknown[0]["description"]
    )
    closed = json_of(await get("/open311/v2/requests.json", params={"status": "closed"}))
    assert closed == []
    assert len(
        json_of(await get("/open311/v2/requests.json", params=[("status", "closed"), ("status", "open")]))
    )
    assert len(json_of(await get("/open311/v2/requests.json", params={"status": "open,closed"}))) == 2
    window = {"start_date": "2026-05-22T00:00:00+03:00", "end_date": "2026-05-22T13:00:00+03:00"}
    assert json_of(await get("/open311/v2/requests.json", params=window)) == []
    unencoded = "/open311/v2/requests.json?start_date=2026-05-22T00:00:00+03:00"  # "+" read as a space
    assert len(json_of(await get(unencoded))) == 2
    too_long = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-05-22T00:00:00Z"}
    assert json_of(await get("/open311/v2/requests.json", params=too_long), 400)[0]["description"].startswith(
        "DATE_RANGE_TOO_LONG"
    )
    no_offset = await get("/open311/v2/requests.xml", params={"start_date": "2026-05-01T00:00:00"})
    assert xml_of(no_offset, "errors", 400).findtext("error/description", "").startswith("DATE_INVALID")
    assert json_of(await get("/open311/v2/requests.json", params={"status": "x"}), 400)[0]["code"] == 400
    # Dates at the ends of the calendar: a 400, never a range that overflows (year 1 at +14:00 is year 0).
    for extreme in (
        {"start_date": "9999-12-31T00:00:00+00:00"},
        {"end_date": "0001-01-02T00:00:00+00:00"},
        {"start_date": "0001-01-01T00:00:00+14:00", "end_date": "0001-01-02T00:00:00+14:00"},
    ):
        for path in ("requests.json", "servicerequestupdates.json"):
            refused = json_of(await get(f"/open311/v2/{path}", params=extreme), 400)
            assert refused[0]["description"].startswith("DATE_INVALID"), (path, extreme)
    missing = await get("/open311/v2/requests/2026-000099-X.json")
    assert json_of(missing, 404)[0]["description"].startswith("REQUEST_NOT_FOUND")


async def test_concurrent_posts_read_their_applicants_histories_with_the_batch_not_one_each(
    served_intake: Any, monkeypatch: Any
) -> None:
    store = served_intake.runtime.store
    one_by_one: list[str] = []
    load_stream = store.load_stream

    async def counting(connection: Any, stream_id: str) -> Any:
        one_by_one.append(stream_id)
        return await load_stream(connection, stream_id)

    monkeypatch.setattr(store, "load_stream", counting)
    answers = await asyncio.gather(
        *(post(served_intake, phone=f"0532 123 45 {n:02d}", **{"attribute[TCKN]": ""}) for n in range(6))
    )
    assert [answer.status_code for answer in answers] == [200] * 6
    assert [s for s in one_by_one if s.startswith("applicant:")] == []  # prefetched with the run batch


async def test_the_openapi_documents_the_answers_open311_gives_not_the_framework_422(
    served_intake: Any,
) -> None:
    paths = (await served_intake.client.get("/openapi.json")).json()["paths"]
    operations = [
        operation
        for path, item in paths.items()
        if path.startswith("/open311/")
        for operation in item.values()
    ]
    assert len(operations) == 8
    for operation in operations:
        responses = operation["responses"]
        assert "422" not in responses
        assert {"200", "400", "404"} <= set(responses)
        errors = responses["400"]["content"]
        assert set(errors) == {"application/json", "text/xml"}
        assert errors["application/json"]["schema"]["items"]["required"] == ["code", "description"]
    # A value the framework would refuse with 422 is answered in the specification's shape.
    answer = await served_intake.client.get("/open311/v2/requests.json", params={"start_date": "x"})
    assert answer.status_code == 400 and answer.json()[0]["code"] == 400
