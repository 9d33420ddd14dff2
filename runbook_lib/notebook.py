"""What a step notebook shows: one ``NotebookStep`` per notebook, the same shape each time.

The notebook's parameters decide the mode. Headless (``headless=True``, under papermill) nothing
is displayed that waits for a click: ``apply`` decides whether the plan is applied, and a failed
verification raises so the run stops. Interactive, the same cells show forms and buttons, and a
verification that is not yet complete is shown, not raised, so "Run All" reaches the bottom.

This module is the only one that displays and the only one that imports ``widgets``; the
widgets get plain data and callables, the ``StepRun`` (no UI) does the work.
"""

from __future__ import annotations

import datetime
import uuid
from functools import partial
from typing import Any, Callable, Mapping, Sequence

from runbook_lib import confirm_widgets, forms, widgets
from runbook_lib.cells import (  # display is also the notebooks' (from runbook_lib.notebook import display)
    display, forget_failures, show_errors_plainly, show_sign_in_prompt, wait_progress,
)
from runbook_lib.checks import Verification
from runbook_lib.errors import InputError, RunbookError
from runbook_lib.parameters import NOTEBOOKS_DIR, check_step_parameters, read_parameter_specs
from runbook_lib.plan import Plan
from runbook_lib.progress import use_progress
from runbook_lib.step_run import StepReport, StepRun, begin_run
from runbook_lib.step_state import has_closing_line, judge_step_state, start_state
from runbook_lib import tables
from runbook_lib import addresses
from runbook_lib.steps.checklist import ChecklistItem, describe_item


ACCESS_WORDS = {"sandbox": "the local sandbox", "environment": "the credentials in the environment"}
"""How ``begin_step`` names the way in ("through ..."); a profile is named by its name."""

SANDBOX_EXAMPLES = forms.SANDBOX_EXAMPLES
"""What an empty form field starts from in the sandbox, shown as a "sandbox example" (see ``forms``)."""

_FORM_VALUES: dict[tuple[str, str], tuple[Any, Any]] = {}
"""What the person typed into a step's form in this kernel, by ``(step, field)``: the parameter's
value then, and the value typed. A form built again (its cell re-run) starts from the typed value
while the parameter is unchanged; a parameter changed in the parameters cell since wins."""


_LIVE_CONTROLS: dict[str, list[Any]] = {}
"""The Apply controls shown per step, so that a newer plan of the step can retire the older ones."""


def retire_controls(step: str, reason: str) -> None:
    """Disable the buttons shown with earlier plans of ``step``."""
    for controls in _LIVE_CONTROLS.pop(step, []):
        widgets.retire(controls, reason)


