"""Informational SMS texts for each stage of an application, kept within a segment budget.

Institution names are never given a suffix (Turkish vowel harmony would need the name's last
syllable): they stand alone after "İlgili kurum:" or before "tarafından". Free text (reasons,
questions, results) is cut at a word with "..." so the message keeps its budget; "…" itself is
not in the GSM alphabet and would switch the whole message to UCS-2.

With the tracking page's address configured (TrackingAddress), the SMS that send the applicant to the
page write it, followed by a blank (a phone would take a following full stop into the link), with the
number pre-filled (?numara=) when that costs no segment more than the bare address and cuts no free
text. An SMS too long even for the bare address (an institution name the reference data does not know)
is written as without one; tracking_address.MAX_SEPTETS is chosen so that the bare address always fits
with the longest names.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date
from functools import partial

from notifier.domain.encoding import analyse, gsm_free_text, prepare_text
from notifier.domain.tracking_address import TrackingAddress

DEFAULT_SIGNATURE = "Kars Valiliği"
ELLIPSIS = "..."

# Segment budgets per stage. Every text is GSM-7 with the Turkish single shift (149 septets a part)
# unless free text forces UCS-2; the template tests render the longest reference names.
BUDGETS: dict[str, int] = {
    "registered": 2,
    "rejected": 2,
    "routed": 2,
    "transferred": 3,  # names two institutions
    "information_requested": 3,
    "concluded": 3,
    "reopened": 2,
    "withdrawn": 2,
    "request_refused": 2,
}

# What the applicant asked, in the request_refused SMS (ApplicantRequestRefused.request).
REQUESTS: dict[str, str] = {
    "INFORMATION": "gönderdiğiniz bilgi",
    "OBJECTION": "itirazınız",
    "WITHDRAWAL": "geri çekme talebiniz",
}

# The outcome of a concluded case in one short sentence (router's Outcome values); the reasons and
# the answer itself are on the tracking page.
OUTCOMES: dict[str, str] = {
    "RESOLVED": "Talebiniz karşılanmıştır.",
    "REFUSED": "Talebiniz karşılanamamıştır; gerekçesi yanıtta yer almaktadır.",
    "INFORMATION_GIVEN": "Başvurunuzla ilgili bilgilendirme yapılmıştır.",
    "NOT_COMPETENT": "Başvurunuzun konusu kurumlarımızın görev alanı dışındadır.",
}

_GREETING = "Sayın başvuru sahibi,"
_TRACKING_HINT = "Başvuru numaranızla takip edebilirsiniz."


def registered(
    *,
    application_number: str,
    tracking_code: str,
    institution_name: str,
    due: date | None,
    signature: str = DEFAULT_SIGNATURE,
) -> str:
    """Returns the SMS telling the applicant the application was registered and how to track it
    (due None: the due day has passed already, an application received long before it was entered)."""
    return _finish(
        f"{_GREETING} Açık Kapı başvurunuz alınmıştır. Başvuru no: {application_number}, "
        f"takip kodu: {tracking_code}. Başvurunuz {institution_name} tarafından incelenecek ve "
        f"{_by(due)}. {signature}"
    )


def rejected(*, received: date, reason: str, signature: str = DEFAULT_SIGNATURE) -> str:
    """Returns the SMS telling why a submission could not be registered (it has no number: it is named
    by the day it was received; the reason is cut to the budget)."""
    return _fit(
        lambda cut: (
            f"{_GREETING} {_day(received)} tarihli Açık Kapı başvurunuz kayda alınamamıştır. "
            f"Gerekçe: {_sentence(cut)} {signature}"
        ),
        reason,
        BUDGETS["rejected"],
    )


def routed(
    *,
    application_number: str,
    institution_name: str,
    signature: str = DEFAULT_SIGNATURE,
    address: TrackingAddress | None = None,
) -> str:
    """Returns the SMS telling which institution will examine the application."""
    return _linked(
        lambda link: (
            f"{_GREETING} {application_number} numaralı başvurunuz incelenmek üzere ilgili kuruma "
            f"iletilmiştir. İlgili kurum: {institution_name}. {_hint(link)} {signature}"
        ),
        address,
        application_number,
        BUDGETS["routed"],
    )


def transferred(
    *,
    application_number: str,
    from_institution_name: str,
    to_institution_name: str,
    signature: str = DEFAULT_SIGNATURE,
    address: TrackingAddress | None = None,
) -> str:
    """Returns the SMS telling that the application was forwarded to the competent institution."""
    return _linked(
        lambda link: (
            f"{_GREETING} {application_number} numaralı başvurunuz görev alanı gereği başka bir "
            f"kuruma aktarılmıştır. Önceki kurum: {from_institution_name}. Yeni kurum: "
            f"{to_institution_name}. {_hint(link)} {signature}"
        ),
        address,
        application_number,
        BUDGETS["transferred"],
    )


def information_requested(
    *,
    application_number: str,
    tracking_code: str,
    institution_name: str,
    question: str,
    signature: str = DEFAULT_SIGNATURE,
    address: TrackingAddress | None = None,
) -> str:
    """Returns the SMS asking the applicant for information and how to answer (question cut to the
    budget)."""

    def build(link: str | None, cut: str) -> str:
        return (
            f"{_GREETING} {application_number} numaralı başvurunuz için ek bilgi "
            f"gerekmektedir. İlgili kurum: {institution_name}. İstenen bilgi: {_sentence(cut)} "
            f"Bilgi iletilene kadar süre durdurulmuştur. Yanıtınızı {_page(tracking_code, link)} "
            f"iletebilirsiniz. {signature}"
        )

    return _fit_linked(build, address, application_number, question, BUDGETS["information_requested"])


def concluded(
    *,
    application_number: str,
    tracking_code: str,
    institution_name: str,
    outcome: str,
    signature: str = DEFAULT_SIGNATURE,
    address: TrackingAddress | None = None,
) -> str:
    """Returns the SMS telling the application was concluded, its outcome in short (none for an
    outcome it does not know) and where to read the full answer."""
    result = f" Sonuç: {OUTCOMES[outcome]}" if outcome in OUTCOMES else ""
    text = _linked(
        lambda link: (
            f"{_GREETING} {application_number} numaralı Açık Kapı başvurunuz sonuçlandırılmıştır. "
            f"İlgili kurum: {institution_name}.{result} Yanıtın tamamını {_page(tracking_code, link)} "
            f"okuyabilirsiniz. {signature}"
        ),
        address,
        application_number,
        BUDGETS["concluded"],
    )
    return _within(text, BUDGETS["concluded"])


def reopened(
    *, application_number: str, institution_name: str, due: date | None, signature: str = DEFAULT_SIGNATURE
) -> str:
    """Returns the SMS telling the application was reopened on objection, with its new deadline."""
    return _finish(
        f"{_GREETING} {application_number} numaralı başvurunuz itirazınız üzerine yeniden "
        f"incelemeye alınmıştır. İlgili kurum: {institution_name}. Başvurunuz {_by(due)}. {signature}"
    )


def withdrawn(*, application_number: str, institution_name: str, signature: str = DEFAULT_SIGNATURE) -> str:
    """Returns the SMS confirming the application was closed because the applicant withdrew it."""
    return _finish(
        f"{_GREETING} {application_number} numaralı Açık Kapı başvurunuz geri çekme talebiniz "
        f"üzerine kapatılmıştır. İlgili kurum: {institution_name}. {signature}"
    )


def request_refused(
    *,
    application_number: str,
    tracking_code: str,
    request: str,
    signature: str = DEFAULT_SIGNATURE,
    address: TrackingAddress | None = None,
) -> str:
    """Returns the SMS telling that a request of the applicant could not be acted on (the case had
    moved on since it was made), and where to see why."""
    what = REQUESTS.get(request, "isteğiniz")
    return _linked(
        lambda link: (
            f"{_GREETING} {application_number} numaralı Açık Kapı başvurunuzla ilgili {what}, "
            f"başvurunuzun bulunduğu aşamada işleme alınamamıştır. Ayrıntıları "
            f"{'' if link is None else f'{link} adresinden '}{tracking_code} takip kodunuzla "
            f"görebilirsiniz. {signature}"
        ),
        address,
        application_number,
        BUDGETS["request_refused"],
    )


def _hint(link: str | None) -> str:
    """Returns the sentence telling where the application can be followed."""
    return _TRACKING_HINT if link is None else f"Başvurunuzu {link} adresinden takip edebilirsiniz."


def _page(tracking_code: str, link: str | None) -> str:
    """Returns where and with what the applicant opens their application (the address, when known,
    is the page's name: "Açık Kapı takip sayfasından" otherwise)."""
    where = "Açık Kapı takip sayfasından" if link is None else f"{link} adresinden"
    return f"{where} başvuru numaranız ve {tracking_code} takip kodunuzla"


def _by(due: date | None) -> str:
    """Returns when the application will be concluded: by its due day, or, once that has passed,
    as soon as possible (never a promise dated in the past)."""
    return (
        "en kısa sürede sonuçlandırılacaktır"
        if due is None
        else f"en geç {_day(due)} tarihinde sonuçlanacaktır"
    )


def _day(value: date) -> str:
    """Returns the date the Turkish way, 05.06.2026."""
    return value.strftime("%d.%m.%Y")


def _sentence(text: str) -> str:
    """Returns the text closed with a full stop, unless it already ends a sentence (".", "?", "!") or
    in an ellipsis: "yazar mısınız?" stays as it is, never "yazar mısınız?."."""
    return text if text.endswith((ELLIPSIS, ".", "?", "!")) else f"{text}."


def _finish(text: str) -> str:
    """Returns the text as it is sent (see prepare_text); circumflexes stay as written."""
    return prepare_text(" ".join(text.split()), transliterate_circumflex=False)


def _within(text: str, budget: int) -> str:
    """Returns the text as it is sent; a fixed text over its budget is an error, never an overflow."""
    finished = _finish(text)
    if _segments(finished) > budget:
        raise ValueError(f"the fixed part of the message exceeds {budget} segments")
    return finished


def _linked(
    build: Callable[[str | None], str], address: TrackingAddress | None, number: str, budget: int
) -> str:
    """Returns build(link) with the address of the tracking page: the number pre-filled when that costs
    no segment more, bare otherwise; without it when none is configured or the bare one is over the
    budget."""
    if address is not None:
        bare = _finish(build(address.link()))
        if (segments := _segments(bare)) <= budget:
            prefilled = _finish(build(address.link(number)))
            return prefilled if _segments(prefilled) <= segments else bare
    return _finish(build(None))


def _fit_linked(
    build: Callable[[str | None, str], str],
    address: TrackingAddress | None,
    number: str,
    free_text: str,
    budget: int,
) -> str:
    """Returns _fit's text with the address of the tracking page: the number pre-filled when the free
    text stays whole with it at no segment more (it is worth less than the free text), else the bare
    address with the free text cut to the budget; without it when none is configured or the fixed part
    is over the budget with it."""
    if address is not None:
        bare, prefilled = partial(build, address.link()), partial(build, address.link(number))
        whole = _free_text(free_text)
        if _segments(prefilled(whole)) <= min(budget, _segments(bare(whole))):
            return _finish(prefilled(whole))
        with contextlib.suppress(ValueError):  # the fixed part is over the budget with the address
            return _fit(bare, free_text, budget)
    return _fit(partial(build, None), free_text, budget)


def _free_text(free_text: str) -> str:
    """Returns someone's free text as the SMS carries it whole (see gsm_free_text), its closing full
    stop left to _sentence."""
    return _finish(gsm_free_text(free_text)).rstrip(" .")


def _fit(build: Callable[[str], str], free_text: str, budget: int) -> str:
    """Returns build(free_text), the free text cut at a word with "..." when over the budget (the free
    text kept to GSM-7 with the Turkish shift first: see gsm_free_text)."""
    value = _free_text(free_text)
    if _segments(build(value)) <= budget:
        return _finish(build(value))
    # Segments only grow with the prefix length, so a binary search finds the longest that fits.
    low, high = 0, len(value)
    while low < high:
        middle = (low + high + 1) // 2
        if _segments(build(_shorten(value, middle))) <= budget:
            low = middle
        else:
            high = middle - 1
    text = _finish(build(_shorten(value, low)))
    if _segments(text) > budget:
        raise ValueError(f"the fixed part of the message exceeds {budget} segments")
    return text


def _shorten(value: str, length: int) -> str:
    """Returns the first length characters cut back to a word boundary, ending in "..."."""
    if length >= len(value):
        return value
    head = value[:length]
    boundary = head.rfind(" ")
    if boundary >= length - 20 and boundary > 0:
        head = head[:boundary]
    head = head.rstrip(" .,;:-")
    return f"{head}{ELLIPSIS}" if head else ELLIPSIS


def _segments(text: str) -> int:
    """Returns the segment count of the text as it will be sent."""
    return analyse(_finish(text)).segments
