"""A step's state at the end of its notebook, judged from its report: done, needs you, or failed.

Every step notebook ends with one line saying where the person stands and which notebook comes
next (``NotebookStep.finish`` shows it). The judgement is pure: a ``StepReport`` in, a
``StateLine`` out, so every case is tested without a kernel.
"""

from __future__ import annotations

from collections.abc import Sequence

from runbook_lib.checks import FAIL, MANUAL, WARN
from runbook_lib.plan import CONSOLE
from runbook_lib.step_run import StepReport
from runbook_lib.tables import StateLine

NOTEBOOK_ORDER = (
    "00_start_here", "01_secure_root_user", "02_enable_identity_center", "03_create_admin_user",
    "04_create_developer_user", "05_configure_aws_cli", "06_verify_developer_access", "07_set_guardrails",
    "08_audit_account", "99_teardown",
)
"""The notebooks in the order a person takes them (a test keeps it equal to ``notebooks/``)."""

DONE_SENTENCES = {
    "01_secure_root_user": "root has MFA and no access keys",
    "02_enable_identity_center": "IAM Identity Center is enabled",
    "03_create_admin_user": "Admin can administer this account",
    "04_create_developer_user": "the developer user has the chosen services, and only those",
    "05_configure_aws_cli": "the AWS CLI profiles are written",
    "06_verify_developer_access": "the developer's profile signs in as the developer",
    "07_set_guardrails": "the guardrails are in place",
    "08_audit_account": "the audit found no failure",
    "99_teardown": "nothing the runbook created is left",
}
"""What "done" means for each step, in the words its closing line uses."""

CHECKLIST_MARK = "_checklist_"
"""Check ids of guided checklist items (``sso_checklist_mfa_registered``) hold this."""
LISTED = 3
"""How many check ids a closing line names before it says "and N more"."""


AUDIT_NOTEBOOK = "08_audit_account"


def has_closing_line(step: str) -> bool:
    """Return True for a step notebook (01-08, 99); 00_start_here shows every step's status instead."""
    return step in DONE_SENTENCES


def next_notebook(step: str) -> str:
    """Return the file name of the notebook after ``step`` (after the last: back to the start)."""
    if step not in NOTEBOOK_ORDER:
        return ""
    index = NOTEBOOK_ORDER.index(step)
    return f"{NOTEBOOK_ORDER[(index + 1) % len(NOTEBOOK_ORDER)]}.ipynb"


def describe_planned(planned: list[dict]) -> str:
    """Return what the person does with a plan not applied: apply its API changes, do its console steps."""
    console = sum(CONSOLE in change.get("change", {}).get("actions", ()) for change in planned)
    api = len(planned) - console
    parts = [f"apply the plan ({_count(api, 'change')})"] if api else []
    parts += [f"do the {_count(console, 'console step')}"] if console else []
    return " and ".join(parts)


def _named(ids: list[str]) -> str:
    unique = list(dict.fromkeys(ids))
    shown = ", ".join(unique[:LISTED])
    return shown + (f" and {len(unique) - LISTED} more" if len(unique) > LISTED else "")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def judge_step_state(report: StepReport) -> StateLine:
    """Return the step's closing line from what its report holds.

    Failed: an error stopped it. Needs you: not verified yet, a check failing (the plan not
    applied, console steps left), a conflict to decide, a warning with the plan not applied (a
    teardown not confirmed), checklist items left. Done: verified, nothing left. A verification
    that passes outranks what the report did not see: console steps the person did by hand.
    """
    number = report.step.split("_", 1)[0]
    following = next_notebook(report.step)

    def needs(what: str) -> StateLine:
        return StateLine("needs_you", f"{number} needs you: {what}", following)

    if report.error:
        return StateLine("failed", f"{number} failed: {report.error.splitlines()[0]}")  # fix it here first
    if report.verified is None:
        return needs("not verified yet; run the Verify cell")
    not_applied = bool(report.planned) and not report.applied
    failing = [check["check_id"] for check in report.verification if check["status"] == FAIL]
    warnings = sum(check["status"] == WARN for check in report.verification)
    if failing:
        if not_applied:
            return needs(f"{describe_planned(report.planned)}, then Check again")
        if report.pending_console_steps:
            return needs(f"do the {_count(len(report.pending_console_steps), 'console step')}, then Check again")
        return needs(f"{_count(len(failing), 'check')} failing ({_named(failing)})")
    if report.needs_you:
        return needs(f"{_count(len(report.needs_you), 'decision')} in the plan")
    if warnings and not_applied:
        return needs(f"the plan is not applied yet ({_count(len(report.planned), 'change')})")
    open_items = [check["check_id"] for check in report.verification
                  if check["status"] in (WARN, MANUAL) and CHECKLIST_MARK in check["check_id"]]
    if open_items:
        return needs(f"{_count(len(open_items), 'checklist item')} to confirm")
    done = DONE_SENTENCES.get(report.step, "verified")
    return StateLine("done", f"{number} done: {done}" + (f" ({_count(warnings, 'warning')})" if warnings else ""), following)


def start_state(statuses: Sequence[tuple[str, str]]) -> StateLine:
    """Return 00_start_here's closing line from every step's status (``(step, status)`` pairs, as
    its table shows them): the first step not done yet is the notebook to open next.

    00 changes nothing, so it is "done" once it knows where the runbook acts; what a learner needs
    at its end is where to go on, which after a catch-up or on a half-done account is not 01.
    """
    left = [step for step, status in statuses if status not in ("done", "info")]
    if not left:
        return StateLine("done", "00 done: every step is done; audit the account any time", f"{AUDIT_NOTEBOOK}.ipynb")
    return StateLine("done", f"00 done: the runbook knows where it acts; next to do: step {left[0][:2]}", f"{left[0]}.ipynb")
