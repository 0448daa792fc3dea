"""Topic, type, district and channel: codes or Turkish names, any case, mapped to codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acikkapi_shared.reference import ReferenceData, kars
from acikkapi_shared.turkish import tr_lower, tr_upper
from intake.domain.reference_codes import build_index, resolve_code
from intake.domain.validation import FieldInvalid


@pytest.mark.parametrize(
    ("field", "typed", "code"),
    [
        ("district", "MERKEZ", "MERKEZ"),
        ("district", "merkez", "MERKEZ"),
        ("district", "Kağızman", "KAGIZMAN"),
        ("district", "KAĞIZMAN", "KAGIZMAN"),
        ("district", "kagizman", "KAGIZMAN"),
        ("district", "SARIKAMIŞ", "SARIKAMIS"),
        ("district", "Arpaçay", "ARPACAY"),
        ("topic", "yerel_yonetimler", "YEREL_YONETIMLER"),
        ("topic", "Yerel yönetimler", "YEREL_YONETIMLER"),
        ("topic", "ÇALIŞMA HAYATI", "CALISMA_HAYATI"),
        ("topic", "Çevre ve şehircilik", "CEVRE_SEHIRCILIK"),
        ("type", "şikâyet", "SIKAYET"),
        ("type", "ŞİKAYET", "SIKAYET"),
        ("type", "Görüş ve öneri", "ONERI_GORUS"),
        ("type", "İhbar", "IHBAR"),
        ("channel", "web", "WEB"),
        ("channel", "halk-günü", "HALK_GUNU"),
        ("channel", " Mobile ", "MOBILE"),
    ],
)
def test_resolves_codes_and_turkish_names_in_any_case(field: str, typed: str, code: str) -> None:
    assert resolve_code(typed, field=field, reference=kars()) == code


@pytest.mark.parametrize(
    ("field", "typed", "problem_code"),
    [
        ("district", "Erzurum", "DISTRICT_UNKNOWN"),
        ("topic", "Uzay", "TOPIC_UNKNOWN"),
        ("type", "dilekçe", "TYPE_UNKNOWN"),
        ("channel", "FAX", "CHANNEL_UNKNOWN"),
        ("district", "  ", "FIELD_MISSING"),
    ],
)
def test_refuses_what_is_not_on_the_lists(field: str, typed: str, problem_code: str) -> None:
    with pytest.raises(FieldInvalid) as caught:
        resolve_code(typed, field=field, reference=kars())
    assert caught.value.problem.code == problem_code
    assert caught.value.problem.field == field


@pytest.mark.parametrize("attribute", ["topics", "types", "districts", "channels"])
def test_every_code_and_name_resolves_to_itself_without_ambiguity(attribute: str) -> None:
    options: dict[str, str] = getattr(kars(), attribute)
    index = build_index(options)  # raises on an ambiguous key
    assert set(index.values()) == set(options)


def test_an_ambiguous_reference_list_is_detected() -> None:
    with pytest.raises(ValueError, match="matches both"):
        build_index({"SIKAYET": "Şikâyet", "OTHER": "sikayet"})


def test_another_province_reference_is_honoured() -> None:
    base = kars()
    ardahan = ReferenceData(
        districts={"POSOF": "Posof"},
        institutions=base.institutions,
        topics=base.topics,
        types=base.types,
        channels=base.channels,
    )
    assert resolve_code("posof", field="district", reference=ardahan) == "POSOF"
    with pytest.raises(FieldInvalid):
        resolve_code("MERKEZ", field="district", reference=ardahan)


@given(st.sampled_from(sorted(kars().districts.items())), st.booleans())
def test_district_case_does_not_matter(item: tuple[str, str], upper: bool) -> None:
    code, name = item
    typed = tr_upper(name) if upper else tr_lower(name)
    assert resolve_code(typed, field="district", reference=kars()) == code
