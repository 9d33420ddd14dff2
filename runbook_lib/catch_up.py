"""Catch a learner up: bring the sandbox to the state after step N, through the steps' own code.

A workshop learner who fell behind joins the group at step N+1. Doing the notebooks 01..N by hand
takes many minutes and screenfuls; instead each step is planned and applied here exactly as
its notebook does it headless with ``apply`` and ``simulate_console``: the same readers, planners
and appliers, the same ``StepRun`` (so console steps and checklist items are played the same way),
and each notebook's own parameter defaults (read from its parameters cell), empty person fields
filled with the sandbox's examples. A step whose plan is empty applies nothing, so catching up
twice changes nothing the second time.

Only the sandbox can be caught up (or reset): a real account's console steps need the person.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Mapping

from runbook_lib.audit import report as audit_report
from runbook_lib.aws import AwsContext, sandbox_context
from runbook_lib.errors import RunbookError
from runbook_lib.ledger import Ledger
from runbook_lib.parameters import NOTEBOOKS_DIR, read_parameter_specs
from runbook_lib.sandbox import SandboxClient
from runbook_lib.sandbox.process import WORKSHOP_MODE
from runbook_lib.step_run import StepRun
from runbook_lib.steps import (
    access,
    admin_user,
    audit_account,
    cli_profiles,
    developer_access,
    developer_user,
    guardrails,
    identity_center,
    secure_root,
)
from runbook_lib.steps.checklist import ADMIN_CHECKLIST, DEVELOPER_CHECKLIST, ChecklistItem
from runbook_lib.validate.steps import CATCH_UP_STEPS, resolve_catch_up_step
from runbook_lib.steps.status import STEPS as STATUS_STEPS
from runbook_lib.steps.status import find_last_audit
from runbook_lib.target import CallerIdentity, Settings, read_caller
from runbook_lib.validate import SANDBOX

SIGN_IN_TIMEOUT_SECONDS = 60.0
"""How long step 06's sign-in may take; the sandbox approves it at once."""


class CatchUpRefusedError(RunbookError):
    """Raised when catching up (or resetting) is asked for anywhere but the workshop sandbox."""


@dataclass(frozen=True)
class StepCaughtUp:
    """What catching up did for one step: the sentences of what was applied (none: already done)."""

    step: str
    applied: tuple[str, ...] = ()


@dataclass
class CatchUp:
    """The whole catch-up: each step's part, and how long it took.

    Attributes:
        up_to: The last step caught up to.
        steps: One entry per step 01..``up_to``, in order.
        seconds: The wall-clock time it took.
    """

    up_to: str
    steps: list[StepCaughtUp] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Return True when some step applied something."""
        return any(step.applied for step in self.steps)

    @property
    def next_step(self) -> str:
        """The step the learner goes on with."""
        index = CATCH_UP_STEPS.index(self.up_to)
        return CATCH_UP_STEPS[index + 1] if index + 1 < len(CATCH_UP_STEPS) else "99_teardown"

    def describe(self) -> str:
        """Return what was done, a line a step, then where to go on."""
        lines = [
            f"{step.step}: " + (f"{len(step.applied)} change(s) made." if step.applied else "already done, nothing changed.")
            for step in self.steps
        ]
        done = "The sandbox was already there: nothing changed." if not self.changed else f"Caught up in {self.seconds:.1f} s."
        return "\n".join([*lines, done, f"Go on with {self.next_step}."])


def catch_up_choices() -> list[tuple[str, str]]:
    """Return the steps as 00's dropdown offers them: ``("06 Verify the developer's access", step)``."""
    titles = {definition.step: definition.title for definition in STATUS_STEPS}
    return [(f"{step[:2]} {titles.get(step, step[3:].replace('_', ' '))}", step) for step in CATCH_UP_STEPS]


def step_defaults(step: str, *, notebooks_dir: Path = NOTEBOOKS_DIR) -> dict[str, Any]:
    """Return the defaults of ``step``'s parameters cell: what its notebook runs with untouched."""
    return {name: spec.default for name, spec in read_parameter_specs(notebooks_dir / f"{step}.ipynb").items()}


