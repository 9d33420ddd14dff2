"""How a wait tells its progress, and learns that the person cancelled it: a protocol, no UI.

Every wait of the runbook (Identity Center enabling an instance, a provisioning, IAM catching
up, a device sign-in) reports through one ``Progress``: at its start, after each read that is not
final and while it pauses, and at its end, with what it waits for, how long it has waited and
how long it may. Between two reports it asks ``cancelled()``; a yes ends the wait with
``WaitCancelled`` before its deadline. The kernel's interrupt (a ``KeyboardInterrupt`` inside a
wait) ends it the same way, so a person who presses the stop button reads a sentence, not a
traceback.

The waits sit deep inside the steps' appliers and checks; rather than thread a ``progress``
argument through every one of them, the notebook hands its ``Progress`` in once per step with
``use_progress`` (a plain module global: ipykernel runs each cell in a copy of the context, so a
context variable would not outlive the cell that set it). A wait given one explicitly uses that.
Without one nothing is shown and nothing changes (``SILENT``): tests and library callers wait as
before. ``TextProgress`` is the headless display: one line when a wait starts to pause, one about
every ten seconds, one at its end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from runbook_lib.errors import WaitCancelled

__all__ = [
    "CANCELLED", "DONE", "END", "FAILED", "SILENT", "START", "TICK", "TIMED_OUT", "Progress",
    "SilentProgress", "TextProgress", "WaitCancelled", "WaitStatus", "Watch", "current_progress",
    "use_progress",
]

START, TICK, END = "start", "tick", "end"
"""The stages of a wait, in this order: one start, ticks while it waits, one end."""
DONE, TIMED_OUT, CANCELLED, FAILED = "done", "timed out", "cancelled", "failed"
"""How a wait ended."""


@dataclass(frozen=True)
class WaitStatus:
    """Where a wait is, as its progress display sees it.

    Attributes:
        what: What is waited for, to follow "Waiting for" (e.g. "IAM to show the new role").
        stage: ``START``, ``TICK`` or ``END``.
        elapsed: Seconds since the wait began.
        timeout_seconds: The longest the wait lasts.
        attempt: How many reads were made so far (0 before the first).
        outcome: At ``END``: ``DONE``, ``TIMED_OUT``, ``CANCELLED`` or ``FAILED``; "" before.
        detail: What the last read said is still missing ("" when nothing to add).
        expires_in: Seconds left on something that expires meanwhile (a sign-in code); None
            when nothing does.
        paused: True once a read was not final, so the wait pauses (a display shows only such waits).
    """

    what: str
    stage: str
    elapsed: float
    timeout_seconds: float
    attempt: int = 0
    outcome: str = ""
    detail: str = ""
    expires_in: float | None = None
    paused: bool = False

    @property
    def remaining(self) -> float:
        """Seconds left before the wait gives up (never below 0)."""
        return max(0.0, self.timeout_seconds - self.elapsed)

    @property
    def fraction(self) -> float:
        """How much of the allowed time has passed, from 0 to 1 (1 at once when none is allowed)."""
        if self.timeout_seconds <= 0:
            return 1.0
        return min(1.0, max(0.0, self.elapsed / self.timeout_seconds))

    def describe(self) -> str:
        """Return the status in one line, e.g. "Waiting for IAM to show the role... 12 s of 60 s"."""
        if self.stage == END:
            waited = f"Waited {self.elapsed:.0f} s for {self.what}"
            endings = {
                DONE: f"{waited}: done.",
                TIMED_OUT: f"{waited}: still not done; the step says what to do next.",
                CANCELLED: f"{waited}: cancelled.",
                FAILED: f"{waited}: stopped by an error (below).",
            }
            return endings.get(self.outcome, f"{waited}: {self.outcome}.")
        line = f"Waiting for {self.what}... {self.elapsed:.0f} s of {self.timeout_seconds:.0f} s"
        if self.expires_in is not None:
            line += f"; the code expires in {format_countdown(self.expires_in)}"
        if self.detail:
            line += f" ({self.detail})"
        return line


def format_countdown(seconds: float) -> str:
    """Return ``seconds`` as minutes and seconds, e.g. ``9:05`` (never below ``0:00``)."""
    whole = max(0, int(math.ceil(seconds)))
    return f"{whole // 60}:{whole % 60:02d}"


class Progress(Protocol):
    """What a wait reports to and asks: implemented by the notebook's displays and by tests.

    Attributes:
        tick_seconds: The longest pause between two questions ``cancelled()``; a pause of the
            wait is cut into slices this long (``math.inf``: never cut).
    """

    tick_seconds: float

    def report(self, status: WaitStatus) -> None:
        """Show where the wait is."""

    def cancelled(self) -> bool:
        """Return True when the person asked to stop waiting."""


@dataclass
class SilentProgress:
    """Shows nothing and never cancels: waiting as if there were no progress at all."""

    tick_seconds: float = math.inf

    def report(self, status: WaitStatus) -> None:
        """Show nothing."""

    def cancelled(self) -> bool:
        """Return False: nobody can cancel."""
        return False


SILENT = SilentProgress()


@dataclass
class TextProgress:
    """Headless progress: a line when a wait first pauses, about every ``every_seconds``, one at the end.

    A wait that is over at its first read prints nothing: a papermill output is not filled with
    waits that never waited.

    Attributes:
        write: Where a line goes (``print``).
        every_seconds: The least time between two lines of the same wait.
    """

    write: Callable[[str], Any] = print
    every_seconds: float = 10.0
    tick_seconds: float = math.inf
    _last_line_at: float | None = field(default=None, repr=False)

    def report(self, status: WaitStatus) -> None:
        """Write a line at the first pause, then at most one per ``every_seconds``, and the end."""
        if status.stage == START:
            self._last_line_at = None
            return
        if status.stage == END:
            if self._last_line_at is not None or status.outcome in (TIMED_OUT, CANCELLED):
                self.write(status.describe())
            self._last_line_at = None
            return
        if not status.paused:
            return
        if self._last_line_at is None:
            self.write(f"Waiting for {status.what} (at most {status.timeout_seconds:.0f} s)...")
            self._last_line_at = status.elapsed
        elif status.elapsed - self._last_line_at >= self.every_seconds:
            self.write(status.describe())
            self._last_line_at = status.elapsed

    def cancelled(self) -> bool:
        """Return False: headless, only the interrupt stops a wait."""
        return False


_CURRENT: list[Progress] = [SILENT]


def use_progress(progress: Progress | None) -> None:
    """Make ``progress`` the display of every wait from now on (None: show nothing again)."""
    _CURRENT[0] = progress if progress is not None else SILENT


def current_progress() -> Progress:
    """Return the display waits report to when none is given them."""
    return _CURRENT[0]


class Watch:
    """One wait as its progress sees it: started, ticked after each read and while paused, ended.

    Use it as a context manager around the wait: leaving it normally ends the wait as ``DONE``
    (unless ``finish`` said otherwise); a ``WaitCancelled`` or a ``KeyboardInterrupt`` ends it
    as ``CANCELLED`` and leaves as ``WaitCancelled``; another error ends it as ``FAILED``.

    Args:
        what: What is waited for (see ``WaitStatus.what``).
        timeout_seconds: The longest the wait lasts.
        clock: Monotonic seconds.
        sleep: How to pause.
        progress: Where to report; None: ``current_progress()``.
        expires_in: Seconds until something of the wait expires (a sign-in code), counted down.
    """

    def __init__(
        self,
        what: str,
        *,
        timeout_seconds: float,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        progress: Progress | None = None,
        expires_in: float | None = None,
    ) -> None:
        self.what = what
        self.timeout_seconds = timeout_seconds
        self.progress = progress if progress is not None else current_progress()
        self._clock, self._sleep = clock, sleep
        self._expires_in = expires_in
        self._started = clock()
        self._attempt = 0
        self._paused = False
        self._outcome = ""
        self._detail = ""

    @property
    def elapsed(self) -> float:
        """Seconds since the wait began."""
        return self._clock() - self._started

    def _status(self, stage: str) -> WaitStatus:
        elapsed = self.elapsed
        expires_in = None if self._expires_in is None else max(0.0, self._expires_in - elapsed)
        return WaitStatus(
            self.what, stage, elapsed, self.timeout_seconds, attempt=self._attempt, outcome=self._outcome,
            detail=self._detail, expires_in=expires_in, paused=self._paused,
        )

    def __enter__(self) -> Watch:
        self.progress.report(self._status(START))
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _tb: Any) -> bool:
        if kind is None:
            self._outcome = self._outcome or DONE
            self.progress.report(self._status(END))
            return False
        if isinstance(error, (WaitCancelled, KeyboardInterrupt)):
            self._outcome = CANCELLED
            self.progress.report(self._status(END))
            if isinstance(error, KeyboardInterrupt):
                # The kernel's stop button: our sentence, not a traceback through botocore.
                raise WaitCancelled(self.what, self.elapsed) from None
            return False
        self._outcome = self._outcome or FAILED  # a timeout raised after ``finish(TIMED_OUT)`` stays one
        self.progress.report(self._status(END))
        return False

    def read_made(self, detail: str = "") -> None:
        """Note a read whose answer is not final yet; report it, and stop if the person cancelled.

        Raises:
            WaitCancelled: when ``progress.cancelled()`` says so.
        """
        self._attempt += 1
        self._detail = detail
        self._paused = True  # a read not final: a pause follows, and the display shows the wait
        self._check()
        self.progress.report(self._status(TICK))

    def pause(self, seconds: float) -> None:
        """Pause ``seconds`` in slices of ``progress.tick_seconds``, reporting and asking after each.

        Raises:
            WaitCancelled: as soon as ``progress.cancelled()`` says so.
        """
        self._paused = True
        tick = self.progress.tick_seconds
        slices = 1 if math.isinf(tick) or seconds <= tick else math.ceil(seconds / tick - 1e-9)
        for index in range(slices if seconds > 0 else 0):
            self._check()
            self._sleep(min(tick, seconds - index * tick) if slices > 1 else seconds)
            self.progress.report(self._status(TICK))
        self._check()

    def finish(self, outcome: str) -> None:
        """Say how the wait ended (``DONE`` or ``TIMED_OUT``) before leaving the ``with``."""
        self._outcome = outcome

    def _check(self) -> None:
        if self.progress.cancelled():
            raise WaitCancelled(self.what, self.elapsed)
