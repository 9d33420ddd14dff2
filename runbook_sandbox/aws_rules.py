"""AWS's rules where moto is lenient or wrong, enforced in moto's backends (sandbox process only).

The runbook must meet in the sandbox what it meets on AWS, or a step that passes here fails on a
real account. Each rule below is one moto leaves out, checked against AWS's documented behaviour:

- ``sso-admin:CreatePermissionSet`` with a name the instance already has answers
  ``ConflictException`` (moto makes a second permission set of that name);
- AWS managed policies outside the root path, such as
  ``arn:aws:iam::aws:policy/job-function/ViewOnlyAccess``, attach to a permission set (moto looks
  a policy's path up under a lowercase ``path`` key that its bundled documents spell ``Path``, so
  it finds only the policies at ``/``, and refuses the others with ``ResourceNotFoundException``);
- a permission set's permissions boundary is put, read and deleted, and provisioning gives it to
  the reserved role (moto has none of the three calls: ``permissions_boundary``);
- a permission set's tags are listed, added and removed (moto keeps them but has none of the
  three calls: ``permission_set_tags``);
- ``sso-admin:ListInstances`` says where each instance lives (``PrimaryRegion``, ``Regions``), and
  with ``RegionScope=ALL_REGIONS`` lists the account's instances of every region, as multi-Region
  Identity Center's API does (moto ignores the parameter and lists only the region asked).

``enforce_aws_rules`` runs after ``server.patch_moto_for_new_accounts``, whose provisioning makes
the reserved role that the boundary is then set on.
"""

from __future__ import annotations

import json
from typing import Any

from runbook_sandbox.permission_set_tags import add_permission_set_tags
from runbook_sandbox.permissions_boundary import add_permissions_boundaries
from runbook_sandbox.reserved_roles import aws_managed_policy_documents


def enforce_aws_rules() -> None:
    """Patch moto's sso-admin backend with the rules above; called once at server start."""
    from moto.ssoadmin.models import SSOAdminBackend

    original_create = SSOAdminBackend.create_permission_set

    def create_permission_set_of_a_new_name(self: Any, name: str, instance_arn: str, **fields: Any) -> dict[str, Any]:
        refuse_a_taken_name(self, name, instance_arn)
        return original_create(self, name=name, instance_arn=instance_arn, **fields)

    SSOAdminBackend.create_permission_set = create_permission_set_of_a_new_name
    SSOAdminBackend._find_managed_policy = find_aws_managed_policy
    add_permissions_boundaries()
    add_permission_set_tags()
    from moto.ssoadmin.responses import SSOAdminResponse

    SSOAdminResponse.list_instances = list_instances_with_their_regions


def refuse_a_taken_name(backend: Any, name: str, instance_arn: str) -> None:
    """Refuse a permission set name the instance already has, as Identity Center does.

    Raises:
        moto's ssoadmin ``ConflictException``: naming the permission set that has the name.
    """
    from moto.ssoadmin.exceptions import ConflictException

    for permission_set in backend.permission_sets:
        if permission_set.instance_arn == instance_arn and permission_set.name == name:
            raise ConflictException(
                f"A permission set named {name} already exists in this instance "
                f"({permission_set.permission_set_arn}); permission set names are unique per instance."
            )


def find_aws_managed_policy(backend: Any, managed_policy_arn: str) -> Any:
    """Return moto's record of the AWS managed policy ``managed_policy_arn``, whatever its path.

    This replaces ``SSOAdminBackend._find_managed_policy``, reading the policy's ``Path`` as
    moto's bundled documents spell it.

    Raises:
        moto's ssoadmin ``ResourceNotFoundException``: when AWS has no managed policy of that ARN.
    """
    from moto.ssoadmin.exceptions import ResourceNotFoundException
    from moto.ssoadmin.models import ManagedPolicy

    name = managed_policy_arn.rsplit("/", 1)[-1]
    document = aws_managed_policy_documents().get(name)
    if document is not None:
        expected = f"arn:{backend.partition}:iam::aws:policy{document.get('Path', '/')}{name}"
        if managed_policy_arn == expected:
            return ManagedPolicy(managed_policy_arn, name)
    raise ResourceNotFoundException(f"Policy does not exist with ARN: {managed_policy_arn}")


def list_instances_with_their_regions(self: Any) -> str:
    """Answer ``ListInstances`` as AWS does: each instance with its region, and with
    ``RegionScope=ALL_REGIONS`` the instances of every region of the account.

    This replaces ``SSOAdminResponse.list_instances``. A sandbox instance lives in the region whose
    backend holds it (the console's "Enable" put it there) and is never replicated.
    """
    from moto.ssoadmin.models import ssoadmin_backends

    if self._get_param("RegionScope") == "ALL_REGIONS":
        backends = list(ssoadmin_backends[self.current_account].items())
    else:
        backends = [(self.region, self.ssoadmin_backend)]
    listed = []
    for region, backend in backends:
        for instance in backend.list_instances():
            listed.append({
                **instance.to_json(),
                "PrimaryRegion": region,
                "Regions": [{"RegionName": region, "Status": "ACTIVE", "IsPrimaryRegion": True,
                             "AddedDate": instance.created_date}],
            })
    return json.dumps({"Instances": listed})
