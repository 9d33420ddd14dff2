"""Tests for runbook_lib.progress and the waits that report through it, on a fake clock.

Every wait (the bounded polls, the conflict retries, the instance wait, IAM's settling, the device
sign-in) must tell its start, its ticks and its end, must end with ``WaitCancelled`` before its
deadline when the person cancels (or interrupts the kernel), and headless must print a few lines,
not one per read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import botocore.exceptions
import pytest

from runbook_lib import progress, sso_login, waiting
from runbook_lib.errors import SignInTimeoutError, WaitCancelled
from runbook_lib.progress import CANCELLED, DONE, END, START, TICK, TIMED_OUT, TextProgress, WaitStatus, Watch
from runbook_lib.steps import identity_center


@dataclass
class FakeTime:
    """A clock that moves only when slept on."""

    now: float = 1000.0
    naps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.now += seconds


@dataclass
class Recorder:
    """A progress display that remembers every status and cancels after ``cancel_after`` ticks."""

    tick_seconds: float = 1.0
    cancel_after: int | None = None
    statuses: list[WaitStatus] = field(default_factory=list)

    def report(self, status: WaitStatus) -> None:
        self.statuses.append(status)

    def cancelled(self) -> bool:
        ticks = sum(status.stage == TICK for status in self.statuses)
        return self.cancel_after is not None and ticks >= self.cancel_after

    @property
    def stages(self) -> list[str]:
        return [status.stage for status in self.statuses]

    @property
    def end(self) -> WaitStatus:
        [end] = [status for status in self.statuses if status.stage == END]
        return end


@pytest.fixture(autouse=True)
def no_notebook_progress() -> Any:
    """Leave the module's current display as the tests found it (SILENT)."""
    yield
    progress.use_progress(None)


def conflict() -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": "ConflictException", "Message": "busy"}}, "CreateAccountAssignment")


class FakeOidc:
    """sso-oidc's CreateToken answering "pending" a number of times, then a token."""

    class AuthorizationPendingException(Exception):
        pass

    class SlowDownException(Exception):
        pass

    class ExpiredTokenException(Exception):
        pass

    class AccessDeniedException(Exception):
        pass

    def __init__(self, pending: int) -> None:
        self.pending = pending
        self.exceptions = SimpleNamespace(
            AuthorizationPendingException=self.AuthorizationPendingException, SlowDownException=self.SlowDownException,
            ExpiredTokenException=self.ExpiredTokenException, AccessDeniedException=self.AccessDeniedException,
        )

    def create_token(self, **_: Any) -> dict[str, Any]:
        if self.pending:
            self.pending -= 1
            raise self.AuthorizationPendingException()
        return {"accessToken": "token", "expiresIn": 3600}


PROMPT = sso_login.DevicePrompt("https://device.example/?user_code=BCDF-GHJK", "BCDF-GHJK", 600, "https://device.example/")
CLIENT = sso_login.ClientRegistration("id", "secret", sso_login.datetime(2030, 1, 1, tzinfo=sso_login.timezone.utc))


def sign_in_wait(oidc: FakeOidc, time: FakeTime, shown: Any, timeout: float = 300) -> dict[str, Any]:
    return sso_login.poll_for_token(
        oidc, CLIENT, "device-code", PROMPT, interval=5, timeout_seconds=timeout, sleep=time.sleep, clock=time.clock,
        progress=shown,
    )


class FakeContext:
    region = "us-east-1"


# The waits, each started on a fake clock with a given display; each needs several reads.
def run_poll(time: FakeTime, shown: Any) -> Any:
    answers = iter(range(100))
    return waiting.poll_until(lambda: next(answers), lambda n: n == 6, timeout_seconds=60, interval_seconds=5,
                              sleep=time.sleep, clock=time.clock, what="the answer", progress=shown)


def run_status(time: FakeTime, shown: Any) -> Any:
    answers = iter([{"Status": "IN_PROGRESS"}] * 5 + [{"Status": "SUCCEEDED"}])
    return waiting.follow_request({"Status": "IN_PROGRESS", "RequestId": "r-1"}, lambda _: next(answers),
                                  what="sso:CreateAccountAssignment", sleep=time.sleep, clock=time.clock, progress=shown)


