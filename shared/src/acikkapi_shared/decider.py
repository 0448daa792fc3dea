"""Deciders: an aggregate as pure functions, folded from its events and deciding new ones.

    state  = fold(decider, events)              # initial, then evolve(state, event) for each
    events = decider.decide(command, state)     # or raise CommandRejected

Nothing here touches storage: the command path (`acikkapi_shared.commands`) loads a stream, folds it,
decides and appends, and the domain never sees an envelope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from acikkapi_shared.events.base import EventPayload, EventTypes

State = TypeVar("State")
Command = TypeVar("Command")


class CommandRejected(Exception):
    """A command that breaks a rule of the domain: a stable code and a Turkish message for people."""

    def __init__(self, code: str, message_tr: str, *, field: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message_tr = message_tr
        self.field = field


@dataclass(frozen=True)
class Decider(Generic[State, Command]):
    """One kind of aggregate: how its state starts, changes with each event, and decides.

    `events` are the types its streams hold. `exclusive` streams are appended to by every writer of
    the service (a numbering stream): the command path takes the log's append lock before reading
    one, so writers queue instead of conflicting. When `state_in_last_event`, evolving the initial
    state with a stream's last event gives its whole state, so only that event is read (a long
    stream, such as a year's numbers, is never folded from its start).
    """

    name: str
    initial: Callable[[str], State]
    evolve: Callable[[State, EventPayload], State]
    decide: Callable[[Command, State], Sequence[EventPayload]]
    events: EventTypes
    exclusive: bool = False
    state_in_last_event: bool = False


def fold(decider: Decider[State, Command], stream_id: str, events: Iterable[EventPayload]) -> State:
    """Returns the state of a stream after its events."""
    state = decider.initial(stream_id)
    for event in events:
        state = decider.evolve(state, event)
    return state
