"""Group commit for Open311 POSTs: requests that arrive while a transaction is being written wait and
are written together in the next one (CommandGateway.handle_runs), each still once per its own key
and answered as if handled alone. One commit then serves many requests, which is what a single-writer
log (SQLite) needs to keep up under concurrent integrators; a lone request is written at once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from acikkapi_shared.gateway import CommandGateway, CommandOutcome, GatewayRun, IdempotencyKeyReused

MAX_BATCH = 64


@dataclass
class RunBatcher:
    """Writes GatewayRuns through the gateway, as many per transaction as are waiting."""

    gateway: CommandGateway
    source: str
    channel: str
    max_batch: int = MAX_BATCH
    _waiting: list[tuple[GatewayRun, asyncio.Future[CommandOutcome]]] = field(default_factory=list)
    _writer: asyncio.Task[None] | None = None
    _answering: set[asyncio.Task[None]] = field(default_factory=set)  # groups waiting for their fsync

    async def run(self, request: GatewayRun) -> CommandOutcome:
        """Returns the request's outcome once its transaction committed and is on disk; raises what the
        gateway raised for it (IdempotencyKeyReused, the failure of the whole transaction or its fsync)."""
        future: asyncio.Future[CommandOutcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, future))
        if self._writer is None or self._writer.done():
            # A task of its own: a request that is cancelled (its client went away) stops nobody else's.
            self._writer = asyncio.create_task(self._write())
        return await asyncio.shield(future)

    def _next_batch(self) -> list[tuple[GatewayRun, asyncio.Future[CommandOutcome]]]:
        batch: list[tuple[GatewayRun, asyncio.Future[CommandOutcome]]] = []
        keys: set[str | None] = set()
        later: list[tuple[GatewayRun, asyncio.Future[CommandOutcome]]] = []
        for waiting in self._waiting:
            key = waiting[0].context.idempotency_key
            # A key twice in one transaction would be decided twice: the second waits and is replayed.
            if len(batch) < self.max_batch and key not in keys:
                batch.append(waiting)
                keys.add(key)
            else:
                later.append(waiting)
        self._waiting = later
        return batch

    async def _write(self) -> None:
        while self._waiting:
            batch = self._next_batch()
            try:
                outcomes = await self.gateway.handle_runs(
                    [request for request, _ in batch], source=self.source, channel=self.channel, durable=False
                )
            except Exception as error:  # the transaction failed: so did each of its requests
                _fail(batch, error)
                continue
            # Answered once on disk; the fsync holds no lock, so the next transaction is written meanwhile.
            answering = asyncio.create_task(_answer_when_durable(self.gateway, batch, outcomes))
            self._answering.add(answering)
            answering.add_done_callback(self._answering.discard)


async def _answer_when_durable(
    gateway: CommandGateway,
    batch: list[tuple[GatewayRun, asyncio.Future[CommandOutcome]]],
    outcomes: list[CommandOutcome | IdempotencyKeyReused],
) -> None:
    try:
        await gateway.make_durable()
    except Exception as error:  # committed but maybe not on disk: nobody may be told it was
        _fail(batch, error)
        return
    for (_, future), outcome in zip(batch, outcomes, strict=True):
        if future.done():
            continue
        if isinstance(outcome, IdempotencyKeyReused):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


def _fail(batch: list[tuple[GatewayRun, asyncio.Future[CommandOutcome]]], error: Exception) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(error)
