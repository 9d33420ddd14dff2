"""How a wait looks in JupyterLab: a bar with what is awaited, a Cancel button, the sign-in's code.

``WaitDisplay`` is the notebook's ``Progress`` (``runbook_lib.progress``): a wait that has to
pause shows a bar and a sentence ("Waiting for IAM Identity Center to show the instance... 12 s of
120 s") with a Cancel button; at its end the bar becomes one line saying how it ended. A wait over
at its first read shows nothing. ``DevicePromptView`` shows a device sign-in's link and code,
large, and counts down to the code's expiry while the sign-in waits.

A kernel handles no click on a shell while a cell (or a button's callback) runs on it: the click
waits in that shell's queue until the wait is over. ``WidgetEvents`` lets the wait take, between
two pauses, the clicks meant for its own Cancel button, and hands every other message back to
the kernel, in order, when the wait ends. It reads ipykernel 7's per-shell sockets (the package
``jupyter-ui-poll`` does the same through ``kernel.do_one_iteration``, which ipykernel 7 no longer
has). JupyterLab 4.6 sends widget messages over a subshell of their own, so a Cancel click during
a cell's wait is handled there anyway, and a button's callback runs on that subshell, whose queue
the wait then reads. Where no such socket exists the button says to press the interrupt button
(■) instead, which ``progress.Watch`` turns into the same ``WaitCancelled`` (the interrupt reaches
the main shell only: a button's callback on a subshell can be stopped by its Cancel button alone).

Like ``widgets``, nothing here knows of steps, runs or AWS: it gets plain data and callables.
"""

from __future__ import annotations

import dataclasses
import html
import threading
from typing import Any, Callable

import ipywidgets

from runbook_lib.progress import CANCELLED, DONE, END, START, TIMED_OUT, WaitStatus, format_countdown

TICK_SECONDS = 0.2
"""How often a shown wait asks for clicks on its Cancel button and moves its bar."""
INTERRUPT_HINT = "press ■ (interrupt) to cancel"
STATE_METHODS = frozenset({"update", "request_state"})
"""ipywidgets' messages that only sync a widget's state: handled during a wait, never held."""
END_COLOURS = {DONE: "#1a7f37", TIMED_OUT: "#9a6700", CANCELLED: "#57606a"}
"""The colour of a wait's one-line end: green done, amber timed out, grey cancelled; red otherwise."""


