"""Open311 answers to forms and queries an outside tester found mishandled: repeated fields, characters
XML cannot carry, a blank service code read as no filter, too many ids, the jurisdiction's casing and
trailing dot, a missing service code hiding the form's other problems, internal field names in messages,
a location's problem blamed on the wrong coordinate, too many fields, the notice of a hidden identity and
the refusal of its landline promising an SMS."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode
from xml.etree import ElementTree as ET

import pytest

from intake.open311.post import FORM_EXAMPLE
from intake.open311.posting import FORM_MAX_FIELDS

MOBILE = "0532 123 45 67"
LANDLINE = "0474 212 34 56"  # Kars, a fixed line: no SMS can reach it


def base_form(key: str) -> list[tuple[str, str]]:
    """The tester's valid form: a service, a name, a mobile, a text and the district."""
    return [
        ("api_key", key),
        ("service_code", "YEREL_YONETIMLER-SIKAYET"),
        ("first_name", "Ayşe"),
        ("last_name", "Yılmaz"),
        ("phone", MOBILE),
        ("description", FORM_EXAMPLE["description"]),
        ("attribute[DISTRICT]", "MERKEZ"),
    ]


def without(form: list[tuple[str, str]], name: str) -> list[tuple[str, str]]:
    return [(key, value) for key, value in form if key != name]


def replaced(form: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(key, value if key == name else old) for key, old in form]


