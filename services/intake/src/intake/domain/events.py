"""intake's private events: they stay in its own log (public ones are in acikkapi_shared.events)."""

from __future__ import annotations

from acikkapi_shared.events.base import EventPayload


class ApplicationNumberIssued(EventPayload):
    """The next number of a year was given to a submission (the numbering stream's only event)."""

    application_number: str
    submission_id: str

    def correlates_with(self) -> str | None:
        """Returns the application the number was issued to."""
        return self.application_number
