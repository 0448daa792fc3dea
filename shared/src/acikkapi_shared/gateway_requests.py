"""What the command gateway is asked and answers: commands and runs, outcomes and rejections, and what
a request answers about its Idempotency-Key (gateway.py re-exports all of it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from acikkapi_shared.commands import CommandContext, CommandRunner, Decided
from acikkapi_shared.decider import Decider
from acikkapi_shared.events.envelope import EventEnvelope

# What every service's HTTP commands answer about the Idempotency-Key header (in Turkish, for people).
KEY_MISSING_TR = "Idempotency-Key başlığı gereklidir."
KEY_REUSED_TR = "Bu Idempotency-Key başka bir istek için kullanılmış."


class IdempotencyKeyReused(Exception):
    """The key was first used for a different request; answering with the first result would lie."""


@dataclass(frozen=True)
class Rejection:
    """A command the domain refused, as it is answered to people."""

    code: str
    message_tr: str
    field: str | None = None


@dataclass(frozen=True)
class GatewayCommand:
    """One command for the gateway: what to decide, on which stream, in whose name."""

    decider: Decider[Any, Any]
    stream_id: str
    command: Any
    context: CommandContext
    fingerprint: str | None = None
    # The command decided ahead (commands.Decided): appended as it is while the stream has not moved.
    decided: Decided | None = None


@dataclass(frozen=True)
class GatewayRun:
    """One request whose commands a body runs (handle_runs): in whose name, and its fingerprint;
    streams: those its commands will fold, loaded with the other runs' in one query."""

    body: Callable[[CommandRunner], Awaitable[object]]
    context: CommandContext
    fingerprint: str | None = None
    streams: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommandOutcome:
    """What a command did: the events it recorded, or why it was refused; replayed for a retried key."""

    events: Sequence[EventEnvelope]
    rejection: Rejection | None = None
    replayed: bool = False


def _result(outcome: CommandOutcome) -> str:
    return "replayed" if outcome.replayed else "rejected" if outcome.rejection else "applied"


def outcome_result(outcome: CommandOutcome) -> str:
    """Returns how an outcome is counted: applied, rejected or replayed."""
    return "replayed" if outcome.replayed else "rejected" if outcome.rejection else "applied"


def answer_of(fingerprint: str | None, event_ids: list[str], rejection: Rejection | None) -> dict[str, Any]:
    """Returns what is recorded with an idempotency key: the request's fingerprint and its events, or
    the rejection."""
    answer: dict[str, Any] = {"fingerprint": fingerprint, "events": event_ids}
    if rejection is not None:
        answer["rejection"] = {"code": rejection.code, "message_tr": rejection.message_tr}
        answer["field"] = rejection.field
    return answer
