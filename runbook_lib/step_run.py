"""One step's run, without any UI: where it acts, what it planned, applied, confirmed and verified.

A notebook (``runbook_lib.notebook``) shows a ``StepRun``; the runner reads the report it
writes. Nothing here prints, displays or imports a widget, so every behaviour of a step's run can
be tested without a kernel.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from runbook_lib.aws import AwsContext
from runbook_lib.checks import Verification
from runbook_lib.errors import InputError, NeedsYouError, NoAwsAccessError, RunbookError, StepIncompleteError
from runbook_lib.plan import CONFLICT, NO_OP, Plan
from runbook_lib.sandbox.client import SandboxClient
from runbook_lib import addresses
from runbook_lib.steps.checklist import ChecklistItem, find_played_items, unknown_confirmations
from runbook_lib.steps.console import apply_console_changes
from runbook_lib.target import CallerIdentity, Settings, connect, read_caller, resolve_settings
from runbook_lib.validate import NO_AWS_ACCESS

PLAN_FILE_SUFFIX = ".plan.json"
"""Beside each step's report, the run keeps its plan as JSON (Terraform's shape)."""
NO_AWS_ACCESS_CALLER = "no AWS access"
"""The report's ``acted_as`` with target ``none``: nobody, no AWS call."""


@dataclass
class StepReport:
    """What one step did, for the run summary: planned, applied, verified, AWS calls made.

    Attributes:
        acted_as: Who the runbook acted as (the caller's ARN), or ``no AWS access``.
        plan: The plan as JSON (``Plan.to_json``), empty until planned.
        needs_you: What the person must decide before the step can finish, one sentence per
            conflict of the plan (``<address>: <what to decide>``); empty when nothing.
    """

    step: str
    target: str = ""
    acted_as: str = ""
    plan: dict[str, Any] = field(default_factory=dict)
    planned: list[dict[str, Any]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    pending_console_steps: list[str] = field(default_factory=list)
    confirmations: dict[str, bool] = field(default_factory=dict)
    verification: list[dict[str, str]] = field(default_factory=list)
    verified: bool | None = None
    read_calls: int = 0
    write_calls: int = 0
    calls: list[str] = field(default_factory=list)
    error: str | None = None
    needs_you: list[str] = field(default_factory=list)

    def record_plan(self, plan: Plan) -> None:
        """Note the planned changes (and the whole plan as JSON), and what its conflicts leave
        to the person."""
        self.plan = plan.to_json()
        self.planned = [change.to_json() for change in plan.changes if change.action != NO_OP]
        self.needs_you = [f"{change.address}: {change.detail}" for change in plan.conflicts]

    @property
    def conflicting_addresses(self) -> set[str]:
        """The addresses the recorded plan shows in conflict (nothing is counted for them)."""
        return {
            change["address"] for change in self.plan.get("resource_changes", [])
            if CONFLICT in change["change"]["actions"]
        }

    def record_verification(self, verification: Verification) -> None:
        """Note the verification's checks and verdict."""
        self.verification = [asdict(check) for check in verification.checks]
        self.verified = verification.passed

    def describe_calls(self) -> str:
        """Return the AWS call count, split into reads and writes."""
        return f"{self.step}: {self.read_calls} read and {self.write_calls} write AWS calls."

    def record_calls(self, calls: Iterable[object]) -> None:
        """Note the AWS calls made (objects with ``mutating`` and a ``service:operation`` str)."""
        made = list(calls)
        self.calls = [str(call) for call in made]
        self.write_calls = sum(1 for call in made if getattr(call, "mutating"))
        self.read_calls = len(made) - self.write_calls


@dataclass
class StepRun:
    """One step's run: the context it acts through and the report of what it did.

    Attributes:
        step: The step's id (the notebook's name without ``.ipynb``).
        settings: The validated target.
        ctx: The AWS context (its recorder counts the calls); with target ``none`` it has no
            credentials.
        caller: Who the runbook acts as; None with target ``none`` (nobody was asked).
        headless: True under papermill: nobody can click, the parameters decide.
        apply_changes: True when the plan is to be applied without asking.
        simulate_console: Sandbox only: play the console steps without asking.
        summary_file: Where to write the step's report for the run summary ('' for nowhere).
    """

    step: str
    settings: Settings
    ctx: AwsContext
    caller: CallerIdentity | None
    headless: bool
    apply_changes: bool
    simulate_console: bool
    summary_file: str = ""
    report: StepReport = field(init=False)

    def __post_init__(self) -> None:
        acted_as = self.caller.arn if self.caller is not None else NO_AWS_ACCESS_CALLER
        self.report = StepReport(step=self.step, target=self.settings.target, acted_as=acted_as)

    @property
    def region(self) -> str:
        """The region the runbook works in."""
        return self.settings.region

    @property
    def has_aws_access(self) -> bool:
        """Return False with target ``none``: the step uses only its parameters."""
        return self.caller is not None

    @property
    def account_id(self) -> str:
        """The account the step acts in: the caller's, or with target ``none`` the parameter's."""
        return self.caller.account_id if self.caller is not None else self.settings.account_id

    @property
    def sandbox(self) -> SandboxClient | None:
        """The sandbox (plays console steps, knows which are done), or None on a real account."""
        if not self.ctx.is_sandbox:
            return None
        return SandboxClient(self.ctx.endpoint_url or "")

    def record_plan(self, plan: Plan) -> Plan:
        """Note the plan in the report; return it."""
        self.report.record_plan(plan)
        return plan

    def apply_now(self, plan: Plan, apply_api: Callable[[], list[str]] | None, *, play_console: bool) -> list[str]:
        """Make the API changes, then play the console steps in the sandbox or leave them pending.

        Returns:
            What this call applied, one sentence a change.
        """
        applied: list[str] = []
        self.ctx.reads.forget()  # what was read before an apply is not to be trusted after it
        if plan.api_changes and apply_api is not None:
            applied += apply_api()
        console = self.sandbox if play_console else None
        played, pending = apply_console_changes(plan, console=console, region=self.region)
        applied += played
        if played:
            self.ctx.reads.forget()  # the sandbox changed the account, not a call of the context
        self.report.applied.extend(applied)
        self.report.pending_console_steps = pending
        return applied

    def play_console_step(self, step: str, *, user: str = "") -> str:
        """Play one console step in the sandbox (the 'simulate the console step' control).

        Raises:
            RunbookError: on a real account, where only the person can click in the console.
        """
        player = self.sandbox
        if player is None:
            raise RunbookError(
                "Console steps can only be simulated in the sandbox.",
                advice="On a real account, follow the guide in the plan's details in the AWS console.",
            )
        done = "sandbox played the console step: " + player.play_console_step(step, region=self.region, user=user)
        self.ctx.reads.forget()  # the sandbox changed the account, not a call of the context
        self.report.applied.append(done)
        if step in self.report.pending_console_steps:
            self.report.pending_console_steps.remove(step)
        return done

    def stop_for_decisions(self) -> None:
        """In a headless apply run, end the step as "needs you" when its plan held a conflict.

        Called once what does not depend on the conflict is applied: interactive, the plan's
        "Needs you" line stays on screen and the run goes on; headless, nobody would see it.

        Raises:
            NeedsYouError: headless with ``apply=True``, when the recorded plan needs the person.
        """
        if self.headless and self.apply_changes and self.report.needs_you:
            raise NeedsYouError(self.step, self.report.needs_you)

    def describe_applied(self) -> str:
        """Return what was applied and what is left to the person, in lines."""
        lines = [f"Applied: {line}" for line in self.report.applied]
        lines += [f"Left for you in the console: {step}" for step in self.report.pending_console_steps]
        return "\n".join(lines) or "Nothing was applied."

    def record_verification(self, verification: Verification) -> Verification:
        """Note the verification in the report; in a headless apply run, require it to pass.

        Raises:
            StepIncompleteError: headless with ``apply=True``, when a check failed.
        """
        self.report.record_verification(verification)
        if self.headless and self.apply_changes and not verification.passed:
            raise StepIncompleteError(
                self.step, verification.failures,
                advice="Do what each failed check says (console steps cannot be automated on a "
                "real account), then run the step again.",
            )
        return verification

    def confirm(self, item: str, confirmed: bool) -> None:
        """Record the person's confirmation of a guided checklist item."""
        self.report.confirmations[item] = confirmed

    def gather_confirmations(self, items: tuple[ChecklistItem, ...], *, user_name: str, confirmed: list[str]) -> None:
        """Record what the person confirmed of a checklist, and what the sandbox shows as done.

        ``confirmed`` is the parameter twin of the checkboxes. In a headless sandbox run with
        ``simulate_console``, the sandbox plays each item not yet done, and that counts as confirmed.
        For a user the plan shows in conflict (maybe someone else's), per-user items are neither
        recorded nor played: what that user did says nothing of the person asked for.

        Raises:
            InputError: when ``confirmed`` names an item this checklist does not have.
        """
        unknown = unknown_confirmations(items, list(confirmed))
        if unknown:
            listed = ", ".join(item.key for item in items)
            raise InputError("confirmed", unknown[0], f"not an item of this checklist; items: {listed}")
        if addresses.user_address(user_name) in self.report.conflicting_addresses:
            items = tuple(item for item in items if not item.per_user)
        counted = {item.key for item in items}
        for key in confirmed:
            if key in counted:
                self.confirm(key, True)
        sandbox = self.sandbox
        if sandbox is None:
            return
        for key in find_played_items(items, sandbox, user_name):  # a rerun plays nothing twice
            self.confirm(key, True)
        if self.headless and self.apply_changes and self.simulate_console:
            for item in items:
                if not self.report.confirmations.get(item.key):
                    self.play_checklist_item(item, user_name)

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

    def forget_failure(self) -> None:
        """Forget the recorded error: the cell it stopped ran again and succeeded (a form fixed)."""
        if self.report.error:
            self.report.error = None
            self.finish()

    def finish(self) -> StepReport:
        """Note the AWS calls made and write the report (and the plan beside it) for the runner."""
        self.report.record_calls(self.ctx.recorder.calls)
        if self.summary_file:
            path = Path(self.summary_file)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(asdict(self.report), indent=2) + "\n", encoding="utf-8")
            if self.report.plan:
                plan_path = path.with_name(path.stem + PLAN_FILE_SUFFIX)
                plan_path.write_text(json.dumps(self.report.plan, indent=2) + "\n", encoding="utf-8")
        return self.report


def begin_run(
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
) -> StepRun:
    """Validate the target, connect, and find who the runbook acts as.

    With target ``none`` no AWS call is made and there is no caller; only a step that says it
    ``runs_without_aws`` may go on.

    IAM actions: none (``sts:GetCallerIdentity``).

    Args:
        runs_without_aws: True for a step that can do its job with no AWS access at all (step 05
            writes the Admin's profile from its parameters).

    Raises:
        InputError: for a parameter the runbook cannot use (before any AWS call).
        NoAwsAccessError: with target ``none``, for a step that needs AWS (before connecting).
        RunbookError: when AWS cannot be reached or refuses, with what to do next.
    """
    settings = resolve_settings(target=target, profile=profile, region=region, account_id=account_id)
    if settings.target == NO_AWS_ACCESS and not runs_without_aws:
        raise NoAwsAccessError(step)
    ctx = connect(settings)
    caller = None if settings.target == NO_AWS_ACCESS else read_caller(ctx, expected_account_id=settings.account_id)
    return StepRun(
        step, settings, ctx, caller,
        headless=headless, apply_changes=apply, simulate_console=simulate_console,
        summary_file=summary_file,
    )
