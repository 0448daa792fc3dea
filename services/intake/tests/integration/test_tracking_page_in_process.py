"""The tracking page through intake's composition root (SQLite, no broker): the look-up with one
generic answer, the failure limiter (page and API), the forms only when their request is allowed,
their signed tokens and Idempotency-Keys, and the same data as the JSON API."""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from acikkapi_shared.clock import ManualClock
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.notifier import SmsDelivered
from acikkapi_shared.events.router import CaseConcluded
from acikkapi_shared.events.sla_monitor import ClocksResumed
from acikkapi_shared.runtime import ServiceRuntime
from acikkapi_shared.testing.case_events import information_requested
from acikkapi_shared.testing.fakes import RecordingPublisher
from acikkapi_shared.testing.in_process import Feed, running, settings_for, upstream
from intake.app import build_app

NOW = datetime(2026, 5, 22, 11, 0, 5, tzinfo=UTC)  # a Friday, 14:00 in Istanbul
DUE = datetime(2026, 6, 5, 20, 59, 59, tzinfo=UTC)  # 5 Haziran 2026 Cuma, 23:59:59 in Istanbul
INSTITUTION = "MEM"
SUBMISSION_ID = "6f1d2c3b-4a59-4e8f-9a0b-1c2d3e4f5a6b"


@dataclass
class Tracker:
    """intake in process, one registered application, and a citizen's HTTP client."""

    runtime: ServiceRuntime
    client: httpx.AsyncClient
    clock: ManualClock
    number: str
    code: str
    versions: dict[str, int] = field(default_factory=lambda: {"router": 0, "sla-monitor": 0, "notifier": 0})
    last_stage: str | None = None  # the event id of the router's last event: what a clock event follows

    async def router_says(self, payload: EventPayload, service: str = "router") -> None:
        """Feeds the router's (or the sla-monitor's, caused by the router's last) next event of the case."""
        self.versions[service] += 1
        self.clock.advance(timedelta(minutes=30))
        event = upstream(service, payload, correlation_id=self.number, occurred_at=self.clock.now())
        cause = self.last_stage if service == "sla-monitor" else None
        event = event.model_copy(update={"stream_version": self.versions[service], "causation_id": cause})
        if service == "router":
            self.last_stage = str(event.event_id)
        topic = self.runtime.settings.topics.events_of(service)
        await self.runtime.processor.process([Feed().event(topic, event)])

    async def ask(self) -> None:
        """Routes the case, acknowledges it and asks the applicant a question."""
        for service, payload in information_requested(
            self.number, INSTITUTION, received_at=NOW, due_at=DUE, question="Okulun adını yazar mısınız?"
        ):
            await self.router_says(payload, service)

    async def look_up(self, number: str | None = None, code: str | None = None) -> httpx.Response:
        form = {"numara": number or self.number, "takip_kodu": self.code if code is None else code}
        return await self.client.post("/takip", data=form)

    async def log(self) -> list[str]:
        async with self.runtime.engine.connect() as connection:
            return list(
                (await connection.execute(sa.text("SELECT type FROM events ORDER BY position"))).scalars()
            )


def forms(page: str) -> dict[str, dict[str, str]]:
    """Returns each form of the page by its action path, with its hidden fields."""
    found = {}
    for action, body in re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page, re.S):
        fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body)
        found[action] = {name: html.unescape(value) for name, value in fields}
    return found


