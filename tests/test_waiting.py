"""Tests for runbook_lib.waiting: bounded polls on a fake clock, and retries of conflicting writes."""

from __future__ import annotations

import botocore.exceptions
import pytest

from runbook_lib.errors import AwsCallError
from runbook_lib.waiting import follow_request, poll_until, retry_on_conflict, wait_for_status


class FakeTime:
    """A clock that moves only when slept on, and remembers each pause."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.naps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.now += seconds


def client_error(code: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": code}}, "UpdatePermissionSet")


# --- poll_until --------------------------------------------------------------------------------


def test_poll_reads_once_per_interval_until_done() -> None:
    time = FakeTime()
    answers = iter([1, 2, 3, 4])
    assert poll_until(lambda: next(answers), lambda n: n == 3, timeout_seconds=60, interval_seconds=5,
                      sleep=time.sleep, clock=time.clock) == 3
    assert time.naps == [5, 5]


def test_poll_gives_up_at_the_deadline_and_returns_the_last_answer() -> None:
    time = FakeTime()
    reads = []
    assert poll_until(lambda: reads.append(time.now) or "pending", lambda answer: False, timeout_seconds=12,
                      interval_seconds=5, sleep=time.sleep, clock=time.clock) == "pending"
    assert time.naps == [5, 5, 2]  # the last pause is cut to the time left
    assert reads == [1000, 1005, 1010, 1012]


def test_poll_with_no_time_reads_once_and_never_sleeps() -> None:
    time = FakeTime()
    assert poll_until(lambda: None, lambda answer: False, timeout_seconds=0, interval_seconds=5,
                      sleep=time.sleep, clock=time.clock) is None
    assert time.naps == []


# --- wait_for_status and follow_request ---------------------------------------------------------


def test_wait_for_status_sleeps_between_reads_and_gives_up_when_time_is_out() -> None:
    statuses = iter([{"Status": "IN_PROGRESS"}, {"Status": "IN_PROGRESS"}, {"Status": "SUCCEEDED"}])
    naps: list[float] = []
    assert wait_for_status(lambda: next(statuses), what="x", sleep=naps.append)["Status"] == "SUCCEEDED"
    assert naps == [2.0, 2.0]
    with pytest.raises(AwsCallError, match="still in progress"):
        wait_for_status(lambda: {"Status": "IN_PROGRESS"}, what="x", timeout_seconds=0, sleep=naps.append)


def test_wait_for_status_on_a_fake_clock_is_bounded() -> None:
    time = FakeTime()
    with pytest.raises(AwsCallError) as timed_out:
        wait_for_status(lambda: {"Status": "IN_PROGRESS"}, what="sso:CreateAccountAssignment",
                        sleep=time.sleep, clock=time.clock)
    assert (timed_out.value.operation, timed_out.value.code) == ("sso:CreateAccountAssignment", "IN_PROGRESS")
    assert sum(time.naps) == 120 and len(time.naps) == 60


def test_a_failed_request_says_aws_reason() -> None:
    with pytest.raises(AwsCallError) as failed:
        wait_for_status(lambda: {"Status": "FAILED", "FailureReason": "No principal"}, what="x", sleep=pytest.fail)
    assert (failed.value.code, failed.value.aws_message) == ("FAILED", "No principal")


def test_follow_request_describes_only_while_in_progress() -> None:
    asked: list[str] = []

    def describe(request_id: str) -> dict[str, str]:
        asked.append(request_id)
        return {"Status": "SUCCEEDED"}

    assert follow_request({"Status": "SUCCEEDED", "RequestId": "r-1"}, describe, what="x")["Status"] == "SUCCEEDED"
    assert asked == []
    follow_request({"Status": "IN_PROGRESS", "RequestId": "r-2"}, describe, what="x", sleep=pytest.fail)
    assert asked == ["r-2"]


# --- retry_on_conflict --------------------------------------------------------------------------


def test_a_write_that_succeeds_is_made_once() -> None:
    naps: list[float] = []
    assert retry_on_conflict(lambda: "done", sleep=naps.append) == "done"
    assert naps == []


def test_conflicts_are_retried_with_a_doubling_pause() -> None:
    answers = iter([client_error("ConflictException"), client_error("ConflictException"), "done"])
    naps: list[float] = []

    def write() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert retry_on_conflict(write, sleep=naps.append) == "done"
    assert naps == [1.0, 2.0]


def test_a_conflict_on_every_attempt_is_raised_after_a_bounded_wait() -> None:
    naps: list[float] = []
    attempts = []

    def write() -> None:
        attempts.append(1)
        raise client_error("ConflictException")

    with pytest.raises(botocore.exceptions.ClientError, match="ConflictException"):
        retry_on_conflict(write, attempts=4, first_pause_seconds=0.5, sleep=naps.append)
    assert len(attempts) == 4 and naps == [0.5, 1.0, 2.0]


def test_other_errors_are_not_retried() -> None:
    naps: list[float] = []

    def write() -> None:
        raise client_error("ValidationException")

    with pytest.raises(botocore.exceptions.ClientError, match="ValidationException"):
        retry_on_conflict(write, sleep=naps.append)
    assert naps == []


def test_retry_needs_an_attempt() -> None:
    with pytest.raises(ValueError, match="at least one attempt"):
        retry_on_conflict(lambda: "never", attempts=0)
