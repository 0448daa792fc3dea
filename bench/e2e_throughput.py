"""End-to-end throughput and latency: portal message on Kafka -> SMS received by the simulator.

Run against a running stack (`uv run acikkapi dev up`):
    uv run python bench/e2e_throughput.py [--n 2000] [--rate 0] [--bootstrap 127.0.0.1:9092]
        [--sms-url http://127.0.0.1:8025] [--timeout 120] [--json]
Every submission gets its own mobile number, so each SMS the simulator keeps is matched to one
submission by number. Latency runs from the bench's time.time() just before the send to the
simulator's received_at (time.time() too: both clocks are this machine's). Exit code 1 when any SMS
is missing or a number got more than one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import random
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import phonenumbers
from aiokafka import AIOKafkaProducer

from acikkapi_shared.events.topics import Topics
from acikkapi_shared.reference import kars

PETITIONS = Path(__file__).parents[1] / "services/router/tests/unit/data/labelled_petitions.jsonl"
FALLBACK_PETITIONS = (
    ("YEREL_YONETIMLER", "MERKEZ", "SIKAYET", "Yusufpaşa Mahallesi'nde iki gündür içme suyu kesik."),
    ("SAGLIK", "KAGIZMAN", "ISTEK", "Kağızman Devlet Hastanesi'nde kardiyoloji uzmanı yok."),
    ("EGITIM", "SARIKAMIS", "SIKAYET", "Sarıkamış'ta okul servisi iki haftadır köyümüze gelmiyor."),
    ("ULASIM", "ARPACAY", "ISTEK", "Arpaçay yolunda buzlanma var, tuzlama yapılmasını rica ediyoruz."),
)
NAMES = ("Ayşe Yılmaz", "Mehmet Demir", "Fatma Çelik", "Hüseyin Şahin", "Gülşen Öztürk", "İsmail Aydın")
MOBILE_PREFIXES = ("532", "533", "535", "542", "543", "505", "506", "552", "555")
ISTANBUL = timezone(timedelta(hours=3))
POLL_INTERVAL = 0.2
SINCE_MARGIN = 1.0  # seconds re-read on every poll, in case a message lands just behind the cursor


@dataclass(frozen=True)
class Submission:
    submission_id: str
    national_number: str  # 5XXXXXXXXX, as the simulator stores it
    payload: bytes


@dataclass
class PublishTimes:
    sent: list[float]
    acked: list[float]


@dataclass
class Inbox:
    """SMS received per national number since the run started (receive times, unix seconds)."""

    wanted: set[str]
    received: dict[str, list[float]] = field(default_factory=dict)
    seen_ids: set[str] = field(default_factory=set)
    cursor: float = 0.0
    all_received: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self, messages: list[dict[str, Any]]) -> None:
        """Records the messages to wanted numbers not seen before."""
        for message in messages:
            if message["id"] in self.seen_ids:
                continue
            self.seen_ids.add(message["id"])
            self.cursor = max(self.cursor, float(message["received_at"]))
            if message["no"] in self.wanted:
                self.received.setdefault(message["no"], []).append(float(message["received_at"]))
        if len(self.received) == len(self.wanted):
            self.all_received.set()


def mobile_numbers(count: int, rng: random.Random) -> list[str]:
    """Returns count distinct valid Turkish mobile numbers in E.164, from a run-specific random base."""
    prefix = rng.choice(MOBILE_PREFIXES)
    base = rng.randrange(1_000_000, 10_000_000 - count)
    numbers = [f"+90{prefix}{base + offset:07d}" for offset in range(count)]
    for number in numbers:
        parsed = phonenumbers.parse(number)
        if not phonenumbers.is_valid_number(parsed) or (
            phonenumbers.number_type(parsed) != phonenumbers.PhoneNumberType.MOBILE
        ):
            raise ValueError(f"not a valid Turkish mobile number: {number}")
    return numbers


def tckn(rng: random.Random) -> str:
    """Returns a random TC Kimlik No whose check digits hold."""
    digits = [rng.randint(1, 9), *(rng.randint(0, 9) for _ in range(8))]
    d10 = (sum(digits[0:9:2]) * 7 - sum(digits[1:8:2])) % 10
    d11 = (sum(digits) + d10) % 10
    return "".join(map(str, digits)) + f"{d10}{d11}"


def petitions() -> list[tuple[str, str, str, str]]:
    """Returns (topic, district, type, text) samples whose codes are all in the Kars reference data."""
    reference = kars()
    samples = list(FALLBACK_PETITIONS)
    if PETITIONS.exists():
        for line in PETITIONS.read_text("utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                samples.append((item["topic"], item["district"], item["type"], item["text"]))
    return [
        sample
        for sample in samples
        if sample[0] in reference.topics and sample[1] in reference.districts and sample[2] in reference.types
    ]


def make_submissions(count: int, rng: random.Random, submitted_at: datetime) -> list[Submission]:
    """Returns count valid portal messages (contract v1), each from a different mobile number."""
    samples = petitions()
    # OPEN311 is the channel of intake's Open311 API, never of the portal topic (and older commits,
    # measured with this script beside the new one, do not know it).
    channels = sorted(channel for channel in kars().channels if channel != "OPEN311")
    made = []
    for number in mobile_numbers(count, rng):
        topic, district, kind, text = rng.choice(samples)
        submission_id = str(uuid.uuid4())
        document = {
            "submission_id": submission_id,
            "submitted_at": submitted_at.isoformat(timespec="seconds"),
            "channel": rng.choice(channels),
            "applicant": {"name": rng.choice(NAMES), "phone": number, "tckn": tckn(rng)},
            "topic": topic,
            "type": kind,
            "district": district,
            "text": text,
        }
        payload = json.dumps(document, ensure_ascii=False).encode("utf-8")
        made.append(Submission(submission_id, number[3:], payload))
    return made


async def publish(submissions: list[Submission], bootstrap: str, topic: str, rate: float) -> PublishTimes:
    """Sends every submission (key = submission id) at rate per second, or flat out when rate is 0."""
    times = PublishTimes(sent=[math.nan] * len(submissions), acked=[math.nan] * len(submissions))

    def on_ack(index: int) -> Any:
        return lambda _: times.acked.__setitem__(index, time.time())

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        started = time.monotonic()
        pending = []
        for index, submission in enumerate(submissions):
            if rate > 0:
                delay = started + index / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            times.sent[index] = time.time()
            delivery = await producer.send(
                topic, submission.payload, key=submission.submission_id.encode("ascii")
            )
            delivery.add_done_callback(on_ack(index))
            pending.append(delivery)
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return times


async def collect(client: httpx.AsyncClient, inbox: Inbox, since: float, stop: asyncio.Event) -> None:
    """Polls the simulator every POLL_INTERVAL until stop is set, feeding the inbox."""
    inbox.cursor = since
    while not stop.is_set():
        try:
            await poll_once(client, inbox, since)
        except httpx.HTTPError as failed:  # a slow or busy simulator: try again on the next tick
            print(f"simulator poll failed: {failed!r}", file=sys.stderr)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=POLL_INTERVAL)


async def poll_once(client: httpx.AsyncClient, inbox: Inbox, since: float) -> None:
    """Reads the messages received since the cursor (less a margin) into the inbox."""
    threshold = max(since, inbox.cursor - SINCE_MARGIN)
    response = await client.get("/_sim/messages", params={"since": f"{threshold:.6f}"})
    response.raise_for_status()
    inbox.take(response.json())


def percentile_ms(sorted_seconds: list[float], fraction: float) -> float | None:
    """Returns the nearest-rank percentile of sorted seconds, in milliseconds (None if empty)."""
    if not sorted_seconds:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_seconds)))
    return round(sorted_seconds[rank - 1] * 1000, 1)


async def missing_outcomes(intake_url: str, missing: list[Submission]) -> dict[str, int]:
    """Returns how many of (at most 50) missing submissions intake reports per status."""
    statuses: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=intake_url, timeout=5.0) as client:
        for submission in missing[:50]:
            response = await client.get(f"/api/v1/submissions/{submission.submission_id}")
            statuses[response.json().get("status") if response.is_success else "NOT_PROCESSED"] += 1
    return dict(statuses)


def summarise(
    submissions: list[Submission], times: PublishTimes, inbox: Inbox, rate: float
) -> dict[str, Any]:
    """Returns the figures of one run as a JSON-ready object."""
    first_sent, last_sent = min(times.sent), max(times.sent)
    latencies = sorted(
        min(inbox.received[s.national_number]) - sent
        for s, sent in zip(submissions, times.sent, strict=True)
        if s.national_number in inbox.received
    )
    acks = sorted(a - s for s, a in zip(times.sent, times.acked, strict=True) if not math.isnan(a))
    last_sms = max((min(v) for v in inbox.received.values()), default=math.nan)
    duration = last_sms - first_sent
    delivered = len(inbox.received)
    return {
        "n": len(submissions),
        "target_rate": rate or None,
        "publish_seconds": round(last_sent - first_sent, 3),
        "publish_rate": round(len(submissions) / (last_sent - first_sent), 1)
        if last_sent > first_sent
        else None,
        "ack_p50_ms": percentile_ms(acks, 0.5),
        "ack_p99_ms": percentile_ms(acks, 0.99),
        "end_to_end_seconds": round(duration, 3) if delivered else None,
        "throughput_per_second": round(delivered / duration, 1) if delivered and duration > 0 else 0.0,
        "latency_ms": {
            name: percentile_ms(latencies, fraction)
            for name, fraction in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
        },
        "delivered": delivered,
        "missing": len(submissions) - delivered,
        "duplicates": sum(1 for v in inbox.received.values() if len(v) > 1),
    }


def print_report(result: dict[str, Any]) -> None:
    """Prints the figures for a person."""
    latency = result["latency_ms"]
    rate = f"target {result['target_rate']}/s" if result["target_rate"] else "flat out"
    print(f"N = {result['n']} submissions ({rate})")
    print(
        f"publish: {result['publish_seconds']:.3f} s ({result['publish_rate']}/s), "
        f"broker ack p50 {result['ack_p50_ms']} ms, p99 {result['ack_p99_ms']} ms"
    )
    print(f"end to end (first publish -> last SMS): {result['end_to_end_seconds']} s")
    print(f"throughput: {result['throughput_per_second']:.1f} submissions/s")
    print(
        f"latency publish -> SMS: p50 {latency['p50']} ms, p90 {latency['p90']} ms, "
        f"p99 {latency['p99']} ms, max {latency['max']} ms"
    )
    print(f"missing: {result['missing']}, duplicates: {result['duplicates']}")
    if "missing_status" in result:
        print(f"intake status of missing (first 50): {result['missing_status']}")
    print(f"simulator stats change: {result['simulator_stats_delta']}")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Publishes, waits for the SMS, and returns the figures."""
    rng = random.Random()
    submissions = make_submissions(args.n, rng, datetime.now(ISTANBUL))
    inbox = Inbox(wanted={s.national_number for s in submissions})
    async with httpx.AsyncClient(base_url=args.sms_url, timeout=10.0) as client:
        stats_before = (await client.get("/_sim/stats")).json()
        since = time.time()
        stop = asyncio.Event()
        poller = asyncio.create_task(collect(client, inbox, since, stop))
        times = await publish(submissions, args.bootstrap, args.topic, args.rate)
        deadline = max(times.sent) + args.timeout
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(inbox.all_received.wait(), timeout=max(0.0, deadline - time.time()))
        await asyncio.sleep(1.0)  # let a late duplicate arrive before the last read
        stop.set()
        await poller
        await poll_once(client, inbox, since)
        stats_after = (await client.get("/_sim/stats")).json()
    result = summarise(submissions, times, inbox, args.rate)
    result["simulator_stats_delta"] = {k: stats_after[k] - stats_before.get(k, 0) for k in stats_after}
    missing = [s for s in submissions if s.national_number not in inbox.received]
    if missing:
        result["missing_status"] = await missing_outcomes(args.intake_url, missing)
    return result


def main() -> int:
    """Runs the benchmark and returns the exit code."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2000, help="submissions to publish")
    parser.add_argument("--rate", type=float, default=0.0, help="submissions/s; 0 = as fast as possible")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--topic", default=Topics().portal_submissions)
    parser.add_argument("--sms-url", default="http://127.0.0.1:8025")
    parser.add_argument("--intake-url", default="http://127.0.0.1:8001")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait after the last publish")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if args.n < 1 or args.rate < 0:
        parser.error("--n must be >= 1 and --rate >= 0")
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_report(result)
    return 1 if result["missing"] or result["duplicates"] else 0


if __name__ == "__main__":
    sys.exit(main())