def text_of(page: str) -> str:
    """Returns the page's visible text on one line (tags dropped, entities decoded)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
async def tracker(tmp_path: Path) -> AsyncIterator[Tracker]:
    settings = settings_for("intake", tmp_path)
    clock = ManualClock(NOW)
    app = build_app(settings, clock=clock, record_publisher=RecordingPublisher())
    runtime: ServiceRuntime = app.state.runtime
    submission = {
        "submission_id": SUBMISSION_ID,
        "submitted_at": "2026-05-22T14:00:00+03:00",
        "channel": "WEB",
        "applicant": {"name": "İsmail Işık", "phone": "0532 123 45 67"},
        "topic": "EGITIM",
        "type": "SIKAYET",
        "district": "MERKEZ",
        "text": "Okulumuzun kalorifer sistemi iki haftadır çalışmıyor, çocuklar üşüyor.",
    }
    async with running(runtime):
        portal = settings.topics.portal_submissions
        await runtime.processor.process([Feed().message(portal, json.dumps(submission).encode())])
        transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            outcome = (await client.get(f"/api/v1/submissions/{SUBMISSION_ID}")).json()
            assert outcome["status"] == "REGISTERED", outcome
            yield Tracker(runtime, client, clock, outcome["application_number"], outcome["tracking_code"])


async def test_the_page_shows_the_timeline_in_turkish_with_the_forms_allowed(tracker: Tracker) -> None:
    await tracker.ask()
    answer = await tracker.look_up(code=tracker.code.lower().replace("-", " "))  # as typed from an SMS
    assert answer.status_code == 200, answer.text
    page = answer.text
    assert '<html lang="tr">' in page
    assert answer.headers["cache-control"] == "no-store"
    assert "script-src" not in answer.headers["content-security-policy"]  # default-src 'none': no script
    shown = text_of(page)
    assert "Kurum sizden ek bilgi bekliyor" in shown
    assert "İlgili kurum Kars İl Milli Eğitim Müdürlüğü" in shown
    assert "Başvuru tarihi 22 Mayıs 2026 Cuma, 14:00" in shown
    assert "Sonuçlandırılması gereken tarih: 5 Haziran 2026 Cuma" in shown  # on the routed line
    assert "Sizden ek bilgi beklendiği için süre durduruldu." in shown  # now, while it is paused
    assert "Kurumun sorusu: Okulun adını yazar mısınız?" in shown
    assert set(forms(page)) == {"/takip/bilgi", "/takip/geri-cekme"}  # no objection before a conclusion
    assert tracker.code not in str(answer.url)


async def test_the_link_in_the_sms_pre_fills_the_number_and_asks_for_the_code(tracker: Tracker) -> None:
    # The notifier's SMS link here with ?numara= (notifier/domain/tracking_address.py).
    page = await tracker.client.get("/takip", params={"numara": tracker.number})
    assert page.status_code == 200 and f'name="numara" type="text" value="{tracker.number}"' in page.text
    assert re.search(r'<input id="takip_kodu"[^>]*value=', page.text) is None


async def test_the_page_asks_for_the_code_however_it_was_given(tracker: Tracker) -> None:
    # Not every applicant gets an SMS (identity hidden, SMS refused): the desk hands the code over and
    # Open311 clients read it from the submission's status. The page and its 404 say both ways.
    given = "SMS ile ya da başvurunuzu yaparken size verilen"
    page = text_of((await tracker.client.get("/takip")).text)
    assert "Başvuru numaranızı ve size SMS ile ya da başvurunuzu yaparken verilen takip kodunu" in page
    assert f"Takip kodu {given} kod. Örnek:" in page
    wrong = text_of((await tracker.look_up(code="AAAA-BBBB-CCCC")).text)
    assert "numarayı ve size SMS ile ya da başvurunuzu yaparken verilen takip kodunu kontrol edin." in wrong
    assert "SMS ile gönderilen" not in page + wrong


async def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(tracker: Tracker) -> None:
    wrong_code = await tracker.look_up(code="AAAA-BBBB-CCCC")
    year, sequence, _check = tracker.number.split("-")
    # Another well-formed number (its check character computed) that was never issued.
    from acikkapi_shared.application_numbers import ApplicationNumber

    unknown = str(ApplicationNumber(int(year), int(sequence) + 7))
    unknown_number = await tracker.look_up(number=unknown)
    assert wrong_code.status_code == unknown_number.status_code == 404
    assert wrong_code.text.replace(tracker.number, "N") == unknown_number.text.replace(unknown, "N")
    assert "Bu numara ve takip koduyla kayıtlı bir başvuru bulunamadı." in text_of(wrong_code.text)
    empty = await tracker.look_up(code="")
    assert empty.status_code == 404 and empty.text == wrong_code.text


async def test_repeated_failures_are_refused_for_the_number_on_the_page_and_the_api(tracker: Tracker) -> None:
    for _attempt in range(10):
        assert (await tracker.look_up(code="AAAA-BBBB-CCCC")).status_code == 404
    blocked = await tracker.look_up()  # even the right code, while the number is blocked
    assert blocked.status_code == 429 and blocked.headers["retry-after"] == "900"
    assert "Çok sayıda hatalı deneme yapıldı." in text_of(blocked.text)
    assert "15 dakika sonra" in text_of(blocked.text)
    api = await tracker.client.get(
        f"/api/v1/applications/{tracker.number}", headers={"X-Tracking-Code": tracker.code}
    )
    assert api.status_code == 429 and api.json()["error"]["code"] == "TOO_MANY_FAILED_ATTEMPTS"
    no_code = await tracker.client.get(f"/api/v1/applications/{tracker.number}")
    assert no_code.status_code == 200  # the stage alone needs no code and is not limited
    tracker.clock.advance(timedelta(minutes=15))
    assert (await tracker.look_up()).status_code == 200


async def test_repeated_failures_are_refused_per_client_whatever_the_number(tracker: Tracker) -> None:
    from acikkapi_shared.application_numbers import ApplicationNumber

    for sequence in range(100, 120):  # 20 different numbers, none failing 10 times
        await tracker.look_up(number=str(ApplicationNumber(2026, sequence)), code="AAAA-BBBB-CCCC")
    assert (await tracker.look_up()).status_code == 429
    other = httpx.ASGITransport(app=tracker.client._transport.app, client=("203.0.113.9", 40000))  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=other, base_url="http://intake") as elsewhere:
        form = {"numara": tracker.number, "takip_kodu": tracker.code}
        assert (await elsewhere.post("/takip", data=form)).status_code == 200


async def test_an_sms_delivery_line_repeats_neither_the_institution_nor_the_due_day(tracker: Tracker) -> None:
    await tracker.ask()
    delivered = SmsDelivered(
        application_number=tracker.number,
        request_event_id="r-1",
        provider_message_id="p-1",
        template="information_requested",
        delivered_at=NOW,
        status=1,
    )
    await tracker.router_says(delivered, "notifier")
    page = (await tracker.look_up()).text
    items = re.findall(r"<li>(.*?)</li>", page, re.S)
    (sms_line,) = [item for item in items if "Size gönderilen SMS telefonunuza ulaştı" in item]
    assert "Kurum:" not in sms_line and "Sonuçlandırılması gereken tarih" not in sms_line
    assert any("Kurum:" in item for item in items)  # the stages' own lines still say them


async def test_information_is_supplied_from_the_page_once_even_when_sent_twice(tracker: Tracker) -> None:
    await tracker.ask()
    form = forms((await tracker.look_up()).text)["/takip/bilgi"]
    assert form["takip_kodu"] == tracker.code and len(form["idempotency_key"]) == 32
    sent = {**form, "metin": "Kars Atatürk İlkokulu"}
    first = await tracker.client.post("/takip/bilgi", data=sent)
    again = await tracker.client.post("/takip/bilgi", data=sent)  # a double click: the same form
    assert (first.status_code, again.status_code) == (200, 200)
    for answer in (first, again):
        assert "İsteğiniz alındı Gönderdiğiniz bilgi alındı; kuruma iletilecek." in text_of(answer.text)
        assert "Durum Gönderdiğiniz bilgi kuruma iletiliyor" in text_of(answer.text)  # not "waiting for you"
        assert "/takip/bilgi" not in forms(answer.text)  # intake knows it was supplied
    assert (await tracker.log()).count("ApplicantSuppliedInformation") == 1
    changed = await tracker.client.post("/takip/bilgi", data={**sent, "metin": "Başka bir okul"})
    assert changed.status_code == 409  # the same form again with other words: said in plain Turkish
    assert "Bu form daha önce gönderildi." in text_of(changed.text) and "Idempotency" not in changed.text
    reloaded = await tracker.client.get("/takip/bilgi")  # the form's address reopened (a restored tab)
    assert reloaded.status_code == 303 and reloaded.headers["location"] == "/takip"
    nowhere = await tracker.client.get("/takip/yok")
    assert nowhere.status_code == 404 and '<html lang="tr">' in nowhere.text
    other_key = {**sent, "idempotency_key": "f" * 32}  # a key the form was not signed for
    assert (await tracker.client.post("/takip/bilgi", data=other_key)).status_code == 403


async def test_a_form_token_that_is_forged_expired_or_for_another_request_is_refused(
    tracker: Tracker,
) -> None:
    await tracker.ask()
    form = forms((await tracker.look_up()).text)["/takip/bilgi"]
    sent = {**form, "metin": "Kars Atatürk İlkokulu"}
    expires, _, signature = form["csrf_token"].partition(".")
    forged = {**sent, "csrf_token": f"{int(expires) + 3600}.{signature}"}
    assert (await tracker.client.post("/takip/bilgi", data=forged)).status_code == 403
    # The information form's token does not open the withdrawal form.
    withdrawal = {**sent, "onay": "evet"}
    refused = await tracker.client.post("/takip/geri-cekme", data=withdrawal)
    assert refused.status_code == 403 and "Bu formun süresi dolmuş" in text_of(refused.text)
    tracker.clock.advance(timedelta(minutes=61))
    assert (await tracker.client.post("/takip/bilgi", data=sent)).status_code == 403
    wrong_code = {**sent, "takip_kodu": "AAAA-BBBB-CCCC"}
    assert (await tracker.client.post("/takip/bilgi", data=wrong_code)).status_code == 404
    assert "ApplicantSuppliedInformation" not in await tracker.log()


async def test_a_withdrawal_needs_its_confirmation_and_a_text_problem_is_shown_on_its_form(
    tracker: Tracker,
) -> None:
    await tracker.ask()
    page = (await tracker.look_up()).text
    unconfirmed = await tracker.client.post("/takip/geri-cekme", data={**forms(page)["/takip/geri-cekme"]})
    assert unconfirmed.status_code == 422
    assert "Başvurunuzu geri çekmek için onay kutusunu işaretleyin." in text_of(unconfirmed.text)
    # Said at the top too (the form is at the bottom of a long page), linking to the field at fault,
    # which is marked invalid; the title says so first.
    summary = unconfirmed.text.split('<section aria-labelledby="durum-baslik"', 1)[0]
    assert 'role="alert"' in summary and '<a href="#geri-onay">' in summary
    assert re.search(r'id="geri-onay"[^>]*aria-invalid="true"', unconfirmed.text)
    assert "<title>Hata: Başvuru" in unconfirmed.text
    empty = await tracker.client.post(
        "/takip/bilgi", data={**forms(page)["/takip/bilgi"], "metin": " \u200b"}
    )
    assert empty.status_code == 422 and "boş bırakılamaz" in text_of(empty.text)
    confirmed = {**forms(unconfirmed.text)["/takip/geri-cekme"], "onay": "evet", "metin": "Sorun çözüldü."}
    done = await tracker.client.post("/takip/geri-cekme", data=confirmed)
    assert done.status_code == 200 and "Başvurunuzu geri çekme isteğiniz alındı." in text_of(done.text)
    assert forms(done.text) == {}  # nothing more to ask once a withdrawal is on its way
    assert (await tracker.log()).count("ApplicantWithdrew") == 1


async def test_a_form_refused_for_its_text_may_be_sent_again_corrected(tracker: Tracker) -> None:
    # The refused form's key was not used up: the browser's Back, then the corrected form sent again.
    await tracker.ask()
    form = forms((await tracker.look_up()).text)["/takip/bilgi"]
    empty = await tracker.client.post("/takip/bilgi", data={**form, "metin": " "})
    assert empty.status_code == 422 and "boş bırakılamaz" in text_of(empty.text)
    corrected = await tracker.client.post("/takip/bilgi", data={**form, "metin": "Kars Atatürk İlkokulu"})
    assert corrected.status_code == 200, text_of(corrected.text)
    assert "Gönderdiğiniz bilgi alındı; kuruma iletilecek." in text_of(corrected.text)
    assert "Bu form daha önce gönderildi" not in text_of(corrected.text)
    assert (await tracker.log()).count("ApplicantSuppliedInformation") == 1


async def test_once_concluded_the_page_shows_the_answer_and_the_objection_form(tracker: Tracker) -> None:
    await tracker.ask()
    resumed = ClocksResumed(  # the information came (by phone): the office clock runs again
        application_number=tracker.number,
        at=NOW,
        request_number=1,
        office_due_at=DUE,
        institution_due_at=None,
    )
    await tracker.router_says(resumed, "sla-monitor")
    await tracker.router_says(
        CaseConcluded(
            application_number=tracker.number,
            institution=INSTITUTION,
            outcome="RESOLVED",
            reasons="",
            answer="Kalorifer kazanı 3 Haziran'da onarıldı.",
        )
    )
    page = (await tracker.look_up()).text
    shown = text_of(page)
    assert "Sonuç Talebiniz karşılandı Kalorifer kazanı 3 Haziran'da onarıldı." in shown
    assert set(forms(page)) == {"/takip/itiraz"}
    assert "Sonuçlandırılması gereken tarih 5 Haziran" not in shown  # nothing is due once concluded
    (concluded,) = [item for item in re.findall(r"<li>(.*?)</li>", page, re.S) if "sonuçlandırıldı" in item]
    assert "Sonuçlandırılması gereken tarih" not in concluded and "Süre durduruldu" not in concluded
    objection = {**forms(page)["/takip/itiraz"], "metin": "Sınıflar hâlâ soğuk."}
    done = await tracker.client.post("/takip/itiraz", data=objection)
    assert "İtirazınız alındı" in text_of(done.text) and forms(done.text) == {}


async def test_the_json_api_shows_what_the_page_shows(tracker: Tracker) -> None:
    await tracker.ask()
    api = await tracker.client.get(
        f"/api/v1/applications/{tracker.number}", headers={"X-Tracking-Code": tracker.code}
    )
    document: dict[str, Any] = api.json()
    shown = text_of((await tracker.look_up()).text)
    assert document["actions"] == ["information", "withdrawal"]
    assert document["stage_label"] in shown and document["institution"]["name"] in shown
    from intake.tracking_page.formatting import long_date_time

    for line in document["timeline"]:
        assert f"{long_date_time(datetime.fromisoformat(line['at']))} {line['label']}" in shown


async def test_a_browser_is_led_to_the_page_and_told_in_turkish_of_an_address_not_there(
    tracker: Tracker,
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    client = tracker.client
    for path in ("/TAKIP", "/Takip", "/TAK%C4%B0P", "/takip/", "/TAKIP/"):
        answer = await client.get(path, headers=browser)
        assert (answer.status_code, answer.headers["location"]) == (308, "/takip"), path
    prefilled = await client.get(f"/Takip?numara={tracker.number}", headers=browser)
    assert prefilled.headers["location"] == f"/takip?numara={tracker.number}"
    bare = await client.get("/", headers=browser)
    assert (bare.status_code, bare.headers["location"]) == (303, "/takip")
    followed = await client.get("/TAKIP", headers=browser, follow_redirects=True)
    assert followed.status_code == 200 and "Başvurunuzu takip edin" in text_of(followed.text)
    missing = await client.get("/duyurular", headers=browser)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert text_of(missing.text).startswith("Sayfa bulunamadı · Açık Kapı")
    assert '<a href="/takip">Başvurunuzu takip edin</a>' in missing.text
    assert missing.headers["content-security-policy"].startswith("default-src 'none'")
    # API clients, and every address under the APIs, get the machine answers (the one error shape;
    # Open311's own `errors`).
    for accept in ("*/*", "application/json"):
        elsewhere = await client.get("/duyurular", headers={"Accept": accept})
        assert elsewhere.status_code == 404 and elsewhere.json()["error"]["code"] == "NOT_FOUND"
    api = await client.get("/api/v1/nowhere", headers=browser)
    assert api.status_code == 404 and api.json()["error"]["code"] == "NOT_FOUND"
    open311 = await client.get("/open311/v2/nowhere.json", headers=browser)
    assert open311.status_code == 404 and open311.json()[0]["code"] == 404
