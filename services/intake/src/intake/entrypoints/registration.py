"""Registering a valid submission, whatever its channel: the next number of its year, then the
application under it, with a tracking code. The portal's translator (consumers.py) and the desk
(desk.py) both register through it, on the one command path."""

from __future__ import annotations

from acikkapi_shared.commands import CommandRunner, first_of
from intake.domain.application import RegisterApplication, applications
from intake.domain.events import ApplicationNumberIssued
from intake.domain.numbering import IssueNumber, numbering, numbering_stream, numbering_year
from intake.domain.numbers import TokenBytes, new_tracking_code
from intake.domain.submission import ValidSubmission


async def register_submission(
    commands: CommandRunner, submission: ValidSubmission, token_bytes: TokenBytes, *, actor: str
) -> str:
    """Issues the submission a number and registers it; returns the application number."""
    year = numbering_year(submission.submitted_at)
    cause = submission.submission_id  # what an auditor asks by: the submission id
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
    register = RegisterApplication(number, new_tracking_code(token_bytes), submission)
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
    return number
