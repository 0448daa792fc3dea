"""The tracking page in headless Chromium (Debian's, with JavaScript off), on the running system: a
real portal submission, an institution asking a question through the router's staff API, the
applicant looking it up by keyboard, supplying the information from the page, the router acting on
it, and a wrong code getting the generic answer. Every page is screenshotted to
var/test-artefacts/tracking-page/ and checked with axe-core: no serious or critical violation."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from playwright.async_api import Browser, BrowserContext, Page

from acikkapi_shared.staff.identity import Role
from tests.browser import AxeChecker, artefacts_dir, chromium, serious
from tests.conftest import RunningSystem
from tests.e2e.test_case_lifecycle import Office, has, registered

# The first test may install Chromium (apt-get) before it starts.
pytestmark = [pytest.mark.kafka, pytest.mark.timeout(900)]

DATE = r"\d{1,2} (Ocak|Şubat|Mart|Nisan|Mayıs|Haziran|Temmuz|Ağustos|Eylül|Ekim|Kasım|Aralık) \d{4} "
DAY = r"(Pazartesi|Salı|Çarşamba|Perşembe|Cuma|Cumartesi|Pazar)"
QUESTION = "Suyun kesik olduğu sokağın adını yazar mısınız?"
ANSWER = "Kazım Karabekir Caddesi, İstasyon Sokağı girişi"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


class Citizen:
    """A phone-sized browser with JavaScript off, saving a screenshot and an axe report of each page."""

    def __init__(self, context: BrowserContext, page: Page, axe: AxeChecker, base: str) -> None:
        self.context, self.page, self.axe, self.base = context, page, axe, base
        self.artefacts = artefacts_dir("tracking-page")
        self.statuses: list[int] = []
        page.on("response", lambda response: self._seen(response.url, response.status))

    def _seen(self, url: str, status: int) -> None:
        if "/takip" in url and not url.endswith(".css"):
            self.statuses.append(status)

    async def check(self, name: str) -> str:
        """Screenshots the page, runs axe-core on it; returns its visible text."""
        await self.page.screenshot(path=self.artefacts / f"{name}.png", full_page=True)
        violations = await self.axe.violations(name, await self.page.content(), self.page.url)
        assert serious(violations) == [], f"{name}: {serious(violations)}"
        return " ".join((await self.page.inner_text("body")).split())

    async def look_up(self, number: str, code: str) -> None:
        await self.page.goto(f"{self.base}/takip")
        await self.page.get_by_label("Başvuru numarası").fill(number)
        await self.page.get_by_label("Takip kodu").fill(code)
        async with self.page.expect_navigation():  # the next page, not the form, is read after
            await self.page.get_by_role("button", name="Başvurumu göster").click()


@pytest.fixture
async def citizen(browser: Browser, running_system: RunningSystem) -> AsyncIterator[Citizen]:
    context = await browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="tr-TR"
    )
    axe = await AxeChecker.opened(browser, artefacts_dir("tracking-page"))
    try:
        yield Citizen(context, await context.new_page(), axe, running_system.url("intake"))
    finally:
        await context.close()


async def timeline_of(system: RunningSystem, number: str, code: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=5) as client:
        answer = await client.get(
            f"{system.url('intake')}/api/v1/applications/{number}", headers={"X-Tracking-Code": code}
        )
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


async def wait_until(
    system: RunningSystem, number: str, code: str, done: Any, within: float = 30.0
) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        document = await timeline_of(system, number, code)
        if done(document):
            return document
        if time.monotonic() > deadline:
            pytest.fail(f"intake's timeline of {number} did not get there: {document}")
        await asyncio.sleep(0.2)


async def test_the_applicant_follows_and_answers_from_the_page_in_chromium(
    running_system: RunningSystem, portal: AIOKafkaProducer, citizen: Citizen
) -> None:
    office = Office(running_system)
    number, code, _phone = await registered(running_system, portal)
    officer = office.token("kars-belediye-page", Role.INSTITUTION_OFFICER, institution="BELEDIYE_KARS")
    assert office.command(officer, number, "acknowledge", {}).status_code == 200
    assert office.command(officer, number, "request-information", {"question": QUESTION}).status_code == 200
    await wait_until(running_system, number, code, lambda d: d["stage"] == "INFORMATION_REQUESTED")

    page = citizen.page
    await page.goto(f"{citizen.base}/takip")
    form_text = await citizen.check("1-lookup-form")
    assert "Başvurunuzu takip edin" in form_text
    # The check can fail: the same page without its language and a label is reported.
    broken = (await page.content()).replace(' lang="tr"', "").replace('<label for="numara">', "<span>")
    found = serious(await citizen.axe.violations("0-control-broken-copy", broken, page.url))
    assert any(v.startswith("html-has-lang") for v in found) and any(v.startswith("label") for v in found)
    # By keyboard alone: the skip link, the number, the code, Enter.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "İçeriğe geç"
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "numara"
    await page.keyboard.type(number)
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "takip_kodu"
    await page.keyboard.type(code)
    # Waiting for the navigation Enter starts (wait_for_load_state alone can return before it starts,
    # while the form is still loaded, and reading the page then races the navigation).
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert code not in page.url  # posted, not in the address
    shown = await citizen.check("2-timeline-information-requested")
    assert "Kurum sizden ek bilgi bekliyor" in shown
    assert "İlgili kurum Kars Belediyesi" in shown
    assert f"Kurumun sorusu: {QUESTION}" in shown
    assert "Başvuru tarihi 22 Mayıs 2026 Cuma, 14:00" in shown
    assert re.search(f"Sonuçlandırılması gereken tarih: {DATE}{DAY}", shown)
    assert "Başvurunuz kurum tarafından incelemeye alındı" in shown

    await page.get_by_label("Yanıtınız").fill(ANSWER)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Bilgiyi gönder").click()
    shown = await citizen.check("3-information-sent")
    assert "İsteğiniz alındı Gönderdiğiniz bilgi alındı; kuruma iletilecek." in shown
    assert await page.get_by_role("button", name="Bilgiyi gönder").count() == 0

    # The router acts on it, the institution's clock runs again; the page shows it on the next look-up.
    await office.wait_for("router", number, has("InformationSupplied"))
    await wait_until(running_system, number, code, lambda d: d["stage"] == "IN_PROGRESS")
    await citizen.look_up(number, code)
    shown = await citizen.check("4-timeline-information-supplied")
    assert f"Gönderdiğiniz bilgi: {ANSWER}" in shown
    assert "Başvurunuz kurumda inceleniyor" in shown

    await citizen.look_up(number, "AAAA-BBBB-CCCC")
    shown = await citizen.check("5-wrong-code")
    assert "Bu numara ve takip koduyla kayıtlı bir başvuru bulunamadı." in shown
    assert ANSWER not in shown and "Kars Belediyesi" not in shown
    assert citizen.statuses[-1] == 404
    assert 200 in citizen.statuses

    # Typed by hand on a phone: /TAKIP leads to the form; an address not there is a Turkish page.
    await page.goto(f"{citizen.base}/TAKIP")
    assert page.url == f"{citizen.base}/takip"
    assert "Başvurunuzu takip edin" in await citizen.check("6-typed-in-capitals")
    answer = await page.goto(f"{citizen.base}/basvurum")
    assert answer is not None and answer.status == 404
    shown = await citizen.check("7-not-found")
    assert "Sayfa bulunamadı" in shown
    async with page.expect_navigation():
        await page.get_by_role("link", name="Başvurunuzu takip edin").click()
    assert page.url == f"{citizen.base}/takip"