async def post_pairs(served: Any, pairs: list[tuple[str, str]], fmt: str = "json") -> Any:
    return await served.client.post(
        f"/open311/v2/requests.{fmt}",
        content=urlencode(pairs).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


def codes_and_fields(answer: Any) -> list[tuple[str, str]]:
    """Returns (code, field) of each error of a 400 JSON answer."""
    assert answer.status_code == 400, answer.text
    found = []
    for error in answer.json():
        code, _, rest = error["description"].partition(" ")
        found.append((code, rest.split(":", 1)[0]))
    return found


async def registered_count(served: Any) -> int:
    async with served.runtime.engine.connect() as connection:
        result = await connection.exec_driver_sql(
            "SELECT count(*) FROM events WHERE type = 'ApplicationRegistered'"
        )
        return int(result.scalar_one())


@pytest.mark.parametrize(
    ("name", "second"),
    [
        ("description", "Bambaşka bir metin, ikinci kez gönderilmiş."),
        ("phone", "0533 111 22 33"),
        ("attribute[DISTRICT]", "OLMAYAN_ILCE"),
        ("service_code", "EGITIM-ISTEK"),
        ("first_name", "Ayşe"),  # the same value twice is still a form that says two things
    ],
)
async def test_a_repeated_field_is_refused_and_named(served_intake: Any, name: str, second: str) -> None:
    answer = await post_pairs(served_intake, [*base_form(served_intake.api_key), (name, second)])
    assert codes_and_fields(answer) == [("FIELD_REPEATED", name)]
    assert "birden fazla" in answer.json()[0]["description"]
    assert await registered_count(served_intake) == 0


async def test_every_repeated_field_is_named_with_the_forms_other_problems(served_intake: Any) -> None:
    form = replaced(base_form(served_intake.api_key), "phone", LANDLINE)
    form += [("description", "ikinci"), ("attribute[DISTRICT]", "OLMAYAN_ILCE"), ("description", "üçüncü")]
    assert codes_and_fields(await post_pairs(served_intake, form)) == [
        ("FIELD_REPEATED", "description"),
        ("FIELD_REPEATED", "attribute[DISTRICT]"),
        ("PHONE_NOT_MOBILE", "phone"),
    ]
    assert await registered_count(served_intake) == 0


async def test_media_url_may_be_repeated(served_intake: Any) -> None:
    form = base_form(served_intake.api_key)
    form += [("media_url", "https://foto.example.org/1.jpg"), ("media_url", "https://foto.example.org/2.jpg")]
    answer = await post_pairs(served_intake, form)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("value", ["\x07", "\x1b", "\ufffe", "a\x00b"])
async def test_an_xml_answer_is_well_formed_whatever_the_query_holds(served_intake: Any, value: str) -> None:
    escaped = quote(value.encode(), safe="")
    answer = await served_intake.client.get(f"/open311/v2/requests.xml?service_code={escaped}")
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(answer.content)  # raises on a character XML 1.0 forbids
    assert root.tag == "errors"
    assert root.findtext("error/description", "").startswith("SERVICE_CODE_UNKNOWN")


@pytest.mark.parametrize("value", ["\x85", " ", "\t\u2028", ",", "YEREL_YONETIMLER-SIKAYET,\x85"])
async def test_a_service_code_of_blanks_only_is_refused_not_read_as_no_filter(
    served_intake: Any, value: str
) -> None:
    answer = await served_intake.client.get(
        f"/open311/v2/requests.json?service_code={quote(value.encode(), safe=',')}"
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()[0]["description"].startswith("SERVICE_CODE_UNKNOWN service_code: Hizmet kodu boş")


async def test_an_empty_service_code_is_no_filter(served_intake: Any) -> None:
    (registered,) = (await post_pairs(served_intake, base_form(served_intake.api_key))).json()
    for query in ("service_code=", "service_code=&service_code=", "service_code=YEREL_YONETIMLER-SIKAYET,"):
        answer = await served_intake.client.get(f"/open311/v2/requests.json?{query}")
        assert answer.status_code == 200, (query, answer.text)
        assert [r["service_request_id"] for r in answer.json()] == [registered["service_request_id"]]


async def test_more_than_100_ids_are_refused_not_cut(served_intake: Any) -> None:
    (registered,) = (await post_pairs(served_intake, base_form(served_intake.api_key))).json()
    unknown = [f"2026-{n:06d}-X" for n in range(500, 600)]
    asked = ",".join([*unknown, registered["service_request_id"]])
    answer = await served_intake.client.get("/open311/v2/requests.json", params={"service_request_id": asked})
    assert answer.status_code == 400, answer.text
    assert answer.json()[0]["description"].startswith("SERVICE_REQUEST_ID_TOO_MANY service_request_id: En")
    hundred = ",".join([*unknown[1:], registered["service_request_id"]])
    listed = await served_intake.client.get(
        "/open311/v2/requests.json", params={"service_request_id": hundred}
    )
    assert [r["service_request_id"] for r in listed.json()] == [registered["service_request_id"]]


@pytest.mark.parametrize(
    "given", ["KARS.GOV.TR", "Kars.Gov.Tr", " kars.gov.tr ", "kars.gov.tr", "kars.gov.tr.", " KARS.GOV.TR. "]
)
async def test_the_jurisdiction_is_a_domain_name_in_any_casing(served_intake: Any, given: str) -> None:
    get = served_intake.client.get
    asked = {"jurisdiction_id": given}
    for path in ("services.json", "services/YEREL_YONETIMLER-SIKAYET.json", "requests.json"):
        answer = await get(f"/open311/v2/{path}", params=asked)
        assert answer.status_code == 200, (path, answer.text)
    posted = await post_pairs(served_intake, [*base_form(served_intake.api_key), ("jurisdiction_id", given)])
    assert posted.status_code == 200, posted.text
    number = posted.json()[0]["service_request_id"]
    token = posted.json()[0]["token"]
    for path in (f"requests/{number}.json", f"tokens/{token}.json", "servicerequestupdates.json"):
        answer = await get(f"/open311/v2/{path}", params=asked)
        assert answer.status_code == 200, (path, answer.text)
    for other in ("KARS.GOV.TR.EXAMPLE", "kars.gov.tr..", ".kars.gov.tr"):
        answer = await get("/open311/v2/services.json", params={"jurisdiction_id": other})
        assert answer.status_code == 404, other


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (None, "FIELD_MISSING"),
        ("", "FIELD_MISSING"),
        ("  ", "FIELD_MISSING"),
        ("NOPE", "SERVICE_CODE_UNKNOWN"),
    ],
)
async def test_a_missing_or_unknown_service_hides_none_of_the_forms_problems(
    served_intake: Any, code: str | None, expected: str
) -> None:
    form = replaced(base_form(served_intake.api_key), "phone", LANDLINE)
    form = without(form, "service_code") if code is None else replaced(form, "service_code", code)
    form = replaced(form, "description", "kısa")
    assert codes_and_fields(await post_pairs(served_intake, form)) == [
        (expected, "service_code"),
        ("PHONE_NOT_MOBILE", "phone"),
        ("TEXT_TOO_SHORT", "description"),
    ]
    alone = await post_pairs(served_intake, without(base_form(served_intake.api_key), "service_code"))
    assert alone.json() == [
        {"code": 400, "description": "FIELD_MISSING service_code: Hizmet kodu alanı boş bırakılamaz."}
    ]
    assert await registered_count(served_intake) == 0


