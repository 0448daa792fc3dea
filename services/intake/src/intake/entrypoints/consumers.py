"""intake's Kafka translator of portal submissions (other services' events: upstream.py)."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta

from acikkapi_shared.commands import CommandRunner
from acikkapi_shared.messaging.inbound import InboundMessage, PoisonMessage
from acikkapi_shared.messaging.retry import is_database_error
from intake.domain.problems import FieldInvalid, SubmissionInvalid, ValidationProblem, problem
from intake.domain.rejection import RejectSubmission, rejection_stream, rejections
from intake.domain.submission import RECEIPT_MAX_AGE, reply_phone, validate_submission
from intake.domain.tracking_code import TokenBytes, new_tracking_code
from intake.domain.validation import normalise_mobile, validate_tckn
from intake.registration import applicant_history_streams, register_submission

PORTAL_ACTOR = "applicant:portal"
# What a submission asks for: two messages with one submission id and these equal are one submission.
SUBSTANCE = (
    "channel",
    "applicant",
    "topic",
    "type",
    "district",
    "text",
    "address",
    "location",
    "attachments",
)
# A submission id readable even in a body that is not usable JSON, so the citizen can be told.
_SUBMISSION_ID = re.compile(rb'"submission_id"\s*:\s*"([0-9A-Fa-f-]{32,40})"')


def submission_id_of(message: InboundMessage) -> str | None:
    """Returns the canonical submission id the message carries, if one can be read: the body's, else
    the record's key (the contract's key is the submission id), so a body that cannot be read at all
    is still answered under the id the portal polls."""
    try:
        value = message.json_object().get("submission_id")
    except PoisonMessage:
        found = _SUBMISSION_ID.search((message.value or b"")[:65536])
        value = found.group(1).decode("ascii") if found else None
    return _canonical(value) or _canonical((message.key or b"")[:64].decode("ascii", errors="replace"))


def _canonical(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


class PortalSubmissions:
    """A portal message → IssueNumber + RegisterApplication, or RejectSubmission with every problem."""

    event_types: frozenset[str] | None = None

    def __init__(
        self, token_bytes: TokenBytes = secrets.token_bytes, max_receipt_age: timedelta = RECEIPT_MAX_AGE
    ) -> None:
        self._token_bytes = token_bytes
        self._max_receipt_age = max_receipt_age

    def message_key(self, message: InboundMessage) -> str:
        """Returns the submission id (one submission = one application), else the record's place."""
        return rejection_stream(submission_id_of(message), message.source)

    def message_digest(self, message: InboundMessage) -> str:
        """Returns the digest of what the submission asks for (the applicant, the codes, the text, the
        place; not the moment it was sent, which a portal's retry may renew): the same submission id
        with another digest is another submission under a reused id, dead-lettered as KEY_REUSED."""
        try:
            body = message.json_object()
            substance = {name: body.get(name) for name in SUBSTANCE}
            data = json.dumps(substance, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")
        except PoisonMessage:
            data = message.value or b""
        return hashlib.sha256(data).hexdigest()

    def streams(self, message: InboundMessage) -> Sequence[str]:
        """Returns the applicant's history streams (the duplicate check reads them), so that a batch's
        are loaded in one query; a new application's own streams are new. Best effort: a body that
        cannot be read prefetches nothing and is refused by translate."""
        try:
            applicant = message.json_object().get("applicant")
            if not isinstance(applicant, dict) or not isinstance(applicant.get("phone"), str):
                return ()
            phone = normalise_mobile(applicant["phone"])
            tckn = applicant.get("tckn")
            tckn = validate_tckn(tckn) if isinstance(tckn, str) and tckn.strip() else None
        except (PoisonMessage, FieldInvalid):
            return ()
        return [stream for _, stream in applicant_history_streams(phone, tckn)]

    async def translate(self, message: InboundMessage, commands: CommandRunner) -> None:
        """Registers the submission, or records why it cannot be registered."""
        mark = commands.work.checkpoint()
        try:
            await self._register(message, commands)
        except SubmissionInvalid as invalid:
            await self._reject(message, commands, invalid.problems)
        except Exception as error:
            if is_database_error(error) or submission_id_of(message) is None:
                raise  # the environment's to retry, or nobody to tell: a dead letter
            # Whatever else went wrong (no number is kept), the citizen's status says it was not
            # registered, and why.
            commands.work.roll_back_to(mark)
            await self._reject(message, commands, (problem("SUBMISSION_UNPROCESSABLE", "submission"),))

    async def _register(self, message: InboundMessage, commands: CommandRunner) -> None:
        try:
            document = message.json_object()
        except PoisonMessage:
            raise SubmissionInvalid((problem("PAYLOAD_NOT_JSON", "submission"),)) from None
        submission = validate_submission(
            document, now=commands.context.occurred_at, max_age=self._max_receipt_age
        )
        await register_submission(
            commands, submission, new_tracking_code(self._token_bytes), actor=PORTAL_ACTOR
        )

    async def _reject(
        self, message: InboundMessage, commands: CommandRunner, problems: tuple[ValidationProblem, ...]
    ) -> None:
        submission_id = submission_id_of(message)
        try:
            phone = reply_phone(message.json_object())
        except PoisonMessage:
            phone = None
        command = RejectSubmission(
            submission_id=submission_id,
            problems=problems,
            source=message.source,
            received_at=commands.context.occurred_at,
            phone=phone,
        )
        await commands.execute(rejections, rejection_stream(submission_id, message.source), command)
