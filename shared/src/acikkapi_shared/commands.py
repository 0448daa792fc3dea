"""The one command path: load → fold → decide → append, whatever asked (Kafka, HTTP, a timer).

The batch processor, the HTTP command gateway and timer loops all call `execute` inside a unit of
work; they differ only in where the command and its context come from, and in how the unit of work's
transaction, idempotency record and retries are run around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from acikkapi_shared.decider import Decider
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.envelope import NewEvent, trusted
from acikkapi_shared.events.ids import new_event_id
from acikkapi_shared.eventstore.unit_of_work import UnitOfWork

State = TypeVar("State")
Command = TypeVar("Command")
Event = TypeVar("Event", bound=EventPayload)


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who asked, on whose behalf, and why: stored with every event the command causes.

    correlation_id names the application (case) the work is about; causation_id the upstream event
    or message that caused it; idempotency_key the key under which the effect is recorded once.
    """

    occurred_at: datetime
    actor: str
    correlation_id: str | None = None
    causation_id: str | None = None
    idempotency_key: str | None = None
    request_id: str | None = None

    def metadata(self) -> dict[str, str]:
        """Returns what is stored in each event's metadata."""
        values = {
            "actor": self.actor,
            "idempotency_key": self.idempotency_key,
            "request_id": self.request_id,
        }
        return {name: value for name, value in values.items() if value}


def new_event(
    event: EventPayload, stream_id: str, context: CommandContext, metadata: dict[str, str] | None = None
) -> NewEvent:
    """Returns a decided event as it is to be appended, with the context's metadata (given when
    already computed for the command's other events)."""
    occurred_at = context.occurred_at
    if occurred_at.utcoffset() is None:
        raise ValueError(f"naive datetime {occurred_at.isoformat()}: an offset or time zone is required")
    # Built without validating again: the payload is a typed event pydantic validated when the decider
    # made it, and the rest are the context's typed values (a second validation was a tenth of the cost
    # of each command).
    return trusted(
        NewEvent,
        {
            "type": event.TYPE,
            "payload": event.to_payload(),
            "schema_version": event.SCHEMA_VERSION,
            "event_id": new_event_id(),
            "correlation_id": event.correlates_with() or context.correlation_id or stream_id,
            "causation_id": context.causation_id,
            "occurred_at": occurred_at.astimezone(UTC),
            "metadata": context.metadata() if metadata is None else dict(metadata),
        },
    )


@dataclass(frozen=True, slots=True)
class Decided:
    """A command decided on a stream's state at `version`: the events as decided and as they are to be
    appended, and the state after them.

    A decider is pure, so the decision stands for as long as the stream stays at that version: it may
    be made ahead (a timer burst's decisions, before their moment) and appended later by
    `execute_decided`, which decides again if the stream moved meanwhile. What is appended is
    `appended`; one who keeps many decisions may leave `events` out (empty) and `state` out (None) to
    spare memory: the unit of work then keeps no state of the stream after it (record_at).
    """

    stream_id: str
    version: int
    events: Sequence[EventPayload]
    appended: Sequence[NewEvent]
    state: Any


def decide_on(
    decider: Decider[State, Command],
    stream_id: str,
    command: Command,
    context: CommandContext,
    state: State,
    version: int,
) -> Decided:
    """Returns the command decided on a state at a version (raises CommandRejected, like decide)."""
    decided = list(decider.decide(command, state))
    for event in decided:
        state = decider.evolve(state, event)
    metadata = context.metadata()
    appended = [new_event(event, stream_id, context, metadata) for event in decided]
    return Decided(stream_id, version, decided, appended, state)


async def execute(
    work: UnitOfWork,
    decider: Decider[State, Command],
    stream_id: str,
    command: Command,
    context: CommandContext,
    *,
    new_stream: bool = False,
) -> Sequence[EventPayload]:
    """Decides the command on the stream's current state and buffers the events; returns them.

    new_stream: the stream is known to be new (its id was just issued), so its state is the initial
    one without a read; the unique (stream, version) index still refuses a second start.
    Raises CommandRejected when the command breaks a rule; nothing is buffered then.
    """
    folded = await work.folded(decider, stream_id, new=new_stream)
    decision = decide_on(decider, stream_id, command, context, folded.state, folded.version)
    if decision.events:
        work.record(decider, stream_id, folded, decision.state, decision.appended)
    return decision.events


async def execute_decided(
    work: UnitOfWork,
    decider: Decider[State, Command],
    decision: Decided,
    command: Command,
    context: CommandContext,
) -> Sequence[EventPayload]:
    """Buffers a decision made ahead if its stream is still at the version it was decided on, without
    folding or deciding; otherwise executes the command now, on the stream's current state. Returns
    the events decided (as the decision kept them)."""
    if await work.stream_version(decision.stream_id) != decision.version:
        return await execute(work, decider, decision.stream_id, command, context)
    if decision.appended:
        work.record_at(decider, decision.stream_id, decision.version, decision.state, decision.appended)
    return decision.events


def first_of(events: Sequence[EventPayload], kind: type[Event]) -> Event | None:
    """Returns the first event of a kind among decided events (None if there is none)."""
    return next((event for event in events if isinstance(event, kind)), None)


def command_name(command: Any) -> str:
    """Returns the name a command is logged and counted under."""
    return type(command).__name__


class CommandRunner:
    """Executes commands in one unit of work under one context (a consumed message, a request)."""

    def __init__(self, work: UnitOfWork, context: CommandContext) -> None:
        self.work = work
        self.context = context

    async def execute(
        self,
        decider: Decider[State, Command],
        stream_id: str,
        command: Command,
        *,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        actor: str | None = None,
        new_stream: bool = False,
    ) -> Sequence[EventPayload]:
        """Executes the command; correlation_id, causation_id and actor, when given, override the
        context's."""
        context = self.context
        if correlation_id is not None or causation_id is not None or actor is not None:
            context = CommandContext(
                occurred_at=context.occurred_at,
                actor=context.actor if actor is None else actor,
                correlation_id=context.correlation_id if correlation_id is None else correlation_id,
                causation_id=context.causation_id if causation_id is None else causation_id,
                idempotency_key=context.idempotency_key,
                request_id=context.request_id,
            )
        return await execute(self.work, decider, stream_id, command, context, new_stream=new_stream)
