"""Step 04 over the whole catalogue: every service and preset is planned, applied and verified
in the sandbox, least privilege included (library calls, one sandbox reset per entry)."""

from __future__ import annotations

import os

import pytest

from runbook_lib.aws import sandbox_context
from runbook_lib.catalogue import CHOICES, Service
from runbook_lib.sandbox import SANDBOX_URL_VARIABLE, SandboxClient
from runbook_lib.steps import access, developer_user
from runbook_lib.steps.checklist import DEVELOPER_CHECKLIST
from runbook_lib.steps.identity_center import require_instance
from sandbox_seeds import ACCOUNT_ID, REGION, prepare_account_for

CONFIRMED_ALL = {item.key: True for item in DEVELOPER_CHECKLIST}
"""The checklist has no API; here it is taken as done, so only what the API can tell is judged."""


@pytest.mark.parametrize("choice", CHOICES, ids=lambda choice: choice.key)
def test_every_catalogue_entry_is_planned_applied_and_verified_in_the_sandbox(choice: Service) -> None:
    prepare_account_for(developer_user.STEP_ID, SandboxClient(os.environ[SANDBOX_URL_VARIABLE]))  # the one reset
    ctx = sandbox_context(os.environ[SANDBOX_URL_VARIABLE], REGION)
    instance = require_instance(ctx)
    spec, chosen = developer_user.build_developer_spec(
        developer_name="ada", given_name="Ada", family_name="Lovelace", display_name="", email="ada@example.com",
        services=[choice.key], permission_set_name="DeveloperAccess", session_duration_hours=4, group_name="",
    )
    state = access.read_access_state(ctx, instance, ACCOUNT_ID, spec)
    plan = access.plan_access(developer_user.STEP_ID, state, spec)
    assert [change.after for change in plan.changes if change.operation == "attach_managed_policy"] == list(
        choice.policy_arns)
    access.apply_access(ctx, plan, state, spec)

    verification = developer_user.verify_developer(ctx, instance, ACCOUNT_ID, spec, chosen, CONFIRMED_ALL)
    assert verification.passed, verification.failures
    judged = {check.check_id for check in verification.checks}
    assert {"iam_permission_set_allows_chosen_service", "iam_permission_set_denies_other_services"} <= judged
    again = access.read_access_state(ctx, instance, ACCOUNT_ID, spec)
    assert access.plan_access(developer_user.STEP_ID, again, spec).is_empty
