"""Judge the live state of an ``AccessSpec`` (pure): one check per resource the plan names.

Each check names the resource it judged with the plan's address, and says what it found; what
to do about a failure lives in ``checks.REGISTRY``.
"""

from __future__ import annotations

from runbook_lib.checks import FAIL, PASS, WARN, Check
from runbook_lib.steps import addresses
from runbook_lib.steps.access.specs import AccessSpec, AccessState


def verify_access(state: AccessState, spec: AccessSpec) -> list[Check]:
    """Judge the live state against ``spec``: user, group, exact policies, duration, assignment."""
    user, wanted = state.user, spec.permission_set
    user_address = addresses.user_address(spec.user.user_name)
    checks = [
        Check(
            "identitystore_user_exists", PASS if user else FAIL, user_address,
            f"User {spec.user.user_name} exists ({user.user_id})." if user else f"No user {spec.user.user_name} yet.",
        ),
    ]
    if user:
        same = user.email.lower() == spec.user.email.lower()
        checks.append(Check(
            "identitystore_user_email_matches", PASS if same else WARN, user_address,
            f"Email {user.email}." if same else f"Email is {user.email!r}, not {spec.user.email!r}: left as it is.",
        ))
    if spec.through_group:
        checks.append(Check(
            "identitystore_user_in_group", PASS if state.user_in_group else FAIL,
            addresses.membership_address(spec.user.user_name, spec.group_name),
            f"{spec.user.user_name} is in group {spec.group_name}." if state.user_in_group
            else f"{spec.user.user_name} is not in group {spec.group_name}.",
        ))
    checks += verify_permission_set(state, spec)
    checks.append(Check(
        "sso_account_assignment_exists", PASS if state.principal_assigned else FAIL, spec.assignment_address,
        f"{spec.principal_in_words} has {wanted.name} on account {state.account_id}." if state.principal_assigned
        else f"{spec.principal_in_words} does not have {wanted.name} on account {state.account_id} yet.",
    ))
    return checks


def verify_permission_set(state: AccessState, spec: AccessSpec) -> list[Check]:
    """Judge the permission set: it exists, with exactly the policies and the session asked for,
    provisioned to the account."""
    wanted, found = spec.permission_set, state.permission_set
    address = addresses.permission_set_address(wanted.name)
    if found is None:
        return [Check("sso_permission_set_exists", FAIL, address, f"No permission set {wanted.name} yet.")]
    exact = found.managed_policy_arns == set(wanted.managed_policy_arns) and not found.has_inline_policy
    return [
        Check(
            "sso_permission_set_policies_exact", PASS if exact else FAIL, address,
            f"{wanted.name} has exactly: {', '.join(sorted(found.managed_policy_arns))}." if exact
            else f"{wanted.name} has {sorted(found.managed_policy_arns)}"
            f"{' and an inline policy' if found.has_inline_policy else ''}; asked: {sorted(wanted.managed_policy_arns)}.",
        ),
        Check(
            "sso_permission_set_session_duration", PASS if found.session_duration == wanted.session_duration else FAIL,
            address, f"Session {found.session_duration} (asked {wanted.session_duration}).",
        ),
        Check(
            "sso_permission_set_provisioned", PASS if found.provisioned else FAIL,
            addresses.provisioning_address(wanted.name, state.account_id),
            f"{wanted.name} is provisioned to account {state.account_id}." if found.provisioned
            else f"{wanted.name} is not provisioned to account {state.account_id}.",
        ),
    ]
