"""Every stage's SMS reads as intended and stays within its segment budget."""

from __future__ import annotations

from datetime import date

import pytest

from acikkapi_shared.reference import kars
from notifier.domain import templates
from notifier.domain.encoding import analyse

NUMBER = "2026-12345678-X"  # the widest printed application number
TRACKING_CODE = "K7QX-9M2D-WR4T"
DUE = date(2026, 6, 5)
LONG_REASON = (
    "Başvurunuz yargı mercilerinin görev alanına giren bir uyuşmazlığa ilişkindir; idari yoldan "
    "inceleme yapılamamaktadır. Konuyla ilgili olarak mahkemeye başvurmanız gerekmektedir. " * 4
)


def _names_by_length() -> list[str]:
    return sorted((item.name for item in kars().institutions.values()), key=len)


LONGEST = _names_by_length()[-1]
_LONGEST_OUTCOME = max(templates.OUTCOMES, key=lambda outcome: analyse(templates.OUTCOMES[outcome]).units)
SECOND_LONGEST = _names_by_length()[-2]


def _all_stages(free_text: str) -> dict[str, str]:
    return {
        "registered": templates.registered(
            application_number=NUMBER,
            tracking_code=TRACKING_CODE,
            institution_name=LONGEST,
            due=DUE,
        ),
        "rejected": templates.rejected(received=DUE, reason=free_text),
        "routed": templates.routed(application_number=NUMBER, institution_name=LONGEST),
        "transferred": templates.transferred(
            application_number=NUMBER,
            from_institution_name=LONGEST,
            to_institution_name=SECOND_LONGEST,
        ),
        "information_requested": templates.information_requested(
            application_number=NUMBER,
            tracking_code=TRACKING_CODE,
            institution_name=LONGEST,
            question=free_text,
        ),
        "concluded": templates.concluded(
            application_number=NUMBER,
            tracking_code=TRACKING_CODE,
            institution_name=LONGEST,
            outcome=_LONGEST_OUTCOME,
        ),
        "reopened": templates.reopened(application_number=NUMBER, institution_name=LONGEST, due=DUE),
        "withdrawn": templates.withdrawn(application_number=NUMBER, institution_name=LONGEST),
        "request_refused": templates.request_refused(
            application_number=NUMBER, tracking_code=TRACKING_CODE, request="INFORMATION"
        ),
    }


def test_every_stage_has_a_budget() -> None:
    assert set(_all_stages("x")) == set(templates.BUDGETS)


@pytest.mark.parametrize("free_text", [LONG_REASON, "Kısa gerekçe.", "şikâyet " * 60])
@pytest.mark.parametrize("stage", sorted(templates.BUDGETS))
def test_longest_values_fit_the_stage_budget(stage: str, free_text: str) -> None:
    text = _all_stages(free_text)[stage]
    assert 1 <= analyse(text).segments <= templates.BUDGETS[stage]


@pytest.mark.parametrize("stage", sorted(templates.BUDGETS))
def test_messages_use_gsm7_with_turkish_letters_not_ucs2(stage: str) -> None:
    assert analyse(_all_stages(LONG_REASON)[stage]).encoding == "GSM7_TR"


@pytest.mark.parametrize("stage", sorted(templates.BUDGETS))
def test_every_message_names_the_application_and_the_sender(stage: str) -> None:
    text = _all_stages("Kısa gerekçe")[stage]
    # A rejected submission has no number: it is named by the day it was received.
    assert (NUMBER if stage != "rejected" else "05.06.2026 tarihli Açık Kapı başvurunuz") in text
    assert text.endswith(templates.DEFAULT_SIGNATURE)
    assert "  " not in text and "…" not in text


def test_registered_carries_number_tracking_code_institution_and_due_date() -> None:
    text = _all_stages("")["registered"]
    assert text == (
        f"Sayın başvuru sahibi, Açık Kapı başvurunuz alınmıştır. Başvuru no: {NUMBER}, takip "
        f"kodu: {TRACKING_CODE}. Başvurunuz {LONGEST} tarafından incelenecek ve en geç "
        "05.06.2026 tarihinde sonuçlanacaktır. Kars Valiliği"
    )


def test_a_circumflex_or_an_emoji_in_a_question_does_not_cut_it_to_a_few_words() -> None:
    # One character outside GSM-7 made the whole SMS UCS-2 (a third as many characters per segment), and
    # the question was cut before it: "İstenen bilgi: Şik...".
    text = templates.information_requested(
        application_number=NUMBER,
        tracking_code=TRACKING_CODE,
        institution_name="Kars Belediyesi",
        question="Şikâyetinizdeki “Işıklar” sokağı hâlâ karanlık mı? \U0001f600 Kapı numaranızı yazınız.",
    )
    whole = 'İstenen bilgi: Şikayetinizdeki "Işıklar" sokağı hala karanlık mı? Kapı numaranızı yazınız.'
    assert whole in text
    assert analyse(text).encoding == "GSM7_TR"


