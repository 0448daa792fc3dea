"""Portal contract v1: a submission validated into ValidSubmission, or ALL its problems."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.domain.submission import (
    PortalSubmissionV1,
    SubmissionInvalid,
    ValidSubmission,
    reply_phone,
    validate_submission,
)

NOW = datetime(2026, 5, 22, 11, 5, tzinfo=UTC)


def portal_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "submission_id": "0b6f3c3e-9a59-4d7c-8f7e-4a1c2d3e4f50",
        "submitted_at": "2026-05-22T14:00:00+03:00",
        "channel": "WEB",
        "applicant": {"name": "Ayşe Yılmaz", "phone": "+905321234567", "tckn": "10000000146"},
        "topic": "YEREL_YONETIMLER",
        "type": "SIKAYET",
        "district": "MERKEZ",
        "text": "Mahallemizdeki sokak lambaları bir haftadır yanmıyor.",
    }
    payload.update(changes)
    return payload


def problems_of(raw: Any) -> dict[str, str]:
    with pytest.raises(SubmissionInvalid) as caught:
        validate_submission(raw, now=NOW)
    return {p.field: p.code for p in caught.value.problems}


def test_a_good_submission_is_accepted_and_normalised() -> None:
    raw = portal_payload(
        channel="web",
        applicant={"name": "  Ayşe   Yılmaz ", "phone": "0532 123 45 67", "tckn": "10000000146"},
        topic="Yerel yönetimler",
        type="şikâyet",
        district="Kağızman",
        text="Sokak lambaları\r\n\r\n\r\nbir haftadır yanmıyor.  ",
    )
    valid = validate_submission(raw, now=NOW)
    assert valid == ValidSubmission(
        submission_id="0b6f3c3e-9a59-4d7c-8f7e-4a1c2d3e4f50",
        submitted_at=valid.submitted_at,
        channel="WEB",
        applicant_name="Ayşe Yılmaz",
        phone_e164="+905321234567",
        tckn="10000000146",
        topic="YEREL_YONETIMLER",
        type="SIKAYET",
        district="KAGIZMAN",
        text="Sokak lambaları\n\nbir haftadır yanmıyor.",
    )
    assert valid.submitted_at.utcoffset() == timedelta(hours=3)
    assert valid.submitted_at.isoformat() == "2026-05-22T14:00:00+03:00"


def test_the_submission_id_is_stored_in_canonical_uuid_form() -> None:
    raw = portal_payload(submission_id="0B6F3C3E9A594D7C8F7E4A1C2D3E4F50")
    assert validate_submission(raw, now=NOW).submission_id == "0b6f3c3e-9a59-4d7c-8f7e-4a1c2d3e4f50"


def test_fields_added_by_later_versions_are_ignored() -> None:
    raw = portal_payload(priority={"level": "urgent"}, contract_version=2)
    raw["applicant"]["email"] = "ayse@example.org"
    assert validate_submission(raw, now=NOW).applicant_name == "Ayşe Yılmaz"


@pytest.mark.parametrize("tckn", [None, "", "   "])
def test_the_tckn_is_optional(tckn: str | None) -> None:
    raw = portal_payload()
    if tckn is None:
        del raw["applicant"]["tckn"]
    else:
        raw["applicant"]["tckn"] = tckn
    assert validate_submission(raw, now=NOW).tckn is None


def test_hiding_the_identity_and_refusing_sms_are_optional_wishes_defaulting_to_false() -> None:
    assert validate_submission(portal_payload(), now=NOW).sms_refused is False
    raw = portal_payload()
    raw["applicant"].update(identity_hidden=True, sms_refused=True)
    valid = validate_submission(raw, now=NOW)
    assert (valid.identity_hidden, valid.sms_refused) == (True, True)
    raw["applicant"]["sms_refused"] = "belki"
    assert problems_of(raw) == {"applicant.sms_refused": "FIELD_INVALID"}


def test_an_unreadable_wish_is_told_in_plain_turkish_not_by_its_field_name() -> None:
    raw = portal_payload()
    raw["applicant"].update(identity_hidden="evet", sms_refused="belki")
    with pytest.raises(SubmissionInvalid) as caught:
        validate_submission(raw, now=NOW)
    assert [p.message_tr for p in caught.value.problems] == [
        "Kimliğin gizli tutulması isteği alanı hatalı. Lütfen kontrol edin.",
        "Kısa mesaj (SMS) almak istememe tercihi alanı hatalı. Lütfen kontrol edin.",
    ]


@pytest.mark.parametrize(
    "wish",
    [{"identity_hidden": True}, {"sms_refused": True}, {"identity_hidden": False, "sms_refused": True}],
)
def test_a_landline_is_refused_without_promising_an_sms_to_who_gets_none(wish: dict[str, bool]) -> None:
    raw = portal_payload()
    raw["applicant"].update(phone="0474 212 34 56", **wish)
    with pytest.raises(SubmissionInvalid) as caught:
        validate_submission(raw, now=NOW)
    (refused,) = caught.value.problems
    assert (refused.field, refused.code) == ("applicant.phone", "PHONE_NOT_MOBILE")
    assert "ulaşabilmemiz için" in refused.message_tr and "gönderilmez" in refused.message_tr
    assert "gönderebilmemiz" not in refused.message_tr
    raw["applicant"].update(identity_hidden=False, sms_refused=False)
    with pytest.raises(SubmissionInvalid) as wanted:
        validate_submission(raw, now=NOW)
    assert "SMS) gönderebilmemiz için" in wanted.value.problems[0].message_tr


@pytest.mark.parametrize(
    ("applicant", "phone"),
    [
        ({"name": "", "phone": "0532 123 45 67"}, "+905321234567"),  # the rest may be wrong
        ({"phone": 5321234567}, "+905321234567"),
        ({"phone": "0312 123 45 67"}, None),  # not a mobile
        ({"phone": "0532 123 45 67", "sms_refused": True}, None),
        ({"phone": "0532 123 45 67", "identity_hidden": "evet"}, None),  # unreadable: refusing
        ({"name": "Ayşe"}, None),
        ("Ayşe", None),
    ],
)
def test_a_rejected_submission_is_answered_on_a_valid_mobile_only_if_sms_is_wanted(
    applicant: Any, phone: str | None
) -> None:
    assert reply_phone(portal_payload(applicant=applicant)) == phone


def test_numbers_sent_as_json_numbers_are_read_as_text() -> None:
    raw = portal_payload(applicant={"name": "Ali Veli", "phone": 5321234567, "tckn": 10000000146})
    valid = validate_submission(raw, now=NOW)
    assert (valid.phone_e164, valid.tckn) == ("+905321234567", "10000000146")


@pytest.mark.parametrize("stamp", ["2026-05-22T11:00:00Z", "2026-05-22T14:00:00.123+03:00"])
def test_submitted_at_with_an_offset_is_accepted(stamp: str) -> None:
    assert validate_submission(portal_payload(submitted_at=stamp), now=NOW).submitted_at.tzinfo is not None


@pytest.mark.parametrize(
    ("stamp", "code"),
    [
        ("2026-05-22T14:00:00", "SUBMITTED_AT_NO_OFFSET"),
        ("22.05.2026 14:00", "SUBMITTED_AT_INVALID"),
        ("yesterday", "SUBMITTED_AT_INVALID"),
    ],
)
def test_submitted_at_must_carry_an_offset(stamp: str, code: str) -> None:
    assert problems_of(portal_payload(submitted_at=stamp)) == {"submitted_at": code}


@pytest.mark.parametrize(
    "stamp",
    [
        "1999-06-01T00:00:00+03:00",  # before the numbering's first year
        "9999-12-31T23:00:00-05:00",  # past datetime's range in UTC
        "0001-01-01T00:30:00+14:00",  # before it
        "2026-04-01T14:00:00+03:00",  # older than a re-send after an outage could be
        "2026-05-22T11:30:00Z",  # in the future beyond a clock skew
    ],
)
def test_a_receipt_moment_that_cannot_be_numbered_or_clocked_is_refused(stamp: str) -> None:
    assert problems_of(portal_payload(submitted_at=stamp)) == {"submitted_at": "SUBMITTED_AT_OUT_OF_RANGE"}


def test_every_problem_is_reported_at_once_in_form_order() -> None:
    raw = portal_payload(
        submission_id="not-a-uuid",
        channel="FAX",
        applicant={"name": "A", "phone": "0312 123 45 67", "tckn": "12345678901"},
        topic="Uzay",
        type="dilekçe",
        district="Erzurum",
        text="kısa",
    )
    with pytest.raises(SubmissionInvalid) as caught:
        validate_submission(raw, now=NOW)
    assert [(p.field, p.code) for p in caught.value.problems] == [
        ("submission_id", "SUBMISSION_ID_INVALID"),
        ("channel", "CHANNEL_UNKNOWN"),
        ("applicant.name", "TEXT_TOO_SHORT"),
        ("applicant.phone", "PHONE_NOT_MOBILE"),
        ("applicant.tckn", "TCKN_INVALID"),
        ("topic", "TOPIC_UNKNOWN"),
        ("type", "TYPE_UNKNOWN"),
        ("district", "DISTRICT_UNKNOWN"),
        ("text", "TEXT_TOO_SHORT"),
    ]
    assert all(p.message_tr for p in caught.value.problems)


@pytest.mark.parametrize("text", ["\U0001f621" * 12, "!!!!!!!!!!!!", "\u0301" * 20, "1234 5678 90"])
def test_a_petition_says_something_in_words(text: str) -> None:
    assert problems_of(portal_payload(text=text)) == {"text": "TEXT_NO_WORDS"}


def test_a_short_petition_in_words_is_enough() -> None:
    assert validate_submission(portal_payload(text="5 gündür su yok!"), now=NOW).text == "5 gündür su yok!"


def test_shape_errors_and_domain_errors_are_reported_together() -> None:
    raw = portal_payload(text=["not", "text"], topic="Uzay")
    del raw["district"]
    raw["applicant"]["phone"] = {"number": "0532"}
    assert problems_of(raw) == {
        "applicant.phone": "FIELD_NOT_TEXT",
        "topic": "TOPIC_UNKNOWN",
        "district": "FIELD_MISSING",
        "text": "FIELD_NOT_TEXT",
    }


def test_an_applicant_that_is_not_an_object_is_one_problem() -> None:
    assert problems_of(portal_payload(applicant="Ayşe Yılmaz")) == {"applicant": "FIELD_NOT_OBJECT"}


def test_an_empty_object_lists_every_required_field() -> None:
    assert problems_of({}) == {
        "submission_id": "FIELD_MISSING",
        "submitted_at": "FIELD_MISSING",
        "channel": "FIELD_MISSING",
        "applicant": "FIELD_MISSING",
        "topic": "FIELD_MISSING",
        "type": "FIELD_MISSING",
        "district": "FIELD_MISSING",
        "text": "FIELD_MISSING",
    }


def test_blank_required_text_is_missing_with_a_turkish_message() -> None:
    with pytest.raises(SubmissionInvalid) as caught:
        validate_submission(portal_payload(text="  \n "), now=NOW)
    (only,) = caught.value.problems
    assert (only.field, only.code) == ("text", "FIELD_MISSING")
    assert only.message_tr == "Başvuru metni alanı boş bırakılamaz."


@pytest.mark.parametrize("raw", [None, [], "text", 42])
def test_a_payload_that_is_not_an_object_is_refused(raw: Any) -> None:
    assert problems_of(raw) == {"submission": "PAYLOAD_NOT_OBJECT"}


def test_the_contract_model_documents_the_required_fields() -> None:
    schema = PortalSubmissionV1.model_json_schema()
    assert set(schema["required"]) == {
        "submission_id",
        "submitted_at",
        "channel",
        "applicant",
        "topic",
        "type",
        "district",
        "text",
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
field_names = st.sampled_from(
    ["submission_id", "submitted_at", "channel", "applicant", "topic", "type", "district", "text"]
)


@given(st.dictionaries(field_names, json_values, max_size=8))
def test_any_json_object_is_accepted_or_refused_with_coded_problems(raw: dict[str, Any]) -> None:
    merged = copy.deepcopy(portal_payload())
    merged.update(raw)
    try:
        validate_submission(merged, now=NOW)
    except SubmissionInvalid as invalid:
        assert invalid.problems
        assert all(p.code.isupper() and p.field and p.message_tr for p in invalid.problems)
        assert len({p.field for p in invalid.problems}) == len(invalid.problems)