class NotebookStep:
    """A step's run as its notebook shows it: plan table, apply controls, checklist, verification.

    Attributes:
        run: The step's run (no UI); the report, context and caller live there.
    """

    def __init__(self, run: StepRun) -> None:
        self.run = run
        self._replan: Callable[[], Plan] | None = None
        self._closing_line: Any = None  # the display of the notebook's last line, once shown
        self._calls_line: Any = None  # and of its count of AWS calls above it

    @property
    def ctx(self) -> Any:
        """The AWS context the step acts through."""
        return self.run.ctx

    @property
    def caller(self) -> Any:
        """Who the runbook acts as (None with target ``none``)."""
        return self.run.caller

    @property
    def has_aws_access(self) -> bool:
        """Return False with target ``none``: the step uses only its parameters."""
        return self.run.has_aws_access

    @property
    def account_id(self) -> str:
        """The account the step acts in: the caller's, or with target ``none`` the parameter's."""
        return self.run.account_id

    @property
    def region(self) -> str:
        """The region the runbook works in."""
        return self.run.region

    @property
    def report(self) -> StepReport:
        """What the step did so far."""
        return self.run.report

    @property
    def sandbox(self) -> Any:
        """The sandbox's client, or None on a real account.

        The notebook may change the account through it (reset it), behind the context's back,
        so the reads the context remembers are forgotten when it is handed out, who the
        credentials are too (a reset account may be another).
        """
        self.run.ctx.reads.forget_everything()
        return self.run.sandbox

    def show_plan(self, plan: Plan, *, replan: Callable[[], Plan] | None = None) -> Plan:
        """Display the plan as a table, then what it leaves to the person; note it in the report.

        The controls shown with an earlier plan of this step (a cell run again) are retired:
        only the plan on the screen now can be applied.

        Args:
            plan: The plan to show.
            replan: Reads the account again and plans (see ``steps.planners``); an Apply button
                runs it first and applies only when the plan is still the one shown.
        """
        self.run.record_plan(plan)
        self._replan = replan
        retire_controls(self.run.step, "a newer plan is shown below")
        if plan.is_empty:
            display(f"{self.run.step}: nothing to change; this step is already done.")
        else:
            display(tables.plan_table(plan))
        for decision in self.run.report.needs_you:
            display(f"Needs you: {decision}")
        return plan

    def apply(self, plan: Plan, apply_api: Callable[[], list[str]] | None = None, *, label: str = "Apply the API changes above") -> None:
        """Apply the plan when asked: API changes first, then console steps (played or guided).

        A plan's conflicts are never applied (nothing depending on them is in its API changes);
        headless with ``apply=True``, the step then stops as "needs you".

        Args:
            plan: The plan shown by ``show_plan``.
            apply_api: Makes the plan's API changes and returns what it did; None when the step
                has only console changes. Bind its arguments now (``functools.partial``): a
                button pressed later must act on this plan, not on what the kernel holds then.
            label: The interactive button's label.

        Raises:
            NeedsYouError: headless with ``apply=True``, after applying, when the plan held a conflict.
        """
        run = self.run
        if plan.is_empty:
            display("Nothing to apply.")
            return
        if run.apply_changes:
            run.apply_now(plan, apply_api, play_console=run.simulate_console)
            display(run.describe_applied())
        elif run.headless:
            display("Plan only (apply=False): nothing was changed.")
        else:
            controls = self._apply_controls(plan, apply_api, label)
            _LIVE_CONTROLS.setdefault(run.step, []).append(controls)
            display(controls)
        run.stop_for_decisions()

    def apply_when_typed(
        self, plan: Plan, apply_api: Callable[..., list[str]], *, phrase: str, given: str = "",
        label: str = "Delete what the plan lists",
    ) -> None:
        """Make the plan's API changes only once ``phrase`` is typed: in ``confirm``, or in a box.

        For what cannot be undone. Headless, only the parameter counts: with ``apply=True`` and
        ``given`` the phrase the changes are made, else nothing is (the plan was shown), so a
        default ``make run`` deletes nothing. Interactive, the same parameter with ``apply=True``
        acts at once; otherwise a box and a button disabled until the phrase is typed, which acts
        once, on this plan only (retired by a newer plan, refused if the account changed since).

        Args:
            plan: The plan shown by ``show_plan``.
            apply_api: Called as ``apply_api(confirm=<what was typed>)``; bind the rest now
                (``functools.partial``). It should check the phrase again itself.
            phrase: What must be typed, e.g. ``delete 123456789012``.
            given: The ``confirm`` parameter.

        Raises:
            InputError: when ``given`` is set but is not ``phrase`` (before any change).
        """
        run, replan = self.run, self._replan  # bound now: the button acts on the plan shown with it
        if not plan.api_changes:
            display("Nothing to apply.")
            return
        if given and not confirm_widgets.matches(given, phrase):
            raise InputError("confirm", given, f"it must be exactly {phrase!r} (read the plan first); nothing was changed")
        if given and run.apply_changes:
            run.apply_now(plan.only(plan.api_changes), partial(apply_api, confirm=given.strip()), play_console=False)
            display(run.describe_applied())
            return
        if run.headless:
            display("Plan only (apply=False): nothing was changed." if given else
                    f"Not confirmed: nothing was changed. To make the changes the plan lists, set `confirm` to {phrase!r}.")
            return

        def on_confirm(typed: str) -> Any:
            refused = self._changed_since_shown(plan, replan)
            if refused is not None:
                return refused
            run.apply_now(plan.only(plan.api_changes), partial(apply_api, confirm=typed), play_console=False)
            self._refresh_ending()
            return run.describe_applied()

        controls = confirm_widgets.typed_confirmation(phrase, label, on_confirm)
        _LIVE_CONTROLS.setdefault(run.step, []).append(controls)
        display("Not confirmed yet: nothing was changed.", controls)  # the controls say what to type

    @staticmethod
    def _changed_since_shown(plan: Plan, replan: Callable[[], Plan] | None) -> widgets.NotDone | None:
        """Return why not to act when the account's plan now differs from ``plan`` (None: the same,
        or no ``replan``). A button passes the ``replan`` of the plan it was shown with, bound when
        it was made, so a newer plan cell's changes no button of an older one."""
        if replan is None:
            return None
        now = replan()
        if now.to_json() == plan.to_json():
            return None
        return widgets.NotDone("The account changed since this plan was shown, so nothing was applied. The plan now:\n"
                               f"{now.describe()}\nRun the plan cell again to see it as a table.")

    def _apply_controls(self, plan: Plan, apply_api: Callable[[], list[str]] | None, label: str) -> Any:
        """Return the plan's buttons: apply the API changes; in the sandbox, simulate each console step.

        Each button is bound to ``plan`` and re-reads the account before it acts.
        """
        run, replan = self.run, self._replan

        on_apply = None
        if plan.api_changes:
            def on_apply() -> Any:
                refused = self._changed_since_shown(plan, replan)
                if refused is not None:
                    return refused
                run.apply_now(plan.only(plan.api_changes), apply_api, play_console=False)
                self._refresh_ending()
                return run.describe_applied()

        def simulate(step: str) -> str:
            done = run.play_console_step(step)
            self._refresh_ending()
            return done

        console_steps = [
            widgets.ConsoleStep(
                addresses.title_of(change.address), change.detail,
                partial(simulate, change.operation) if run.ctx.is_sandbox else None,
            )
            for change in plan.console_changes
        ]
        return widgets.apply_controls(label, on_apply, console_steps)

    def verify(self, check: Callable[[], Verification]) -> Verification:
        """Run the step's verification, display it, and in a headless apply run require it.

        Interactive, a "Check again" button re-runs ``check`` (e.g. after a console step).

        Raises:
            StepIncompleteError: headless with ``apply=True``, when a check failed.
        """
        verification = check()
        if self.run.headless:
            display(tables.verification_table(verification))
            self.run.record_verification(verification)
            return verification
        from IPython.display import display as ipython_display

        shown = ipython_display(tables.verification_table(verification), display_id=uuid.uuid4().hex)
        self.run.record_verification(verification)

        def check_again() -> Any:
            again = self.run.record_verification(check())
            checked = f"checked again at {datetime.datetime.now():%H:%M:%S}"
            if shown is not None:  # the table above is replaced, not stacked under
                shown.update(tables.verification_table(again, caption=checked))
            self._refresh_ending()  # and the notebook's last lines say the news
            return f"{again.step}: {checked}: " + ("passed" if again.passed else f"{len(again.failed_checks)} failing") + " (the table above)."

        display(widgets.action_button("Check again", check_again))
        return verification

    def form(self, namespace: Mapping[str, Any]) -> forms.StepForm:
        """Show the step's form, the twin of its parameters cell, and return it; the next cell reads it.

        One field per person-facing parameter (``forms.NOT_ON_FORMS`` says which are not), each
        starting from the parameter, or from what the person typed before in this kernel
        (``_FORM_VALUES``), or, empty in the sandbox, from an example shown as one. Headless no
        widget is built: the parameters decide, and a sandbox example used is said in one line.

        Args:
            namespace: The notebook's namespace (``globals()``), holding the parameters.

        Returns:
            The form; its ``values()`` checks every field and returns their values.
        """
        step = self.run.step
        notebook = NOTEBOOKS_DIR / f"{step}.ipynb"
        specs = read_parameter_specs(notebook) if notebook.exists() else {}
        remembered = {} if self.run.headless else {
            name: kept for (kept_step, name), kept in _FORM_VALUES.items() if kept_step == step
        }
        fields = forms.start_fields(step, specs, namespace, remembered=remembered, sandbox=self.run.ctx.is_sandbox)

        def remember(name: str, value: Any) -> None:
            _FORM_VALUES[(step, name)] = (form.fields[name].parameter, value)

        form = forms.StepForm(step, fields, interactive=not self.run.headless, on_change=remember)
        if form.widget is not None:
            display(form.widget)
        elif form.examples:
            listed = ", ".join(f"{name}={value!r}" for name, value in form.examples.items())
            display(f"Sandbox examples for the empty fields: {listed} (set them in the parameters to choose your own).")
        return form

    def checklist(self, items: tuple[ChecklistItem, ...], *, user_name: str, confirmed: list[str]) -> None:
        """Show the guided items with no API, and record what the person confirmed.

        Raises:
            InputError: when ``confirmed`` names an item this checklist does not have.
        """
        run = self.run
        run.gather_confirmations(items, user_name=user_name, confirmed=confirmed)
        display(tables.checklist_table([
            (item.key, describe_item(item, user_name), bool(run.report.confirmations.get(item.key))) for item in items
        ]))
        if run.headless:
            return
        rows = [
            widgets.ChecklistRow(
                item.key, item.title, bool(run.report.confirmations.get(item.key)),
                on_toggle=lambda value, key=item.key: run.confirm(key, value),
                on_simulate=(lambda item=item: run.play_checklist_item(item, user_name)) if run.ctx.is_sandbox else None,
            )
            for item in items
        ]
        display(widgets.checklist_controls(rows))

    def show_sign_in_prompt(self, prompt: Any) -> None:
        """Show a device sign-in's link and code (see the module's ``show_sign_in_prompt``)."""
        show_sign_in_prompt(prompt)

    def _refresh_ending(self) -> None:
        """Once the notebook's last lines are shown, say again what a button changed: the AWS
        calls made (an Apply's writes were counted as 0 until the cell ran again) and the state."""
        if self._closing_line is None:
            return
        report = self.run.finish()
        self._calls_line.update({"text/plain": report.describe_calls()}, raw=True)
        self._closing_line.update(tables.state_line(judge_step_state(report)))

    def finish(self, *, statuses: Sequence[Any] | None = None) -> StepReport:
        """Note the AWS calls made, write the report where the runner expects it, and end the
        notebook with its state in one line and a link to the next notebook.

        ``statuses``: 00_start_here's table of every step (``StepStatus``es); its line then
        links the first step not done yet.

        Assign what it returns (``report = run.finish()``): a bare last expression would be
        displayed as the report's repr.
        """
        report = self.run.finish()
        if statuses is not None:  # 00_start_here: on to the first step not done yet
            display(report.describe_calls(), tables.state_line(start_state([(row.step, row.status) for row in statuses])))
            return report
        if not has_closing_line(report.step):
            return report
        line = tables.state_line(judge_step_state(report))
        if self.run.headless:
            display(report.describe_calls(), line)
        else:  # a button pressed later (Apply, Simulate, Check again) updates both
            from IPython.display import display as ipython_display

            self._calls_line = ipython_display({"text/plain": report.describe_calls()}, raw=True, display_id=uuid.uuid4().hex)
            self._closing_line = ipython_display(line, display_id=uuid.uuid4().hex)
        return report


