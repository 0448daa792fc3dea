"""The Open311 services: one per application topic × type of the reference data (`group` = the
topic), each defined by the same attributes: the district, the TC Kimlik No, the type (shown, not
asked) and the wish that the applicant's identity be kept hidden."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from acikkapi_shared.reference import ReferenceData
from acikkapi_shared.turkish import tr_lower

# Attribute codes as posted: attribute[DISTRICT]=MERKEZ
DISTRICT = "DISTRICT"
TCKN = "TCKN"
TYPE = "TYPE"
IDENTITY_HIDDEN = "IDENTITY_HIDDEN"


@dataclass(frozen=True, slots=True)
class Service:
    """One Open311 service: a topic and an application type."""

    code: str
    topic: str
    type: str


def service_code(topic: str, type_: str) -> str:
    """Returns the Open311 service code of a topic and type: "YEREL_YONETIMLER-SIKAYET"."""
    return f"{topic}-{type_}"


def services(reference: ReferenceData) -> list[Service]:
    """Returns every service, topic by topic, in the reference data's order."""
    return [
        Service(service_code(topic, type_), topic, type_)
        for topic in reference.topics
        for type_ in reference.types
    ]


def find_service(reference: ReferenceData, code: str) -> Service | None:
    """Returns the service with this code, or None."""
    topic, _, type_ = code.partition("-")
    if topic in reference.topics and type_ in reference.types:
        return Service(code, topic, type_)
    return None


def service_name(reference: ReferenceData, service: Service) -> str:
    """Returns the service's Turkish name: "Yerel yönetimler: Şikâyet"."""
    return f"{reference.topics[service.topic]}: {reference.types[service.type]}"


def service_entry(reference: ReferenceData, service: Service) -> dict[str, Any]:
    """Returns the service as GET services lists it."""
    topic_name = reference.topics[service.topic]
    type_name = reference.types[service.type]
    return {
        "service_code": service.code,
        "service_name": service_name(reference, service),
        "description": f"{topic_name} konusunda {tr_lower(type_name)} başvurusu",
        "metadata": True,
        "type": "realtime",
        "keywords": f"{tr_lower(topic_name)}, {tr_lower(type_name)}",
        "group": topic_name,
    }


def _attribute(
    order: int, code: str, datatype: str, required: bool, description: str, **more: Any
) -> dict[str, Any]:
    values = more.pop("values", None)
    document: dict[str, Any] = {
        "variable": more.pop("variable", True),
        "code": code,
        "datatype": datatype,
        "required": required,
        "datatype_description": more.pop("datatype_description", None),
        "order": order,
        "description": description,
    }
    if values is not None:
        document["values"] = [{"key": key, "name": name} for key, name in values.items()]
    return document


def definition(reference: ReferenceData, service: Service) -> dict[str, Any]:
    """Returns the service definition: its attributes, in the order a form asks them."""
    return {
        "service_code": service.code,
        "attributes": [
            _attribute(1, DISTRICT, "singlevaluelist", True, "İlçe", values=reference.districts),
            _attribute(
                2,
                TCKN,
                "string",
                False,
                "T.C. Kimlik Numarası (isteğe bağlı)",
                datatype_description="11 haneli T.C. Kimlik Numarası",
            ),
            _attribute(
                3,
                TYPE,
                "singlevaluelist",
                False,
                f"Başvuru türü: {reference.types[service.type]}",
                variable=False,
                values={service.type: reference.types[service.type]},
            ),
            _attribute(
                4,
                IDENTITY_HIDDEN,
                "singlevaluelist",
                False,
                "Kimliğimin gizli tutulmasını istiyorum (ör. ihbar); kısa mesaj (SMS) gönderilmez",
                values={"false": "Hayır", "true": "Evet"},
            ),
        ],
    }
