"""The SmsProvider port: what the notifier hands to any SMS provider and what it gets back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SmsMessage:
    """One SMS to send; idempotency_key is the event id of the SMS intent."""

    idempotency_key: str
    phone_e164: str
    text: str


@dataclass(frozen=True)
class ProviderAcceptance:
    """The provider took the message; its id lets delivery reports be matched later."""

    provider_message_id: str


class SmsRejected(Exception):
    """The provider did not take the message; retryable says whether sending again may succeed.

    account says the provider refuses the account or the caller (credentials, IP allow-list,
    sender header), not this message: every message would be refused until someone fixes it.
    """

    def __init__(self, code: str, reason: str, *, retryable: bool, account: bool = False) -> None:
        super().__init__(f"SMS rejected ({code}): {reason}")
        self.code = code
        self.reason = reason
        self.retryable = retryable
        self.account = account


class SmsProvider(Protocol):
    """Sends one SMS; raises SmsRejected when the provider does not take it."""

    async def send(self, message: SmsMessage) -> ProviderAcceptance:
        """Returns the provider's acceptance of the message."""
        ...

    async def send_batch(
        self, messages: Sequence[SmsMessage], *, idempotency_key: str
    ) -> list[ProviderAcceptance]:
        """Returns the acceptance of each message, sent as one request; raises SmsRejected for all."""
        ...
