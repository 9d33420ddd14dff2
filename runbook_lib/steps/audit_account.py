"""Step 08: audit the account, read-only, at any time: collect, judge, report.

What the runbook built is known to the audit (``AuditDesign``): the Admin's and the developer's
permission sets by name, and the hardening chosen in step 07 from its ledger, so findings the
runbook makes on purpose come out ``ACCEPTED`` with their reason. A headless audit fails after
writing its report when a check of critical or high severity fails (``AuditFailedError``).
"""

from __future__ import annotations

import datetime

from runbook_lib.audit.collect import collect_account
from runbook_lib.audit.collect_hardening import HARDENING_ITEMS
from runbook_lib.audit.facts import AccountFacts
from runbook_lib.audit.judge import ROOT_RECENT_DAYS, AuditDesign
from runbook_lib.audit.verdict import chosen_hardening, judge_account
from runbook_lib.aws import AwsContext, translating_aws_errors
from runbook_lib.aws_memo import reads_once
from runbook_lib.checks import Check, Verification
from runbook_lib.errors import InputError
from runbook_lib.ledger import Ledger
from runbook_lib.validate import validate_permission_set_name

STEP_ID = "08_audit_account"
MAX_SPENDING_MONTHS = 12


def build_design(
    ledger: Ledger, *, admin_permission_set: str, developer_permission_set: str, hardening: list[str],
) -> AuditDesign:
    """Validate the audit's parameters and return what it knows the runbook built.

    Raises:
        InputError: naming the field, for a permission set name or a hardening item that cannot be.
    """
    unknown = [item for item in hardening if item not in HARDENING_ITEMS]
    if unknown:
        raise InputError("hardening", hardening, f"unknown item {unknown[0]!r}; the items are: {', '.join(HARDENING_ITEMS)}")
    return AuditDesign(
        admin_permission_set=validate_permission_set_name(admin_permission_set, field="admin_permission_set"),
        developer_permission_set=validate_permission_set_name(developer_permission_set, field="developer_permission_set"),
        hardening_chosen=chosen_hardening(frozenset(ledger.entries), hardening),
        runbook_addresses=frozenset(ledger.entries),
    )


def validate_spending_months(months: object) -> int:
    """Return how many past months the spending view reads.

    Raises:
        InputError: naming ``spending_months`` unless it is a whole number from 1 to 12.
    """
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_SPENDING_MONTHS:
        raise InputError("spending_months", months, f"must be a whole number from 1 to {MAX_SPENDING_MONTHS}")
    return months


@translating_aws_errors
@reads_once
def audit_account(
    ctx: AwsContext,
    account_id: str,
    design: AuditDesign,
    *,
    root_recent_days: int = ROOT_RECENT_DAYS,
    now: datetime.datetime | None = None,
) -> tuple[AccountFacts, list[Check]]:
    """Collect the account's facts and judge them.

    IAM actions: those of ``audit.collect.collect_account`` (reads only; ``SecurityAudit`` and
    ``ViewBilling`` cover them).
    """
    moment = now or datetime.datetime.now(datetime.timezone.utc)
    facts = collect_account(ctx, account_id, hardening_items=design.hardening_chosen, now=moment)
    return facts, judge_account(facts, design, now=moment, root_recent_days=root_recent_days)


def as_verification(checks: list[Check]) -> Verification:
    """Return the audit's checks as the step's verification (for the run summary)."""
    return Verification(STEP_ID, tuple(checks))
