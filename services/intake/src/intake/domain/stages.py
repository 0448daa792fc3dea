"""The stages an applicant sees, what each router event means for them, and their Turkish names.

The router's Case has more states than an applicant needs (a transfer asked for and refused is the
office's business); each router event the applicant is told about maps to one citizen-facing stage
here, and its timeline line is named by the event's kind. Wording lives here, never in the log, so it
can be corrected without rewriting events.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """Where an application stands, as its applicant is told."""

    REGISTERED = "REGISTERED"
    TRIAGE = "TRIAGE"  # with the office: no routing rule was confident
    ROUTED = "ROUTED"
    IN_PROGRESS = "IN_PROGRESS"  # the institution took it up (again)
    INFORMATION_REQUESTED = "INFORMATION_REQUESTED"
    IN_REVIEW = "IN_REVIEW"  # the institution answered; the office reviews the answer
    CONCLUDED = "CONCLUDED"
    WITHDRAWN = "WITHDRAWN"
    REOPENED = "REOPENED"  # the applicant's objection reopened it


STAGE_LABELS_TR: dict[str, str] = {
    Stage.REGISTERED: "Başvurunuz alındı ve kaydedildi",
    Stage.TRIAGE: "Başvurunuz Açık Kapı bürosunda ön incelemede",
    Stage.ROUTED: "Başvurunuz ilgili kuruma iletildi",
    Stage.IN_PROGRESS: "Başvurunuz kurumda inceleniyor",
    Stage.INFORMATION_REQUESTED: "Kurum sizden ek bilgi bekliyor",
    Stage.IN_REVIEW: "Kurumun yanıtı Açık Kapı bürosunda inceleniyor",
    Stage.CONCLUDED: "Başvurunuz sonuçlandırıldı",
    Stage.WITHDRAWN: "Başvurunuz geri çekildi",
    Stage.REOPENED: "İtirazınız üzerine başvurunuz yeniden açıldı",
}
# While information is requested and the applicant has sent it, until the institution takes it up.
INFORMATION_SENT_LABEL_TR = "Gönderdiğiniz bilgi kuruma iletiliyor"

# The stages after which nothing is due: Open311's status closed, no due day shown anywhere.
CLOSED_STAGES = frozenset({Stage.CONCLUDED, Stage.WITHDRAWN})
# The stages in which the application is still open: the applicant may withdraw it.
OPEN_STAGES = frozenset(
    {
        Stage.REGISTERED,
        Stage.TRIAGE,
        Stage.ROUTED,
        Stage.IN_PROGRESS,
        Stage.INFORMATION_REQUESTED,
        Stage.IN_REVIEW,
        Stage.REOPENED,
    }
)

REGISTERED_ENTRY = "ApplicationRegistered"

# router event type -> the stage it brings the application to (CaseRouted to the office: TRIAGE).
STAGE_OF_ROUTER_EVENT: dict[str, Stage] = {
    "CaseRouted": Stage.ROUTED,
    "CaseRoutedByHand": Stage.ROUTED,
    "TransferApproved": Stage.ROUTED,
    "CaseAcknowledged": Stage.IN_PROGRESS,
    "InformationRequested": Stage.INFORMATION_REQUESTED,
    "InformationSupplied": Stage.IN_PROGRESS,
    "CaseAnswered": Stage.IN_REVIEW,
    "AnswerReturned": Stage.IN_PROGRESS,
    "CaseConcluded": Stage.CONCLUDED,
    "CaseWithdrawn": Stage.WITHDRAWN,
    "CaseReopened": Stage.REOPENED,
}
# The kinds of line that open a stage on the timeline; any other line (a note) goes after its stage's.
STAGE_ENTRIES = frozenset({REGISTERED_ENTRY, *STAGE_OF_ROUTER_EVENT})

# A timeline line's Turkish text, by the kind of event that made it.
ENTRY_LABELS_TR: dict[str, str] = {
    REGISTERED_ENTRY: "Başvurunuz alındı ve kaydedildi",
    "CaseRouted": "Başvurunuz ilgili kuruma iletildi",
    "CaseRoutedByHand": "Başvurunuz Açık Kapı bürosunca ilgili kuruma yönlendirildi",
    # Law 3071 Art. 5: a petition sent to the wrong body is forwarded and the applicant told.
    "TransferApproved": "Başvurunuz görevli kuruma devredildi",
    "CaseAcknowledged": "Başvurunuz kurum tarafından incelemeye alındı",
    "InformationRequested": "Kurum sizden ek bilgi istedi",
    "InformationSupplied": "Gönderdiğiniz bilgi kuruma iletildi",
    "CaseAnswered": "Kurum başvurunuzu yanıtladı; yanıt Açık Kapı bürosunda inceleniyor",
    "AnswerReturned": "Yanıt, yeniden değerlendirilmek üzere kuruma gönderildi",
    "CaseConcluded": "Başvurunuz sonuçlandırıldı",
    "CaseWithdrawn": "Başvurunuz geri çekildi",
    "CaseReopened": "İtirazınız üzerine başvurunuz yeniden açıldı",
    # Lines that move no stage (timeline_notes.py).
    "DeadlinesRecomputed": "Başvurunuzun sonuçlandırılacağı son tarih yeniden hesaplandı",
    "SmsDelivered": "Size gönderilen SMS telefonunuza ulaştı",
    "SmsDeliveryFailed": "Size gönderilen SMS telefonunuza ulaştırılamadı",
}
# A request of the applicant the router refused, by its kind.
REFUSAL_LABELS_TR: dict[str, str] = {
    "INFORMATION": "Gönderdiğiniz bilgi kuruma iletilemedi",
    "OBJECTION": "İtirazınız işleme alınamadı",
    "WITHDRAWAL": "Geri çekme isteğiniz işleme alınamadı",
}
REFUSAL_LABEL_TR = "İsteğiniz işleme alınamadı"
TRIAGE_ENTRY_LABEL_TR = "Başvurunuz ön inceleme için Açık Kapı bürosuna alındı"

OUTCOME_LABELS_TR: dict[str, str] = {
    "RESOLVED": "Talebiniz karşılandı",
    "REFUSED": "Talebiniz karşılanamadı",
    "INFORMATION_GIVEN": "Konu hakkında bilgi verildi",
    "NOT_COMPETENT": "Konu, kamu kurumlarının görev alanı dışında kalıyor",
}


def stage_label(stage: str) -> str:
    """Returns the Turkish name of a stage (the code itself for one this version does not know)."""
    return STAGE_LABELS_TR.get(stage, stage)


def entry_label(event_type: str, stage: str) -> str:
    """Returns the Turkish text of a timeline line made by this kind of event, at this stage."""
    if event_type == "CaseRouted" and stage == Stage.TRIAGE:
        return TRIAGE_ENTRY_LABEL_TR
    return ENTRY_LABELS_TR.get(event_type, stage_label(stage))
