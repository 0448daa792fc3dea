"""Kafka topic names: one topic per producing service's log, the portal's, and dead letters."""

from __future__ import annotations

from pydantic import BaseModel

SERVICES = ("intake", "router", "sla-monitor", "notifier")


class Topics(BaseModel):
    """Topic names; the prefix lets several installations share one cluster."""

    prefix: str = "acikkapi"
    portal_submissions: str = "portal.submissions.v1"

    def events_of(self, service: str) -> str:
        """Returns the topic a service publishes its event log to."""
        return f"{self.prefix}.{service}.events.v1"

    def dead_letters_of(self, consumer: str) -> str:
        """Returns the dead-letter topic of a consumer (a service's consumer group)."""
        return f"{self.prefix}.{consumer}.dead-letters.v1"

    def all_event_topics(self) -> list[str]:
        """Returns every event topic, the portal's included."""
        return [self.portal_submissions, *(self.events_of(s) for s in SERVICES)]

    def all_dead_letter_topics(self) -> list[str]:
        """Returns the dead-letter topic of each service."""
        return [self.dead_letters_of(s) for s in SERVICES]
