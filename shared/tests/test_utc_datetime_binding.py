"""UtcDateTime's one-step SQLite binding writes the text SQLAlchemy's DATETIME wrote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from acikkapi_shared.eventstore.schema import UtcDateTime

_DIALECT = sqlite.dialect()
_ZONES = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


def _as_before(value: datetime | None) -> Any:
    """process_bind_param, then the DATETIME's own bind processor (TypeDecorator's composition)."""
    prepared = UtcDateTime().process_bind_param(value, _DIALECT)
    impl = sa.DateTime(timezone=True).dialect_impl(_DIALECT).bind_processor(_DIALECT)
    assert impl is not None
    return impl(prepared)


_NAIVE_MIN, _NAIVE_MAX = datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC)


@given(
    st.datetimes(
        min_value=_NAIVE_MIN.replace(tzinfo=None), max_value=_NAIVE_MAX.replace(tzinfo=None), timezones=_ZONES
    )
)
def test_the_text_is_the_datetime_types_text(value: datetime) -> None:
    process = UtcDateTime().bind_processor(_DIALECT)
    assert process(value) == _as_before(value)


def test_whole_seconds_keep_their_microseconds_and_none_stays_none() -> None:
    process = UtcDateTime().bind_processor(_DIALECT)
    assert process(datetime(2026, 12, 6, 21, 50, 3, tzinfo=UTC)) == "2026-12-06 21:50:03.000000"
    assert process(None) is None


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().bind_processor(_DIALECT)(datetime(2026, 12, 6, tzinfo=UTC).replace(tzinfo=None))
