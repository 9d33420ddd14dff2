"""Judge the live state of an ``AccessSpec`` (pure): one check per resource the plan names.

Each check names the resource it judged with the plan's address, and says what it found; what
to do about a failure lives in ``checks.REGISTRY``.

A user in conflict (another email than the one asked for) is never counted as the person's: its
email check fails, its group membership and direct assignment do not pass, and confirmations of
the checklist for it do not count, whatever the console says of it.
"""

from __future__ import annotations

import dataclasses

from runbook_lib.checks import FAIL, PASS, WARN, Check
from runbook_lib import addresses
from runbook_lib.steps.access.specs import AccessSpec, AccessState, conflicting_user


def verify_access(state: AccessState, spec: AccessSpec) -> list[Check]:
    """Judge the live state against ``spec``: user, group, exact policies, duration, assignment."""
    user, wanted = state.user, spec.permission_set
    user_address = addresses.user_address(spec.user.user_name)
    other = conflicting_user(state, spec)
    not_theirs = f"{spec.user.user_name} has the email {other.email!r}, not {spec.user.email!r}" if other else ""
    checks = [
        Check(
            "identitystore_user_exists", PASS if user else FAIL, user_address,
            f"User {spec.user.user_name} exists ({user.user_id})." if user else f"No user {spec.user.user_name} yet.",
        ),
    ]
    if user:
        checks.append(Check(
            "identitystore_user_email_matches", FAIL if other else PASS, user_address,
            f"{not_theirs}: it may be someone else's user; the runbook gave it nothing." if other
            else f"Email {user.email}.",
        ))
    if spec.through_group:
        membership = addresses.membership_address(spec.user.user_name, spec.group_name)
        if other:
            found = (f"{spec.user.user_name} is in group {spec.group_name}, but {not_theirs}." if state.user_in_group
                     else f"{spec.user.user_name} is not added to group {spec.group_name} until the email conflict is decided.")
            checks.append(Check("identitystore_user_in_group", FAIL, membership, found))
        else:
            checks.append(Check(
                "identitystore_user_in_group", PASS if state.user_in_group else FAIL, membership,
                f"{spec.user.user_name} is in group {spec.group_name}." if state.user_in_group
                else f"{spec.user.user_name} is not in group {spec.group_name}.",
            ))
    checks += verify_permission_set(state, spec)
    on_account = f"{wanted.name} on account {state.account_id}"
    if other and not spec.through_group:
        checks.append(Check(
            "sso_account_assignment_exists", FAIL, spec.assignment_address,
            f"{spec.principal_in_words} holds {on_account}, but {not_theirs}." if state.principal_assigned
            else f"{spec.principal_in_words} is not given {on_account} until the email conflict is decided.",
        ))
    else:
        checks.append(Check(
            "sso_account_assignment_exists", PASS if state.principal_assigned else FAIL, spec.assignment_address,
            f"{spec.principal_in_words} has {on_account}." if state.principal_assigned
            else f"{spec.principal_in_words} does not have {on_account} yet.",
        ))
    return checks


def discount_confirmations(checklist_checks: list[Check], state: AccessState, spec: AccessSpec) -> list[Check]:
    """Return the checklist's checks with those about a user in conflict no longer passing.

    A confirmation (or the sandbox's console) that a user ``Admin`` verified its email says
    nothing of the person asked for when ``Admin`` has another email: such a check becomes a
    WARN that says why it is not counted. Account-wide items are left as they are.
    """
    other = conflicting_user(state, spec)
    if other is None:
        return list(checklist_checks)
    user_address = addresses.user_address(spec.user.user_name)
    return [
        dataclasses.replace(
            check, status=WARN,
            detail=f"Not counted: {spec.user.user_name} has the email {other.email!r}, not {spec.user.email!r}.",
        ) if check.resource == user_address and check.status == PASS else check
        for check in checklist_checks
    ]


def verify_permission_set(state: AccessState, spec: AccessSpec) -> list[Check]:
    """Judge the permission set: it exists, with exactly the policies and the session asked for
    (no inline policy, customer managed reference or boundary besides), provisioned to the account."""
    wanted, found = spec.permission_set, state.permission_set
    address = addresses.permission_set_address(wanted.name)
    if found is None:
        return [Check("sso_permission_set_exists", FAIL, address, f"No permission set {wanted.name} yet.")]
    extras = [
        *(["an inline policy"] if found.has_inline_policy else []),
        *(f"the customer managed policy reference {reference}" for reference in sorted(found.customer_managed_policies)),
        *([f"the permissions boundary {found.permissions_boundary}"] if found.permissions_boundary else []),
    ]
    exact = found.managed_policy_arns == set(wanted.managed_policy_arns) and not extras
    return [
        Check(
            "sso_permission_set_policies_exact", PASS if exact else FAIL, address,
            f"{wanted.name} has exactly: {', '.join(sorted(found.managed_policy_arns))}." if exact
            else f"{wanted.name} has {sorted(found.managed_policy_arns)}"
            f"{''.join(f' and {extra}' for extra in extras)}; asked: {sorted(wanted.managed_policy_arns)} only.",
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


def iam_may_lag(state: AccessState, spec: AccessSpec) -> bool:
    """Return True when Identity Center holds the access as asked, so IAM lagging is the only
    reason left for the role to be missing or to simulate otherwise.

    That is: the permission set is exact and provisioned, the principal assigned, the user not
    in conflict. Waiting then is worth it right after an apply; in any other state, waiting
    would change nothing, so the judge reads once.
    """
    found = state.permission_set
    return bool(
        found is not None and found.provisioned and state.principal_assigned
        and conflicting_user(state, spec) is None
        and all(check.status == PASS for check in verify_permission_set(state, spec))
    )