def test_a_question_keeps_its_own_question_mark() -> None:
    text = templates.information_requested(
        application_number=NUMBER,
        tracking_code=TRACKING_CODE,
        institution_name="Kars Belediyesi",
        question="Okulun adını yazar mısınız?",
    )
    assert "İstenen bilgi: Okulun adını yazar mısınız? Bilgi iletilene kadar" in text
    assert "?." not in text


def test_short_reason_is_kept_whole_with_one_full_stop() -> None:
    text = templates.rejected(received=DUE, reason="Aynı konuda açık başvuru var.")
    assert "Gerekçe: Aynı konuda açık başvuru var. Kars Valiliği" in text


def test_long_reason_is_cut_at_a_word_with_an_ellipsis() -> None:
    text = templates.rejected(received=DUE, reason=LONG_REASON)
    cut = text.split("Gerekçe: ", 1)[1].removesuffix(" Kars Valiliği")
    assert cut.endswith("...")
    kept = cut.removesuffix("...")
    assert LONG_REASON.startswith(kept)
    assert LONG_REASON[len(kept)] in " ;.,"  # cut between words, not inside one
    assert analyse(text).segments == templates.BUDGETS["rejected"]


def test_reason_with_a_circumflex_is_folded_and_cut_in_gsm7() -> None:
    text = templates.rejected(received=DUE, reason="Şikâyetiniz " * 40)
    assert analyse(text).encoding == "GSM7_TR" and "Gerekçe: Şikayetiniz Şikayetiniz" in text
    assert analyse(text).segments == templates.BUDGETS["rejected"]  # as much of it as the budget holds


def test_routed_and_transferred_name_the_institutions_in_full() -> None:
    stages = _all_stages("")
    assert f"İlgili kurum: {LONGEST}." in stages["routed"]
    assert f"Önceki kurum: {LONGEST}. Yeni kurum: {SECOND_LONGEST}." in stages["transferred"]


@pytest.mark.parametrize("outcome", sorted(templates.OUTCOMES))
def test_concluded_tells_the_outcome_and_where_to_read_the_full_answer(outcome: str) -> None:
    text = templates.concluded(
        application_number=NUMBER, tracking_code=TRACKING_CODE, institution_name=LONGEST, outcome=outcome
    )
    assert f"Sonuç: {templates.OUTCOMES[outcome]}" in text
    assert (
        "Yanıtın tamamını Açık Kapı takip sayfasından başvuru numaranız ve "
        f"{TRACKING_CODE} takip kodunuzla okuyabilirsiniz." in text
    )
    assert analyse(text).segments <= templates.BUDGETS["concluded"] and analyse(text).encoding == "GSM7_TR"


def test_concluded_with_an_outcome_it_does_not_know_still_tells_the_conclusion() -> None:
    text = templates.concluded(
        application_number=NUMBER, tracking_code=TRACKING_CODE, institution_name=LONGEST, outcome="LATER"
    )
    assert "Sonuç:" not in text and "sonuçlandırılmıştır" in text


def test_information_request_tells_what_and_how_to_answer() -> None:
    text = _all_stages("Tapu kaydınızın bir örneği")["information_requested"]
    assert "İstenen bilgi: Tapu kaydınızın bir örneği." in text
    assert "süre durdurulmuştur" in text
    assert (
        "Yanıtınızı Açık Kapı takip sayfasından başvuru numaranız ve "
        f"{TRACKING_CODE} takip kodunuzla iletebilirsiniz." in text
    )


def test_withdrawn_confirms_the_applicants_own_request() -> None:
    text = _all_stages("")["withdrawn"]
    assert "geri çekme talebiniz üzerine kapatılmıştır" in text and f"İlgili kurum: {LONGEST}." in text


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("INFORMATION", "gönderdiğiniz bilgi"),
        ("OBJECTION", "itirazınız"),
        ("WITHDRAWAL", "geri çekme talebiniz"),
    ],
)
def test_a_refused_request_is_named_with_where_to_see_why(kind: str, said: str) -> None:
    text = templates.request_refused(application_number=NUMBER, tracking_code=TRACKING_CODE, request=kind)
    assert text == (
        f"Sayın başvuru sahibi, {NUMBER} numaralı Açık Kapı başvurunuzla ilgili {said}, başvurunuzun "
        f"bulunduğu aşamada işleme alınamamıştır. Ayrıntıları {TRACKING_CODE} takip kodunuzla "
        "görebilirsiniz. Kars Valiliği"
    )
    assert (
        analyse(text).encoding == "GSM7_TR" and analyse(text).segments <= templates.BUDGETS["request_refused"]
    )


def test_reopened_gives_the_new_deadline() -> None:
    assert "en geç 05.06.2026 tarihinde" in _all_stages("")["reopened"]


def test_signature_can_name_another_governorship() -> None:
    text = templates.routed(
        application_number=NUMBER, institution_name="Ardahan Belediyesi", signature="Ardahan Valiliği"
    )
    assert text.endswith("Ardahan Valiliği")


def test_fixed_text_over_budget_is_an_error_not_a_silent_overflow() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        templates.rejected(received=DUE, reason="x", signature="9" * 400)
