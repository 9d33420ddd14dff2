"""A typed confirmation: a box, and a button that stays disabled until the exact phrase is typed.

For what cannot be undone (the teardown's deletes), a click is too easy: the person types the
phrase the plan names (``delete <account id>``), and only then may the button be pressed, once.
Like every widget it gets plain data and a callable (the action, handed what was typed, so the
library checks the phrase again); it knows nothing of steps, plans or AWS. Its parameter twin
(``confirm``) is what a headless run uses.
"""

from __future__ import annotations

from typing import Any, Callable

import ipywidgets

from runbook_lib.errors import RunbookError
from runbook_lib.widgets import NotDone, show_result


def matches(typed: str, phrase: str) -> bool:
    """Return True when ``typed`` is ``phrase`` exactly (surrounding spaces aside; case counts)."""
    return typed.strip() == phrase


def typed_confirmation(
    phrase: str, label: str, action: Callable[[str], Any], *, style: str = "danger",
) -> ipywidgets.VBox:
    """Return a text box, a button disabled until the box holds ``phrase``, and its result.

    The button acts once: while ``action`` runs, and after it succeeded, the button is disabled
    (an error, or a ``NotDone``, leaves it usable). Typing can enable it only while its label is
    its own: a button ``widgets.retire`` retired (a newer plan is shown) or a done one stays off.

    Args:
        phrase: What must be typed, e.g. ``delete 123456789012``.
        label: The button's label.
        action: Called with the text typed (stripped); what it returns is shown beneath.
    """
    box = ipywidgets.Text(value="", placeholder=phrase, description="Type",
                          layout=ipywidgets.Layout(width="auto"))
    hint = ipywidgets.HTML(f"To enable the button, type <code>{phrase}</code> exactly.")
    button = ipywidgets.Button(description=label, button_style=style, disabled=True,
                               layout=ipywidgets.Layout(width="auto"))
    output = ipywidgets.Output()

    def on_type(_: Any) -> None:
        if button.description == label:  # not working, done or retired
            button.disabled = not matches(box.value, phrase)

    def on_click(_: ipywidgets.Button) -> None:
        if button.disabled or not matches(box.value, phrase):  # a queued second click, or edited meanwhile
            return
        button.disabled, box.disabled = True, True
        button.description = f"{label} (working...)"
        output.outputs = ()
        failure: RunbookError | None = None
        result: Any = None
        try:
            with output:
                try:
                    result = action(box.value.strip())
                except RunbookError as error:
                    failure = error
        finally:
            done = failure is None and not isinstance(result, NotDone)
            button.description = f"{label} (done)" if done else label
            if done:  # the hint to type the phrase is over: say what happened instead
                hint.value = "Confirmed and done: the result is below."
            box.disabled = done
            button.disabled = done or not matches(box.value, phrase)
        show_result(output, result.message if isinstance(result, NotDone) else result, failure)

    box.observe(on_type, names="value")
    button.on_click(on_click)
    return ipywidgets.VBox([hint, box, button, output])