def begin_step(
    step: str,
    *,
    target: str = "",
    profile: str = "",
    region: str = "",
    account_id: str = "",
    headless: bool = False,
    apply: bool = False,
    simulate_console: bool = False,
    summary_file: str = "",
    runs_without_aws: bool = False,
    parameters: Mapping[str, Any] | None = None,
) -> NotebookStep:
    """Validate the parameters, connect, say who the runbook acts as, and start the step's report.

    Args:
        runs_without_aws: True for a step that can run with target ``none`` (see ``begin_run``).
        parameters: The notebook's namespace (``globals()``): every parameter its parameters cell
            declares is checked here, before the first AWS call, and every problem named at once.

    Raises:
        InputError: for a parameter the runbook cannot use (before any AWS call).
        NoAwsAccessError: with target ``none``, for a step that needs AWS.
        RunbookError: when AWS cannot be reached or refuses, with what to do next.
    """
    show_errors_plainly()
    forget_failures()
    use_progress(wait_progress(headless=headless))  # every wait of this step reports there
    if parameters is not None:
        check_step_parameters(step, parameters)
    run = begin_run(
        step, target=target, profile=profile, region=region, account_id=account_id,
        headless=headless, apply=apply, simulate_console=simulate_console, summary_file=summary_file,
        runs_without_aws=runs_without_aws,
    )
    if headless:  # papermill runs the cells straight through: nobody acts between a plan and its verify
        run.ctx.reads.hold()  # so a verify after a plan that changed nothing reuses its reads (``ReadMemo.hold``)
    if run.caller is None:
        display("No AWS access yet (target 'none'): the runbook has no credentials, so this step does only what needs none.")
    else:
        where = ACCESS_WORDS.get(run.settings.target, f"profile {run.settings.profile!r}")
        display(f"Acting on account {run.caller.account_id} in {run.region} through {where}, as {run.caller.describe(sandbox=run.ctx.is_sandbox)}.")
    if run.caller is not None and run.caller.is_root:
        display(
            "WARNING: the runbook is acting as the ROOT user. Root can do anything, including "
            "closing the account. Finish steps 01-03, then use the Admin user's profile."
        )
    show_errors_plainly(on_error=partial(stop_step, run), on_fixed=run.forget_failure)
    return NotebookStep(run)


def stop_step(run: StepRun, error: RunbookError) -> None:
    """Record the error that stopped the step (the report is written) and show its "failed" line."""
    run.record_failure(error)
    if has_closing_line(run.step):
        display(tables.state_line(judge_step_state(run.report)))