def run_conflict(time: FakeTime, shown: Any) -> Any:
    answers = iter([conflict(), conflict(), conflict(), "written"])

    def write() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return waiting.retry_on_conflict(write, attempts=5, first_pause_seconds=4, sleep=time.sleep, clock=time.clock,
                                     progress=shown)


def run_sign_in(time: FakeTime, shown: Any) -> Any:
    return sign_in_wait(FakeOidc(pending=5), time, shown)


def run_instance(time: FakeTime, shown: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    found = iter([None, None, None, None, None, SimpleNamespace(status="ACTIVE")])
    monkeypatch.setattr(identity_center, "read_instance", lambda ctx: next(found))
    monkeypatch.setattr(identity_center, "instance_not_ready", lambda found, region: None)
    return identity_center.wait_for_instance(
        FakeContext(), timeout_seconds=120, sleep=time.sleep, clock=time.clock, progress=shown,  # type: ignore[arg-type]
    )


WAITS = {"poll_until": run_poll, "follow_request": run_status, "retry_on_conflict": run_conflict, "sign_in": run_sign_in}


@pytest.mark.parametrize("name", sorted(WAITS))
def test_every_wait_reports_its_start_ticks_and_end(name: str) -> None:
    shown, time = Recorder(), FakeTime()
    WAITS[name](time, shown)
    assert shown.stages[0] == START and shown.stages[-1] == END and shown.stages.count(END) == 1
    assert shown.stages.count(TICK) >= 3
    assert shown.end.outcome == DONE and shown.end.paused
    elapsed = [status.elapsed for status in shown.statuses]
    assert elapsed == sorted(elapsed) and elapsed[-1] == time.now - 1000.0
    assert all(status.what == shown.statuses[0].what and status.what for status in shown.statuses)


@pytest.mark.parametrize("name", sorted(WAITS))
def test_a_cancel_ends_every_wait_before_its_deadline(name: str) -> None:
    shown, time = Recorder(cancel_after=2), FakeTime()
    with pytest.raises(WaitCancelled) as caught:
        WAITS[name](time, shown)
    assert shown.end.outcome == CANCELLED
    assert caught.value.waited_seconds == shown.end.elapsed < shown.end.timeout_seconds
    assert "Run the cell again to wait again" in str(caught.value)


def test_the_instance_wait_reports_and_is_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    shown, time = Recorder(), FakeTime()
    assert run_instance(time, shown, monkeypatch).status == "ACTIVE"
    assert shown.stages[0] == START and shown.end.outcome == DONE and shown.stages.count(TICK) >= 5
    assert shown.statuses[1].what == "IAM Identity Center to show the instance"
    assert shown.statuses[1].detail == "no instance yet"
    cancelling = Recorder(cancel_after=3)
    with pytest.raises(WaitCancelled):
        run_instance(FakeTime(), cancelling, monkeypatch)
    assert cancelling.end.outcome == CANCELLED and cancelling.end.elapsed < 120


def test_the_sign_in_counts_the_code_s_expiry_down() -> None:
    shown, time = Recorder(), FakeTime()
    sign_in_wait(FakeOidc(pending=3), time, shown)
    left = [status.expires_in for status in shown.statuses]
    assert left[0] == 600 and left[-1] == 600 - 15
    assert all(later <= earlier for earlier, later in zip(left, left[1:]))  # type: ignore[operator]
    assert "the code expires in 9:" in shown.statuses[2].describe()


def test_a_sign_in_nobody_approves_ends_as_timed_out() -> None:
    shown = Recorder()
    with pytest.raises(SignInTimeoutError):
        sign_in_wait(FakeOidc(pending=100), FakeTime(), shown, timeout=12)
    assert shown.end.outcome == TIMED_OUT


def test_a_poll_that_runs_out_of_time_ends_as_timed_out() -> None:
    shown, time = Recorder(), FakeTime()
    waiting.poll_until(lambda: 0, lambda _: False, timeout_seconds=12, interval_seconds=5, sleep=time.sleep,
                       clock=time.clock, progress=shown)
    assert shown.end.outcome == TIMED_OUT and shown.end.elapsed == 12


def test_a_pause_is_cut_into_ticks_that_ask_for_a_cancel() -> None:
    shown, time = Recorder(tick_seconds=1.0, cancel_after=3), FakeTime()
    with pytest.raises(WaitCancelled):
        waiting.poll_until(lambda: 0, lambda _: False, timeout_seconds=60, interval_seconds=5, sleep=time.sleep,
                           clock=time.clock, progress=shown)
    assert time.naps == [1.0, 1.0]  # the cancel came within the first five-second pause
    assert shown.end.elapsed == 2.0


def test_without_a_display_the_waits_sleep_as_before() -> None:
    time = FakeTime()
    run_poll(time, None)
    assert time.naps == [5] * 6  # SILENT never cuts a pause


def test_the_kernel_s_interrupt_becomes_wait_cancelled_without_its_traceback() -> None:
    shown, time = Recorder(), FakeTime()

    def interrupted(seconds: float) -> None:
        time.sleep(seconds)
        if time.now >= 1010:
            raise KeyboardInterrupt

    with pytest.raises(WaitCancelled) as caught:
        waiting.poll_until(lambda: 0, lambda _: False, timeout_seconds=60, interval_seconds=5, sleep=interrupted,
                           clock=time.clock, what="the answer", progress=shown)
    assert caught.value.__suppress_context__ and caught.value.what == "the answer"
    assert shown.end.outcome == CANCELLED and caught.value.waited_seconds == 10


def test_the_current_display_is_used_when_none_is_given() -> None:
    shown = Recorder()
    progress.use_progress(shown)
    run_poll(FakeTime(), None)
    assert shown.stages[0] == START and shown.end.outcome == DONE
    progress.use_progress(None)
    assert progress.current_progress() is progress.SILENT


# --- headless text ------------------------------------------------------------------------------


def test_headless_text_is_a_few_lines_not_one_per_read() -> None:
    lines: list[str] = []
    time = FakeTime()
    waiting.poll_until(lambda: 0, lambda _: False, timeout_seconds=120, interval_seconds=2, sleep=time.sleep,
                       clock=time.clock, what="IAM Identity Center to show the instance", progress=TextProgress(lines.append))
    assert lines[0] == "Waiting for IAM Identity Center to show the instance (at most 120 s)..."
    assert lines[1].startswith("Waiting for IAM Identity Center to show the instance... 10 s of 120 s")
    assert lines[-1] == "Waited 120 s for IAM Identity Center to show the instance: still not done; the step says what to do next."
    assert len(lines) == 1 + 12 + 1  # the start, one every 10 s (10..120), the end: for 61 reads


def test_headless_text_says_nothing_of_a_wait_over_at_its_first_read() -> None:
    lines: list[str] = []
    waiting.poll_until(lambda: 1, lambda _: True, timeout_seconds=120, interval_seconds=2, progress=TextProgress(lines.append))
    waiting.retry_on_conflict(lambda: "written", progress=TextProgress(lines.append))
    assert lines == []


def test_headless_text_ends_with_done() -> None:
    lines: list[str] = []
    run_status(FakeTime(), TextProgress(lines.append))
    assert lines == [
        "Waiting for IAM Identity Center to assign the permission set (at most 120 s)...",
        "Waiting for IAM Identity Center to assign the permission set... 10 s of 120 s",
        "Waited 10 s for IAM Identity Center to assign the permission set: done.",
    ]


def test_countdown_format() -> None:
    assert progress.format_countdown(600) == "10:00"
    assert progress.format_countdown(64.2) == "1:05"
    assert progress.format_countdown(-3) == "0:00"


def test_a_watch_left_by_another_error_ends_as_failed() -> None:
    shown, time = Recorder(), FakeTime()
    with pytest.raises(ValueError):
        with Watch("x", timeout_seconds=5, clock=time.clock, sleep=time.sleep, progress=shown):
            raise ValueError("boom")
    assert shown.end.outcome == "failed"
    assert math.isinf(progress.SILENT.tick_seconds)
