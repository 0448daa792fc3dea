"""What the audit command shows of a payload without --unmasked: no identifier in full, no free text."""

from __future__ import annotations

from acikkapi_cli.audit import masked


def test_free_text_written_by_the_applicant_or_staff_is_shown_by_size_only() -> None:
    payload = {
        "question": "Eşinizin engelli raporu var mı?",
        "answer": "Ayşe Hanım'ın hastalığı nedeniyle...",
        "reason": "Oğlum cezaevinde, ziyaret izni istiyorum.",
        "applicant": {"name": "Ayşe Yılmaz", "phone": "+905321234567", "tckn": "10000000146"},
        "institution": "SAGLIK",
    }
    shown = masked(payload, "ApplicantObjected")
    assert shown["question"] == "[31 characters]"
    assert shown["reason"].endswith("characters]") and shown["answer"].endswith("characters]")
    assert shown["applicant"]["name"] == "A. Y."
    assert "1234567" not in str(shown) and "10000000146" not in str(shown)
    assert shown["institution"] == "SAGLIK"


def test_a_reason_the_system_wrote_is_shown_as_it_is() -> None:
    payload = {"reason": "not an event envelope: event_id: missing", "body_sha256": "ab"}
    assert masked(payload, "MessageDeadLettered")["reason"] == payload["reason"]
