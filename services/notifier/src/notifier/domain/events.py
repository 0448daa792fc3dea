"""The notifier's private events: its copies of upstream facts and its SMS intents stay in its log.

An SMS intent carries the phone number and a text with the tracking code: it must not go to Kafka.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict

from acikkapi_shared.events.base import EventPayload


class CaseContactRecorded(EventPayload):
    """intake registered the application: how to reach the applicant.

    An applicant who hid their identity or refused SMS is never sent one, so their phone is not kept
    (None).
    """

    phone: str | None
    tracking_code: str
    source_event_id: str | None = None
    identity_hidden: bool = False
    sms_refused: bool = False


class CaseDeadlineRecorded(EventPayload):
    """sla-monitor set the case's deadline at an institution."""

    institution: str
    due_at: AwareDatetime
    source_event_id: str | None = None


class StageNoticed(EventPayload):
    """An upstream event the applicant is to be told of by SMS (a row of the stage table), with what
    the SMS will say: its template, urgency and parameters as they were when it arrived."""

    trigger_event_id: str
    event_type: str
    template: str
    urgent: bool
    parameters: dict[str, str]


class SmsRequested(EventPayload):
    """The intent to send an SMS, recorded before the provider is called (its event id is the key).

    trigger_event_id is the upstream event the SMS tells of: one SMS per trigger, never two.
    not_before: a non-urgent SMS decided in quiet hours is held until they end (None: at once).
    """

    application_number: str
    template: str
    phone: str
    text: str
    encoding: str
    segments: int
    trigger_event_id: str | None = None
    not_before: AwareDatetime | None = None


# An SMS's delivery stream ("sms:<intent id>") and the job streams ("sms-job:<job id>") below hold ids,
# codes and times only: the phone and the text stay in the intent.


class _SmsOfCase(EventPayload):
    """An event of one intent's delivery stream: about the application the SMS tells of."""

    application_number: str
    request_event_id: str

    def correlates_with(self) -> str | None:
        """Returns the application the SMS is about."""
        return self.application_number


class SmsClaimed(_SmsOfCase):
    """The intent became a member of a job; it is in one job at a time."""

    job_id: str


class SmsReleased(_SmsOfCase):
    """The intent's job was split (a message of it was refused for good): it is planned again alone."""

    job_id: str
    code: str


class SmsRedriven(_SmsOfCase):
    """A failed intent was put back to be sent again, in a new job under a new key."""

    redrive_key: str


class JobMember(BaseModel):
    """One intent of a job, in the job's order (part of SmsJobPlanned, not an event)."""

    model_config = ConfigDict(frozen=True)

    request_event_id: str
    application_number: str


class SmsJobPlanned(EventPayload):
    """A provider job was planned: these members, in this order, always under the job id as key."""

    job_id: str
    members: list[JobMember]
    planned_at: AwareDatetime


class SmsJobLeased(EventPayload):
    """An instance is about to send the job's attempt; no other may until lease_until."""

    job_id: str
    attempt: int
    instance_id: str
    lease_until: AwareDatetime


class SmsJobAttemptFailed(EventPayload):
    """An attempt was not accepted and the job will be sent again: kind "transient" (network, timeout,
    provider error) after next_attempt_at, or "account" (credentials, IP, sender header) once the
    provider takes the account again."""

    job_id: str
    attempt: int
    kind: str
    code: str
    reason: str
    failed_at: AwareDatetime
    next_attempt_at: AwareDatetime


class SmsJobAccepted(EventPayload):
    """The provider accepted the job; provider_message_ids are its members', in order."""

    job_id: str
    attempt: int
    provider_message_ids: list[str]


class SmsJobFailed(EventPayload):
    """The job is given up: a single message refused for good, or transient failures for a day."""

    job_id: str
    attempt: int
    code: str
    reason: str


class SmsJobSplit(EventPayload):
    """The provider refused a message of a multi-member job for good: its members are planned again,
    each alone, so only the message at fault fails."""

    job_id: str
    attempt: int
    code: str
    reason: str


class DeliveryReportUnmatched(EventPayload):
    """A delivery report row for no SMS the notifier asked about (its job's stream "sms-report:<jobid>";
    ordinal is its place among the job's rows in the answer)."""

    jobid: str
    ordinal: int
    status: int
