"""Permission sets' permissions boundaries, which moto's sso-admin lacks (sandbox process only).

On AWS a permission set can carry one permissions boundary: an AWS managed policy
(``{"ManagedPolicyArn": ...}``) or a reference to a customer managed policy of that name and path
in each account it is provisioned to (``{"CustomerManagedPolicyReference": {"Name", "Path"}}``).
Provisioning sets it as the boundary of the account's reserved role. moto answers none of the
three calls, so the sandbox answers them here, as AWS does:

- ``PutPermissionsBoundaryToPermissionSet`` takes exactly one of the two kinds (else
  ``ValidationException``); an AWS managed policy AWS does not have is ``ResourceNotFoundException``;
  a second put replaces the first;
- ``GetPermissionsBoundaryForPermissionSet`` of a set without one, and
  ``DeletePermissionsBoundaryFromPermissionSet`` of a set without one, answer
  ``ResourceNotFoundException`` (what Terraform's AWS provider reads as "no boundary");
- ``ProvisionPermissionSet`` gives the reserved role the boundary, or takes it away; a customer
  managed boundary the account does not have fails the provisioning before the role changes.

The boundary is kept on moto's ``PermissionSet`` object as ``permissions_boundary`` (the API's
shape, or None).
"""

from __future__ import annotations

import json
from typing import Any

BOUNDARY_ATTRIBUTE = "permissions_boundary"
MANAGED, CUSTOMER_MANAGED = "ManagedPolicyArn", "CustomerManagedPolicyReference"


def add_permissions_boundaries() -> None:
    """Teach moto's sso-admin the three boundary calls and the boundary's provisioning; call once,
    after the other patches of ``provision_permission_set`` (it wraps the one in place)."""
    from moto.ssoadmin.models import SSOAdminBackend
    from moto.ssoadmin.responses import SSOAdminResponse

    SSOAdminBackend.put_permissions_boundary_to_permission_set = put_boundary
    SSOAdminBackend.get_permissions_boundary_for_permission_set = get_boundary
    SSOAdminBackend.delete_permissions_boundary_from_permission_set = delete_boundary
    SSOAdminResponse.put_permissions_boundary_to_permission_set = answer_put
    SSOAdminResponse.get_permissions_boundary_for_permission_set = answer_get
    SSOAdminResponse.delete_permissions_boundary_from_permission_set = answer_delete

    provision_without_boundary = SSOAdminBackend.provision_permission_set

    def provision_with_boundary(self: Any, instance_arn: str, permission_set_arn: str) -> None:
        permission_set = self._find_permission_set(instance_arn, permission_set_arn)
        boundary_arn = role_boundary_arn(permission_set, self.account_id, self.region_name)  # checked first
        provision_without_boundary(self, instance_arn, permission_set_arn)
        set_role_boundary(permission_set, self.account_id, self.region_name, boundary_arn)

    SSOAdminBackend.provision_permission_set = provision_with_boundary


# --- the backend ---------------------------------------------------------------------------------


def normalised_boundary(backend: Any, boundary: Any) -> dict[str, Any]:
    """Return the boundary as AWS keeps it (a reference's path defaulted to ``/``).

    Raises:
        ``ValidationException`` (moto JSON error): unless exactly one of the two kinds is given,
            or a reference has no name.
        moto's ssoadmin ``ResourceNotFoundException``: for an AWS managed policy AWS lacks.
    """
    from moto.core.exceptions import JsonRESTError

    kinds = [kind for kind in (MANAGED, CUSTOMER_MANAGED) if isinstance(boundary, dict) and boundary.get(kind)]
    if len(kinds) != 1:
        raise JsonRESTError(
            "ValidationException",
            "PermissionsBoundary must have exactly one of ManagedPolicyArn and CustomerManagedPolicyReference.",
        )
    if kinds == [MANAGED]:
        backend._find_managed_policy(boundary[MANAGED])  # as attaching finds it (aws_rules); raises if AWS lacks it
        return {MANAGED: boundary[MANAGED]}
    reference = boundary[CUSTOMER_MANAGED]
    if not isinstance(reference, dict) or not reference.get("Name"):
        raise JsonRESTError("ValidationException", "CustomerManagedPolicyReference needs a Name.")
    return {CUSTOMER_MANAGED: {"Name": reference["Name"], "Path": reference.get("Path") or "/"}}


def put_boundary(self: Any, instance_arn: str, permission_set_arn: str, permissions_boundary: Any) -> None:
    """Set the permission set's boundary (replacing any)."""
    permission_set = self._find_permission_set(instance_arn, permission_set_arn)
    setattr(permission_set, BOUNDARY_ATTRIBUTE, normalised_boundary(self, permissions_boundary))


