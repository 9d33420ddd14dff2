"""Step 99: remove exactly what the runbook created, after a plan and a typed confirmation.

``inventory`` and ``identity`` find the runbook's resources (what its ledger and its marks both
name, judged by ``ownership``), keep a same-named thing made by hand, and keep its own way in; ``read`` puts them in the order they can be deleted; ``plan`` (pure) lists
each delete and why the rest stays (the organization and Identity Center, settings that only make
the account safer); ``apply`` deletes once ``delete <account id>`` is typed; ``verify`` judges.
"""

from runbook_lib.steps.teardown.apply import (
    APPLIERS,
    TeardownNotConfirmedError,
    apply_teardown,
    is_confirmed,
    reset_the_sandbox,
)
from runbook_lib.steps.teardown.inventory import Found, Kept, TeardownInventory
from runbook_lib.steps.teardown.plan import STEP_ID, confirmation_phrase, plan_teardown
from runbook_lib.steps.teardown.read import plan_teardown_now, read_teardown_inventory
from runbook_lib.steps.teardown.verify import verify_teardown

__all__ = [
    "APPLIERS",
    "STEP_ID",
    "Found",
    "Kept",
    "TeardownInventory",
    "TeardownNotConfirmedError",
    "apply_teardown",
    "confirmation_phrase",
    "is_confirmed",
    "plan_teardown",
    "plan_teardown_now",
    "read_teardown_inventory",
    "reset_the_sandbox",
    "verify_teardown",
]
