"""Identity Center's clean-up that moto leaves out, for a teardown (sandbox process only).

On AWS, when the last account assignment of a permission set on an account is deleted, Identity
Center deprovisions the set from that account and deletes its ``AWSReservedSSO_*`` role; deleting
the permission set removes it too. moto keeps the role the sandbox made on provisioning
(``reserved_roles``) forever, so a teardown would leave it behind. Here both deletions remove the
role, with its attached and inline policies, as AWS does.
"""

from __future__ import annotations

from typing import Any

from runbook_sandbox.reserved_roles import reserved_role_name


def remove_reserved_roles_on_deletion() -> None:
    """Patch moto's sso-admin backend so that deletions remove the reserved role; call once."""
    from moto.ssoadmin.models import SSOAdminBackend

    original_delete_assignment = SSOAdminBackend.delete_account_assignment
    original_delete_permission_set = SSOAdminBackend.delete_permission_set

    def delete_account_assignment_and_its_role(self: Any, instance_arn: str, target_id: str, target_type: str,
                                               permission_set_arn: str, principal_type: str, principal_id: str) -> Any:
        answer = original_delete_assignment(self, instance_arn, target_id, target_type, permission_set_arn,
                                            principal_type, principal_id)
        left = [account for account in self.account_assignments
                if account.permission_set_arn == permission_set_arn and account.target_id == target_id]
        if not left:
            permission_set = self._find_permission_set(instance_arn, permission_set_arn)
            delete_reserved_role(self.account_id, permission_set.name, permission_set_arn)
            for instance in self.instances:
                if permission_set in instance.provisioned_permission_sets:
                    instance.provisioned_permission_sets.remove(permission_set)
        return answer

    def delete_permission_set_and_its_role(self: Any, instance_arn: str, permission_set_arn: str) -> Any:
        permission_set = self._find_permission_set(instance_arn, permission_set_arn)
        answer = original_delete_permission_set(self, instance_arn, permission_set_arn)
        delete_reserved_role(self.account_id, permission_set.name, permission_set_arn)
        return answer

    SSOAdminBackend.delete_account_assignment = delete_account_assignment_and_its_role
    SSOAdminBackend.delete_permission_set = delete_permission_set_and_its_role


def delete_reserved_role(account_id: str, permission_set_name: str, permission_set_arn: str) -> None:
    """Delete the permission set's reserved role in the account, when there is one."""
    from moto.iam.models import iam_backends

    iam = iam_backends[account_id]["aws"]
    name = reserved_role_name(permission_set_name, permission_set_arn)
    role = next((role for role in iam.get_roles() if role.name == name), None)
    if role is None:
        return
    for policy_arn in list(role.managed_policies):
        iam.detach_role_policy(policy_arn, name)
    for policy_name in list(role.policies):
        iam.delete_role_policy(name, policy_name)
    iam.delete_role(name)
