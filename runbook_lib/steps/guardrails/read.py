"""Read what step 07 plans from: the audit's facts of budgets, anomaly detection, the contact,
the plan and the chosen hardening, and what the ledger says the runbook made.

The reading is the audit's own (``runbook_lib.audit``), so the step and the audit see the
account alike; only the hardening chosen is read, so an opt-in item costs no call when off.
"""

from __future__ import annotations

from dataclasses import dataclass

from runbook_lib.audit.collect_costs import collect_costs
from runbook_lib.audit.collect_hardening import collect_hardening
from runbook_lib.audit.facts import CostFacts, HardeningFacts
from runbook_lib.aws import AwsContext, translating_aws_errors
from runbook_lib.aws_memo import reads_once
from runbook_lib.ledger import Ledger
from runbook_lib.steps.guardrails.specs import GuardrailsSpec


@dataclass(frozen=True)
class GuardrailsState:
    """What exists of step 07's guardrails, read live.

    Attributes:
        runbook_addresses: What the ledger says the runbook created (a bucket there is the
            runbook's even without its tags).
    """

    account_id: str
    region: str
    costs: CostFacts
    hardening: HardeningFacts
    runbook_addresses: frozenset[str] = frozenset()


@translating_aws_errors
@reads_once
def read_guardrails_state(ctx: AwsContext, account_id: str, spec: GuardrailsSpec, ledger: Ledger) -> GuardrailsState:
    """Read budgets, anomaly detection, the security contact, the plan, the chosen hardening.

    IAM actions: those of ``audit.collect_costs.collect_costs`` and, for the items chosen,
    ``audit.collect_hardening.collect_hardening``.
    """
    hardening = spec.hardening
    return GuardrailsState(
        account_id, ctx.region, collect_costs(ctx, account_id),
        collect_hardening(ctx, account_id, hardening.chosen,
                          trail_buckets=(hardening.bucket_name,) if hardening.cloudtrail else ()),
        frozenset(ledger.entries),
    )
