"""Step 07: guardrails on the bill and the account, before anything costs money.

A monthly cost budget with email alerts, cost anomaly detection with a daily email, the account's
SECURITY alternate contact, two console-only billing switches (guided), the account's plan shown,
and optional hardening, each off by default with its cost said. ``specs`` validates (AWS's
maximums, before any call), ``read`` reads with the audit's collectors, ``plan`` and
``plan_hardening`` plan (pure), ``apply`` applies and writes the ledger, ``verify`` judges.
"""

from runbook_lib.steps.guardrails.apply import APPLIERS, GuardrailsApplyTarget, apply_guardrails
from runbook_lib.steps.guardrails.plan import plan_guardrails
from runbook_lib.steps.guardrails.read import GuardrailsState, read_guardrails_state
from runbook_lib.steps.guardrails.specs import STEP_ID, GuardrailsSpec, build_guardrails_spec
from runbook_lib.steps.guardrails.verify import (
    GUARDRAILS_CHECKLIST,
    describe_account_plan,
    verify_guardrails,
)

__all__ = [
    "APPLIERS",
    "GUARDRAILS_CHECKLIST",
    "STEP_ID",
    "GuardrailsApplyTarget",
    "GuardrailsSpec",
    "GuardrailsState",
    "apply_guardrails",
    "build_guardrails_spec",
    "describe_account_plan",
    "plan_guardrails",
    "read_guardrails_state",
    "verify_guardrails",
]
