"""Collect everything the audit judges, in one pass of reads.

Reads only (and ``iam:GenerateCredentialReport`` when no report exists, which builds a report of
what exists and changes nothing), so the audit is safe to run at any time, as any identity with
read access.
"""

from __future__ import annotations

import datetime
import time

from runbook_lib.audit.collect_costs import collect_costs
from runbook_lib.audit.collect_hardening import collect_hardening
from runbook_lib.audit.collect_identity import collect_identity
from runbook_lib.audit.facts import AccountFacts
from runbook_lib.aws import AwsContext, translating_aws_errors
from runbook_lib.aws_memo import reads_once
from runbook_lib.waiting import Sleep


@translating_aws_errors
@reads_once
def collect_account(
    ctx: AwsContext,
    account_id: str,
    *,
    hardening_items: frozenset[str] = frozenset(),
    now: datetime.datetime | None = None,
    sleep: Sleep = time.sleep,
) -> AccountFacts:
    """Return the facts of root, the people, the guardrails and the chosen hardening.

    Args:
        hardening_items: The optional items to read (``collect_hardening.HARDENING_ITEMS``);
            the others are not read at all.

    IAM actions: those of ``collect_identity.collect_identity``, ``collect_costs.collect_costs``
    and, for the items given, ``collect_hardening.collect_hardening``. The AWS managed policy
    ``SecurityAudit`` plus ``ViewBilling`` covers them.
    """
    moment = now or datetime.datetime.now(datetime.timezone.utc)
    return AccountFacts(
        account_id=account_id, region=ctx.region, collected_at=moment.isoformat(timespec="seconds"),
        identity=collect_identity(ctx, account_id, sleep=sleep),
        costs=collect_costs(ctx, account_id),
        hardening=collect_hardening(ctx, account_id, hardening_items),
    )
