"""Tests for runbook_lib.progress_widgets and the notebook's glue for waits, without a browser.

The widgets are driven as the waits drive them (a fake clock), and read back as the browser
would show them: the bar's sentence, the Cancel button, the sign-in's link, code and countdown,
and the one line a wait becomes. ``WidgetEvents`` is tried in a real kernel: a click sent while a
cell waits must end the wait with ``WaitCancelled``.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

import ipywidgets
import pytest

from runbook_lib import notebook, progress, progress_widgets, sso_login, waiting
from runbook_lib.errors import WaitCancelled
from runbook_lib.progress_widgets import INTERRUPT_HINT, DevicePromptView, WaitDisplay
from test_progress import CLIENT, PROMPT, FakeOidc  # one fake sso-oidc for the waits and their widgets


@dataclass
class FakeTime:
    now: float = 0.0
    naps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def no_notebook_progress() -> Any:
    yield
    progress.use_progress(None)


class FakeEvents:
    """Stands in for the kernel's events: each poll may click the Cancel button."""

    def __init__(self, button: ipywidgets.Button, click_on_poll: int | None) -> None:
        self.button, self.click_on_poll, self.polls, self.closed = button, click_on_poll, 0, False

    def poll(self) -> None:
        self.polls += 1
        if self.polls == self.click_on_poll:
            self.button.click()

    def close(self) -> None:
        self.closed = True


def display_with(click_on_poll: int | None = None) -> tuple[WaitDisplay, list[Any], list[FakeEvents]]:
    shown: list[Any] = []
    made: list[FakeEvents] = []

    def events_for(button: ipywidgets.Button) -> FakeEvents:
        made.append(FakeEvents(button, click_on_poll))
        return made[-1]

    return WaitDisplay(shown.append, events=events_for), shown, made  # type: ignore[arg-type]


def poll(shown: Any, time: FakeTime, *, done_after: int = 4, timeout: float = 120) -> Any:
    reads = iter(range(1000))
    return waiting.poll_until(
        lambda: next(reads), lambda n: n >= done_after, timeout_seconds=timeout, interval_seconds=5,
        sleep=time.sleep, clock=time.clock, what="IAM Identity Center to show the instance", progress=shown,
    )


def texts(box: ipywidgets.Widget) -> list[str]:
    """Return what a box shows: its HTML values and button labels, depth first."""
    if isinstance(box, ipywidgets.HTML):
        return [box.value]
    if isinstance(box, ipywidgets.Button):
        return [box.description]
    return [text for child in getattr(box, "children", ()) for text in texts(child)]


def test_a_wait_that_pauses_shows_a_bar_then_one_line() -> None:
    display, shown, _ = display_with()
    time = FakeTime()
    seen: list[str] = []
    original = display.report

    def spy(status: progress.WaitStatus) -> None:
        original(status)
        if shown and status.stage == progress.TICK:
            seen.append(texts(shown[0])[0])

    display.report = spy  # type: ignore[method-assign]
    poll(display, time)
    [box] = shown
    assert "Waiting for IAM Identity Center to show the instance... 0 s of 120 s" in seen[0]
    assert any("12 s of 120 s" in text for text in seen)
    assert texts(box) == ['<span style="color:#1a7f37">Waited 20 s for IAM Identity Center to show the instance: done.</span>']
    assert len(time.naps) == 100 and time.naps == pytest.approx([0.2] * 100)  # pauses cut into ticks


def test_the_bar_moves_with_the_time() -> None:
    display, shown, _ = display_with()
    time = FakeTime()
    bars: list[float] = []
    original = display.report

    def spy(status: progress.WaitStatus) -> None:
        original(status)
        if shown and status.stage == progress.TICK:
            bars.append(shown[0].children[1].children[0].value)

    display.report = spy  # type: ignore[method-assign]
    poll(display, time, done_after=12, timeout=60)
    assert bars[0] == 0.0 and 0.95 < bars[-1] <= 1.0 and bars == sorted(bars)


