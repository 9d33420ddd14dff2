"""Identity Center access for one person: a user, a permission set, an account assignment.

Steps 03 (the Admin) and 04 (the developer) differ only in what they ask for, so both build an
``AccessSpec`` and share this package: read the live state by name (``read``), plan the
differences, drift included (``plan``, pure), apply them in order through one applier per
operation (``apply``), judge the result (``verify``, pure). The runbook never leans on AWS (or
moto, which accepts duplicate names and any assignment target) to catch a mistake it can catch
itself.

The notebooks and the other steps use the names re-exported here (``access.plan_access``, ...).
"""

from runbook_lib.steps.access.apply import (
    APPLIERS,
    AccessApplyTarget,
    apply_access,
    create_account_assignment,
    provision_permission_set,
)
from runbook_lib.steps.access.plan import plan_access, plan_group, plan_permission_set, plan_user
from runbook_lib.steps.access.read import (
    find_group,
    find_permission_set,
    find_user,
    find_users_with_access,
    find_users_with_suffix,
    forget_permission_sets,
    has_any_assignment,
    is_assigned,
    is_group_member,
    list_permission_set_arns,
    look_up_id,
    read_access_state,
    read_named_permission_set,
    read_permission_set,
    read_permissions_boundary,
    remember_permission_set,
)
from runbook_lib.steps.access.specs import (
    AccessSpec,
    AccessState,
    PermissionSetSpec,
    PermissionSetState,
    UserSpec,
    UserState,
    build_user_spec,
    conflicting_user,
    reference_fields,
    reference_path,
    validate_group_name,
)
from runbook_lib.steps.access.verify import (
    discount_confirmations,
    iam_may_lag,
    verify_access,
    verify_permission_set,
)

__all__ = [
    "APPLIERS",
    "AccessApplyTarget",
    "AccessSpec",
    "AccessState",
    "PermissionSetSpec",
    "PermissionSetState",
    "UserSpec",
    "UserState",
    "apply_access",
    "build_user_spec",
    "conflicting_user",
    "create_account_assignment",
    "discount_confirmations",
    "find_group",
    "find_permission_set",
    "find_user",
    "find_users_with_access",
    "find_users_with_suffix",
    "forget_permission_sets",
    "has_any_assignment",
    "iam_may_lag",
    "is_assigned",
    "is_group_member",
    "list_permission_set_arns",
    "look_up_id",
    "plan_access",
    "plan_group",
    "plan_permission_set",
    "plan_user",
    "provision_permission_set",
    "read_access_state",
    "read_named_permission_set",
    "read_permission_set",
    "read_permissions_boundary",
    "reference_fields",
    "reference_path",
    "remember_permission_set",
    "validate_group_name",
    "verify_access",
    "verify_permission_set",
]
