"""The audit's verdict (pure): every check of an account's facts, and when a run must fail.

``judge_account`` runs each judge in a fixed order (root, the organization and Identity Center,
the people, the bill, the hardening chosen). A headless audit fails, after writing its report,
when a check of ``critical`` or ``high`` severity fails (``AuditFailedError``); lesser findings
are reported and left to the person.
"""

from __future__ import annotations

import datetime

from runbook_lib.audit.facts import AccountFacts, HardeningFacts
from runbook_lib.audit.judge import (
    ROOT_RECENT_DAYS,
    AuditDesign,
    judge_admin_access,
    judge_administrative_policies,
    judge_developer_access,
    judge_iam_users,
    judge_identity_center,
    judge_organization,
    judge_root,
    judge_workloads,
)
from runbook_lib.audit.judge_guardrails import (
    judge_access_analyzer,
    judge_anomaly_alerts,
    judge_budget_alerts,
    judge_ebs_encryption,
    judge_public_access_block,
    judge_security_contact,
    judge_trails,
)
from runbook_lib.checks import FAIL, Check, metadata_for
from runbook_lib.errors import RunbookError

SERIOUS_SEVERITIES = ("critical", "high")
HARDENING_LEDGER_KINDS = {
    "cloudtrail": ("cloudtrail_trail.", "s3_bucket."),
    "s3_block_public_access": ("s3_account_public_access_block.",),
    "ebs_encryption_by_default": ("ec2_ebs_encryption_by_default.",),
    "access_analyzer": ("accessanalyzer_analyzer.",),
}
"""The ledger's address prefixes that say an optional item was chosen in step 07."""


class AuditFailedError(RunbookError):
    """Raised when a headless audit finds a check of critical or high severity failed.

    The report is written first, so it holds every finding.

    Attributes:
        failed: ``<check id> (<resource>)`` per serious failure.
        report_files: The report's files (HTML, CSV, JSON).
    """

    def __init__(self, failed: list[str], report_files: list[str]) -> None:
        self.failed = list(failed)
        self.report_files = list(report_files)
        listed = "\n".join(f"  - {line}" for line in self.failed)
        where = f"\nThe report: {self.report_files[0]}" if self.report_files else ""
        super().__init__(
            f"The audit found {len(self.failed)} failed check(s) of critical or high severity:\n{listed}{where}",
            advice="Each row of the report says what to do and which notebook fixes it; run that notebook, then "
            "run 08_audit_account again.",
        )


def chosen_hardening(ledger_addresses: frozenset[str] | set[str], asked: list[str] | tuple[str, ...] = ()) -> frozenset[str]:
    """Return the optional items to audit: those ``asked`` for, else those step 07's ledger shows."""
    if asked:
        return frozenset(asked)
    return frozenset(item for item, prefixes in HARDENING_LEDGER_KINDS.items()
                     if any(address.startswith(prefixes) for address in ledger_addresses))


def judge_hardening_chosen(hardening: HardeningFacts, chosen: frozenset[str], account_id: str, region: str) -> list[Check]:
    """Judge the optional items chosen (none when none was)."""
    checks: list[Check] = []
    if "cloudtrail" in chosen and hardening.trails is not None:
        checks += judge_trails(hardening.trails, hardening.trail_buckets, account_id)
    if "s3_block_public_access" in chosen and hardening.public_access_block is not None:
        checks += judge_public_access_block(hardening.public_access_block, account_id)
    if "ebs_encryption_by_default" in chosen and hardening.ebs_encryption is not None:
        checks += judge_ebs_encryption(hardening.ebs_encryption)
    if "access_analyzer" in chosen and hardening.analyzers is not None:
        checks += judge_access_analyzer(hardening, region)
    return checks


def judge_account(facts: AccountFacts, design: AuditDesign, *, now: datetime.datetime,
                  root_recent_days: int = ROOT_RECENT_DAYS) -> list[Check]:
    """Return every check of the account, in the report's order."""
    identity, account_id = facts.identity, facts.account_id
    return [
        *judge_root(identity, account_id, now=now, recent_days=root_recent_days),
        *judge_organization(identity, account_id),
        *judge_identity_center(identity, facts.region),
        *judge_admin_access(identity, account_id, design),
        *judge_developer_access(identity, design),
        *judge_administrative_policies(identity, account_id, design),
        *judge_iam_users(identity, account_id, now=now),
        *judge_workloads(identity, account_id, design),
        *judge_budget_alerts(facts.costs, account_id),
        *judge_anomaly_alerts(facts.costs, account_id),
        *judge_security_contact(facts.costs),
        *judge_hardening_chosen(facts.hardening, design.hardening_chosen, account_id, facts.region),
    ]


def serious_failures(checks: list[Check]) -> list[Check]:
    """Return the failed checks of critical or high severity."""
    return [check for check in checks if check.status == FAIL and metadata_for(check.check_id).severity in SERIOUS_SEVERITIES]


def require_no_serious_failure(checks: list[Check], report_files: list[str]) -> None:
    """Refuse an audit with a failed check of critical or high severity (call it after writing
    the report).

    Raises:
        AuditFailedError: naming each such check and its resource.
    """
    serious = serious_failures(checks)
    if serious:
        raise AuditFailedError([f"{check.check_id} ({check.resource}): {check.detail}" for check in serious], report_files)
