"""Plan the changes that bring the account in line with an ``AccessSpec`` (pure, no boto3).

Drift is data: each change says what is there (``before``) and what will be (``after``), so a
session length changed by hand shows as ``PT1H`` -> ``PT4H`` and a policy attached by hand as
``<arn>`` -> nothing. An existing user with another email is a ``conflict``: shown, never
overwritten (the person decides). ``after`` holds what the address does not already say.

A conflict holds back what depends on it: that user is added to no group and assigned nothing,
since it may be someone else's. The permission set (and a group) are still created or brought in
line: they give nobody access by themselves, and a rerun once the person has decided then only
adds the membership or the assignment.
"""

from __future__ import annotations

from runbook_lib.plan import CONFLICT, CREATE, DELETE, UPDATE, Change, Plan
from runbook_lib import addresses
from runbook_lib.steps.access.specs import (
    AccessSpec,
    AccessState,
    PermissionSetSpec,
    PermissionSetState,
    conflicting_user,
)


def plan_access(step: str, state: AccessState, spec: AccessSpec) -> Plan:
    """Return the changes that bring the account in line with ``spec``, drift included.

    The order is the order they can be made in: the user and the group before the membership,
    the permission set before its policies and its assignment, the provisioning last. With a
    user in conflict, its membership and a direct assignment are left out (see the module's
    docstring), and so is a first provisioning that only an assignment would use.
    """
    # A user in conflict may be someone else's: with access straight to the user (no group),
    # neither its assignment nor the first provisioning, which would make it a role to use.
    held_back = conflicting_user(state, spec) is not None and not spec.through_group
    changes = [*plan_user(state, spec), *plan_group(state, spec)]
    permission_set_changes = plan_permission_set(state.permission_set, spec.permission_set)
    changes += permission_set_changes
    if not state.principal_assigned and not held_back:
        changes.append(Change(
            CREATE, spec.assignment_address,
            f"Give {spec.principal_in_words} the permission set {spec.permission_set.name} on account {state.account_id}.",
            "create_account_assignment",
            after={"account_id": state.account_id},
        ))
    # Last, once it is assigned: a changed permission set reaches the account's role only when
    # provisioned (AWS provisions on a first assignment; moto never does, and says so).
    current = state.permission_set
    provisioning = addresses.provisioning_address(spec.permission_set.name, state.account_id)
    if current is None or not current.provisioned:
        if not held_back:
            changes.append(Change(
                CREATE, provisioning, "Provision it to the account: Identity Center makes the account's role from it.",
                "provision_permission_set", after="provisioned",
            ))
    elif permission_set_changes:
        changes.append(Change(
            UPDATE, provisioning, "Provision it again, so the account's role gets the changes above.",
            "provision_permission_set", before="outdated", after="provisioned",
        ))
    return Plan(step, tuple(changes))


def plan_user(state: AccessState, spec: AccessSpec) -> list[Change]:
    """Return the user to create, or the conflict of an existing user with another email."""
    user = spec.user
    address = addresses.user_address(user.user_name)
    existing = conflicting_user(state, spec)
    if existing is not None:
        return [Change(
            CONFLICT, address,
            f"Exists with email {existing.email!r}, not {user.email!r}: it may be someone else's user, so "
            f"the runbook changes nothing of it and gives it no access (no group, no assignment). Decide: "
            f"if it is this person's, correct its email in IAM Identity Center > Users > {user.user_name} > "
            "Edit (or set `email` to the existing one); if not, choose another user name. Then run this step again.",
            before=existing.email, after=user.email,
        )]
    if state.user is None:
        return [Change(
            CREATE, address,
            f"Identity Center user {user.user_name} ({user.display_name}, {user.email}). Users created "
            "by API get no email: the checklist below says how they first sign in.",
            "create_user",
            after={"display_name": user.display_name, "email": user.email},
        )]
    return []


def plan_group(state: AccessState, spec: AccessSpec) -> list[Change]:
    """Return the group and the user's membership to create, when access goes through a group
    (no membership for a user in conflict: the group would give it the access)."""
    if not spec.through_group:
        return []
    changes = []
    if state.group_id is None:
        changes.append(Change(
            CREATE, addresses.group_address(spec.group_name), f"Identity Center group {spec.group_name}.",
            "create_group", after=spec.group_name,
        ))
    if not state.user_in_group and conflicting_user(state, spec) is None:
        changes.append(Change(
            CREATE, addresses.membership_address(spec.user.user_name, spec.group_name),
            f"Add {spec.user.user_name} to {spec.group_name}; the group holds the access.",
            "create_group_membership", after={"user": spec.user.user_name, "group": spec.group_name},
        ))
    return changes


def plan_permission_set(current: PermissionSetState | None, wanted: PermissionSetSpec) -> list[Change]:
    """Return the changes to the permission set: create it, or bring it in line: duration, AWS
    managed policies, and nothing else that grants or bounds access (inline policy, customer
    managed references, permissions boundary)."""
    address = addresses.permission_set_address(wanted.name)
    attach = [
        Change(
            CREATE, addresses.policy_attachment_address(wanted.name, arn),
            f"Attach {arn}." if current is None else f"Drift: attach {arn} (asked for, missing).",
            "attach_managed_policy", after=arn,
        )
        for arn in wanted.managed_policy_arns if current is None or arn not in current.managed_policy_arns
    ]
    if current is None:
        created = Change(
            CREATE, address,
            f"Session {wanted.session_duration}; AWS managed policies: {', '.join(wanted.managed_policy_arns)}.",
            "create_permission_set",
            after={"session_duration": wanted.session_duration, "description": wanted.description},
        )
        return [created, *attach]
    changes = []
    if current.session_duration != wanted.session_duration:
        changes.append(Change(
            UPDATE, address, f"Drift: session {current.session_duration} -> {wanted.session_duration}.",
            "update_session_duration", before=current.session_duration, after=wanted.session_duration,
        ))
    changes += attach
    changes += [
        Change(
            DELETE, addresses.policy_attachment_address(wanted.name, arn),
            f"Drift: detach {arn} (attached, not asked for).", "detach_managed_policy", before=arn,
        )
        for arn in sorted(current.managed_policy_arns - set(wanted.managed_policy_arns))
    ]
    if current.has_inline_policy:
        changes.append(Change(
            DELETE, addresses.inline_policy_address(wanted.name), "Drift: delete its inline policy (not asked for).",
            "delete_inline_policy", before=current.inline_policy,
        ))
    changes += [
        Change(
            DELETE, addresses.customer_managed_policy_attachment_address(wanted.name, reference),
            f"Drift: detach the customer managed policy reference {reference} (attached, not asked for; in "
            "each account the role then loses what that policy grants).",
            "detach_customer_managed_policy", before=reference,
        )
        for reference in sorted(current.customer_managed_policies)
    ]
    if current.permissions_boundary:
        changes.append(Change(
            DELETE, addresses.permissions_boundary_address(wanted.name),
            f"Drift: delete its permissions boundary {current.permissions_boundary} (not asked for: the role "
            "gets exactly the policies above).",
            "delete_permissions_boundary", before=current.permissions_boundary,
        ))
    return changes