def test_a_wait_over_at_its_first_read_shows_nothing() -> None:
    display, shown, _ = display_with()
    poll(display, FakeTime(), done_after=0)
    waiting.retry_on_conflict(lambda: "written", progress=display)
    assert shown == []


def test_the_cancel_button_ends_the_wait_before_its_deadline() -> None:
    display, shown, made = display_with(click_on_poll=16)
    time = FakeTime()
    with pytest.raises(WaitCancelled) as caught:
        poll(display, time)
    [box], [events] = shown, made
    assert texts(box) == ['<span style="color:#57606a">Waited 1 s for IAM Identity Center to show the instance: cancelled.</span>']
    assert events.closed and caught.value.waited_seconds < 120
    assert "Run the cell again to wait again" in str(caught.value)


def test_without_kernel_events_the_button_says_to_interrupt() -> None:
    shown: list[Any] = []
    display = WaitDisplay(shown.append, events=None)
    time = FakeTime()

    def look(seconds: float) -> None:
        time.sleep(seconds)
        if time.now >= 1:
            raise KeyboardInterrupt  # the person pressed ■

    button_labels: list[str] = []
    original = display.report

    def spy(status: progress.WaitStatus) -> None:
        original(status)
        if shown and status.stage == progress.TICK:
            button_labels.append(shown[0].children[1].children[1].description)

    display.report = spy  # type: ignore[method-assign]
    with pytest.raises(WaitCancelled):
        waiting.poll_until(lambda: 0, lambda _: False, timeout_seconds=60, interval_seconds=5, sleep=look,
                           clock=time.clock, what="the answer", progress=display)
    assert button_labels[0] == INTERRUPT_HINT == "press ■ (interrupt) to cancel"
    assert "Waited 1 s for the answer: cancelled." in texts(shown[0])[0]


def test_outside_a_kernel_there_are_no_widget_events() -> None:
    assert progress_widgets.WidgetEvents.for_widgets(ipywidgets.Button()) is None


# --- the device sign-in -------------------------------------------------------------------------




def test_the_device_prompt_shows_the_link_the_code_large_and_the_time_left() -> None:
    view = DevicePromptView(PROMPT.verification_uri_complete, PROMPT.user_code, 600, PROMPT.verification_uri)
    shown = view.prompt.value
    assert '<a href="https://device.example/?user_code=BCDF-GHJK" target="_blank"' in shown
    assert 'font-size:2.4em' in shown and ">BCDF-GHJK</div>" in shown
    assert view.countdown.value == "The code expires in 10:00."


def test_the_sign_in_counts_down_on_the_prompt_and_ends_in_one_line() -> None:
    display, shown, _ = display_with()
    progress.use_progress(display)
    notebook.show_sign_in_prompt(PROMPT)
    prompt = display.prompt
    assert prompt is not None and shown[0] is prompt.box
    time = FakeTime()
    countdowns: list[str] = []
    original = display.report

    def spy(status: progress.WaitStatus) -> None:
        countdowns.append(prompt.countdown.value)
        original(status)

    display.report = spy  # type: ignore[method-assign]
    sso_login.poll_for_token(FakeOidc(pending=13), CLIENT, "device-code", PROMPT, interval=5, timeout_seconds=300,
                             sleep=time.sleep, clock=time.clock)
    assert countdowns[0] == "The code expires in 10:00." and "The code expires in 9:00." in countdowns
    assert texts(prompt.box) == ["Signed in with the code BCDF-GHJK."]
    assert "Waited 65 s for you to approve the sign-in in your browser: done." in texts(shown[1])[0]


def test_a_sign_in_cancelled_says_to_start_again() -> None:
    display, shown, _ = display_with(click_on_poll=3)
    progress.use_progress(display)
    notebook.show_sign_in_prompt(PROMPT)
    prompt = display.prompt
    time = FakeTime()
    with pytest.raises(WaitCancelled):
        sso_login.poll_for_token(FakeOidc(pending=100), CLIENT, "device-code", PROMPT, interval=5,
                                 timeout_seconds=300, sleep=time.sleep, clock=time.clock)
    assert prompt is not None and texts(prompt.box) == [
        "The code BCDF-GHJK is no longer waited for (cancelled): press the sign-in button (or run the cell) again for a new code."
    ]


