"""intake's business metrics from committed events: registrations by channel, topic, type and district
(codes of the reference data, never a person's data), rejections by problem code."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import REGISTRY

from acikkapi_shared.events.intake import Applicant, ApplicationRegistered, Problem, SubmissionRejected
from acikkapi_shared.testing.in_process import upstream
from intake import metrics

NOW = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)


def test_registrations_and_rejections_are_counted_by_their_codes() -> None:
    labels = {"channel": "WEB", "topic": "YEREL_YONETIMLER", "type": "SIKAYET", "district": "SARIKAMIS"}
    before = REGISTRY.get_sample_value("acikkapi_applications_received_total", labels) or 0.0
    registered = ApplicationRegistered(
        application_number="2026-000001-N",
        tracking_code="K7QX-9M2D-WR4T",
        submission_id="s-1",
        channel="WEB",
        received_at=NOW,
        topic="YEREL_YONETIMLER",
        type="SIKAYET",
        district="SARIKAMIS",
        text="Köyümüzün yolu kardan kapandı.",
        applicant=Applicant(name="Ayşe Yılmaz", phone="+905321234567"),
    )
    rejected = SubmissionRejected(
        submission_id="s-2",
        received_at=NOW,
        problems=[Problem(code="DISTRICT_UNKNOWN", field="district", message_tr="İlçe bilinmiyor.")],
        source="portal",
    )
    rejections = REGISTRY.get_sample_value(
        "acikkapi_submissions_rejected_total", {"reason": "DISTRICT_UNKNOWN"}
    )
    metrics.committed(
        [
            upstream("intake", registered, correlation_id="2026-000001-N", occurred_at=NOW),
            upstream("intake", rejected, correlation_id="s-2", occurred_at=NOW),
        ]
    )
    assert REGISTRY.get_sample_value("acikkapi_applications_received_total", labels) == before + 1
    after = REGISTRY.get_sample_value("acikkapi_submissions_rejected_total", {"reason": "DISTRICT_UNKNOWN"})
    assert after == (rejections or 0.0) + 1
