"""Properties of the one validation module every channel uses: any input gives a valid, normalised
submission or problems with stable codes and Turkish messages, never another exception."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from acikkapi_shared.reference import kars
from intake.domain.place import (
    ATTACHMENTS_MAX,
    KARS_BOX,
    attachment_url,
    coordinates_at_fault,
    validate_attachments,
    validate_location,
)
from intake.domain.problems import FIXED_MESSAGES_TR, SubmissionInvalid
from intake.domain.submission import validate_submission
from intake.open311.catalogue import find_service
from intake.open311.posting import submission_document

NOW = datetime(2026, 5, 22, 11, 5, tzinfo=UTC)
STABLE_CODE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ_")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
FIELDS = ["submission_id", "submitted_at", "channel", "applicant", "topic", "type", "district", "text"]
PLACE = ["address", "location", "attachments"]


def base() -> dict[str, Any]:
    return {
        "submission_id": "0b6f3c3e-9a59-4d7c-8f7e-4a1c2d3e4f50",
        "submitted_at": "2026-05-22T14:00:00+03:00",
        "channel": "WEB",
        "applicant": {"name": "Ayşe Yılmaz", "phone": "+905321234567"},
        "topic": "YEREL_YONETIMLER",
        "type": "SIKAYET",
        "district": "MERKEZ",
        "text": "Mahallemizdeki sokak lambaları bir haftadır yanmıyor.",
    }


def clean(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text) and not any(
        unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch != "\n" for ch in text
    )


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS + PLACE), json_values, max_size=6))
def test_any_document_is_valid_and_clean_or_names_each_problem(changes: dict[str, Any]) -> None:
    raw = {**base(), **changes}
    try:
        valid = validate_submission(raw, now=NOW)
    except SubmissionInvalid as invalid:
        for found in invalid.problems:
            assert set(found.code) <= STABLE_CODE and found.field and found.message_tr
            assert found.field in (*FIELDS, *PLACE) or found.field.split(".")[0] in (*FIELDS, *PLACE)
        return
    for text in (valid.applicant_name, valid.text, valid.address or ""):
        assert clean(text)
    assert len(valid.attachments) <= ATTACHMENTS_MAX
    assert all(url.split("://", 1)[0].lower() in ("http", "https") for url in valid.attachments)
    if valid.location is not None:
        assert KARS_BOX.contains(valid.location.lat, valid.location.long)


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True))
def test_a_location_is_inside_the_box_or_refused(lat: float, long: float) -> None:
    try:
        point = validate_location(lat, long)
    except SubmissionInvalid as invalid:
        assert invalid.codes[0] in ("LOCATION_INVALID", "LOCATION_OUTSIDE_KARS")
        return
    assert KARS_BOX.south <= point.lat <= KARS_BOX.north and KARS_BOX.west <= point.long <= KARS_BOX.east


coordinates = st.none() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8)


@given(coordinates, coordinates)
def test_a_refused_location_names_a_coordinate_at_fault_and_an_accepted_one_none(lat: Any, long: Any) -> None:
    faults = coordinates_at_fault(lat, long)
    try:
        validate_location(lat, long)
    except SubmissionInvalid:
        assert faults and set(faults) <= {"lat", "long"}
        return
    assert faults == ()


@given(
    st.floats(min_value=KARS_BOX.south, max_value=KARS_BOX.north),
    st.floats(min_value=KARS_BOX.west, max_value=KARS_BOX.east),
)
def test_every_point_of_the_box_is_accepted_even_as_text(lat: float, long: float) -> None:
    assert validate_location(repr(lat), str(long)).lat == lat


@given(st.text(max_size=300))
def test_an_attachment_url_is_http_or_https_with_a_host_or_refused(value: str) -> None:
    try:
        url = attachment_url(value)
    except SubmissionInvalid as invalid:
        assert invalid.codes == ("ATTACHMENT_URL_INVALID",)
        return
    assert url.split("://", 1)[0].lower() in ("http", "https") and clean(url) and " " not in url


@given(st.lists(st.just("https://foto.example.org/a.jpg"), max_size=12))
def test_attachments_are_bounded_in_count(urls: list[str]) -> None:
    try:
        assert len(validate_attachments(urls)) == len(urls) <= ATTACHMENTS_MAX
    except SubmissionInvalid as invalid:
        assert invalid.codes == ("ATTACHMENTS_TOO_MANY",) and len(urls) > ATTACHMENTS_MAX


form_names = st.sampled_from(
    [
        *("first_name", "last_name", "phone", "description", "lat", "long", "address_string", "media_url"),
        *("attribute[DISTRICT]", "attribute[TCKN]", "attribute[IDENTITY_HIDDEN]", "email"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(form_names, st.text(max_size=60)), max_size=14))
def test_any_open311_form_is_registered_clean_or_refused_with_codes(form: list[tuple[str, str]]) -> None:
    service = find_service(kars(), "YEREL_YONETIMLER-SIKAYET")
    assert service is not None
    document = submission_document(
        form, service, submission_id="0b6f3c3e-9a59-4d7c-8f7e-4a1c2d3e4f50", now=NOW
    )
    try:
        valid = validate_submission(document, now=NOW)
    except SubmissionInvalid as invalid:
        assert all(set(p.code) <= STABLE_CODE and p.message_tr for p in invalid.problems)
        assert all(
            p.code not in FIXED_MESSAGES_TR or p.message_tr == FIXED_MESSAGES_TR[p.code]
            for p in invalid.problems
        )
        return
    assert valid.channel == "OPEN311" and clean(valid.text) and clean(valid.applicant_name)