def test_headless_the_prompt_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    progress.use_progress(notebook.wait_progress(headless=True))
    notebook.show_sign_in_prompt(PROMPT)
    assert capsys.readouterr().out == (
        "Open https://device.example/?user_code=BCDF-GHJK\nand check the code: BCDF-GHJK (valid 10 minutes)\n"
    )
    assert isinstance(notebook.wait_progress(headless=True), progress.TextProgress)
    assert isinstance(notebook.wait_progress(headless=False), WaitDisplay)


def test_the_notebook_s_display_turns_an_interrupt_into_wait_cancelled() -> None:
    shown: list[Any] = []
    display = notebook.wait_progress(headless=False)
    display._show = shown.append  # type: ignore[attr-defined]  (no IPython here)
    time = FakeTime()

    def interrupted(seconds: float) -> None:
        time.sleep(seconds)
        if time.now >= 3:
            raise KeyboardInterrupt

    progress.use_progress(display)
    with pytest.raises(WaitCancelled) as caught:
        waiting.poll_until(lambda: 0, lambda _: False, timeout_seconds=60, interval_seconds=5, sleep=interrupted,
                           clock=time.clock, what="IAM to show the role")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert str(caught.value).startswith("Stopped waiting for IAM to show the role after 3 s, as you asked.")
    assert "Waited 3 s for IAM to show the role: cancelled." in texts(shown[0])[0]


# --- in a real kernel ---------------------------------------------------------------------------

KERNEL_CELL = textwrap.dedent('''
    import time
    from runbook_lib import progress, waiting
    from runbook_lib.cells import show_widget
    from runbook_lib.progress_widgets import WaitDisplay

    shown = []
    def show(widget):
        shown.append(widget)
        show_widget(widget)
        print("CANCEL-ID", widget.children[1].children[1].comm.comm_id, flush=True)

    try:
        waiting.poll_until(lambda: 0, lambda _: False, timeout_seconds=60, interval_seconds=5,
                           what="the test", progress=WaitDisplay(show))
        print("OUTCOME timed out")
    except progress.WaitCancelled as error:
        print("OUTCOME", type(error).__name__, error.waited_seconds < 60)
''')


@pytest.mark.notebooks
@pytest.mark.parametrize("how", ["click", "interrupt"])
def test_a_click_on_cancel_or_the_interrupt_ends_a_waiting_cell_in_a_real_kernel(how: str) -> None:
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        cell = client.execute(KERNEL_CELL)
        printed, cancel_id, outcome = "", None, None
        while outcome is None:
            message = client.get_iopub_msg(timeout=60)
            if message["parent_header"].get("msg_id") != cell:
                continue
            if message["msg_type"] == "error":
                pytest.fail("\n".join(message["content"]["traceback"]))
            if message["msg_type"] != "stream":
                continue
            printed += message["content"]["text"]
            if cancel_id is None and "CANCEL-ID " in printed:
                cancel_id = printed.split("CANCEL-ID ", 1)[1].split()[0]
                queued = client.execute("print('ran after the wait')")  # held while the cell waits
                if how == "click":
                    client.shell_channel.send(client.session.msg("comm_msg", {
                        "comm_id": cancel_id, "data": {"method": "custom", "content": {"event": "click"}},
                    }))
                else:
                    manager.interrupt_kernel()  # the ■ button
            if "OUTCOME" in printed and printed.rstrip().endswith(("True", "False", "out")):
                outcome = printed.split("OUTCOME", 1)[1].strip()
        assert outcome == "WaitCancelled True"
        # The cell run meanwhile was held, not lost: it runs once the wait is over.
        reply = client.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != queued:
            reply = client.get_shell_msg(timeout=30)
        assert reply["content"]["status"] == "ok"
    finally:
        manager.shutdown_kernel(now=True)
