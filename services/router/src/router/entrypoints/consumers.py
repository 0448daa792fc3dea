"""The router's Kafka translators: each registered application is kept as its petition and becomes a
RouteCase command, and each request the applicant made through intake the Case command it asks for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from acikkapi_shared.commands import CommandRunner
from acikkapi_shared.decider import CommandRejected, Decider
from acikkapi_shared.events.envelope import EventEnvelope
from acikkapi_shared.events.intake import (
    ApplicantObjected,
    ApplicantSuppliedInformation,
    ApplicantWithdrew,
    ApplicationRegistered,
)
from acikkapi_shared.messaging.inbound import InboundMessage, UpstreamEventTranslator
from router.domain.case import Case
from router.domain.case_commands import (
    CaseCommand,
    ObjectToConclusion,
    RefuseApplicantRequest,
    RouteCase,
    SupplyInformation,
    WithdrawCase,
)
from router.domain.petition import RecordPetition, petition_stream, petitions

# The applicant, through intake (number + tracking code): the actor of the Case's events they cause.
APPLICANT_ACTOR = "applicant:intake"

# The applicant's request each command is, as ApplicantRequestRefused names it.
_REQUEST_OF: dict[type, str] = {
    SupplyInformation: "INFORMATION",
    ObjectToConclusion: "OBJECTION",
    WithdrawCase: "WITHDRAWAL",
}


@dataclass(frozen=True)
class CaseWork:
    """What an intake event asks of the router: a command on the case (actor None: the router's own),
    after keeping the petition when it is a registration."""

    number: str
    command: CaseCommand
    actor: str | None = None
    petition: RecordPetition | None = None


def case_work(upstream: EventEnvelope) -> CaseWork | None:
    """Returns what an intake event asks of the router, or None when it is not the router's business."""
    if upstream.type == ApplicationRegistered.TYPE:
        registered = ApplicationRegistered.from_payload(upstream.payload, upstream.schema_version)
        route = RouteCase(
            application_number=registered.application_number,
            subject=registered.topic,
            district=registered.district,
            application_type=registered.type,
            text=registered.text,
            received_at=registered.received_at,
        )
        return CaseWork(registered.application_number, route, petition=RecordPetition(registered))
    if upstream.type == ApplicantSuppliedInformation.TYPE:
        supplied = ApplicantSuppliedInformation.from_payload(upstream.payload, upstream.schema_version)
        return CaseWork(supplied.application_number, SupplyInformation(supplied.text), APPLICANT_ACTOR)
    if upstream.type == ApplicantObjected.TYPE:
        objected = ApplicantObjected.from_payload(upstream.payload, upstream.schema_version)
        return CaseWork(objected.application_number, ObjectToConclusion(objected.reason), APPLICANT_ACTOR)
    if upstream.type == ApplicantWithdrew.TYPE:
        withdrew = ApplicantWithdrew.from_payload(upstream.payload, upstream.schema_version)
        return CaseWork(withdrew.application_number, WithdrawCase(withdrew.reason), APPLICANT_ACTOR)
    return None


class RegisteredApplications(UpstreamEventTranslator):
    """intake's ApplicationRegistered → RecordPetition and RouteCase; the applicant's requests →
    SupplyInformation, ObjectToConclusion, WithdrawCase. Other intake events are not the router's
    business.

    A request the Case refuses (it moved on since intake accepted it: re-routed by hand while the
    information was on its way, say) is recorded as the public ApplicantRequestRefused with the
    rejection's code and Turkish message, which intake shows on the applicant's timeline; nothing
    else changes. Once per upstream event, like every consumed message.
    """

    event_types = frozenset(
        {
            ApplicationRegistered.TYPE,
            ApplicantSuppliedInformation.TYPE,
            ApplicantObjected.TYPE,
            ApplicantWithdrew.TYPE,
        }
    )

    def __init__(self, cases: Decider[Case, CaseCommand]) -> None:
        self._cases = cases

    def streams(self, message: InboundMessage) -> Sequence[str]:
        """Returns the case stream, and the petition's for a registration."""
        correlation = message.headers.get("correlation_id")
        if not correlation:
            return []
        if message.headers.get("event_type") == ApplicationRegistered.TYPE:
            return [correlation, petition_stream(correlation)]
        return [correlation]

    async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
        """Executes the command on the application's case stream (a registration's petition first)."""
        work = case_work(message.envelope())
        if work is None:
            return
        number, command, actor = work.number, work.command, work.actor
        if work.petition is not None:
            await commands.execute(petitions, petition_stream(number), work.petition, correlation_id=number)
        request = _REQUEST_OF.get(type(command))
        try:
            await commands.execute(self._cases, number, command, correlation_id=number, actor=actor)
        except CommandRejected as refused:
            if request is None:
                raise
            refusal = RefuseApplicantRequest(
                request, str(message.envelope().event_id), refused.code, refused.message_tr
            )
            await commands.execute(self._cases, number, refusal, correlation_id=number, actor=actor)
