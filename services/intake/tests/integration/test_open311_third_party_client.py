"""Open311 read by a client nobody here wrote: georeport (PyPI, Apache-2.0), a GeoReport v2 wrapper
that parses JSON with requests and XML with xmltodict, against intake served over real HTTP.

georeport has no POST: the request is posted as the specification says (a form, with api_key and
jurisdiction_id) by requests, a plain HTTP client, then everything is read back through georeport."""

from __future__ import annotations

import asyncio
from typing import Any

import requests
from georeport import GeoReport

SERVICE = "YEREL_YONETIMLER-SIKAYET"
JURISDICTION = "kars.gov.tr"


def post_as_the_standard_says(root: str, api_key: str) -> Any:
    form = {
        "api_key": api_key,
        "jurisdiction_id": JURISDICTION,
        "service_code": SERVICE,
        "first_name": "Ayşe",
        "last_name": "Yılmaz",
        "phone": "0532 123 45 67",
        "attribute[DISTRICT]": "MERKEZ",
        "description": "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik, kimse ilgilenmiyor.",
        "lat": "40.6013",
        "long": "43.0975",
    }
    answer = requests.post(f"{root}/requests.json", data=form, timeout=10)
    answer.raise_for_status()
    return answer.json()


def read_everything(root: str, number: str, output_format: str) -> dict[str, Any]:
    client = GeoReport(root, jurisdiction=JURISDICTION, output_format=output_format)
    return {
        "services": client.get_service_list(),
        "definition": client.get_service_definition(SERVICE),
        "requests": client.get_service_requests(),
        "by_id": client.get_service_requests(service_request_id=number),
        "one": client.get_service_request(number),
    }


def one_or_list(value: Any) -> list[Any]:
    """xmltodict gives a dict for a single element, a list for several."""
    return value if isinstance(value, list) else [value]


async def test_a_third_party_client_reads_services_definitions_and_requests_in_json_and_xml(
    served_intake: Any,
) -> None:
    root = f"{served_intake.base_url}/open311/v2"
    (created,) = await asyncio.to_thread(post_as_the_standard_says, root, served_intake.api_key)
    number = created["service_request_id"]
    assert number.startswith("2026-") and created["token"]

    as_json = await asyncio.to_thread(read_everything, root, number, "json")
    as_xml = await asyncio.to_thread(read_everything, root, number, "xml")

    for read in (as_json, as_xml):
        services = one_or_list(read["services"])
        ours = next(service for service in services if service["service_code"] == SERVICE)
        assert ours["group"] == "Yerel yönetimler" and ours["type"] == "realtime"  # group: the topic
        assert str(ours["metadata"]).lower() == "true"
        assert read["definition"]["service_code"] == SERVICE
        attributes = read["definition"]["attributes"]
        codes = [
            a["code"]
            for a in (one_or_list(attributes["attribute"]) if "attribute" in attributes else attributes)
        ]
        assert "DISTRICT" in codes
        listed = [request["service_request_id"] for request in one_or_list(read["requests"])]
        assert listed == [number]
        assert [request["service_request_id"] for request in one_or_list(read["by_id"])] == [number]
        one = read["one"]
        assert one["service_request_id"] == number and one["status"] == "open"
        assert one["service_code"] == SERVICE
        assert one["requested_datetime"] == "2026-05-22T14:00:05+03:00"
        assert "Ayşe" not in str(read) and "5321234567" not in str(read)  # no personal data in answers
