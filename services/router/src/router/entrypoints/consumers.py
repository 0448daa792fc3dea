"""The router's Kafka translators: each registered application becomes a RouteCase command, and each
request the applicant made through intake the Case command it asks for."""

from __future__ import annotations

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

# The applicant, through intake (number + tracking code): the actor of the Case's events they cause.
APPLICANT_ACTOR = "applicant:intake"

# The applicant's request each command is, as ApplicantRequestRefused names it.
_REQUEST_OF: dict[type, str] = {
    SupplyInformation: "INFORMATION",
    ObjectToConclusion: "OBJECTION",
    WithdrawCase: "WITHDRAWAL",
}


def case_command(upstream: EventEnvelope) -> tuple[str, CaseCommand, str | None] | None:
    """Returns the case, the command an intake event asks of it and the actor (None: the router's
    own), or None for an intake event that is not the router's business."""
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
        return registered.application_number, route, None
    if upstream.type == ApplicantSuppliedInformation.TYPE:
        supplied = ApplicantSuppliedInformation.from_payload(upstream.payload, upstream.schema_version)
        return supplied.application_number, SupplyInformation(supplied.text), APPLICANT_ACTOR
    if upstream.type == ApplicantObjected.TYPE:
        objected = ApplicantObjected.from_payload(upstream.payload, upstream.schema_version)
        return objected.application_number, ObjectToConclusion(objected.reason), APPLICANT_ACTOR
    if upstream.type == ApplicantWithdrew.TYPE:
        withdrew = ApplicantWithdrew.from_payload(upstream.payload, upstream.schema_version)
        return withdrew.application_number, WithdrawCase(withdrew.reason), APPLICANT_ACTOR
    return None


class RegisteredApplications(UpstreamEventTranslator):
    """intake's ApplicationRegistered → RouteCase; the applicant's requests → SupplyInformation,
    ObjectToConclusion, WithdrawCase. Other intake events are not the router's business.

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

    async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
        """Executes the command on the application's case stream."""
        found = case_command(message.envelope())
        if found is None:
            return
        number, command, actor = found
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
