"""The Open311 XML renderer writes a well-formed document whatever text it is given."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from intake.open311.render import to_xml

# Every kind of character XML 1.0 forbids: C0 controls but tab, newline and carriage return, a lone
# surrogate, and the noncharacters U+FFFE and U+FFFF.
FORBIDDEN = ["\x00", "\x07", "\x0b", "\x1b", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"]


@pytest.mark.parametrize("character", FORBIDDEN)
def test_a_character_xml_forbids_is_replaced_in_every_text(character: str) -> None:
    document = [{"service_code": f"A{character}B", "group": character}]
    root = ET.fromstring(to_xml("services", {"services": document, "name": f"x{character}"}))
    texts = [element.text or "" for element in root.iter()]
    assert all(character not in text for text in texts)
    assert root.findtext("services/service/service_code") == "A\ufffdB"
    assert root.findtext("name") == "x\ufffd"


def test_allowed_characters_are_kept() -> None:
    text = "Kağızman\tİlçesi\nçarşı 😀 \ud7ff\ue000\ufffd\U0010ffff"
    root = ET.fromstring(to_xml("service_requests", [{"description": text}]))
    assert root.findtext("request/description") == text
