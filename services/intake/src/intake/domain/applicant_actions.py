"""What the applicant may ask through intake, by intake's own view of the stage.

Information only while the institution awaits it (once per request), an objection only after a
conclusion (once per conclusion), a withdrawal only while the application is open (once). The router
decides each again on its Case, which is the authority; intake refuses what it already knows the
router would refuse, with a stable code and a Turkish message for the applicant.
"""

from __future__ import annotations

from collections.abc import Sequence

from acikkapi_shared.decider import CommandRejected
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.intake import ApplicantObjected, ApplicantSuppliedInformation, ApplicantWithdrew
from intake.domain.application_model import (
    ApplicantAction,
    Application,
    SupplyInformation,
    WithdrawApplication,
)
from intake.domain.problems import SubmissionInvalid
from intake.domain.stages import OPEN_STAGES, Stage
from intake.domain.timeline import unknown_application
from intake.domain.validation import normalise_text

# As the router's Case takes it: a page, not a file.
ACTION_TEXT_MAX_LEN = 4000


def decide_action(command: ApplicantAction, state: Application) -> Sequence[EventPayload]:
    """Returns the applicant's request as a public event, or rejects it."""
    if not state.registered:
        raise unknown_application()
    number = state.application_number
    if isinstance(command, WithdrawApplication):
        _allow_withdrawal(state)
        return [ApplicantWithdrew(application_number=number, reason=action_text(command))]
    if isinstance(command, SupplyInformation):
        # A closed case says so first, whoever closed it: a withdrawal the applicant asked for and
        # the router carried out is APPLICATION_WITHDRAWN, not the pending WITHDRAWAL_REQUESTED.
        _refuse_closed(state)
    if state.withdrawal_requested:
        raise CommandRejected("WITHDRAWAL_REQUESTED", "Başvurunuzu geri çektiniz; bu işlem yapılamaz.")
    if isinstance(command, SupplyInformation):
        _allow_information(state)
        return [
            ApplicantSuppliedInformation(
                application_number=number, request_number=state.open_request, text=action_text(command)
            )
        ]
    _allow_objection(state)
    return [ApplicantObjected(application_number=number, reason=action_text(command))]


def action_text(command: ApplicantAction) -> str:
    """Returns the request's text NFC-normalised and cleaned, or rejects it (CommandRejected naming the
    field, whatever the stage): the citizen API checks it before it records anything."""
    if isinstance(command, WithdrawApplication):
        return _text(command.reason, "withdrawal_reason", "reason", required=False)
    if isinstance(command, SupplyInformation):
        return _text(command.text, "information_text", "text", required=True)
    return _text(command.reason, "objection_reason", "reason", required=True)


def _allow_withdrawal(state: Application) -> None:
    if state.withdrawal_requested:
        raise CommandRejected(
            "WITHDRAWAL_ALREADY_REQUESTED", "Başvurunuzu geri çekme isteğiniz zaten alındı."
        )
    if state.stage not in OPEN_STAGES:
        raise CommandRejected(
            "WITHDRAWAL_NOT_ALLOWED", "Sonuçlanmış ya da geri çekilmiş bir başvuru geri çekilemez."
        )


# Information cannot be sent once the case is closed: said so, whatever was asked or sent before.
_CLOSED_FOR_INFORMATION: dict[str, tuple[str, str]] = {
    Stage.CONCLUDED: ("APPLICATION_CONCLUDED", "Başvurunuz sonuçlandırıldı; artık bilgi gönderilemez."),
    Stage.WITHDRAWN: ("APPLICATION_WITHDRAWN", "Başvurunuz geri çekildi; artık bilgi gönderilemez."),
}


def _refuse_closed(state: Application) -> None:
    closed = _CLOSED_FOR_INFORMATION.get(state.stage or "")
    if closed is not None:
        raise CommandRejected(*closed)


def _allow_information(state: Application) -> None:
    _refuse_closed(state)
    # Answered already (a second tab, a stale page): said so, whether or not the institution has moved
    # on since; "nothing was asked" would contradict the question the applicant has just read.
    if state.open_request > 0 and state.supplied_request >= state.open_request:
        raise CommandRejected(
            "INFORMATION_ALREADY_SUPPLIED", "İstenen bilgiyi zaten gönderdiniz; ilgili kuruma iletilir."
        )
    if state.stage != Stage.INFORMATION_REQUESTED or state.open_request == 0:
        raise CommandRejected("INFORMATION_NOT_REQUESTED", "Başvurunuz için sizden bilgi istenmedi.")


def _allow_objection(state: Application) -> None:
    if state.stage != Stage.CONCLUDED:
        raise CommandRejected(
            "OBJECTION_NOT_ALLOWED", "Yalnızca sonuçlanmış bir başvurunun sonucuna itiraz edilebilir."
        )
    if state.objected_to >= state.conclusion_version:
        raise CommandRejected("OBJECTION_ALREADY_MADE", "Bu sonuca itirazınız zaten alındı.")


def _text(value: str, label: str, field: str, *, required: bool) -> str:
    """Returns the applicant's text NFC-normalised, without control characters, within bounds."""
    try:
        return normalise_text(value, field=label, min_len=1, max_len=ACTION_TEXT_MAX_LEN, multiline=True)
    except SubmissionInvalid as invalid:
        found = invalid.problems[0]
        if found.code == "FIELD_MISSING" and not required:
            return ""
        raise CommandRejected(found.code, found.message_tr, field=field) from None


# The applicant's requests by name (the API's paths), with what decide_action checks for each.
_STAGE_CHECKS = {
    "information": _allow_information,
    "objection": _allow_objection,
    "withdrawal": _allow_withdrawal,
}


def allowed_actions(state: Application) -> list[str]:
    """Returns the requests decide_action would accept now (the text aside), in a fixed order: what
    the tracking page offers forms for and the API lists."""
    if not state.registered:
        return []
    allowed = []
    for action, check in _STAGE_CHECKS.items():
        if action != "withdrawal" and state.withdrawal_requested:
            continue
        try:
            check(state)
        except CommandRejected:
            continue
        allowed.append(action)
    return allowed
