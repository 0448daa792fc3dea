"""Which failures are the environment's (retry them) and how long to wait between tries.

A database restart, a failover, a lost connection, a pool timeout, a deadlock or a read-only replica
says nothing about the message being applied: it is retried with backoff, never dead-lettered and
never tracked as done. PostgreSQL errors are classified by SQLSTATE, because SQLAlchemy's asyncpg
dialect reports most of them as a plain DBAPIError.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy.exc as sa_exc

from acikkapi_shared.eventstore.errors import ConcurrencyConflict

Result = TypeVar("Result")

# SQLSTATE classes and codes that a retry can outlive.
_TRANSIENT_SQLSTATE_CLASSES = (
    "08",  # connection exception
    "40",  # transaction rollback: serialization failure, deadlock
    "53",  # insufficient resources: too many connections, disk full, out of memory
    "57",  # operator intervention: admin shutdown, cannot connect now, query canceled
    "58",  # system error (I/O)
)
_TRANSIENT_SQLSTATES = frozenset({"25006", "55P03", "55006"})  # read-only transaction, lock not available
_TRANSIENT_SQLITE_MESSAGES = ("database is locked", "database table is locked", "disk i/o error")


def sqlstate(error: BaseException) -> str | None:
    """Returns the SQLSTATE of a database error, if it carries one."""
    for candidate in (error, getattr(error, "orig", None), getattr(error, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str):
            return code
    return None


def is_transient(error: BaseException) -> bool:
    """Returns whether the failure is the environment's, so the same work may succeed later."""
    if isinstance(error, ConcurrencyConflict):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated or isinstance(error, sa_exc.InterfaceError):
            return True
        code = sqlstate(error)
        if code is not None:
            return code in _TRANSIENT_SQLSTATES or code[:2] in _TRANSIENT_SQLSTATE_CLASSES
        if isinstance(error, sa_exc.OperationalError):
            # SQLite reports locks and I/O trouble as OperationalError without a SQLSTATE.
            return any(text in str(error).lower() for text in _TRANSIENT_SQLITE_MESSAGES) or (
                error.orig is not None and type(error.orig).__module__.startswith("sqlite3")
            )
        return False
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):  # pool checkout, disconnect
        return True
    code = sqlstate(error)
    if code is not None:  # an asyncpg error that escaped SQLAlchemy's translation
        return code in _TRANSIENT_SQLSTATES or code[:2] in _TRANSIENT_SQLSTATE_CLASSES
    return isinstance(error, OSError | TimeoutError)  # ConnectionError is an OSError


def is_database_error(error: BaseException) -> bool:
    """Returns whether the failure came from the database (the transaction may be unusable)."""
    return isinstance(error, sa_exc.SQLAlchemyError) or sqlstate(error) is not None


MAX_CONFLICT_RETRIES = 8


def transient_with_bounded_conflicts(
    max_conflicts: int = MAX_CONFLICT_RETRIES,
) -> Callable[[BaseException], bool]:
    """Returns a retry_if for one piece of work: the environment's failures always, conflicts a few
    times.

    Another writer winning is worth retrying, but not forever, or a bug that always appends at a
    taken version would stall the work instead of being set aside.
    """
    conflicts = 0

    def retry_if(error: BaseException) -> bool:
        nonlocal conflicts
        if isinstance(error, ConcurrencyConflict):
            conflicts += 1
            return conflicts <= max_conflicts
        return is_transient(error)

    return retry_if


@dataclass(frozen=True)
class Backoff:
    """Exponential delays with full jitter: first, doubling, capped at most."""

    first: float = 0.05
    most: float = 5.0
    jitter: float = 0.5  # each delay is between (1 - jitter) and 1 times the nominal one

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Returns the wait before retry number attempt (1 = the first retry)."""
        nominal: float = min(self.first * 2.0 ** (attempt - 1), self.most)
        return nominal * (1.0 - self.jitter * rng())


async def retrying(
    attempt: Callable[[], Awaitable[Result]],
    *,
    backoff: Backoff,
    retry_if: Callable[[BaseException], bool] = is_transient,
    on_retry: Callable[[BaseException, float], None] | None = None,
    max_attempts: int | None = None,
) -> Result:
    """Returns attempt()'s result, retrying failures retry_if accepts (up to max_attempts tries)."""
    tries = 0
    while True:
        tries += 1
        try:
            return await attempt()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if not retry_if(error) or (max_attempts is not None and tries >= max_attempts):
                raise
            wait = backoff.delay(tries)
            if on_retry is not None:
                on_retry(error, wait)
            await asyncio.sleep(wait)