async def test_attribute_messages_name_no_internal_field(served_intake: Any) -> None:
    form = replaced(base_form(served_intake.api_key), "attribute[DISTRICT]", "")
    form += [("attribute[IDENTITY_HIDDEN]", "0"), ("attribute[TCKN]", "123")]
    answer = await post_pairs(served_intake, form)
    descriptions = [error["description"] for error in answer.json()]
    assert codes_and_fields(answer) == [
        ("TCKN_MALFORMED", "attribute[TCKN]"),
        ("FIELD_MISSING", "attribute[DISTRICT]"),
        ("FIELD_INVALID", "attribute[IDENTITY_HIDDEN]"),
    ]
    assert not any("applicant" in d or "district" in d or "tckn" in d for d in descriptions), descriptions
    assert descriptions[2] == (
        "FIELD_INVALID attribute[IDENTITY_HIDDEN]: "
        "Kimliğin gizli tutulması isteği true ya da false olmalıdır."
    )


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        ({"lat": "40.6", "long": "41.0"}, [("LOCATION_OUTSIDE_KARS", "long")]),  # west of Kars
        ({"lat": "38.0", "long": "43.0"}, [("LOCATION_OUTSIDE_KARS", "lat")]),  # south of Kars
        ({"lat": "39.9", "long": "32.85"}, [("LOCATION_OUTSIDE_KARS", "long")]),  # Ankara's longitude
        ({"lat": "41.0", "long": "29.0"}, [("LOCATION_OUTSIDE_KARS", "long")]),  # Istanbul
        (
            {"lat": "52.5", "long": "13.4"},
            [("LOCATION_OUTSIDE_KARS", "lat"), ("LOCATION_OUTSIDE_KARS", "long")],
        ),
        ({"lat": "40.6", "long": "abc"}, [("LOCATION_INVALID", "long")]),
        ({"lat": "40.6", "long": ""}, [("LOCATION_INVALID", "long")]),  # `long` sent without a value
        ({"lat": "abc", "long": "43.0"}, [("LOCATION_INVALID", "lat")]),
        ({"long": "43.0"}, [("LOCATION_INVALID", "lat")]),  # lat left out
        ({"lat": "x", "long": "y"}, [("LOCATION_INVALID", "lat"), ("LOCATION_INVALID", "long")]),
    ],
)
async def test_a_locations_problem_names_the_coordinate_at_fault(
    served_intake: Any, place: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    form = [*base_form(served_intake.api_key), *place.items()]
    assert codes_and_fields(await post_pairs(served_intake, form)) == expected


async def test_a_hidden_identitys_landline_is_refused_without_promising_an_sms(served_intake: Any) -> None:
    form = replaced(base_form(served_intake.api_key), "phone", "04742123456")
    hidden = await post_pairs(served_intake, [*form, ("attribute[IDENTITY_HIDDEN]", "true")])
    assert codes_and_fields(hidden) == [("PHONE_NOT_MOBILE", "phone")]
    description = hidden.json()[0]["description"]
    assert "ulaşabilmemiz için" in description and "gönderilmez" in description, description
    assert "gönderebilmemiz" not in description
    shown = (await post_pairs(served_intake, form)).json()[0]["description"]
    assert "kısa mesaj (SMS) gönderebilmemiz için" in shown
    assert await registered_count(served_intake) == 0


async def test_too_many_fields_have_their_own_code_naming_the_limit(served_intake: Any) -> None:
    form = base_form(served_intake.api_key)
    form += [(f"extra{n}", "x") for n in range(FORM_MAX_FIELDS + 1 - len(form))]
    answer = await post_pairs(served_intake, form)
    assert answer.json() == [
        {"code": 400, "description": f"FORM_TOO_MANY_FIELDS Formda en fazla {FORM_MAX_FIELDS} alan olabilir."}
    ]
    assert (await post_pairs(served_intake, form[:-1])).status_code == 200


async def test_a_hidden_identitys_notice_says_where_the_tracking_code_is(served_intake: Any) -> None:
    form = [*base_form(served_intake.api_key), ("attribute[IDENTITY_HIDDEN]", "true")]
    (answer,) = (await post_pairs(served_intake, form)).json()
    token = answer["token"]
    assert "SMS" in answer["service_notice"] and "gönderilmez" in answer["service_notice"]
    assert f"/api/v1/submissions/{token}" in answer["service_notice"]
    outcome = (await served_intake.client.get(f"/api/v1/submissions/{token}")).json()
    assert outcome["application_number"] == answer["service_request_id"] and outcome["tracking_code"]
    shown = replaced(form, "attribute[IDENTITY_HIDDEN]", "false")
    shown = replaced(shown, "phone", "0533 111 22 33")
    (told,) = (await post_pairs(served_intake, shown)).json()
    assert told["service_notice"].endswith("cep telefonuna kısa mesajla (SMS) gönderilir.")


@pytest.mark.parametrize("status", ["%C2%85", "%20", "open,%C2%85"])
async def test_a_status_of_blanks_only_is_refused_not_read_as_no_filter(
    served_intake: Any, status: str
) -> None:
    answer = await served_intake.client.get(f"/open311/v2/requests.json?status={status}")
    assert answer.status_code == 400, answer.text
    assert answer.json()[0]["description"].startswith("STATUS_UNKNOWN")
    assert (await served_intake.client.get("/open311/v2/requests.json?status=")).status_code == 200
