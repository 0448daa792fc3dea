"""ACIKKAPI_NOTIFIER_TRACKING_URL: checked when the notifier starts, written short where a phone still
links it, the number pre-filled on request, never the tracking code."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from acikkapi_shared.testing.in_process import settings_for
from notifier.app import NotifierSettings, build_runtime
from notifier.domain.encoding import analyse
from notifier.domain.tracking_address import MAX_SEPTETS, TrackingAddress, TrackingAddressInvalid


@pytest.mark.parametrize(
    ("url", "written"),
    [
        ("https://acikkapi.kars.gov.tr/takip", "acikkapi.kars.gov.tr/takip"),
        ("HTTPS://Acikkapi.Kars.gov.tr/takip", "Acikkapi.Kars.gov.tr/takip"),
        ("https://www.kars.gov.tr:8443/acik-kapi/takip", "www.kars.gov.tr:8443/acik-kapi/takip"),
        # Phones link none of these without the scheme.
        ("http://acikkapi.kars.gov.tr/takip", "http://acikkapi.kars.gov.tr/takip"),
        ("http://127.0.0.1:8001/takip", "http://127.0.0.1:8001/takip"),
        ("https://10.0.0.5/takip", "https://10.0.0.5/takip"),
        ("https://localhost:8001/takip", "https://localhost:8001/takip"),
        # A Turkish letter of the single shift is GSM-7; an empty query or fragment is nothing.
        ("https://kars.gov.tr/başvuru-takip", "kars.gov.tr/başvuru-takip"),
        ("https://kars.gov.tr/takip?", "kars.gov.tr/takip"),
    ],
)
def test_https_on_a_domain_name_is_written_without_its_scheme_anything_else_with_it(
    url: str, written: str
) -> None:
    assert TrackingAddress.parse(url).written == written


def test_the_number_is_pre_filled_as_the_page_reads_it_and_the_root_gets_its_slash() -> None:
    assert (
        TrackingAddress.parse("https://acikkapi.kars.gov.tr/takip").link("2026-000123-2")
        == "acikkapi.kars.gov.tr/takip?numara=2026-000123-2"
    )
    assert TrackingAddress.parse("https://takip.kars.gov.tr").link("2026-000123-2") == (
        "takip.kars.gov.tr/?numara=2026-000123-2"
    )
    assert TrackingAddress.parse("http://127.0.0.1:8001/takip").link() == "http://127.0.0.1:8001/takip"
    assert TrackingAddress("x.gov.tr/takip").link("2026 1&2") == "x.gov.tr/takip?numara=2026%201%262"


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("acikkapi.kars.gov.tr/takip", "http:// or https://"),
        ("ftp://acikkapi.kars.gov.tr/takip", "http:// or https://"),
        ("https:///takip", "http:// or https://"),
        ("https://acikkapi.kars.gov.tr:99999/takip", "unreadable port"),
        ("https://admin:gizli@acikkapi.kars.gov.tr/takip", "no user, query or fragment"),
        ("https://acikkapi.kars.gov.tr/takip?kod=K7QX", "no user, query or fragment"),
        ("https://acikkapi.kars.gov.tr/takip#form", "no user, query or fragment"),
        ("https://acikkapi.kars.gov.tr/ takip", "no blank or line break"),
        ("https://acikkapi.kars.gov.tr/takip\n", "no blank or line break"),
        ("https://açıkkapı.kars.gov.tr/şikâyet", "GSM-7 characters only"),
        ("https://kars.gov.tr/takip\u2013sayfası", "GSM-7 characters only"),
        ("https://kars.gov.tr/" + "a" * (MAX_SEPTETS - 11), f"at most {MAX_SEPTETS}"),
        # Each letter of the Turkish shift is two septets.
        ("https://kars.gov.tr/" + "ş" * 15, f"at most {MAX_SEPTETS}"),
    ],
)
def test_an_address_an_sms_cannot_carry_is_refused_saying_why(url: str, complaint: str) -> None:
    with pytest.raises(TrackingAddressInvalid, match=complaint) as refused:
        TrackingAddress.parse(url)
    assert "ACIKKAPI_NOTIFIER_TRACKING_URL" in str(refused.value)


def test_the_longest_address_allowed_is_max_septets_written() -> None:
    longest = TrackingAddress.parse("https://kars.gov.tr/" + "a" * (MAX_SEPTETS - 12))
    assert analyse(longest.written).units == MAX_SEPTETS


def test_unset_or_empty_means_no_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACIKKAPI_NOTIFIER_TRACKING_URL", raising=False)
    assert NotifierSettings().tracking_address() is None
    monkeypatch.setenv("ACIKKAPI_NOTIFIER_TRACKING_URL", "")
    assert NotifierSettings().tracking_address() is None
    monkeypatch.setenv("ACIKKAPI_NOTIFIER_TRACKING_URL", "https://acikkapi.kars.gov.tr/takip")
    assert NotifierSettings().tracking_address() == TrackingAddress("acikkapi.kars.gov.tr/takip")


def test_the_notifier_does_not_start_with_an_address_it_cannot_send(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACIKKAPI_NOTIFIER_TRACKING_URL", "www.kars.gov.tr/takip")
    with pytest.raises(ValidationError, match="ACIKKAPI_NOTIFIER_TRACKING_URL must be an http"):
        build_runtime(settings_for("notifier", tmp_path), dispatch=False)