class WidgetEvents:
    """Let a blocking wait handle the clicks on some widgets; keep every other message for later.

    Only messages for the widgets named are handled at once (a click on Apply during a wait must
    not apply in the middle of it); the others go back to the kernel, in the order they came,
    when ``close`` is called. The wait reads the queue of the shell it runs on: the main shell
    (a cell), or the subshell JupyterLab 4.6 sends widget messages to (a button's callback).
    """

    def __init__(self, kernel: Any, socket: Any, loop: Any, subshell_id: str | None, comm_ids: set[str]) -> None:
        self._kernel, self._socket, self._loop, self._subshell_id = kernel, socket, loop, subshell_id
        self._comm_ids = comm_ids
        self._held: list[Any] = []
        self._broken = False

    @classmethod
    def for_widgets(cls, *watched: ipywidgets.Widget) -> WidgetEvents | None:
        """Return the events of ``watched`` in this kernel, or None where a kernel cannot give them.

        None outside IPython's kernel, or with a kernel that has no per-shell sockets (before
        ipykernel 7, or another kernel), or on a thread that is no shell of the kernel's.
        """
        try:
            from IPython import get_ipython

            kernel = get_ipython().kernel  # type: ignore[union-attr]
            manager = kernel.shell_channel_thread.manager
            comm_ids = {widget.comm.comm_id for widget in watched}
            if threading.current_thread() is threading.main_thread():
                socket, loop, subshell_id = manager._shell_channel_to_main.to_socket, kernel.io_loop, None
            else:
                subshell_id = manager.subshell_id_from_thread_id(threading.get_ident())
                subshell = manager._get_subshell(subshell_id)
                socket, loop = subshell.shell_channel_to_subshell.to_socket, subshell.io_loop
        except (AttributeError, RuntimeError, KeyError):
            return None
        return cls(kernel, socket, loop, subshell_id, comm_ids)

    def poll(self) -> None:
        """Handle the waiting messages for the watched widgets; hold the others."""
        if self._broken:
            return
        while self._socket.poll(0):
            frames = self._socket.recv_multipart(copy=False)
            if self._is_watched(frames):
                self._dispatch(frames)
            else:
                self._held.append(frames)

    def close(self) -> None:
        """Give the held messages back to the kernel, in order: they run when the wait is over."""
        held, self._held = self._held, []
        for frames in held:
            self._loop.add_callback(self._kernel.shell_main, self._subshell_id, frames)

    def _is_watched(self, frames: Any) -> bool:
        """Return True for a message to handle now: a click on a watched widget, or any state sync.

        A state sync (the browser telling a widget's new value, e.g. the outputs an Output widget
        caught) must not wait: given back after the wait, it would undo what the kernel showed
        since. A click on another widget waits: it may start an action.
        """
        session = self._kernel.session
        _, message = session.feed_identities(frames, copy=False)
        parsed = session.deserialize(message, content=False, copy=False)
        if parsed["header"]["msg_type"] != "comm_msg":
            return False
        content = session.unpack(parsed["content"])
        data = content.get("data") if isinstance(content.get("data"), dict) else {}
        return content.get("comm_id") in self._comm_ids or data.get("method") in STATE_METHODS

    def _dispatch(self, frames: Any) -> None:
        kernel = self._kernel
        parent, ident = kernel.get_parent("shell"), kernel._get_shell_context_var(kernel._shell_parent_ident)
        handling = kernel.dispatch_shell(frames, subshell_id=self._subshell_id, concurrent=True)
        try:
            # A comm message's handler is synchronous: the coroutine ends at its first step.
            handling.send(None)
            handling.close()  # it wanted to wait for something: give up rather than block
            self._broken = True
        except StopIteration:
            pass
        finally:
            kernel.set_parent(ident, parent, channel="shell")  # our outputs go to our cell again


class WaitView:
    """One wait on the screen: a sentence, a bar and a Cancel button; then one line."""

    def __init__(self) -> None:
        self.cancel_requested = False
        self.label = ipywidgets.HTML()
        self.bar = ipywidgets.FloatProgress(value=0.0, min=0.0, max=1.0, layout=ipywidgets.Layout(width="18em"))
        self.button = ipywidgets.Button(
            description="Cancel", tooltip="Stop waiting (what AWS was doing goes on)",
            layout=ipywidgets.Layout(width="auto"),
        )
        self.button.on_click(self._on_cancel)
        self.box = ipywidgets.VBox([self.label, ipywidgets.HBox([self.bar, self.button])])
        self._shown = ""

    def cannot_cancel(self) -> None:
        """Say that only the kernel's interrupt ends this wait (no click reaches it meanwhile)."""
        self.button.disabled = True
        self.button.description = INTERRUPT_HINT
        self.button.tooltip = "the kernel's stop button (■) ends the wait"

    def _on_cancel(self, _: ipywidgets.Button) -> None:
        self.cancel_requested = True
        self.button.disabled = True
        self.button.description = "Cancelling..."

    def update(self, status: WaitStatus) -> None:
        """Show where the wait is (only what changed: each change is a message to the browser)."""
        text = status.describe()
        if text == self._shown:
            return
        self._shown = text
        self.label.value = f"<span>{html.escape(text)}</span>"
        self.bar.value = status.fraction

    def end(self, status: WaitStatus) -> None:
        """Turn the wait into one line saying how it ended."""
        colour = END_COLOURS.get(status.outcome, "#cf222e")
        self.label.value = f'<span style="color:{colour}">{html.escape(status.describe())}</span>'
        self.box.children = (self.label,)


