"""Re-drive: failed SMS put back to be sent, once per idempotency key (the HTTP API and the CLI).

A failed SMS was given up after a day of transient failures or refused for good; a re-drive puts it
back to wait for a new job, under a new provider key (the previous attempts are recorded as failed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from acikkapi_shared.commands import CommandContext, CommandRunner
from acikkapi_shared.gateway import CommandGateway, CommandOutcome
from notifier.domain.delivery import RedriveSms, deliveries, delivery_stream
from notifier.projections import failed_intents

# One request re-drives at most this many SMS (oldest failures first); repeat for more.
REDRIVE_LIMIT = 10_000


@dataclass(frozen=True)
class RedriveSelection:
    """Which failed SMS to re-drive: these intents, those failed since a moment, or both at once."""

    request_event_ids: tuple[str, ...] | None = None
    failed_since: datetime | None = None

    def __post_init__(self) -> None:
        if self.request_event_ids is None and self.failed_since is None:
            raise ValueError("a re-drive names intents or a moment failures are counted from")

    def fingerprint(self) -> str:
        """Returns a digest of the selection: the same key for another selection is refused."""
        document = {
            "request_event_ids": None if self.request_event_ids is None else sorted(self.request_event_ids),
            "failed_since": None if self.failed_since is None else self.failed_since.isoformat(),
        }
        return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


async def redrive(
    gateway: CommandGateway,
    selection: RedriveSelection,
    *,
    idempotency_key: str,
    actor: str,
    request_id: str | None = None,
) -> CommandOutcome:
    """Puts the selected failed SMS back to be sent, in one transaction once per key; returns the
    SmsRedriven events (those first recorded, when the key was used before)."""

    async def put_back(commands: CommandRunner) -> None:
        # Read in the transaction that re-drives, so a retry of the key cannot pick up later failures.
        rows = await failed_intents(
            commands.work.connection,
            since=selection.failed_since,
            ids=selection.request_event_ids,
            limit=REDRIVE_LIMIT,
        )
        await commands.work.prefetch(delivery_stream(str(row.request_event_id)) for row in rows)
        for row in rows:
            number, intent = str(row.application_number), str(row.request_event_id)
            await commands.execute(
                deliveries,
                delivery_stream(intent),
                RedriveSms(number, intent, idempotency_key),
                correlation_id=number,
            )

    context = CommandContext(
        occurred_at=gateway.clock.now(), actor=actor, idempotency_key=idempotency_key, request_id=request_id
    )
    return await gateway.handle_run(
        put_back, context, source="sms-redrive", fingerprint=selection.fingerprint()
    )


def redriven_ids(outcome: CommandOutcome) -> Sequence[str]:
    """Returns the intents a re-drive put back."""
    return [str(event.payload["request_event_id"]) for event in outcome.events]
