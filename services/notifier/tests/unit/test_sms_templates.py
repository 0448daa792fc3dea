"""Every stage's SMS reads as intended and stays within its segment budget, with the tracking page's
address (the longest allowed, too) and without."""

from __future__ import annotations

from datetime import date

import pytest

from acikkapi_shared.reference import kars
from notifier.domain import templates
from notifier.domain.encoding import analyse
from notifier.domain.tracking_address import MAX_SEPTETS, TrackingAddress

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
KARS = TrackingAddress.parse("https://acikkapi.kars.gov.tr/takip")
# The longest addresses the setting takes: one septet a character, and two (the Turkish shift's letters).
LONGEST_ADDRESS = TrackingAddress.parse("https://kars.gov.tr/" + "a" * (MAX_SEPTETS - 12))
LONGEST_TURKISH_ADDRESS = TrackingAddress.parse("https://kars.gov.tr/" + "ş" * ((MAX_SEPTETS - 12) // 2))
ADDRESSES = [None, KARS, LONGEST_ADDRESS, LONGEST_TURKISH_ADDRESS]
# The SMS that send the applicant to the tracking page.
LINKED = {"routed", "transferred", "information_requested", "concluded", "request_refused"}


def _all_stages(
    free_text: str,
    address: TrackingAddress | None = None,
    request: str = "INFORMATION",
    institution: str = LONGEST,
) -> dict[str, str]:
    return {
        "registered": templates.registered(
            application_number=NUMBER,
            tracking_code=TRACKING_CODE,
            institution_name=institution,
            due=DUE,
        ),
        "rejected": templates.rejected(received=DUE, reason=free_text),
        "routed": templates.routed(application_number=NUMBER, institution_name=institution, address=address),
        "transferred": templates.transferred(
            application_number=NUMBER,
            from_institution_name=institution,
            to_institution_name=SECOND_LONGEST,
            address=address,
        ),
        "information_requested": templates.information_requested(
            application_number=NUMBER,
            tracking_code=TRACKING_CODE,
            institution_name=institution,
            question=free_text,
            address=address,
        ),
        "concluded": templates.concluded(
            application_number=NUMBER,
            tracking_code=TRACKING_CODE,
            institution_name=institution,
            outcome=_LONGEST_OUTCOME,
            address=address,
        ),
        "reopened": templates.reopened(application_number=NUMBER, institution_name=institution, due=DUE),
        "withdrawn": templates.withdrawn(application_number=NUMBER, institution_name=institution),
        "request_refused": templates.request_refused(
            application_number=NUMBER, tracking_code=TRACKING_CODE, request=request, address=address
        ),
    }


def test_every_stage_has_a_budget() -> None:
    assert set(_all_stages("x")) == set(templates.BUDGETS)


@pytest.mark.parametrize("address", ADDRESSES, ids=lambda a: a.written[:24] if a else "none")
@pytest.mark.parametrize("free_text", [LONG_REASON, "Kısa gerekçe.", "şikâyet " * 60])
@pytest.mark.parametrize("stage", sorted(templates.BUDGETS))
def test_longest_values_fit_the_stage_budget(
    stage: str, free_text: str, address: TrackingAddress | None
) -> None:
    for request in [*templates.REQUESTS, "LATER"]:
        text = _all_stages(free_text, address, request)[stage]
        assert 1 <= analyse(text).segments <= templates.BUDGETS[stage]
        if address is not None:
            assert (f"{address.written} " in text or f"{address.written}?numara=" in text) == (
                stage in LINKED
            )


@pytest.mark.parametrize("address", ADDRESSES, ids=lambda a: a.written[:24] if a else "none")
@pytest.mark.parametrize("stage", sorted(templates.BUDGETS))
def test_messages_use_gsm7_with_turkish_letters_not_ucs2(stage: str, address: TrackingAddress | None) -> None:
    assert analyse(_all_stages(LONG_REASON, address)[stage]).encoding == "GSM7_TR"


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


def test_without_an_address_the_sms_name_the_page_only() -> None:
    stages = _all_stages("Kısa gerekçe")
    assert all(
        "Başvuru numaranızla takip edebilirsiniz. Kars Valiliği" in stages[s]
        for s in ("routed", "transferred")
    )
    assert all("adresinden" not in text and "/" not in text for text in stages.values())


def test_with_the_address_the_sms_that_send_the_applicant_to_the_page_write_it() -> None:
    stages = _all_stages("Tapu kaydınızın bir örneği", KARS, "OBJECTION", institution="Kars Belediyesi")
    link = f"acikkapi.kars.gov.tr/takip?numara={NUMBER}"
    assert stages["routed"] == (
        f"Sayın başvuru sahibi, {NUMBER} numaralı başvurunuz incelenmek üzere ilgili kuruma iletilmiştir. "
        f"İlgili kurum: Kars Belediyesi. Başvurunuzu {link} adresinden takip edebilirsiniz. Kars Valiliği"
    )
    transferred = templates.transferred(
        application_number=NUMBER,
        from_institution_name="Kars Belediyesi",
        to_institution_name="Digor Belediyesi",
        address=KARS,
    )
    assert f"Başvurunuzu {link} adresinden takip edebilirsiniz. Kars Valiliği" in transferred
    assert (
        f"Yanıtınızı {link} adresinden başvuru numaranız ve {TRACKING_CODE} takip kodunuzla iletebilirsiniz."
        in stages["information_requested"]
    )
    assert (
        f"Yanıtın tamamını {link} adresinden başvuru numaranız ve {TRACKING_CODE} takip kodunuzla "
        "okuyabilirsiniz." in stages["concluded"]
    )
    assert (
        f"Ayrıntıları {link} adresinden {TRACKING_CODE} takip kodunuzla görebilirsiniz."
        in (stages["request_refused"])
    )
    # The others send the applicant nowhere: the same texts as without an address.
    unlinked = _all_stages("Tapu kaydınızın bir örneği", None, "OBJECTION", institution="Kars Belediyesi")
    assert {s: stages[s] for s in set(stages) - LINKED} == {s: unlinked[s] for s in set(stages) - LINKED}


@pytest.mark.parametrize("address", ADDRESSES[1:], ids=lambda a: a.written[:24])
def test_the_link_ends_at_a_blank_and_never_holds_the_tracking_code(address: TrackingAddress) -> None:
    for stage, text in _all_stages("Kısa gerekçe", address, institution="Kars Belediyesi").items():
        words = text.split(" ")
        links = [(n, word) for n, word in enumerate(words) if word.startswith(address.written)]
        assert len(links) == (stage in LINKED), stage
        for n, link in links:
            assert words[n + 1] == "adresinden" and TRACKING_CODE not in link


def test_the_number_is_left_out_of_the_link_when_it_would_cost_a_segment() -> None:
    text = templates.transferred(
        application_number=NUMBER,
        from_institution_name="Kars Belediyesi",
        to_institution_name="Kars İl Sağlık Müdürlüğü",
        address=KARS,
    )
    assert f"Başvurunuzu {KARS.written} adresinden" in text and "numara=" not in text
    # It would fit the budget (3), but the SMS would cost a third segment for it.
    with_number = text.replace(KARS.written, KARS.link(NUMBER))
    assert (
        analyse(text).segments == 2 and analyse(with_number).segments == 3 == templates.BUDGETS["transferred"]
    )


def test_a_question_cut_for_the_budget_goes_with_the_bare_address() -> None:
    short = _all_stages("Okulun adını yazar mısınız?", KARS)["information_requested"]
    assert f"{KARS.link(NUMBER)} adresinden" in short and "Okulun adını yazar mısınız? Bilgi" in short
    cut = _all_stages(LONG_REASON, KARS)["information_requested"]
    assert f"{KARS.written} adresinden" in cut and "numara=" not in cut and "... Bilgi iletilene" in cut
    assert analyse(cut).segments == templates.BUDGETS["information_requested"]


def test_an_sms_over_its_budget_even_without_the_address_goes_as_it_always_did() -> None:
    # An institution the reference data does not know, named by the event at length.
    unknown = "Kars " + "Uzun Adlı Kurum " * 20
    linked = templates.routed(application_number=NUMBER, institution_name=unknown, address=KARS)
    assert linked == templates.routed(application_number=NUMBER, institution_name=unknown)
    assert analyse(linked).segments > templates.BUDGETS["routed"]