class DevicePromptView:
    """A device sign-in's link and code, large, and a countdown to the code's expiry.

    Args:
        link: The verification link, with the code in it.
        user_code: The code the page must show.
        expires_in: Seconds the code is valid.
        typed_link: The page without the code, for typing the code by hand ("" when unknown).
    """

    def __init__(self, link: str, user_code: str, expires_in: float, typed_link: str = "") -> None:
        self.user_code = user_code
        by_hand = (
            f'<div>Or open <a href="{html.escape(typed_link)}" target="_blank">{html.escape(typed_link)}</a> '
            "and type the code.</div>" if typed_link else ""
        )
        self.prompt = ipywidgets.HTML(
            "<div>Open this link, check that the page shows the same code, sign in and click <b>Allow</b>:</div>"
            f'<div style="font-size:1.4em;margin:0.3em 0"><a href="{html.escape(link)}" target="_blank" '
            f'rel="noopener">{html.escape(link)}</a></div>'
            f'<div class="runbook-user-code" style="font-size:2.4em;font-family:monospace;font-weight:bold;'
            f'letter-spacing:0.12em;margin:0.2em 0">{html.escape(user_code)}</div>{by_hand}'
        )
        self.countdown = ipywidgets.HTML()
        self.box = ipywidgets.VBox([self.prompt, self.countdown])
        self.count_down(expires_in)

    def count_down(self, seconds_left: float) -> None:
        """Show how long the code stays valid."""
        text = f"The code expires in {format_countdown(seconds_left)}."
        if self.countdown.value != text:
            self.countdown.value = text

    def end(self, outcome: str) -> None:
        """Turn the prompt into one line once the sign-in is over (or say to start again)."""
        if outcome == DONE:
            self.prompt.value = f"Signed in with the code {html.escape(self.user_code)}."
        else:  # nothing polls for this code any more: approving it now would do nothing
            self.prompt.value = (
                f"The code {html.escape(self.user_code)} is no longer waited for ({html.escape(outcome)}): "
                "press the sign-in button (or run the cell) again for a new code."
            )
        self.box.children = (self.prompt,)


class WaitDisplay:
    """The notebook's ``Progress``: a ``WaitView`` for each wait that pauses, shown with ``show``.

    Args:
        show: Displays a widget where the wait runs (the cell's or the button's output).
        events: Makes the ``WidgetEvents`` of a Cancel button; None: the button cannot be
            clicked during the wait, and says to press the interrupt button instead.
    """

    tick_seconds = TICK_SECONDS

    def __init__(
        self,
        show: Callable[[Any], None],
        *,
        events: Callable[[ipywidgets.Widget], WidgetEvents | None] | None = WidgetEvents.for_widgets,
    ) -> None:
        self._show, self._events_for = show, events
        self._waits: list[tuple[WaitView | None, WidgetEvents | None]] = []
        self.prompt: DevicePromptView | None = None

    def show_device_prompt(self, link: str, user_code: str, expires_in: float, typed_link: str = "") -> DevicePromptView:
        """Show a sign-in's link and code; the next wait counts its expiry down on it."""
        self.prompt = DevicePromptView(link, user_code, expires_in, typed_link)
        self._show(self.prompt.box)
        return self.prompt

    def report(self, status: WaitStatus) -> None:
        """Show the wait once it pauses, move it on each tick, end it in one line."""
        if status.stage == START:
            self._waits.append((None, None))
            return
        if not self._waits:  # a status from a wait that began before this display: ignore it
            return
        view, events = self._waits[-1]
        if self.prompt is not None and status.expires_in is not None:
            if status.stage == END:
                self.prompt.end(status.outcome)
                self.prompt = None
            else:
                self.prompt.count_down(status.expires_in)
        if status.stage == END:
            self._waits.pop()
            if view is not None:
                view.end(status)
            if events is not None:
                events.close()
            return
        if view is None:
            if not status.paused:
                return
            view = WaitView()
            events = self._events_for(view.button) if self._events_for is not None else None
            if events is None:
                view.cannot_cancel()
            self._waits[-1] = (view, events)
            self._show(view.box)
        # The prompt counts the code's expiry down itself: the bar's sentence need not say it twice.
        view.update(dataclasses.replace(status, expires_in=None) if self.prompt is not None else status)
        if events is not None:
            events.poll()

    def cancelled(self) -> bool:
        """Return True once the Cancel button of the current wait was clicked."""
        if not self._waits:
            return False
        view, events = self._waits[-1]
        if events is not None:
            events.poll()
        return view is not None and view.cancel_requested
