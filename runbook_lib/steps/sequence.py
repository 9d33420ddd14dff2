"""The steps a sandbox can be caught up to, in order, and naming one by its number or notebook.

Pure, and at the steps' floor, so a parameters file's ``catch_up_to`` is checked with the very
rule the catch-up applies (``parameters.FIELD_RULES``), before any AWS call.
"""

from __future__ import annotations

from runbook_lib.errors import InputError
from runbook_lib.steps import (
    admin_user,
    audit_account,
    cli_profiles,
    developer_access,
    developer_user,
    guardrails,
    identity_center,
    secure_root,
)

CATCH_UP_STEPS = (
    secure_root.STEP_ID, identity_center.STEP_ID, admin_user.STEP_ID, developer_user.STEP_ID,
    cli_profiles.STEP_ID, developer_access.STEP_ID, guardrails.STEP_ID, audit_account.STEP_ID,
)
"""The steps a learner can be caught up to, in order (99_teardown undoes them: nothing to catch up)."""


def resolve_catch_up_step(value: object, *, field: str = "catch_up_to") -> str:
    """Return the step ``value`` names: its number (``6``, ``"06"``) or its notebook's name.

    Raises:
        InputError: naming ``field`` when it names no step that can be caught up to.
    """
    text = str(value).strip().removesuffix(".ipynb")
    for step in CATCH_UP_STEPS:
        if text == step or (text.isdigit() and int(text) == int(step[:2])):
            return step
    raise InputError(field, value, f"must be one of the steps 01 to 08 (e.g. 06 or {CATCH_UP_STEPS[5]})")
