"""Reference data of a province: districts, institutions, topics, application types, channels."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

TRIAGE_INSTITUTION = "ACIKKAPI"


@dataclass(frozen=True, slots=True)
class Institution:
    code: str
    name: str
    role: str | None
    district: str | None


@dataclass(frozen=True, slots=True)
class ReferenceData:
    """The codes a province's applications are validated and routed against."""

    districts: dict[str, str]
    institutions: dict[str, Institution]
    topics: dict[str, str]
    types: dict[str, str]
    channels: dict[str, str]

    def institution(self, code: str) -> Institution:
        """Returns the institution with this code; KeyError when it is unknown."""
        return self.institutions[code]


def parse_reference(document: dict[str, Any]) -> ReferenceData:
    """Returns reference data built from a parsed YAML document of the kars-institutions shape."""
    names: dict[str, str] = document["district_names"]
    institutions = {
        item["code"]: Institution(
            code=item["code"],
            name=item["name"],
            role=item.get("role"),
            district=item.get("district"),
        )
        for item in document["institutions"]
    }
    return ReferenceData(
        districts={code: names[code] for code in document["districts"]},
        institutions=institutions,
        topics=dict(document["topics"]),
        types=dict(document["types"]),
        channels=dict(document["channels"]),
    )


@lru_cache(maxsize=1)
def kars() -> ReferenceData:
    """Returns the bundled reference data of Kars."""
    text = resources.files(__package__).joinpath("kars-institutions.yaml").read_text("utf-8")
    return parse_reference(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
