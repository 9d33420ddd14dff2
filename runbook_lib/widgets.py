"""ipywidgets forms and buttons for interactive use; they collect and show, nothing more.

Every control here has a parameter twin in the notebook, so a headless run never needs one;
each button only calls the library and shows the answer (or the error's message and advice).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import ipywidgets

from runbook_lib.checks import Verification
from runbook_lib.errors import RunbookError
from runbook_lib.plan import Plan

if TYPE_CHECKING:
    from runbook_lib.notebook import StepRun
    from runbook_lib.steps.checklist import ChecklistItem
    from runbook_lib.target import Settings


def action_button(label: str, action: Callable[[], Any], *, style: str = "") -> ipywidgets.VBox:
    """Return a button that runs ``action`` and shows its result (or its error) beneath it."""
    button = ipywidgets.Button(description=label, button_style=style, layout=ipywidgets.Layout(width="auto"))
    output = ipywidgets.Output()

    def on_click(_: ipywidgets.Button) -> None:
        # append_* rather than ``with output:``: a click's callback runs outside the cell that
        # made the button, where captured printing would go astray.
        output.clear_output()
        failure: RunbookError | None = None
        # In a kernel, what the action prints meanwhile (a sign-in link) shows at once. The
        # try sits inside: Output's __exit__ would swallow the error after showing a traceback.
        with output:
            try:
                result = action()
            except RunbookError as error:
                failure = error
        if failure is not None:
            output.append_stderr(f"{type(failure).__name__}: {failure}\n")
            return
        if isinstance(result, str):
            output.append_stdout(result + "\n")
        elif result is not None:
            import pandas

            with pandas.option_context("display.max_colwidth", None):  # as the cells show tables
                output.append_display_data(result)

    button.on_click(on_click)
    return ipywidgets.VBox([button, output])


def apply_controls(
    run: StepRun, plan: Plan, apply_api: Callable[[], list[str]] | None, *, label: str = "Apply the API changes above"
) -> ipywidgets.VBox:
    """Return the plan's controls: an "Apply" button for API changes and, in the sandbox, one
    clearly labelled "Simulate the console step" button per console change."""
    controls: list[ipywidgets.Widget] = []
    if plan.api_changes:
        def apply_api_changes() -> str:
            run.apply_now(Plan(plan.step, plan.api_changes), apply_api, play_console=False)
            return run.describe_applied()

        controls.append(action_button(label, apply_api_changes, style="primary"))
    for change in plan.console_changes:
        controls.append(ipywidgets.HTML(f"<b>Console step: {change.resource}</b><br>{change.details}"))
        if run.ctx.is_sandbox:
            controls.append(action_button(
                f"Simulate the console step (sandbox): {change.resource}",
                lambda step=change.operation: run.play_console_step(step),
                style="warning",
            ))
    return ipywidgets.VBox(controls)


def check_again_button(run: StepRun, check: Callable[[], Verification]) -> ipywidgets.VBox:
    """Return a "Check again" button that re-runs the step's verification and shows it."""

    def check_again() -> Any:
        import datetime

        verification = check()
        run.report.record_verification(verification)
        frame = verification.to_frame()
        frame.index = [f"checked at {datetime.datetime.now():%H:%M:%S}"] * len(frame)  # not the table above
        return frame

    return action_button("Check again", check_again)


def checklist_controls(run: StepRun, items: tuple[ChecklistItem, ...], user_name: str) -> ipywidgets.VBox:
    """Return a checkbox per guided item (each tick recorded in the report) and, in the sandbox,
    a clearly labelled button that simulates the item's console step."""
    rows: list[ipywidgets.Widget] = []
    for item in items:
        box = ipywidgets.Checkbox(
            value=bool(run.report.confirmations.get(item.key)), description=f"Done: {item.title}",
            layout=ipywidgets.Layout(width="auto"), indent=False,
        )
        box.observe(lambda change, key=item.key: run.confirm(key, bool(change["new"])), names="value")
        rows.append(box)
        if run.ctx.is_sandbox:
            def simulate(item: ChecklistItem = item, box: ipywidgets.Checkbox = box) -> str:
                done = run.play_checklist_item(item, user_name)
                box.value = True
                return done

            rows.append(action_button(f"Simulate the console step (sandbox): {item.title.lower()}", simulate, style="warning"))
    return ipywidgets.VBox(rows)


def target_form(current: Settings, profiles: list[str], on_save: Callable[[Settings], Any]) -> ipywidgets.VBox:
    """Return the form of 00_start_here: sandbox or a real account's profile, region, account id."""
    from runbook_lib.target import Settings

    target = ipywidgets.Dropdown(
        options=[("Sandbox (local stand-in, no account needed)", "sandbox"), ("A real account (AWS CLI profile)", "profile")],
        value=current.target, description="Target",
        style={"description_width": "initial"}, layout=ipywidgets.Layout(width="auto"),
    )
    profile = ipywidgets.Combobox(
        value=current.profile, options=profiles, description="Profile", placeholder="e.g. admin",
        ensure_option=False,
    )
    region = ipywidgets.Text(value=current.region, description="Region")
    account_id = ipywidgets.Text(value=current.account_id, description="Account id", placeholder="optional, 12 digits")

    def save() -> Any:
        return on_save(Settings(target.value, profile.value.strip(), region.value.strip(), account_id.value.strip()))

    return ipywidgets.VBox([target, profile, region, account_id, action_button("Save and check", save, style="primary")])


def service_picker(selected: list[str]) -> ipywidgets.SelectMultiple:
    """Return a multi-select of the catalogue's services and presets, ``selected`` chosen.

    Unknown names in ``selected`` are left out here; validation names them when the value is used.
    """
    from runbook_lib.catalogue import service_choices

    choices = service_choices()
    known = {key.lower(): key for key, _ in choices}
    return ipywidgets.SelectMultiple(
        options=[(label, key) for key, label in choices],
        value=tuple(known[name.lower()] for name in selected if isinstance(name, str) and name.lower() in known),
        rows=min(len(choices), 15), description="Services", layout=ipywidgets.Layout(width="auto"),
    )
