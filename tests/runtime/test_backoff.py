"""A failing run is requeued at once, then after doubling waits, then stopped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ehcp.runtime.backoff import MAX_WAIT, RetryPolicy, Step, decide

NOON = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(limit=3, first_wait=timedelta(minutes=15))


def test_a_first_failure_is_requeued_at_once_and_the_next_may_come_after_the_first_wait():
    decision = decide(POLICY, requeues=0, retry_at=None, stopped_at=None, now=NOON)
    assert decision.step is Step.REQUEUE
    assert decision.requeues == 1
    assert decision.retry_at == NOON + timedelta(minutes=15)


def test_a_failure_before_its_wait_is_over_waits_and_keeps_its_count():
    retry_at = NOON + timedelta(minutes=15)
    decision = decide(
        POLICY, requeues=1, retry_at=retry_at, stopped_at=None, now=retry_at - timedelta(seconds=1)
    )
    assert (decision.step, decision.requeues, decision.retry_at) == (Step.WAIT, 1, retry_at)


def test_on_the_moment_its_wait_ends_it_is_requeued_and_the_wait_doubles():
    retry_at = NOON + timedelta(minutes=15)
    decision = decide(POLICY, requeues=1, retry_at=retry_at, stopped_at=None, now=retry_at)
    assert decision.step is Step.REQUEUE
    assert (decision.requeues, decision.retry_at) == (2, retry_at + timedelta(minutes=30))


def test_after_its_last_requeue_a_failure_stops_the_run():
    decision = decide(POLICY, requeues=3, retry_at=NOON, stopped_at=None, now=NOON)
    assert (decision.step, decision.requeues) == (Step.STOP, 3)


def test_a_stopped_run_stays_stopped_whatever_the_time():
    decision = decide(POLICY, requeues=3, retry_at=None, stopped_at=NOON, now=NOON + timedelta(days=30))
    assert decision.step is Step.STOPPED


@pytest.mark.parametrize(
    ("requeues", "wait"),
    [(1, timedelta(minutes=15)), (2, timedelta(minutes=30)), (3, timedelta(hours=1)), (20, MAX_WAIT)],
)
def test_waits_double_up_to_a_day(requeues, wait):
    assert POLICY.wait_after(requeues) == wait


def test_a_run_that_keeps_failing_gets_limit_requeues_then_stops():
    steps, requeues, retry_at, now = [], 0, None, NOON
    for _ in range(10):
        decision = decide(POLICY, requeues=requeues, retry_at=retry_at, stopped_at=None, now=now)
        steps.append(decision.step)
        if decision.step is Step.STOP:
            break
        requeues, retry_at = decision.requeues, decision.retry_at
        now = retry_at or now
    assert steps == [Step.REQUEUE, Step.REQUEUE, Step.REQUEUE, Step.STOP]
