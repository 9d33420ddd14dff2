"""Waiting on AWS, always bounded: poll until something is ready, retry a write AWS refused
because of a concurrent change.

Identity Center answers several writes asynchronously (an account assignment, a provisioning)
and enables an instance a minute after the console's click; sso-admin refuses a write with
``ConflictException`` while another change is under way, which botocore's standard retry mode
does not retry. The clock and the sleep are passed in, so a test runs a two-minute wait in no
time and counts the reads. Nothing here creates a client: the callers hand in what to call.

Every wait reports its progress (``runbook_lib.progress``): what it waits for, how long so far,
how long at most; and ends early with ``WaitCancelled`` when the person cancels it.
"""

from __future__ import annotations

import time
from typing import Any, Callable, TypeVar

import botocore.exceptions

from runbook_lib.aws import error_code
from runbook_lib.errors import AwsCallError
from runbook_lib.progress import DONE, TIMED_OUT, Progress, Watch

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], None]

STATUS_WAIT_SECONDS = 120.0
"""How long an asynchronous sso-admin request may stay IN_PROGRESS before the step gives up."""
STATUS_POLL_SECONDS = 2.0
CONFLICT_ATTEMPTS = 5
"""How many times an sso-admin write is made while AWS answers ConflictException."""
CONFLICT_FIRST_PAUSE_SECONDS = 1.0
"""The pause after the first conflict; it doubles after each (1, 2, 4, 8 s: 15 s at most)."""
CONFLICT_CODES = frozenset({"ConflictException"})
WAIT_WORDS = {
    "sso:ProvisionPermissionSet": "IAM Identity Center to provision the permission set in the account",
    "sso:CreateAccountAssignment": "IAM Identity Center to assign the permission set",
    "sso:DeleteAccountAssignment": "IAM Identity Center to remove the assignment",
}
"""What a wait for an asynchronous request is for, as a person reads it ("Waiting for ...")."""


def poll_until(
    read: Callable[[], T],
    is_done: Callable[[T], bool],
    *,
    timeout_seconds: float,
    interval_seconds: float,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
    what: str = "AWS",
    progress: Progress | None = None,
    describe_pending: Callable[[T], str] | None = None,
) -> T:
    """Call ``read`` until ``is_done`` says its answer is final, or the time is up.

    One read at the start and one per wake-up, no busy loop; the last pause is cut to the time
    left, so the wait ends at the deadline, not an interval after it.

    Args:
        what: What is waited for, as the progress display says it ("Waiting for ...").
        progress: Where the wait reports; None: the notebook's (``progress.current_progress``).
        describe_pending: Says in a few words what an answer that is not final still lacks.

    Returns:
        The last answer read (final or not: the caller says what a timeout means).

    Raises:
        WaitCancelled: when the person cancelled the wait (or interrupted the kernel).
    """
    with Watch(what, timeout_seconds=timeout_seconds, clock=clock, sleep=sleep, progress=progress) as watch:
        deadline = clock() + timeout_seconds
        while True:
            answer = read()
            if is_done(answer):
                return answer
            if clock() >= deadline:
                watch.finish(TIMED_OUT)
                return answer
            watch.read_made(describe_pending(answer) if describe_pending is not None else "")
            watch.pause(min(interval_seconds, max(0.0, deadline - clock())))


def wait_for_status(
    read_status: Callable[[], dict[str, Any]],
    *,
    what: str,
    timeout_seconds: float = STATUS_WAIT_SECONDS,
    interval_seconds: float = STATUS_POLL_SECONDS,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Poll an asynchronous sso-admin request until it leaves IN_PROGRESS (bounded).

    Args:
        read_status: Returns the request's status (``Status``, ``FailureReason``).
        what: The operation, for the error (e.g. ``sso:CreateAccountAssignment``).

    Returns:
        The SUCCEEDED status.

    Raises:
        AwsCallError: when AWS reports FAILED, with AWS's reason; or when time runs out.
    """
    status = poll_until(
        read_status, lambda answer: answer.get("Status") in ("SUCCEEDED", "FAILED"),
        timeout_seconds=timeout_seconds, interval_seconds=interval_seconds, sleep=sleep, clock=clock,
        what=WAIT_WORDS.get(what, f"AWS to finish {what}"), progress=progress,
    )
    if status.get("Status") == "SUCCEEDED":
        return status
    if status.get("Status") == "FAILED":
        raise AwsCallError(
            what, "FAILED", status.get("FailureReason", "no reason given"),
            advice="Fix what AWS's reason names (often a permission set or principal that was "
            "deleted meanwhile), then run this step again.",
        )
    raise AwsCallError(
        what, "IN_PROGRESS", f"still in progress after {timeout_seconds:.0f} s",
        advice="AWS is slow right now; run this step again in a minute (it picks up where it is).",
    )


def follow_request(
    started: dict[str, Any],
    describe: Callable[[str], dict[str, Any]],
    *,
    what: str,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Wait for an asynchronous sso-admin request: its first status, then ``describe(RequestId)``.

    Raises:
        AwsCallError: when AWS reports FAILED (with AWS's reason) or time runs out.
        WaitCancelled: when the person cancelled the wait.
    """
    if started.get("Status") == "IN_PROGRESS":
        return wait_for_status(
            lambda: describe(started["RequestId"]), what=what, sleep=sleep, clock=clock, progress=progress)
    return wait_for_status(lambda: started, what=what, sleep=sleep, clock=clock, progress=progress)


def retry_on_conflict(
    write: Callable[[], T],
    *,
    attempts: int = CONFLICT_ATTEMPTS,
    first_pause_seconds: float = CONFLICT_FIRST_PAUSE_SECONDS,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
    what: str = "another change to IAM Identity Center to finish",
    progress: Progress | None = None,
) -> T:
    """Make an sso-admin write, again after a doubling pause while AWS answers ConflictException.

    A conflict means another change to the instance is under way (often a provisioning); it
    passes within seconds. Any other error, or a conflict on the last attempt, is raised as it is.
    The pauses report as a wait (``what``, at most the sum of the pauses).

    Returns:
        What ``write`` returned.

    Raises:
        botocore.exceptions.ClientError: AWS's error (the step's boundary translates it).
        WaitCancelled: when the person cancelled a pause.
    """
    if attempts < 1:
        raise ValueError(f"retry_on_conflict needs at least one attempt, not {attempts}")
    longest = first_pause_seconds * (2 ** (attempts - 1) - 1)
    with Watch(what, timeout_seconds=longest, clock=clock, sleep=sleep, progress=progress) as watch:
        pause = first_pause_seconds
        for attempt in range(1, attempts + 1):
            try:
                return write()
            except botocore.exceptions.ClientError as error:
                if error_code(error) not in CONFLICT_CODES or attempt == attempts:
                    raise
            watch.read_made("AWS answered ConflictException")
            watch.pause(pause)
            pause *= 2
        watch.finish(DONE)
    raise AssertionError("unreachable: the last attempt returns or raises")
