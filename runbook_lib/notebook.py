"""The glue every step notebook uses: one ``StepRun`` per notebook, the same shape each time.

A notebook's parameters decide the mode. Headless (``headless=True``, under papermill) nothing is
displayed that waits for a click: ``apply`` decides whether the plan is applied, and a failed
verification raises so the run stops. Interactive, the same cells show forms and buttons, and a
verification that is not yet complete is shown, not raised, so "Run All" reaches the bottom.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from runbook_lib.aws import AwsContext
from runbook_lib.errors import InputError, RunbookError, StepIncompleteError
from runbook_lib.plan import Plan, StepReport, Verification
from runbook_lib.sandbox.client import SandboxClient
from runbook_lib.steps.checklist import ChecklistItem, describe_item, find_played_items, unknown_confirmations
from runbook_lib.steps.console import apply_console_changes
from runbook_lib.target import CallerIdentity, Settings, connect, read_caller, resolve_settings


def show_errors_plainly(on_error: Callable[[RunbookError], None] | None = None) -> None:
    """Show a ``RunbookError`` in the notebook as its message and advice, not a long traceback.

    The cell still fails (papermill and nbval see the error); only the display is shorter.

    Args:
        on_error: Called with the error first (the step's run records it in its report).
    """
    try:
        from IPython import get_ipython
    except ImportError:  # not in IPython: errors show as usual
        return
    shell = get_ipython()
    if shell is None:
        return

    def show_runbook_error(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> None:
        if on_error is not None and isinstance(value, RunbookError):
            on_error(value)
        shell._showtraceback(etype, value, [f"{etype.__name__}: {value}"])

    shell.set_custom_exc((RunbookError,), show_runbook_error)


def display(*objects: object) -> None:
    """Display objects in the notebook: sentences printed, tables with whole cells.

    The plan's details are the console instructions; pandas would cut them at 50 characters.
    """
    import pandas
    from IPython.display import display as ipython_display

    with pandas.option_context("display.max_colwidth", None):
        for shown in objects:
            if isinstance(shown, str):
                print(shown)  # a sentence, not a quoted repr
            else:
                ipython_display(shown)


SANDBOX_EXAMPLES: dict[str, Any] = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "email": "ada@example.com",
    "developer_name": "ada",
    "services": ["s3", "lambda", "logs"],
}
"""Example values for empty fields in the sandbox only (see ``StepRun.with_sandbox_examples``)."""


@dataclass
class StepRun:
    """One step's run in a notebook: where it acts, what it planned, applied and verified.

    Attributes:
        step: The step's id (the notebook's name without ``.ipynb``).
        settings: The validated target.
        ctx: The AWS context (its recorder counts the calls).
        caller: Who the runbook acts as.
        headless: True under papermill: no widgets, the parameters decide.
        apply_changes: True when the plan is to be applied without asking.
        simulate_console: Sandbox only: play the console steps without asking.
        summary_file: Where to write the step's report for the run summary ('' for nowhere).
    """

    step: str
    settings: Settings
    ctx: AwsContext
    caller: CallerIdentity
    headless: bool
    apply_changes: bool
    simulate_console: bool
    summary_file: str = ""
    report: StepReport = field(init=False)

    def __post_init__(self) -> None:
        self.report = StepReport(step=self.step, target=self.settings.target)

    @property
    def region(self) -> str:
        """The region the runbook works in."""
        return self.settings.region

    @property
    def sandbox(self) -> SandboxClient | None:
        """The sandbox (plays console steps, shows their state), or None on a real account."""
        if not self.ctx.is_sandbox:
            return None
        return SandboxClient(self.ctx.endpoint_url or "")

    def show_plan(self, plan: Plan) -> Plan:
        """Display the plan as a table and note it in the report."""
        self.report.record_plan(plan)
        if plan.is_empty:
            display(f"{self.step}: nothing to change; this step is already done.")
        else:
            display(plan.to_frame())
        return plan

    def apply(self, plan: Plan, apply_api: Callable[[], list[str]] | None = None, *, label: str = "Apply the API changes above") -> None:
        """Apply the plan when asked: API changes first, then console steps (played or guided).

        Args:
            plan: The plan shown by ``show_plan``.
            apply_api: Makes the plan's API changes and returns what it did; None when the step
                has only console changes.
            label: The interactive button's label.
        """
        if plan.is_empty:
            display("Nothing to apply.")
            return
        if self.apply_changes:
            self.apply_now(plan, apply_api, play_console=self.simulate_console)
            display(self.describe_applied())
        elif self.headless:
            display("Plan only (apply=False): nothing was changed.")
        else:
            from runbook_lib import widgets

            display(widgets.apply_controls(self, plan, apply_api, label=label))

    def apply_now(self, plan: Plan, apply_api: Callable[[], list[str]] | None, *, play_console: bool) -> None:
        """Make the API changes, then play the console steps in the sandbox or leave them pending."""
        if plan.api_changes and apply_api is not None:
            self.report.applied.extend(apply_api())
        console = self.sandbox if play_console else None
        played, pending = apply_console_changes(plan, console=console, region=self.region)
        self.report.applied.extend(played)
        self.report.pending_console_steps = pending

    def play_console_step(self, step: str, *, user: str = "") -> str:
        """Play one console step in the sandbox (the 'simulate the console step' control)."""
        player = self.sandbox
        if player is None:
            raise RunbookError(
                "Console steps can only be simulated in the sandbox.",
                advice="On a real account, follow the guide in the plan's details in the AWS console.",
            )
        done = "sandbox played the console step: " + player.play_console_step(step, region=self.region, user=user)
        self.report.applied.append(done)
        if step in self.report.pending_console_steps:
            self.report.pending_console_steps.remove(step)
        return done

    def describe_applied(self) -> str:
        """Return what was applied and what is left to the person, in lines."""
        lines = [f"Applied: {line}" for line in self.report.applied]
        lines += [f"Left for you in the console: {step}" for step in self.report.pending_console_steps]
        return "\n".join(lines) or "Nothing was applied."

    def verify(self, check: Callable[[], Verification]) -> Verification:
        """Run the step's verification, display it, and in a headless apply run require it.

        Interactive, a "Check again" button re-runs ``check`` (e.g. after a console step).

        Raises:
            StepIncompleteError: headless with ``apply=True``, when a check failed.
        """
        verification = check()
        self.report.record_verification(verification)
        display(verification.to_frame())
        if not self.headless:
            from runbook_lib import widgets

            display(widgets.check_again_button(self, check))
        elif self.apply_changes and not verification.passed:
            raise StepIncompleteError(
                self.step, verification.failures,
                advice="Do what each failed check says (console steps cannot be automated on a "
                "real account), then run the step again.",
            )
        return verification

    def with_sandbox_examples(self, **fields: Any) -> dict[str, Any]:
        """Return ``fields`` with the empty ones filled from ``SANDBOX_EXAMPLES`` in the sandbox.

        "Run All" in a workshop then reaches the bottom without typing; on a real account empty
        fields stay empty, so validation names them.
        """
        if not self.ctx.is_sandbox:
            return dict(fields)
        filled = {name: SANDBOX_EXAMPLES[name] for name, value in fields.items() if not value and name in SANDBOX_EXAMPLES}
        if filled:
            listed = ", ".join(f"{name}={value!r}" for name, value in filled.items())
            display(f"Sandbox: using example values {listed} (set them in the parameters cell to choose your own).")
        return {**fields, **filled}

    def confirm(self, item: str, confirmed: bool) -> None:
        """Record the person's confirmation of a guided checklist item."""
        self.report.confirmations[item] = confirmed

    def checklist(self, items: tuple[ChecklistItem, ...], *, user_name: str, confirmed: list[str]) -> None:
        """Show the guided items with no API, record what the person confirmed.

        ``confirmed`` is the parameter twin of the checkboxes. In a headless sandbox run with
        ``simulate_console``, the sandbox plays each item and that counts as confirmed.

        Raises:
            InputError: when ``confirmed`` names an item this checklist does not have.
        """
        unknown = unknown_confirmations(items, list(confirmed))
        if unknown:
            raise InputError("confirmed", unknown[0], f"not an item of this checklist; items: {', '.join(item.key for item in items)}")
        for key in confirmed:
            self.confirm(key, True)
        sandbox = self.sandbox
        if sandbox is not None:  # the sandbox's "console" shows what was done; a rerun plays nothing twice
            for key in find_played_items(items, sandbox, user_name):
                self.confirm(key, True)
            if self.headless and self.apply_changes and self.simulate_console:
                for item in items:
                    if not self.report.confirmations.get(item.key):
                        self.play_checklist_item(item, user_name)
        import pandas

        display(pandas.DataFrame(
            [{"item": item.key, "what to do": describe_item(item, user_name),
              "confirmed": bool(self.report.confirmations.get(item.key))} for item in items],
            columns=["item", "what to do", "confirmed"],
        ))
        if not self.headless:
            from runbook_lib import widgets

            display(widgets.checklist_controls(self, items, user_name))

    def play_checklist_item(self, item: ChecklistItem, user_name: str) -> str:
        """Play a checklist item's console step in the sandbox and count it as confirmed."""
        done = self.play_console_step(item.sandbox_step, user=user_name if item.per_user else "")
        self.confirm(item.key, True)
        return done

    def record_failure(self, error: RunbookError) -> None:
        """Note the error that stopped the step and write the report, so the summary keeps the
        calls made before it."""
        self.report.error = f"{type(error).__name__}: {error}"
        self.finish()

    def finish(self) -> StepReport:
        """Note the AWS calls made and write the report where the runner expects it."""
        self.report.record_calls(self.ctx.recorder.calls)
        if self.summary_file:
            path = Path(self.summary_file)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(asdict(self.report), indent=2) + "\n", encoding="utf-8")
        return self.report


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
) -> StepRun:
    """Validate the parameters, connect, say who the runbook acts as, and start the step's report.

    Raises:
        InputError: for a parameter the runbook cannot use (before any AWS call).
        RunbookError: when AWS cannot be reached or refuses, with what to do next.
    """
    show_errors_plainly()
    settings = resolve_settings(target=target, profile=profile, region=region, account_id=account_id)
    ctx = connect(settings)
    caller = read_caller(ctx, expected_account_id=settings.account_id)
    where = "the local sandbox" if ctx.is_sandbox else f"profile {settings.profile!r}"
    display(f"Acting on account {caller.account_id} in {settings.region} through {where}, as {caller.arn}.")
    if caller.is_root:
        display(
            "WARNING: the runbook is acting as the ROOT user. Root can do anything, including "
            "closing the account. Finish steps 01-03, then use the Admin user's profile."
        )
    run = StepRun(
        step, settings, ctx, caller,
        headless=headless, apply_changes=apply, simulate_console=simulate_console,
        summary_file=summary_file,
    )
    show_errors_plainly(on_error=run.record_failure)
    return run
