"""Judge the teardown (pure): nothing the runbook created is left, or it is left because nobody
confirmed; what stays by design is in the plan, not a finding."""

from __future__ import annotations

from runbook_lib.checks import FAIL, PASS, WARN, Check, Verification
from runbook_lib import addresses
from runbook_lib.steps.teardown.inventory import TeardownInventory
from runbook_lib.steps.teardown.plan import STEP_ID, confirmation_phrase


def verify_teardown(inventory: TeardownInventory, *, confirmed: bool) -> Verification:
    """Return one check per thing of the runbook's still there: FAIL when the teardown was
    confirmed (it should be gone), WARN when not (the plan was only shown); PASS when none is."""
    if not inventory.found:
        return Verification(STEP_ID, (Check(
            "runbook_created_resources_removed", PASS, addresses.ledger_address(inventory.account_id),
            "Nothing the runbook created is left (what stays by design is listed in the plan).",
        ),))
    return Verification(STEP_ID, tuple(
        Check("runbook_created_resources_removed", FAIL if confirmed else WARN, found.address,
              f"{found.name} is still there." if confirmed else
              f"{found.name} is still there: the teardown was not confirmed ({confirmation_phrase(inventory.account_id)}).")
        for found in inventory.found
    ))
