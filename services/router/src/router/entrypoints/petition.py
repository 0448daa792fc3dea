"""A case's petition as staff read it: the text and what came with it, from PetitionRecorded.

Whoever may act on the case (its institution's officers, the office's officers and reviewers, a
supervisor) reads it whole, since nobody answers a petition without reading it; anyone else who may
read the case (an auditor) gets its codes and date only, the personal fields named in `withheld`
(as the history withholds the applicant's later words). A case registered before the router kept
petitions has none in its log: `available` is false and `note` says so in Turkish.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import AwareDatetime, BaseModel

from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.intake import Location
from acikkapi_shared.reference import ReferenceData
from router.domain.events import PetitionApplicant, PetitionRecorded

NOT_RECORDED_TR = (
    "Bu başvurunun dilekçe bilgileri burada yok: başvuru, dilekçelerin yönlendirme kaydında "
    "saklanmasına başlanmadan önce kaydedildi. Dilekçenin metni Açık Kapı Şube Müdürlüğünden istenebilir."
)


class PetitionView(BaseModel):
    """The petition of a case (the codes also by their Turkish names)."""

    available: bool
    note: str | None = None  # why it is not available (Turkish)
    channel: str | None = None
    channel_name: str | None = None
    received_at: AwareDatetime | None = None
    type: str | None = None
    type_name: str | None = None
    topic: str | None = None
    topic_name: str | None = None
    district: str | None = None
    district_name: str | None = None
    identity_hidden: bool | None = None  # True: the applicant hid their identity; none is kept
    text: str | None = None
    address: str | None = None
    location: Location | None = None
    attachments: list[str] = []
    applicant: PetitionApplicant | None = None
    withheld: list[str] = []  # personal fields left out for this reader


def petition_view(
    events: Sequence[EventEnvelope], reference: ReferenceData, *, personal: bool
) -> PetitionView:
    """Returns the case's petition from its events; the personal fields only with personal."""
    found = next((event for event in events if event.type == PetitionRecorded.TYPE), None)
    if found is None:
        return PetitionView(available=False, note=NOT_RECORDED_TR)
    petition = PetitionRecorded.from_payload(found.payload, found.schema_version)
    shown = PetitionView(
        available=True,
        channel=petition.channel,
        channel_name=reference.channels.get(petition.channel),
        received_at=petition.received_at,
        type=petition.type,
        type_name=reference.types.get(petition.type),
        topic=petition.topic,
        topic_name=reference.topics.get(petition.topic),
        district=petition.district,
        district_name=reference.districts.get(petition.district),
        identity_hidden=petition.identity_hidden,
    )
    if not personal:
        return shown.model_copy(update={"withheld": sorted(PetitionRecorded.PERSONAL)})
    return shown.model_copy(
        update={
            "text": petition.text,
            "address": petition.address,
            "location": petition.location,
            "attachments": list(petition.attachments),
            "applicant": petition.applicant,
        }
    )
