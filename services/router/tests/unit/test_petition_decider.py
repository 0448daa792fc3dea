"""The petition the router keeps of a registration: given/when/then, and which fields are personal."""

from __future__ import annotations

from datetime import UTC, datetime

from acikkapi_shared.events.intake import Applicant, ApplicationRegistered, Location
from acikkapi_shared.testing.in_process import decide_after
from router.domain.events import PetitionApplicant, PetitionRecorded
from router.domain.petition import RecordPetition, petition_of, petitions

NUMBER = "2026-000001-N"
STREAM = f"petition:{NUMBER}"


def registration(*, hidden: bool = False) -> ApplicationRegistered:
    return ApplicationRegistered(
        application_number=NUMBER,
        tracking_code="K7QX-9M2D-WR4T",
        submission_id="0b9d3c1e-6a52-4f7e-9a51-2f0c8e7d4b10",
        channel="OPEN311",
        received_at=datetime(2026, 5, 22, 11, 0, tzinfo=UTC),
        topic="YEREL_YONETIMLER",
        type="IHBAR" if hidden else "SIKAYET",
        district="MERKEZ",
        text="Sokağımızda içme suyu borusu patlak, su boşa akıyor.",
        applicant=Applicant(
            name="Ayşe Yılmaz", phone="+905321234567", tckn="10000000146", identity_hidden=hidden
        ),
        address="Atatürk Caddesi No: 17",
        location=Location(lat=40.6, long=43.1),
        attachments=["https://foto.example.org/1.jpg"],
    )


def test_a_registration_is_kept_with_what_the_institution_needs_to_answer_it() -> None:
    (recorded,) = decide_after(petitions, STREAM, [], RecordPetition(registration()))
    assert recorded == PetitionRecorded(
        application_number=NUMBER,
        channel="OPEN311",
        received_at=datetime(2026, 5, 22, 11, 0, tzinfo=UTC),
        type="SIKAYET",
        topic="YEREL_YONETIMLER",
        district="MERKEZ",
        identity_hidden=False,
        text="Sokağımızda içme suyu borusu patlak, su boşa akıyor.",
        address="Atatürk Caddesi No: 17",
        location=Location(lat=40.6, long=43.1),
        attachments=["https://foto.example.org/1.jpg"],
        applicant=PetitionApplicant(name="Ayşe Yılmaz", phone="+905321234567"),
    )
    assert "10000000146" not in recorded.model_dump_json()  # no institution needs the TC Kimlik No


def test_a_hidden_identity_is_not_kept() -> None:
    (recorded,) = decide_after(petitions, STREAM, [], RecordPetition(registration(hidden=True)))
    assert isinstance(recorded, PetitionRecorded)
    assert (recorded.identity_hidden, recorded.applicant) == (True, None)
    assert "Yılmaz" not in recorded.model_dump_json() and "532" not in recorded.model_dump_json()


def test_a_registration_seen_again_is_kept_once() -> None:
    given = [petition_of(registration())]
    assert decide_after(petitions, STREAM, given, RecordPetition(registration())) == []


def test_every_field_is_either_personal_or_a_code_or_date() -> None:
    # A field added later must be classified: a personal one the codec is to encrypt, or not.
    codes_and_dates = {"application_number", "channel", "received_at", "type", "topic", "district"}
    not_personal = codes_and_dates | {"identity_hidden"}
    assert set(PetitionRecorded.model_fields) == PetitionRecorded.PERSONAL | not_personal
