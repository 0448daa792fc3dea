"""intake's private events: they stay in its own log (public ones are in acikkapi_shared.events)."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from acikkapi_shared.events.base import EventPayload


class ApplicationNumberIssued(EventPayload):
    """The next number of a year was given to a submission (the numbering stream's only event)."""

    application_number: str
    submission_id: str

    def correlates_with(self) -> str | None:
        """Returns the application the number was issued to."""
        return self.application_number


class ApplicationStageChanged(EventPayload):
    """The citizen-facing status of an application moved, because of another service's event.

    Private since it had no consumer: published, every intake event is fetched by the router and the
    notifier, and this one (two a case, at the routing and the deadline) was most of intake's topic,
    which they fetched only to pass over. The status is intake's to show (its API, Open311).
    """

    TYPE = "ApplicationStageChanged"

    application_number: str
    stage: str
    institution: str | None = None
    due_at: AwareDatetime | None = None
    source_service: str
    source_event_id: str
    # Added with the timeline: the office clock was paused (information awaited) at this change. Old
    # events lack it and read as False.
    clock_paused: bool = False


# The applicant's timeline, on the application's stream. Each line is a copy of what another
# service's event says that the applicant may see, with where it stands in that service's own
# sequence of the case (the stream version of the event), so the timeline is ordered by the case's
# sequence whatever order the topics delivered it in. `late`: an event older than one already
# applied from the same service; it takes its place in the timeline but moves nothing.


class StageRecorded(EventPayload):
    """A router stage event, as the applicant's timeline shows it."""

    application_number: str
    source_event_id: str
    source_version: int
    event_type: str
    occurred_at: AwareDatetime
    stage: str
    institution: str
    text: str = ""  # the question asked, the information supplied, the answer, an objection
    outcome: str | None = None
    reasons: str = ""
    request_number: int | None = None
    # The office due moment this stage set, when the sla-monitor's event about it came first.
    due_at: AwareDatetime | None = None
    clock_paused: bool = False
    late: bool = False


class DeadlineRecorded(EventPayload):
    """An sla-monitor event that moved the office due moment (or paused the clock)."""

    application_number: str
    source_event_id: str
    source_version: int
    event_type: str
    occurred_at: AwareDatetime
    cause_event_id: str | None  # the router event it followed (its envelope's causation id)
    due_at: AwareDatetime | None
    clock_paused: bool
    late: bool = False


class TimelineNoted(EventPayload):
    """A line of the applicant's timeline that moves no stage: the router refused a request of theirs
    (ApplicantRequestRefused), the office due moment was recomputed (DeadlinesRecomputed), an SMS was
    delivered or could not be (SmsDelivered, SmsDeliveryFailed).

    position: where it goes in the case's order; stage and institution: the stage it belongs to. That
    is the stage of trigger_event_id's line when it names one already on the timeline (the stage an
    SMS was sent for, whatever the case did since), else the application's stage when it was noted
    (the router version applied then, so it follows the stage it happened in). awaiting: the line it
    belongs under was not on the timeline yet (topics arrive in no order between them): it stands after
    the stage of the moment until that line comes (TimelineNoteMoved). details: ids and codes only (a
    request kind, a rejection's code and Turkish message, an SMS template, a provider status), never
    the phone number nor the applicant's words.
    """

    application_number: str
    source_event_id: str
    position: int
    event_type: str
    occurred_at: AwareDatetime
    stage: str
    institution: str | None
    details: dict[str, str | int | None] = Field(default_factory=dict)
    due_at: AwareDatetime | None = None
    clock_paused: bool = False
    # Added with SMS reports under their own stage: notes recorded before read as None.
    trigger_event_id: str | None = None
    awaiting: str | None = None


class TimelineNoteMoved(EventPayload):
    """A note that came before the line it belongs under (an SMS's report before its stage reached
    intake) is put under it, now that the line is on the timeline."""

    application_number: str
    source_event_id: str  # the note's
    position: int
    stage: str
    institution: str | None
