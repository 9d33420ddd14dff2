"""ipywidgets forms and buttons for interactive use; they collect and show, nothing more.

Every control here has a parameter twin in the notebook, so a headless run never needs one. The
widgets get plain data and callables (as aws_sso_lib hands its ``user_auth_handler`` in): they
know nothing of steps, runs or AWS, and import nothing of the runbook above its pure floor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import ipywidgets

from runbook_lib.errors import RunbookError


def action_button(label: str, action: Callable[[], Any], *, style: str = "", once: bool = False) -> ipywidgets.VBox:
    """Return a button that runs ``action`` and shows its result (or its error) beneath it.

    Each press replaces the previous result. While the action runs the button is disabled and
    says so, so a double click runs it once. With ``once``, a press that succeeded leaves the
    button disabled: an Apply that worked is not sent again.
    """
    button = ipywidgets.Button(description=label, button_style=style, layout=ipywidgets.Layout(width="auto"))
    output = ipywidgets.Output()

    def on_click(_: ipywidgets.Button) -> None:
        if button.disabled:  # a second click queued while the first one ran, or a retired button
            return
        button.disabled = True
        button.description = f"{label} (working...)"
        # Replacing the outputs, not clear_output(): a clear from a callback is deferred and
        # wiped what the next append_* showed (every second press looked empty).
        output.outputs = ()
        failure: RunbookError | None = None
        result: Any = None
        try:
            # In a kernel, what the action prints meanwhile (a sign-in link) shows at once. The
            # try sits inside: Output's __exit__ would swallow the error after showing a traceback.
            with output:
                try:
                    result = action()
                except RunbookError as error:
                    failure = error
        finally:
            done = once and failure is None and not isinstance(result, NotDone)
            button.disabled = done
            button.description = f"{label} (done)" if done else label
        show_result(output, result.message if isinstance(result, NotDone) else result, failure)

    button.on_click(on_click)
    return ipywidgets.VBox([button, output])


@dataclass(frozen=True)
class NotDone:
    """What an action returns when it decided not to act (the button stays usable).

    Attributes:
        message: Why, and what to do instead.
    """

    message: str


def retire(controls: ipywidgets.Widget, reason: str) -> None:
    """Disable every button inside ``controls`` and say why (e.g. a newer plan was shown)."""
    if isinstance(controls, ipywidgets.Button):
        controls.disabled = True
        controls.tooltip = reason
        if not controls.description.endswith(")"):
            controls.description = f"{controls.description} ({reason})"
        return
    for child in getattr(controls, "children", ()):
        retire(child, reason)


def show_result(output: ipywidgets.Output, result: Any, failure: RunbookError | None) -> None:
    """Show an action's result in ``output``: an error's message and advice, a sentence, a table.

    In a kernel the result goes the way what the action printed went (``with output:``, which
    the browser captures): added from the kernel's side instead (``append_*``), it raced the
    browser's copy of the printed lines and one of the two was lost (00's "Catch me up" showed
    its lines without the status table).
    """
    if _captured_by_the_browser():
        import sys

        from IPython.display import display

        with output:
            if failure is not None:
                print(f"{type(failure).__name__}: {failure}", file=sys.stderr)
            elif isinstance(result, str):
                print(result)
            elif result is not None:
                import pandas

                with pandas.option_context("display.max_colwidth", None):
                    display(result)
        return
    if failure is not None:
        output.append_stderr(f"{type(failure).__name__}: {failure}\n")
    elif isinstance(result, str):
        output.append_stdout(result + "\n")
    elif result is not None and not type(result).__module__.startswith("pandas"):
        output.append_display_data(result)  # a runbook table (HTML and text): no pandas needed
    elif result is not None:
        import pandas

        with pandas.option_context("display.max_colwidth", None):  # as the cells show tables
            output.append_display_data(result)


def _captured_by_the_browser() -> bool:
    """Return True in a kernel, where ``with output:`` hands what is printed to the browser."""
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


@dataclass(frozen=True)
class ConsoleStep:
    """A console-only change as the apply controls show it.

    Attributes:
        title: What is changed.
        guide: What to do in the console.
        on_simulate: Plays it in the sandbox; None on a real account.
    """

    title: str
    guide: str
    on_simulate: Callable[[], str] | None = None


def apply_controls(
    label: str, on_apply: Callable[[], str] | None, console_steps: Sequence[ConsoleStep]
) -> ipywidgets.VBox:
    """Return the plan's controls: an "Apply" button for the API changes (when there are some)
    and, per console change, its guide and, in the sandbox, a clearly labelled simulate button."""
    controls: list[ipywidgets.Widget] = []
    if on_apply is not None:
        controls.append(action_button(label, on_apply, style="primary", once=True))
    for step in console_steps:
        controls.append(ipywidgets.HTML(f"<b>Console step: {step.title}</b><br>{step.guide}"))
        if step.on_simulate is not None:
            controls.append(action_button(
                f"Simulate the console step (sandbox): {step.title}", step.on_simulate, style="warning", once=True,
            ))
    return ipywidgets.VBox(controls)


@dataclass(frozen=True)
class ChecklistRow:
    """One guided checklist item as its checkbox shows it.

    Attributes:
        key: The item's key (its ``confirmed`` entry).
        title: What the person confirms.
        confirmed: Whether it is confirmed already.
        on_toggle: Called with the new value when the box is ticked or cleared.
        on_simulate: Plays the item in the sandbox; None on a real account.
    """

    key: str
    title: str
    confirmed: bool
    on_toggle: Callable[[bool], None]
    on_simulate: Callable[[], str] | None = None


def inside_sentence(title: str) -> str:
    """Return ``title`` as it reads inside a sentence: its first letter in lower case unless its
    first word is an acronym ("IAM users ..." stays; "The user has an MFA device" becomes "the user
    has an MFA device": lower-casing it whole gave "mfa")."""
    first = title.split(" ", 1)[0]
    if len(first) > 1 and first[:2].isupper():
        return title
    return title[:1].lower() + title[1:]


def checklist_controls(rows: Sequence[ChecklistRow]) -> ipywidgets.VBox:
    """Return a checkbox per guided item and, in the sandbox, a button that simulates it."""
    widgets: list[ipywidgets.Widget] = []
    for row in rows:
        box = ipywidgets.Checkbox(
            value=row.confirmed, description=f"Done: {row.title}", layout=ipywidgets.Layout(width="auto"), indent=False,
        )
        box.observe(lambda change, row=row: row.on_toggle(bool(change["new"])), names="value")
        widgets.append(box)
        if row.on_simulate is not None:
            def simulate(row: ChecklistRow = row, box: ipywidgets.Checkbox = box) -> str:
                done = row.on_simulate() if row.on_simulate is not None else ""
                box.value = True
                return done

            widgets.append(action_button(f"Simulate the console step (sandbox): {inside_sentence(row.title)}", simulate, style="warning"))
    return ipywidgets.VBox(widgets)


def catch_up_controls(
    choices: Sequence[tuple[str, str]],
    *,
    on_catch_up: Callable[[str], Any],
    on_reset: Callable[[], Any],
) -> ipywidgets.VBox:
    """Return 00's sandbox controls: "Catch me up" to the step chosen, and "Reset the sandbox".

    The reset asks first: it runs only with its box ticked (and unticks it), since it removes
    everything the sandbox holds. ``choices`` are ``(label, value)`` pairs; ``on_catch_up`` gets
    the chosen value. Their parameter twins are 00's ``catch_up_to`` and ``reset_sandbox``.
    """
    step_field = ipywidgets.Dropdown(
        options=list(choices), description="Catch me up to step",
        style={"description_width": "initial"}, layout=ipywidgets.Layout(width="auto"),
    )
    sure = ipywidgets.Checkbox(
        value=False, description="Yes: make the sandbox a brand-new account (everything in it, its profiles and sign-ins go)",
        indent=False, layout=ipywidgets.Layout(width="auto"),
    )

    def reset() -> Any:
        if not sure.value:
            return NotDone("Nothing was reset: tick the box above first.")
        sure.value = False
        return on_reset()

    return ipywidgets.VBox([
        step_field,  # the button's result below it gets the cell's whole width (the status table)
        action_button("Catch me up", lambda: on_catch_up(step_field.value), style="primary"),
        sure,
        action_button("Reset the sandbox", reset, style="danger"),
    ])
