"""The provider job and the SMS delivery deciders, given events / when a command / then events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from acikkapi_shared.decider import fold
from acikkapi_shared.events.base import EventPayload
from acikkapi_shared.events.notifier import SmsAccepted, SmsFailed
from acikkapi_shared.testing.in_process import decide_after
from notifier.domain.delivery import (
    ClaimSms,
    RecordSmsAccepted,
    RedriveSms,
    ReleaseSms,
    deliveries,
)
from notifier.domain.events import (
    JobMember,
    SmsClaimed,
    SmsJobAccepted,
    SmsJobAttemptFailed,
    SmsJobFailed,
    SmsJobLeased,
    SmsJobPlanned,
    SmsJobSplit,
    SmsRedriven,
    SmsReleased,
)
from notifier.domain.jobs import (
    MOST_RETRY,
    RETRY_FOR,
    FailureKind,
    LeaseJob,
    PlanJob,
    RecordJobAccepted,
    RecordJobRefused,
    jobs,
    member_commands,
    retry_delay,
)

T0 = datetime(2026, 5, 22, 11, 0, tzinfo=UTC)
JOB = "job-1"
STREAM = f"sms-job:{JOB}"
MEMBERS = (
    JobMember(request_event_id="intent-1", application_number="2026-000001-N"),
    JobMember(request_event_id="intent-2", application_number="2026-000002-4"),
)
PLANNED = SmsJobPlanned(job_id=JOB, members=list(MEMBERS), planned_at=T0)


def job_decide(given: list[EventPayload], command: Any) -> list[EventPayload]:
    return list(decide_after(jobs, STREAM, given, command))


def lease(instance: str, now: datetime) -> LeaseJob:
    return LeaseJob(instance, now, now + timedelta(seconds=60))


def refused(kind: FailureKind, now: datetime, attempt: int = 1, code: str = "100") -> RecordJobRefused:
    return RecordJobRefused(attempt, kind, code, "reason", now)


def leased(attempt: int, instance: str = "a", at: datetime = T0) -> SmsJobLeased:
    return SmsJobLeased(
        job_id=JOB, attempt=attempt, instance_id=instance, lease_until=at + timedelta(seconds=60)
    )


def test_a_job_is_planned_once() -> None:
    (planned,) = job_decide([], PlanJob(JOB, MEMBERS, T0))
    assert planned == PLANNED
    assert job_decide([PLANNED], PlanJob(JOB, MEMBERS, T0)) == []


def test_a_live_lease_keeps_other_instances_out_until_it_expires() -> None:
    (first,) = job_decide([PLANNED], lease("a", T0))
    assert isinstance(first, SmsJobLeased) and (first.attempt, first.instance_id) == (1, "a")
    assert job_decide([PLANNED, first], lease("b", T0 + timedelta(seconds=59))) == []
    (taken_over,) = job_decide([PLANNED, first], lease("b", T0 + timedelta(seconds=60)))
    assert isinstance(taken_over, SmsJobLeased) and (taken_over.attempt, taken_over.instance_id) == (2, "b")


def test_an_instance_restarted_while_sending_takes_its_own_lease_again_at_once() -> None:
    (again,) = job_decide([PLANNED, leased(1, "a")], lease("a", T0 + timedelta(seconds=1)))
    assert isinstance(again, SmsJobLeased) and again.attempt == 2


def test_a_transient_failure_plans_the_same_job_again_after_a_capped_jittered_backoff() -> None:
    (failure,) = job_decide([PLANNED, leased(1)], refused("transient", T0))
    assert isinstance(failure, SmsJobAttemptFailed) and failure.kind == "transient"
    assert failure.next_attempt_at == T0 + retry_delay(JOB, 1)
    later = [PLANNED, leased(1), failure]
    assert job_decide(later, lease("a", failure.next_attempt_at - timedelta(seconds=1))) == []
    (second,) = job_decide(later, lease("b", failure.next_attempt_at))
    assert isinstance(second, SmsJobLeased) and second.attempt == 2


def test_backoff_doubles_to_ten_minutes_with_jitter_drawn_from_the_job() -> None:
    delays = [retry_delay(JOB, n) for n in range(1, 200)]
    assert timedelta(seconds=2.5) <= delays[0] <= timedelta(seconds=5)
    assert all(d <= MOST_RETRY for d in delays) and min(delays[10:]) >= MOST_RETRY / 2
    assert delays == [retry_delay(JOB, n) for n in range(1, 200)]  # pure: the same on every replay
    assert retry_delay(JOB, 12) != retry_delay("job-2", 12)  # jobs that failed together spread out


def _transient_history(until: datetime) -> tuple[list[EventPayload], datetime, int]:
    """Fails the job transiently, each retry as soon as due, until the given moment."""
    history: list[EventPayload] = [PLANNED]
    now, attempt = T0, 0
    while now < until:
        attempt += 1
        history.append(leased(attempt, at=now))
        (failure,) = job_decide(history, refused("transient", now, attempt))
        if not isinstance(failure, SmsJobAttemptFailed):
            raise AssertionError(f"given up after {now - T0}: {failure}")
        history.append(failure)
        now = failure.next_attempt_at
    return history, now, attempt


def test_transient_failures_are_retried_for_a_day_then_the_job_fails() -> None:
    history, now, attempt = _transient_history(T0 + RETRY_FOR - timedelta(minutes=10))
    assert now - T0 < RETRY_FOR + MOST_RETRY
    while now - T0 < RETRY_FOR:  # still retried right up to the day
        attempt += 1
        history.append(leased(attempt, at=now))
        (failure,) = job_decide(history, refused("transient", now, attempt))
        assert isinstance(failure, SmsJobAttemptFailed)
        history.append(failure)
        now = failure.next_attempt_at
    history.append(leased(attempt + 1, at=now))
    (given_up,) = job_decide(history, refused("transient", now, attempt + 1))
    assert isinstance(given_up, SmsJobFailed) and given_up.code == "100"


def test_account_refusals_never_fail_the_job_nor_start_its_day() -> None:
    history: list[EventPayload] = [PLANNED]
    for attempt in range(1, 50):
        now = T0 + timedelta(hours=attempt)  # two days of refusals
        history.append(leased(attempt, at=now))
        (refusal,) = job_decide(history, refused("account", now, attempt, code="30"))
        assert isinstance(refusal, SmsJobAttemptFailed) and refusal.kind == "account"
        history.append(refusal)
    state = fold(jobs, STREAM, history)
    assert state.status == "PLANNED" and state.first_failure_at is None and state.transient_failures == 0


def test_a_message_refused_for_good_splits_a_job_of_several_and_fails_a_job_of_one() -> None:
    (split,) = job_decide([PLANNED, leased(1)], refused("message", T0, code="70"))
    assert isinstance(split, SmsJobSplit)
    alone = SmsJobPlanned(job_id=JOB, members=[MEMBERS[0]], planned_at=T0)
    (failed,) = job_decide([alone, leased(1)], refused("message", T0, code="20"))
    assert isinstance(failed, SmsJobFailed)


def test_a_late_failure_of_an_attempt_taken_over_is_ignored_but_a_late_acceptance_counts() -> None:
    history: list[EventPayload] = [PLANNED, leased(1, "a"), leased(2, "b", T0 + timedelta(minutes=2))]
    assert job_decide(history, refused("transient", T0 + timedelta(minutes=2), attempt=1)) == []
    (accepted,) = job_decide(history, RecordJobAccepted(1, ("p-1", "p-2")))
    assert isinstance(accepted, SmsJobAccepted) and accepted.attempt == 1
    assert job_decide([*history, accepted], RecordJobAccepted(2, ("p-1", "p-2"))) == []
    assert job_decide([*history, accepted], lease("c", T0 + timedelta(hours=1))) == []


def test_a_job_outcome_tells_each_member_in_order() -> None:
    state = fold(jobs, STREAM, [PLANNED, leased(1)])
    accepted = SmsJobAccepted(job_id=JOB, attempt=1, provider_message_ids=["p-1", "p-2"])
    commands = member_commands(state, accepted)
    assert [(c.request_event_id, getattr(c, "provider_message_id", None)) for c in commands] == [
        ("intent-1", "p-1"),
        ("intent-2", "p-2"),
    ]
    split = SmsJobSplit(job_id=JOB, attempt=1, code="70", reason="r")
    assert all(isinstance(c, ReleaseSms) for c in member_commands(state, split))


DELIVERY = "sms:intent-1"
NUMBER = "2026-000001-N"


def delivery_decide(given: list[EventPayload], command: Any) -> list[EventPayload]:
    return list(decide_after(deliveries, DELIVERY, given, command))


def claimed(job: str) -> SmsClaimed:
    return SmsClaimed(application_number=NUMBER, request_event_id="intent-1", job_id=job)


def test_an_intent_is_in_one_job_at_a_time() -> None:
    (claim,) = delivery_decide([], ClaimSms(NUMBER, "intent-1", "job-1"))
    assert claim == claimed("job-1")
    assert delivery_decide([claim], ClaimSms(NUMBER, "intent-1", "job-2")) == []


def test_only_the_job_that_holds_an_intent_decides_its_outcome() -> None:
    history: list[EventPayload] = [claimed("job-1")]
    assert delivery_decide(history, RecordSmsAccepted(NUMBER, "intent-1", "job-2", "p", 1)) == []
    (accepted,) = delivery_decide(history, RecordSmsAccepted(NUMBER, "intent-1", "job-1", "p", 1))
    assert isinstance(accepted, SmsAccepted)
    assert delivery_decide([*history, accepted], RecordSmsAccepted(NUMBER, "intent-1", "job-1", "p", 2)) == []


def test_a_released_intent_is_claimed_again_by_a_job_of_its_own() -> None:
    history: list[EventPayload] = [claimed("job-1")]
    (released,) = delivery_decide(history, ReleaseSms(NUMBER, "intent-1", "job-1", "70"))
    assert isinstance(released, SmsReleased)
    assert delivery_decide([*history, released], ClaimSms(NUMBER, "intent-1", "job-2")) == [claimed("job-2")]


def failed(attempt: int = 1, *, retryable: bool = False) -> SmsFailed:
    return SmsFailed(
        application_number=NUMBER,
        request_event_id="intent-1",
        code="100",
        reason="r",
        retryable=retryable,
        attempt=attempt,
    )


def test_a_failed_intent_is_redriven_once_per_key() -> None:
    history: list[EventPayload] = [claimed("job-1"), failed()]
    assert delivery_decide(history, ClaimSms(NUMBER, "intent-1", "job-2")) == []
    (redriven,) = delivery_decide(history, RedriveSms(NUMBER, "intent-1", "key-1"))
    assert isinstance(redriven, SmsRedriven)
    history += [redriven, claimed("job-2"), failed()]
    assert delivery_decide(history, RedriveSms(NUMBER, "intent-1", "key-1")) == []
    assert len(delivery_decide(history, RedriveSms(NUMBER, "intent-1", "key-2"))) == 1


def test_an_intent_not_failed_is_not_redriven() -> None:
    assert delivery_decide([], RedriveSms(NUMBER, "intent-1", "key-1")) == []
    assert delivery_decide([claimed("job-1")], RedriveSms(NUMBER, "intent-1", "key-1")) == []


@pytest.mark.parametrize(("attempt", "claimable"), [(3, True), (8, False)])
def test_a_log_from_before_jobs_still_folds_as_it_was_meant(attempt: int, claimable: bool) -> None:
    # Then every failed attempt was an SmsFailed here, and the 8th retryable one was final.
    history: list[EventPayload] = [failed(n, retryable=True) for n in range(1, attempt + 1)]
    assert bool(delivery_decide(history, ClaimSms(NUMBER, "intent-1", "job-1"))) is claimable