def get_boundary(self: Any, instance_arn: str, permission_set_arn: str) -> dict[str, Any]:
    """Return the permission set's boundary.

    Raises:
        moto's ssoadmin ``ResourceNotFoundException``: when it has none.
    """
    permission_set = self._find_permission_set(instance_arn, permission_set_arn)
    boundary = getattr(permission_set, BOUNDARY_ATTRIBUTE, None)
    if boundary is None:
        raise no_boundary(permission_set_arn)
    return boundary


def delete_boundary(self: Any, instance_arn: str, permission_set_arn: str) -> None:
    """Remove the permission set's boundary (the role keeps it until provisioned again).

    Raises:
        moto's ssoadmin ``ResourceNotFoundException``: when it has none.
    """
    permission_set = self._find_permission_set(instance_arn, permission_set_arn)
    if getattr(permission_set, BOUNDARY_ATTRIBUTE, None) is None:
        raise no_boundary(permission_set_arn)
    setattr(permission_set, BOUNDARY_ATTRIBUTE, None)


def no_boundary(permission_set_arn: str) -> Exception:
    """Return sso-admin's error for a permission set without a boundary."""
    from moto.ssoadmin.exceptions import ResourceNotFoundException

    return ResourceNotFoundException(f"The permission set {permission_set_arn} has no permissions boundary.")


# --- the role provisioning makes -----------------------------------------------------------------


def role_boundary_arn(permission_set: Any, account_id: str, region: str) -> str | None:
    """Return the policy ARN the reserved role's boundary must be, or None for no boundary.

    Raises:
        moto's ssoadmin ``ResourceNotFoundException``: when a customer managed boundary names a
            policy the account does not have (AWS fails the provisioning then).
    """
    from moto.iam.models import iam_backends
    from moto.ssoadmin.exceptions import ResourceNotFoundException
    from moto.utilities.utils import get_partition

    from runbook_sandbox.reserved_roles import install_aws_managed_policy

    boundary = getattr(permission_set, BOUNDARY_ATTRIBUTE, None)
    if boundary is None:
        return None
    iam = iam_backends[account_id][get_partition(region)]
    if MANAGED in boundary:
        install_aws_managed_policy(iam, boundary[MANAGED])  # the simulator reads it from IAM
        return boundary[MANAGED]
    reference = boundary[CUSTOMER_MANAGED]
    arn = f"arn:{iam.partition}:iam::{iam.account_id}:policy{reference['Path']}{reference['Name']}"
    if arn not in iam.managed_policies:
        raise ResourceNotFoundException(
            f"Provisioning failed: the permission set's permissions boundary references the customer "
            f"managed policy {reference['Path']}{reference['Name']}, which account {account_id} does not "
            "have. Create it there, then provision again."
        )
    return arn


def set_role_boundary(permission_set: Any, account_id: str, region: str, boundary_arn: str | None) -> None:
    """Give the permission set's reserved role the boundary ``boundary_arn`` (None: none)."""
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    from runbook_sandbox.reserved_roles import reserved_role_name

    iam = iam_backends[account_id][get_partition(region)]
    name = reserved_role_name(permission_set.name, permission_set.permission_set_arn)
    for role in iam.get_roles():
        if role.name == name:
            role.permissions_boundary_arn = boundary_arn


# --- the HTTP answers (methods of moto's SSOAdminResponse) ---------------------------------------


def answer_put(self: Any) -> str:
    """Answer ``PutPermissionsBoundaryToPermissionSet``."""
    self.ssoadmin_backend.put_permissions_boundary_to_permission_set(
        instance_arn=self._get_param("InstanceArn"), permission_set_arn=self._get_param("PermissionSetArn"),
        permissions_boundary=self._get_param("PermissionsBoundary"),
    )
    return "{}"


def answer_get(self: Any) -> str:
    """Answer ``GetPermissionsBoundaryForPermissionSet``."""
    boundary = self.ssoadmin_backend.get_permissions_boundary_for_permission_set(
        instance_arn=self._get_param("InstanceArn"), permission_set_arn=self._get_param("PermissionSetArn"),
    )
    return json.dumps({"PermissionsBoundary": boundary})


def answer_delete(self: Any) -> str:
    """Answer ``DeletePermissionsBoundaryFromPermissionSet``."""
    self.ssoadmin_backend.delete_permissions_boundary_from_permission_set(
        instance_arn=self._get_param("InstanceArn"), permission_set_arn=self._get_param("PermissionSetArn"),
    )
    return "{}"