def with_examples(values: Mapping[str, Any], examples: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``values`` with empty fields filled from the sandbox's examples, as the notebooks do."""
    return {name: (examples[name] if not value and name in examples else value) for name, value in values.items()}


def require_workshop_sandbox(ctx: AwsContext) -> SandboxClient:
    """Return the sandbox ``ctx`` acts on, when it is one the runbook's own keys may change.

    Raises:
        CatchUpRefusedError: on a real account, or in a rehearsal sandbox (its root has only the console).
    """
    if not ctx.is_sandbox or not ctx.endpoint_url:
        raise CatchUpRefusedError(
            "Catching up works in the sandbox only: on a real account each step's console part needs you.",
            advice="Choose the sandbox in 00_start_here to practise, or run the steps' notebooks in order.",
        )
    sandbox = SandboxClient(ctx.endpoint_url)
    if sandbox.mode() != WORKSHOP_MODE:
        raise CatchUpRefusedError(
            "This sandbox rehearses a new account (the runbook's keys are refused there), so it cannot be caught up.",
            advice="Run the steps' notebooks in order, or `make lab` for a workshop sandbox.",
        )
    return sandbox


@dataclass
class _Steps:
    """The steps' parts of a catch-up: one method per step, each doing its notebook's cells."""

    ctx: AwsContext
    caller: CallerIdentity
    examples: Mapping[str, Any]
    changed: bool = False

    def begin(self, step: str) -> tuple[StepRun, dict[str, Any]]:
        """Return the step's run as the runner starts it (headless, ``apply``, ``simulate_console``),
        and the values its notebook runs with untouched in the sandbox."""
        run = StepRun(
            step, Settings(target=SANDBOX, region=self.ctx.region), self.ctx, self.caller,
            headless=True, apply_changes=True, simulate_console=True,
        )
        return run, with_examples(step_defaults(step), self.examples)

    def secure_root(self, run: StepRun, values: dict[str, Any]) -> None:
        plan = run.record_plan(secure_root.plan_secure_root(secure_root.read_root_state(self.ctx, self.caller)))
        run.apply_now(plan, None, play_console=True)

    def identity_center(self, run: StepRun, values: dict[str, Any]) -> None:
        account_id = self.caller.account_id
        plan = run.record_plan(identity_center.plan_identity_center(identity_center.read_identity_center_state(self.ctx, account_id)))
        if plan.is_empty:
            return
        run.apply_now(plan, partial(identity_center.apply_identity_center, self.ctx, plan, account_id), play_console=True)
        identity_center.wait_for_instance(self.ctx, timeout_seconds=values["wait_seconds"])

    def access(self, run: StepRun, spec: access.AccessSpec, checklist: tuple[ChecklistItem, ...], confirmed: list[str]) -> None:
        """Do step 03's or 04's plan, then its checklist (the sandbox plays what is not yet done)."""
        instance = identity_center.require_instance(self.ctx)
        state = access.read_access_state(self.ctx, instance, self.caller.account_id, spec)
        plan = run.record_plan(access.plan_access(run.step, state, spec))
        if not plan.is_empty:
            run.apply_now(plan, partial(access.apply_access, self.ctx, plan, state, spec), play_console=True)
        run.gather_confirmations(checklist, user_name=spec.user.user_name, confirmed=confirmed)

    def admin_user(self, run: StepRun, values: dict[str, Any]) -> None:
        spec = admin_user.build_admin_spec(**{name: values[name] for name in (
            "user_name", "given_name", "family_name", "display_name", "email", "permission_set_name",
            "session_duration_hours", "group_name")})
        self.access(run, spec, ADMIN_CHECKLIST, values["confirmed"])

    def developer_user(self, run: StepRun, values: dict[str, Any]) -> None:
        spec, _ = developer_user.build_developer_spec(**{name: values[name] for name in (
            "developer_name", "given_name", "family_name", "display_name", "email", "services",
            "permission_set_name", "session_duration_hours", "group_name")})
        self.access(run, spec, DEVELOPER_CHECKLIST, values["confirmed"])

    def cli_profiles(self, run: StepRun, values: dict[str, Any]) -> None:
        fields = cli_profiles.validate_fields(**{name: values[name] for name in (
            "developer_name", "developer_profile", "developer_role", "admin_profile", "admin_role", "session_name",
            "portal_url", "sso_region", "output", "config_file")})
        profiles, sessions = cli_profiles.build_step_profiles(
            fields, ctx=self.ctx, account_id=self.caller.account_id, region=self.ctx.region,
            developer_name=values["developer_name"],
        )
        path = cli_profiles.resolve_config_file(self.ctx, fields.config_file)
        plan, config_plan = cli_profiles.plan_profiles(profiles, sessions, path=path, replace_conflicts=values["replace_conflicts"])
        run.record_plan(plan)
        if not plan.is_empty:
            run.apply_now(plan, partial(cli_profiles.apply_profiles, plan, config_plan), play_console=True)

    def developer_access(self, run: StepRun, values: dict[str, Any]) -> None:
        profile_name = values["developer_profile"] or f"{values['developer_name']}{developer_user.DEVELOPER_SUFFIX}"
        path = cli_profiles.resolve_config_file(self.ctx, values["config_file"])
        settings = developer_access.read_profile_settings(path, profile_name)
        plan = run.record_plan(developer_access.plan_sign_in(settings, developer_access.read_token_state(self.ctx, settings)))
        if plan.is_empty:
            return
        sandbox = SandboxClient(self.ctx.endpoint_url or "")
        run.apply_now(plan, partial(
            developer_access.sign_in, self.ctx, settings, on_prompt=lambda prompt: None,
            approve=lambda prompt: sandbox.approve_device(prompt.user_code, user=values["sign_in_as"] or profile_name),
            timeout_seconds=min(values["login_timeout_seconds"], SIGN_IN_TIMEOUT_SECONDS),
        ), play_console=True)

    def guardrails(self, run: StepRun, values: dict[str, Any]) -> None:
        account_id = self.caller.account_id
        named = with_examples({"email": values["security_contact_email"], "given_name": values["security_contact_name"]}, self.examples)
        spec = guardrails.build_guardrails_spec(
            account_id=account_id, security_contact_name=named["given_name"], security_contact_email=named["email"],
            sandbox=True, **{name: values[name] for name in (
                "budget_name", "budget_limit_usd", "budget_alerts", "alert_emails", "alert_sns_topic_arn",
                "anomaly_monitor_name", "anomaly_subscription_name", "anomaly_threshold_usd", "security_contact_title",
                "security_contact_phone", "cloudtrail", "trail_name", "trail_bucket_name", "s3_block_public_access",
                "ebs_encryption_by_default", "access_analyzer", "analyzer_name")},
        )
        ledger = Ledger.load(account_id, sandbox=True)
        state = guardrails.read_guardrails_state(self.ctx, account_id, spec, ledger)
        plan = run.record_plan(guardrails.plan_guardrails(state, spec))
        if not plan.is_empty:
            run.apply_now(plan, lambda: guardrails.apply_guardrails(self.ctx, plan, state, spec, ledger), play_console=True)
        run.gather_confirmations(guardrails.GUARDRAILS_CHECKLIST, user_name="", confirmed=values["confirmed"])

    def audit_account(self, run: StepRun, values: dict[str, Any]) -> None:
        """Audit and keep the report where 08 keeps it, unless one of this account's is there and
        nothing changed since (the audit reads only: its report is all it leaves)."""
        account_id = self.caller.account_id
        if not self.changed and find_last_audit(account_id, sandbox=True) is not None:
            return
        design = audit_account.build_design(
            Ledger.load(account_id, sandbox=True), admin_permission_set=values["admin_permission_set"],
            developer_permission_set=values["developer_permission_set"], hardening=values["hardening"],
        )
        facts, checks = audit_account.audit_account(self.ctx, account_id, design, root_recent_days=values["root_recent_days"])
        folder = audit_report.report_folder("", values["report_folder"], sandbox=True)
        files = audit_report.write_report(audit_report.AuditReport.of(facts, checks), folder)
        run.report.applied.append(f"audit report written: {files[0]}")


def catch_up_sandbox(
    ctx: AwsContext,
    up_to: object,
    *,
    examples: Mapping[str, Any],
    caller: CallerIdentity | None = None,
    on_step: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> CatchUp:
    """Bring the sandbox to the state after step ``up_to``: plan then apply each step 01..``up_to``.

    Each step is done as its notebook does it headless with ``apply`` and ``simulate_console``
    (see the module's docstring); what is already done is left as it is.

    IAM actions: those of every step's read and apply (the sandbox's own keys may do them all).

    Args:
        ctx: The sandbox's context (a real account is refused).
        up_to: The last step: its number (``6``, ``"06"``) or its notebook's name.
        examples: The sandbox's example values for the person's empty fields
            (``notebook.SANDBOX_EXAMPLES``): the values the notebooks fill in the sandbox.
        caller: Who the runbook acts as; None: asked here (``sts:GetCallerIdentity``).
        on_step: Told each step's id as it begins (a progress line).
        clock: Where the time taken comes from.

    Raises:
        InputError: naming ``catch_up_to`` when ``up_to`` names no step 01 to 08.
        CatchUpRefusedError: outside the workshop sandbox (before any change).
        RunbookError: as the steps raise (a conflict, the sandbox unreachable).
    """
    last = resolve_catch_up_step(up_to)
    require_workshop_sandbox(ctx)
    started = clock()
    steps = _Steps(ctx, caller or read_caller(ctx), examples)
    result = CatchUp(last)
    for step in CATCH_UP_STEPS[: CATCH_UP_STEPS.index(last) + 1]:
        if on_step is not None:
            on_step(step)
        run, values = steps.begin(step)
        getattr(steps, STEP_METHODS[step])(run, values)
        run.stop_for_decisions()  # a conflict (someone else's user of that name) is the person's to decide
        result.steps.append(StepCaughtUp(step, tuple(run.report.applied)))
        steps.changed = steps.changed or bool(run.report.applied)
    ctx.reads.forget()  # the steps changed the sandbox, some of it by its own hand (console steps, sign-ins)
    result.seconds = clock() - started
    return result


STEP_METHODS = {
    secure_root.STEP_ID: "secure_root", identity_center.STEP_ID: "identity_center", admin_user.STEP_ID: "admin_user",
    developer_user.STEP_ID: "developer_user", cli_profiles.STEP_ID: "cli_profiles",
    developer_access.STEP_ID: "developer_access", guardrails.STEP_ID: "guardrails", audit_account.STEP_ID: "audit_account",
}
"""Which part of ``_Steps`` does each step."""


def catch_up_sandbox_at(url: str, up_to: object, *, examples: Mapping[str, Any], region: str = "us-east-1") -> CatchUp:
    """Catch up the sandbox at ``url`` (see ``catch_up_sandbox``); for tests and scripts."""
    return catch_up_sandbox(sandbox_context(url, region), up_to, examples=examples)


def reset_sandbox(ctx: AwsContext) -> str:
    """Make the sandbox a brand-new account with everything it owns on this machine.

    Its AWS CLI config file and backups, its sign-ins' cached tokens, its ledger and audit
    reports, and settings that choose it go too (``sandbox.local_files``).

    Returns:
        What happened, in a sentence, with the files removed.

    Raises:
        CatchUpRefusedError: on a real account, which the runbook never resets.
        SandboxError: when the sandbox cannot be reached.
    """
    if not ctx.is_sandbox or not ctx.endpoint_url:
        raise CatchUpRefusedError(
            "Only the sandbox can be reset; a real account is never reset by the runbook.",
            advice="To remove what the runbook made in a real account, use 99_teardown.",
        )
    ctx.reads.forget_everything()  # the account they were read from is gone
    removed = SandboxClient(ctx.endpoint_url).reset()
    listed = "".join(f"\n  {path}" for path in removed)
    return f"The sandbox is a brand-new account again; removed what named the old one:{listed}" if removed else (
        "The sandbox is a brand-new account again (it had nothing of its own on this machine).")
