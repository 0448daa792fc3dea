"""Validation problems: stable codes, field names and Turkish messages a citizen understands."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

# Read by acikkapi_shared (the router reads application numbers too); importable from here as before.
from acikkapi_shared.application_numbers import InvalidIdentifier as InvalidIdentifier

FIELD_LABELS_TR: dict[str, str] = {
    "submission_id": "Başvuru kimliği",
    "submitted_at": "Gönderim zamanı",
    "channel": "Başvuru kanalı",
    "applicant": "Başvuru sahibi bilgileri",
    "applicant.name": "Ad soyad",
    "applicant.phone": "Cep telefonu numarası",
    "applicant.tckn": "T.C. Kimlik Numarası",
    "applicant.identity_hidden": "Kimliğin gizli tutulması isteği",
    "applicant.sms_refused": "Kısa mesaj (SMS) almak istememe tercihi",
    "topic": "Başvuru konusu",
    "type": "Başvuru türü",
    "district": "İlçe",
    "text": "Başvuru metni",
    "address": "Adres",
    "location": "Konum",
    "location.lat": "Konumun enlemi",
    "location.long": "Konumun boylamı",
    "attachments": "Ekler",
    "information_text": "Gönderdiğiniz bilgi",
    "objection_reason": "İtiraz gerekçesi",
    "withdrawal_reason": "Geri çekme gerekçesi",
    # The desk and Halk Günü meetings (domain/meetings.py).
    "chair": "Toplantı başkanı",
    "place": "Toplantı yeri",
    "meeting_id": "Halk Günü toplantısı",
    "received_at": "Alınma zamanı",
    "held_on": "Toplantı tarihi",
    "attendee_count": "Katılımcı sayısı",
}

# A body with unknown keys gets a problem for each of the first few, its name cut short (it is input).
UNKNOWN_FIELDS_SHOWN = 10
FIELD_NAME_SHOWN_MAX = 64

# Messages for codes whose wording does not depend on the field.
FIXED_MESSAGES_TR: dict[str, str] = {
    "PAYLOAD_NOT_OBJECT": "Başvuru bilgileri okunamadı. Lütfen formu yeniden gönderin.",
    "TCKN_MALFORMED": (
        "T.C. Kimlik Numarası 11 haneli olmalı, yalnızca rakamlardan oluşmalı ve 0 ile başlamamalıdır."
    ),
    "TCKN_INVALID": "T.C. Kimlik Numarası geçersiz. Lütfen 11 haneli numaranızı kontrol edin.",
    "PHONE_INVALID": (
        "Telefon numarası geçersiz. Lütfen cep telefonu numaranızı 0532 123 45 67 biçiminde yazın."
    ),
    "PHONE_NOT_MOBILE": (
        "Bu numara bir cep telefonu numarası değil. Başvurunuzla ilgili kısa mesaj (SMS) "
        "gönderebilmemiz için cep telefonu numaranızı yazın."
    ),
    "PHONE_NOT_TURKISH": ("Yalnızca Türkiye'deki cep telefonu numaraları (+90) kabul edilmektedir."),
    "TOPIC_UNKNOWN": "Seçilen başvuru konusu tanınmadı. Lütfen listeden bir konu seçin.",
    "TYPE_UNKNOWN": ("Seçilen başvuru türü tanınmadı. Lütfen listeden bir tür seçin (ör. istek, şikâyet)."),
    "DISTRICT_UNKNOWN": "Seçilen ilçe tanınmadı. Lütfen listeden bir ilçe seçin.",
    "CHANNEL_UNKNOWN": "Başvuru kanalı tanınmadı. Lütfen formu yeniden gönderin.",
    "NAME_INVALID": "Lütfen adınızı ve soyadınızı harflerle yazın.",
    "TEXT_NO_WORDS": "Lütfen başvurunuzu kelimelerle yazın.",
    "SUBMISSION_ID_INVALID": "Başvuru kimliği geçersiz. Lütfen formu yeniden gönderin.",
    "SUBMITTED_AT_INVALID": "Gönderim zamanı okunamadı. Lütfen formu yeniden gönderin.",
    "SUBMITTED_AT_NO_OFFSET": (
        "Gönderim zamanında saat dilimi bilgisi eksik. Lütfen formu yeniden gönderin."
    ),
    "SUBMITTED_AT_OUT_OF_RANGE": (
        "Gönderim zamanı kabul edilebilir aralığın dışında. Lütfen formu yeniden gönderin."
    ),
    "LOCATION_INVALID": "Konum okunamadı. Enlem ve boylam ondalık derece olarak gönderilmelidir.",
    "LOCATION_OUTSIDE_KARS": "Bildirilen konum Kars il sınırları dışında kalıyor.",
    "ATTACHMENT_URL_INVALID": (
        "Ek bağlantısı geçersiz. Yalnızca http:// veya https:// bağlantıları kabul edilir."
    ),
    "PAYLOAD_NOT_JSON": "Başvurunuz okunamadı. Lütfen başvurunuzu yeniden gönderin.",
    "SUBMISSION_UNPROCESSABLE": "Başvurunuz işlenemedi. Lütfen başvurunuzu yeniden gönderin.",
}


# What an applicant who hid their identity or refused SMS is told instead: they get no SMS, so nothing
# may promise one (the office must still be able to call them back: the mobile number stays required).
NO_SMS_MESSAGES_TR: dict[str, str] = {
    "PHONE_NOT_MOBILE": (
        "Bu numara bir cep telefonu numarası değil. Başvuru sahibine ulaşabilmemiz için bir cep telefonu "
        "numarası gereklidir; kimliği gizli başvurularda ve SMS istemeyenlere kısa mesaj gönderilmez."
    ),
}


@dataclass(frozen=True, slots=True)
class ValidationProblem:
    """One reason a submission cannot be accepted."""

    code: str
    field: str
    message_tr: str


class SubmissionInvalid(Exception):
    """Raised with every problem found in a submission (or in one field)."""

    def __init__(self, problems: tuple[ValidationProblem, ...]) -> None:
        if not problems:
            raise ValueError("SubmissionInvalid needs at least one problem")
        super().__init__("; ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = problems

    @property
    def codes(self) -> tuple[str, ...]:
        """Returns the problem codes in the order they were found."""
        return tuple(problem.code for problem in self.problems)


class FieldInvalid(SubmissionInvalid):
    """Raised by a single-field validator; carries exactly one problem."""

    def __init__(self, problem: ValidationProblem) -> None:
        super().__init__((problem,))

    @property
    def problem(self) -> ValidationProblem:
        """Returns the one problem of this field."""
        return self.problems[0]


def unknown_fields(
    document: Mapping[Any, object], known: Collection[str], *, prefix: str = ""
) -> list[ValidationProblem]:
    """Returns FIELD_UNKNOWN for the keys of document that are not known, named `<prefix><key>` (the
    first UNKNOWN_FIELDS_SHOWN in order of name, each name cut to FIELD_NAME_SHOWN_MAX characters)."""
    unknown = sorted(str(key) for key in document if key not in known)
    shown = unknown[:UNKNOWN_FIELDS_SHOWN]
    return [problem("FIELD_UNKNOWN", f"{prefix}{name[:FIELD_NAME_SHOWN_MAX]}") for name in shown]


def field_label(field: str) -> str:
    """Returns the Turkish label of a field, or the field name when it has none."""
    return FIELD_LABELS_TR.get(field, field)


def problem(
    code: str, field: str, *, min_len: int = 0, max_len: int = 0, sms_wanted: bool = True
) -> ValidationProblem:
    """Returns the problem with this code for this field, with its Turkish message (for an applicant who
    wants no SMS, one that promises none)."""
    no_sms = None if sms_wanted else NO_SMS_MESSAGES_TR.get(code)
    message_tr = no_sms or _message(code, field, min_len, max_len)
    return ValidationProblem(code=code, field=field, message_tr=message_tr)


def _message(code: str, field: str, min_len: int, max_len: int) -> str:
    if code in FIXED_MESSAGES_TR:
        return FIXED_MESSAGES_TR[code]
    label = field_label(field)
    if code == "FIELD_MISSING":
        return f"{label} alanı boş bırakılamaz."
    if code == "FIELD_NOT_TEXT":
        return f"{label} alanı metin olarak gönderilmelidir."
    if code == "FIELD_NOT_OBJECT":
        return f"{label} eksik ya da hatalı gönderildi."
    if code == "TEXT_TOO_SHORT":
        return f"{label} en az {min_len} karakter olmalıdır."
    if code == "TEXT_TOO_LONG":
        return f"{label} en fazla {max_len} karakter olabilir."
    if code == "FIELD_NOT_LIST":
        return f"{label} liste olarak gönderilmelidir."
    if code == "FIELD_UNKNOWN":
        return f"Tanınmayan alan: {field}. Bu alan kabul edilmiyor; lütfen alan adını kontrol edin."
    if code == "ATTACHMENTS_TOO_MANY":
        return f"En fazla {max_len} ek gönderilebilir."
    return f"{label} alanı hatalı. Lütfen kontrol edin."
