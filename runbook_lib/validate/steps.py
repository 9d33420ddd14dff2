"""The steps a sandbox can be caught up to, in order, and naming one by its number or notebook.

Pure, at the floor with the other rules, so a parameters file's ``catch_up_to`` is checked with
the very rule the catch-up applies (``parameters.FIELD_RULES``), before any AWS call. The names
are written out rather than taken from the step modules (which reach boto3); tests/test_catch_up.py
holds them to the modules' ``STEP_ID``s.
"""

from __future__ import annotations

from runbook_lib.errors import InputError

CATCH_UP_STEPS = (
    "01_secure_root_user", "02_enable_identity_center", "03_create_admin_user", "04_create_developer_user",
    "05_configure_aws_cli", "06_verify_developer_access", "07_set_guardrails", "08_audit_account",
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
