"""The tracking page's pure parts: Turkish dates in Istanbul time, the failure limiter, the forms'
signed tokens, the bounded form parser, and the front door's reading of Accept and of /takip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.domain.applicant_actions import allowed_actions
from intake.domain.application_model import Application
from intake.domain.stages import Stage
from intake.tracking_page.formatting import long_date, long_date_time
from intake.tracking_page.forms import MAX_FORM_BYTES, FormSigner, FormTooLarge, parse_form
from intake.tracking_page.front_door import is_tracking_path, prefers_html
from intake.tracking_page.limiter import FailureLimiter, LimitRule

T0 = datetime(2026, 6, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "day", "day_and_time"),
    [
        (datetime(2026, 6, 5, 20, 59, 59, tzinfo=UTC), "5 Haziran 2026 Cuma", "5 Haziran 2026 Cuma, 23:59"),
        # 21:30 UTC is already the next day in Istanbul (UTC+3)
        (
            datetime(2026, 6, 5, 21, 30, tzinfo=UTC),
            "6 Haziran 2026 Cumartesi",
            "6 Haziran 2026 Cumartesi, 00:30",
        ),
        (datetime(2026, 2, 2, 6, 5, tzinfo=UTC), "2 Şubat 2026 Pazartesi", "2 Şubat 2026 Pazartesi, 09:05"),
        (
            datetime(2026, 8, 26, 12, 0, tzinfo=UTC),
            "26 Ağustos 2026 Çarşamba",
            "26 Ağustos 2026 Çarşamba, 15:00",
        ),
        (datetime(2026, 9, 17, 12, 0, tzinfo=UTC), "17 Eylül 2026 Perşembe", "17 Eylül 2026 Perşembe, 15:00"),
        (datetime(2026, 11, 10, 6, 0, tzinfo=UTC), "10 Kasım 2026 Salı", "10 Kasım 2026 Salı, 09:00"),
        (datetime(2026, 3, 1, 9, 0, tzinfo=UTC), "1 Mart 2026 Pazar", "1 Mart 2026 Pazar, 12:00"),
    ],
)
def test_dates_are_written_as_a_turkish_reader_writes_them(
    moment: datetime, day: str, day_and_time: str
) -> None:
    assert long_date(moment) == day
    assert long_date_time(moment) == day_and_time


def limiter(per_client: int = 5, per_number: int = 3) -> FailureLimiter:
    window = timedelta(minutes=15)
    return FailureLimiter(LimitRule(per_client, window), LimitRule(per_number, window))


def test_a_number_is_refused_after_its_failures_until_the_oldest_ages_out() -> None:
    guard = limiter()
    for minute in range(3):
        assert guard.refused_for("a", "2026-000001-N", T0 + timedelta(minutes=minute)) is None
        guard.failed("a", "2026-000001-N", T0 + timedelta(minutes=minute))
    now = T0 + timedelta(minutes=5)
    assert guard.refused_for("a", "2026-000001-N", now) == timedelta(minutes=10)
    assert guard.refused_for("b", "2026-000001-N", now) == timedelta(minutes=10)  # from anywhere
    assert guard.refused_for("a", "2026-000002-N", now) is None  # the client itself is under its limit
    assert guard.refused_for("a", "2026-000001-N", T0 + timedelta(minutes=15)) is None


def test_a_client_is_refused_after_its_failures_whatever_the_numbers() -> None:
    guard = limiter()
    for index in range(5):
        guard.failed("a", f"2026-00000{index}-N", T0)
    assert guard.refused_for("a", "2026-000009-N", T0) == timedelta(minutes=15)
    assert guard.refused_for("a", None, T0) == timedelta(minutes=15)
    assert guard.refused_for("b", "2026-000009-N", T0) is None


def test_failures_keep_the_longest_wait_and_memory_stays_bounded() -> None:
    guard = FailureLimiter(
        LimitRule(2, timedelta(minutes=10)), LimitRule(1, timedelta(minutes=60)), max_keys=4
    )
    guard.failed("a", "n1", T0)
    guard.failed("a", "n2", T0 + timedelta(minutes=1))
    # the client waits 9 minutes, the number n2 59: the longer applies
    assert guard.refused_for("a", "n2", T0 + timedelta(minutes=1)) == timedelta(minutes=60)
    for index in range(10):
        guard.failed(f"c{index}", None, T0)
    assert len(guard._failures) == 4  # the least recently failed keys were forgotten


@given(st.lists(st.integers(min_value=0, max_value=3600), max_size=60))
def test_never_more_failures_are_let_through_in_a_window_than_the_rule_allows(seconds: list[int]) -> None:
    """Whatever the moments of the attempts (each one a failure when let through), at most
    max_failures are let through within any window."""
    rule = LimitRule(4, timedelta(minutes=5))
    guard = FailureLimiter(rule, LimitRule(1000, rule.window))
    let_through: list[datetime] = []
    for offset in sorted(seconds):
        now = T0 + timedelta(seconds=offset)
        if guard.refused_for("x", "n", now) is None:
            let_through.append(now)
            guard.failed("x", "n", now)
    for start in let_through:
        assert sum(1 for t in let_through if start <= t < start + rule.window) <= rule.max_failures


def test_a_form_token_is_valid_only_for_its_number_action_key_and_time() -> None:
    signer = FormSigner(b"s" * 32, timedelta(minutes=60))
    token = signer.issue("2026-000001-N", "information", "k1", T0)
    assert signer.valid(token, "2026-000001-N", "information", "k1", T0 + timedelta(minutes=59))
    assert not signer.valid(token, "2026-000001-N", "information", "k1", T0 + timedelta(minutes=60))
    assert not signer.valid(token, "2026-000002-N", "information", "k1", T0)
    assert not signer.valid(token, "2026-000001-N", "withdrawal", "k1", T0)
    assert not signer.valid(token, "2026-000001-N", "information", "k2", T0)
    assert not FormSigner(b"t" * 32, timedelta(minutes=60)).valid(
        token, "2026-000001-N", "information", "k1", T0
    )
    for broken in ("", ".", "abc.def", "9" * 40 + "." + token.split(".")[1]):
        assert not signer.valid(broken, "2026-000001-N", "information", "k1", T0)
    with pytest.raises(ValueError, match="16 bytes"):
        FormSigner(b"short", timedelta(minutes=1))


def test_the_form_parser_decodes_utf8_and_refuses_what_no_form_needs() -> None:
    body = b"numara=2026-000001-N&metin=%C4%B0stanbul+Caddesi+%C4%B1%C5%9F%C4%B1k&bos="
    assert parse_form(body) == {"numara": "2026-000001-N", "metin": "İstanbul Caddesi ışık", "bos": ""}
    assert parse_form(b"a=1&a=2") == {"a": "1"}
    assert parse_form(b"x=%FF") == {"x": "\ufffd"}
    with pytest.raises(FormTooLarge):
        parse_form(b"a" * (MAX_FORM_BYTES + 1))
    with pytest.raises(FormTooLarge):
        parse_form("&".join(f"f{i}=1" for i in range(40)).encode())


def test_the_requests_offered_follow_the_deciders_rules() -> None:
    registered = Application("2026-000001-N", registered=True, stage=Stage.ROUTED)
    assert allowed_actions(Application("2026-000001-N")) == []
    assert allowed_actions(registered) == ["withdrawal"]
    asked = Application("n", registered=True, stage=Stage.INFORMATION_REQUESTED, open_request=1)
    assert allowed_actions(asked) == ["information", "withdrawal"]
    supplied = Application(
        "n", registered=True, stage=Stage.INFORMATION_REQUESTED, open_request=1, supplied_request=1
    )
    assert allowed_actions(supplied) == ["withdrawal"]
    concluded = Application("n", registered=True, stage=Stage.CONCLUDED, conclusion_version=7)
    assert allowed_actions(concluded) == ["objection"]
    objected = Application("n", registered=True, stage=Stage.CONCLUDED, conclusion_version=7, objected_to=7)
    assert allowed_actions(objected) == []
    withdrawing = Application("n", registered=True, stage=Stage.ROUTED, withdrawal_requested=True)
    assert allowed_actions(withdrawing) == []


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),  # Firefox
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
            "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
            True,
        ),  # Chrome
        ("application/json;q=0.5, TEXT/HTML", True),
        ("text/html;level=1;q=0.9, application/*;q=0.8, */*", True),  # application/* outranks */*
        ("*/*", False),  # curl, httpx, requests
        ("application/json", False),
        ("application/json, text/html", False),  # a tie: the API's answer
        ("text/html;q=0.5, */*", False),
        ("text/html;q=0", False),
        ("text/html;q=zero", False),
        ("", False),  # no header at all
    ],
)
def test_only_an_accept_that_puts_html_before_json_is_a_browsers(accept: str, html: bool) -> None:
    assert prefers_html(accept) is html


@pytest.mark.parametrize(
    ("path", "tracking"),
    [
        ("/takip", True),
        ("/TAKIP", True),
        ("/Takip", True),
        ("/TAKİP", True),  # a Turkish keyboard's capitals
        ("/TAKI\u0307P", True),  # the same, decomposed
        ("/takip/", True),
        ("/TAKIP/", True),
        ("/takip//", False),
        ("/takipp", False),
        ("/takip/bilgi", False),
        ("/", False),
    ],
)
def test_takip_is_known_however_a_phone_types_it(path: str, tracking: bool) -> None:
    assert is_tracking_path(path) is tracking
