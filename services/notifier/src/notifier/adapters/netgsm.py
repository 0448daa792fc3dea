"""SmsProvider for Netgsm's REST v2 send API (POST /sms/rest/v2/send, HTTP Basic auth).

Netgsm has no idempotency field. The idempotency key travels in an `Idempotency-Key` header,
which the real provider ignores and the local simulator honours; against the real provider a
retry after a lost answer may therefore send the SMS twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import httpx

from notifier.adapters.sms import ProviderAcceptance, SmsMessage, SmsProvider, SmsRejected
from notifier.domain.encoding import prepare_text

__all__ = [
    "ACCOUNT_CODES",
    "IDEMPOTENCY_HEADER",
    "NetgsmSmsProvider",
    "ProviderAcceptance",
    "SmsMessage",
    "SmsProvider",
    "SmsRejected",
    "classify_code",
]

SEND_PATH = "/sms/rest/v2/send"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# "0": informational message, outside İYS commercial-consent checks (public-sector notices).
IYS_INFORMATIONAL = "0"
_TURKISH_MOBILE_E164 = re.compile(r"^\+90(5\d{9})$")

# Netgsm send answer codes: (meaning, retryable).
_CODES: dict[str, tuple[str, bool]] = {
    "20": ("message text is malformed or too long", False),
    "30": ("invalid usercode or password, or no API access from this IP", False),
    "40": ("message header (sender name) is not defined", False),
    "50": ("İYS controlled sending is not allowed for this account", False),
    "51": ("no İYS brand is defined for this account", False),
    "70": ("invalid request parameters", False),
    "80": ("sending rate limit exceeded", True),
    "85": ("more than 20 jobs for the same number within one minute", True),
    "100": ("provider system error", True),
    "101": ("provider system error", True),
}


# Refusals of the account or the caller rather than of a message: they last until someone changes
# the account, the sender header, the IP allow-list or the configured URL, so the dispatcher pauses
# instead of failing messages. 70 (a parameter) stays a message's refusal: the simulator, like
# Netgsm, answers it for an invalid number.
ACCOUNT_CODES = frozenset({"30", "40", "50", "51"})
# 401/403 from a gateway in front of Netgsm, 407 from a proxy, 404 for a wrong base URL.
ACCOUNT_STATUSES = frozenset({401, 403, 404, 407})


def classify_code(code: str) -> tuple[str, bool]:
    """Returns the meaning of a Netgsm answer code and whether a retry may succeed."""
    # Unknown codes (e.g. 5000, "undefined") are treated as transient; attempts are bounded by
    # the caller's retry policy.
    return _CODES.get(code, (f"unknown provider code {code}", True))


class NetgsmSmsProvider:
    """Sends each SmsMessage as one Netgsm job; implements SmsProvider."""

    def __init__(
        self,
        *,
        base_url: str,
        usercode: str,
        password: str,
        msgheader: str,
        client: httpx.AsyncClient,
        turkish_encoding: bool = True,
    ) -> None:
        self._url = base_url.rstrip("/") + SEND_PATH
        self._auth = httpx.BasicAuth(usercode, password)
        self._msgheader = msgheader
        self._client = client
        self._turkish_encoding = turkish_encoding

    async def send(self, message: SmsMessage) -> ProviderAcceptance:
        """Returns the Netgsm job id as provider_message_id; raises SmsRejected otherwise."""
        return (await self.send_batch([message], idempotency_key=message.idempotency_key))[0]

    async def send_batch(
        self, messages: Sequence[SmsMessage], *, idempotency_key: str
    ) -> list[ProviderAcceptance]:
        """Sends the messages as one Netgsm job (its n:n form); all are accepted or SmsRejected is raised.

        Each acceptance's provider_message_id is "<jobid>-<position in the job>".
        """
        body = self._body(messages)
        try:
            response = await self._client.post(
                self._url,
                json=body,
                auth=self._auth,
                headers={IDEMPOTENCY_HEADER: idempotency_key},
            )
        except httpx.TimeoutException as timeout:
            raise SmsRejected("timeout", f"no answer from Netgsm: {timeout!r}", retryable=True) from timeout
        except httpx.HTTPError as failure:
            raise SmsRejected("network", f"cannot reach Netgsm: {failure!r}", retryable=True) from failure
        jobid = _interpret(response).provider_message_id
        if len(messages) == 1:
            return [ProviderAcceptance(provider_message_id=jobid)]
        return [
            ProviderAcceptance(provider_message_id=f"{jobid}-{index}")
            for index in range(1, len(messages) + 1)
        ]

    def _body(self, messages: Sequence[SmsMessage]) -> dict[str, Any]:
        """Returns the JSON body of one send request."""
        items = []
        for message in messages:
            match = _TURKISH_MOBILE_E164.match(message.phone_e164)
            if match is None:
                raise SmsRejected(
                    "invalid_number",
                    "Netgsm sends to Turkish mobile numbers (+905XXXXXXXXX) only",
                    retryable=False,
                )
            items.append(
                {"msg": prepare_text(message.text, transliterate_circumflex=False), "no": match.group(1)}
            )
        body: dict[str, Any] = {
            "msgheader": self._msgheader,
            "messages": items,
            "iysfilter": IYS_INFORMATIONAL,
        }
        if self._turkish_encoding:
            body["encoding"] = "TR"
        return body


def _interpret(response: httpx.Response) -> ProviderAcceptance:
    """Returns the acceptance in a Netgsm answer, or raises SmsRejected saying why not."""
    status = response.status_code
    try:
        answer = response.json()
    except ValueError:
        answer = None
    code = str(answer.get("code")) if isinstance(answer, dict) and "code" in answer else None
    if status == 200 and code == "00":
        jobid = answer.get("jobid") if isinstance(answer, dict) else None
        if jobid:
            return ProviderAcceptance(provider_message_id=str(jobid))
        raise SmsRejected("invalid_response", "code 00 without a jobid", retryable=True)
    if code is not None and code != "00" and (status == 406 or status == 200):
        meaning, retryable = classify_code(code)
        raise SmsRejected(code, meaning, retryable=retryable, account=code in ACCOUNT_CODES)
    retryable = status >= 500 or status in (408, 425, 429) or status < 400
    raise SmsRejected(
        f"http_{status}",
        f"unexpected HTTP {status} from Netgsm",
        retryable=retryable,
        account=status in ACCOUNT_STATUSES,
    )
