"""Registering a valid submission, whatever channel brought it (portal, Open311, the desk): the next
number of its year, the Application, and the likely-duplicate check in the applicant's history."""

from __future__ import annotations

from acikkapi_shared.commands import CommandRunner, first_of
from intake.domain.application import RegisterApplication, applications
from intake.domain.duplicates import (
    LikelyDuplicateFlagged,
    NoteApplication,
    applicant_histories,
    history_stream,
)
from intake.domain.events import ApplicationNumberIssued
from intake.domain.numbering import IssueNumber, numbering, numbering_stream, numbering_year
from intake.domain.submission import ValidSubmission


def applicant_history_streams(phone_e164: str, tckn: str | None) -> list[tuple[str, str]]:
    """Returns (kind, stream) of the applicant's histories a registration is noted in: the mobile
    number's, and the TC Kimlik No's when there is one."""
    keys = [("phone", phone_e164)] + ([("tckn", tckn)] if tckn else [])
    return [(kind, history_stream(kind, value)) for kind, value in keys]


async def register_submission(
    commands: CommandRunner, submission: ValidSubmission, tracking_code: str, *, actor: str
) -> str:
    """Registers the submission in the unit of work of commands; returns its application number."""
    year = numbering_year(submission.submitted_at)
    cause = submission.submission_id  # what an auditor asks by: the submission's id
    decided = await commands.execute(
        numbering,
        numbering_stream(year),
        IssueNumber(year, submission.submission_id),
        causation_id=cause,
        actor=actor,
    )
    issued = first_of(decided, ApplicationNumberIssued)
    assert issued is not None  # IssueNumber always issues one or is rejected
    number = issued.application_number
    register = RegisterApplication(number, tracking_code, submission)
    # The number was issued under the log's lock, so its stream is new (no read needed).
    await commands.execute(
        applications,
        number,
        register,
        correlation_id=number,
        causation_id=cause,
        actor=actor,
        new_stream=True,
    )
    flagged: frozenset[str] = frozenset()
    for kind, stream in applicant_history_streams(submission.phone_e164, submission.tckn):
        note = NoteApplication(number, submission.submitted_at, submission.text, kind, flagged)
        noted = await commands.execute(applicant_histories, stream, note, correlation_id=number, actor=actor)
        flag = first_of(noted, LikelyDuplicateFlagged)
        if flag is not None:
            pair = {flag.application_number, flag.earlier_application_number}
            flagged = flagged | (pair - {number})
    return number
