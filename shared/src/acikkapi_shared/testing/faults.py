"""Faults for tests: the errors a real database raises, as SQLAlchemy reports them."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
import sqlalchemy.exc as sa_exc
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi


def database_error(sqlstate: str, message: str = "injected by a test") -> sa_exc.DBAPIError:
    """Returns the DBAPIError SQLAlchemy's asyncpg dialect raises for a PostgreSQL error of sqlstate."""
    original_class = asyncpg.exceptions.PostgresError.get_message_class_for_sqlstate(sqlstate)
    original = original_class(message)
    dbapi = AsyncAdapt_asyncpg_dbapi(asyncpg)  # type: ignore[no-untyped-call]
    translate = dbapi._asyncpg_error_translate
    mapped = next(translate[cls] for cls in type(original).__mro__ if cls in translate)
    error: sa_exc.DBAPIError = sa_exc.DBAPIError.instance(
        "SELECT 1", None, mapped(str(original), original), dbapi.Error
    )
    return error
