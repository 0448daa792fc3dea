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


def test_a_petition_shows_its_codes_and_the_size_of_everything_personal() -> None:
    payload = {
        "application_number": "2026-000001-N",
        "type": "IHBAR",
        "district": "MERKEZ",
        "text": "Komşumun kaçak yapısını ihbar ediyorum.",
        "address": "Atatürk Caddesi No: 17",
        "location": {"lat": 40.601234, "long": 43.097531},
        "attachments": ["https://foto.example.org/1.jpg", "https://foto.example.org/2.jpg"],
        "applicant": {"name": "Ayşe Yılmaz", "phone": "+905321234567"},
    }
    shown = masked(payload, "PetitionRecorded")
    assert {key: shown[key] for key in ("application_number", "type", "district")} == {
        "application_number": "2026-000001-N",
        "type": "IHBAR",
        "district": "MERKEZ",
    }
    assert (shown["text"], shown["address"]) == ("[39 characters]", "[22 characters]")
    assert (shown["location"], shown["attachments"]) == ("[a point]", "[2 links]")
    assert shown["applicant"]["name"] == "A. Y."
    for value in ("40.60", "43.09", "foto.example", "Atatürk", "1234567"):
        assert value not in str(shown), value
    hidden = masked({**payload, "applicant": None, "location": None, "attachments": []})
    assert (hidden["applicant"], hidden["location"], hidden["attachments"]) == (None, None, "[0 links]")
