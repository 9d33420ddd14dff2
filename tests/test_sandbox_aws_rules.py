"""AWS's rules where moto is lenient, kept by the sandbox: over HTTP, with boto3, as the runbook calls.

- a second permission set of one name is a ``ConflictException``;
- every AWS managed policy the catalogue offers attaches to a permission set, ``job-function/``
  ones included, and provisioning gives the reserved role exactly those policies.
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

from runbook_lib.aws import AwsContext
from runbook_lib.catalogue import CHOICES
from runbook_lib.sandbox import SandboxClient
from sandbox_seeds import ACCOUNT_ID, prepare_account_for

RESERVED_PATH = "/aws-reserved/sso.amazonaws.com/"


@pytest.fixture
def instance_arn(sandbox: SandboxClient, ctx: AwsContext) -> str:
    """Return the ARN of a new account's Identity Center instance (organization made, enabled)."""
    prepare_account_for("03_create_admin_user", sandbox)
    return ctx.client("sso-admin").list_instances()["Instances"][0]["InstanceArn"]


def create_permission_set(ctx: AwsContext, instance_arn: str, name: str) -> str:
    """Create a permission set; return its ARN."""
    created = ctx.client("sso-admin").create_permission_set(InstanceArn=instance_arn, Name=name)
    return created["PermissionSet"]["PermissionSetArn"]


def test_a_second_permission_set_of_one_name_is_a_conflict(ctx: AwsContext, instance_arn: str) -> None:
    first = create_permission_set(ctx, instance_arn, "DeveloperAccess")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        create_permission_set(ctx, instance_arn, "DeveloperAccess")
    assert caught.value.response["Error"]["Code"] == "ConflictException"
    assert first in caught.value.response["Error"]["Message"]
    assert isinstance(caught.value, ctx.client("sso-admin").exceptions.ConflictException)
    create_permission_set(ctx, instance_arn, "DeveloperAccess2")  # another name is fine
    listed = ctx.client("sso-admin").list_permission_sets(InstanceArn=instance_arn)["PermissionSets"]
    assert len(listed) == 2 and first in listed


def reserved_role_policies(ctx: AwsContext, permission_set_name: str) -> set[str]:
    """Return the managed policy ARNs of the permission set's reserved role in IAM."""
    iam = ctx.client("iam")
    [role] = [role for role in iam.list_roles(PathPrefix=RESERVED_PATH)["Roles"]
              if role["RoleName"].startswith(f"AWSReservedSSO_{permission_set_name}_")]
    return {policy["PolicyArn"] for policy in iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]}


def test_every_catalogue_policy_attaches_and_is_provisioned_onto_the_reserved_role(
    ctx: AwsContext, instance_arn: str
) -> None:
    sso_admin = ctx.client("sso-admin")
    wrong: dict[str, Any] = {}
    for choice in CHOICES:  # every service and every preset, ViewOnly's job-function/ policy too
        name = f"Choice{choice.key.capitalize()}"
        arn = create_permission_set(ctx, instance_arn, name)
        for policy_arn in choice.policy_arns:
            try:
                sso_admin.attach_managed_policy_to_permission_set(
                    InstanceArn=instance_arn, PermissionSetArn=arn, ManagedPolicyArn=policy_arn)
            except botocore.exceptions.ClientError as refused:
                wrong[policy_arn] = refused.response["Error"]
        if set(choice.policy_arns) - set(wrong):
            sso_admin.provision_permission_set(
                InstanceArn=instance_arn, PermissionSetArn=arn, TargetType="AWS_ACCOUNT", TargetId=ACCOUNT_ID)
            attached = {policy["Arn"] for policy in sso_admin.list_managed_policies_in_permission_set(
                InstanceArn=instance_arn, PermissionSetArn=arn)["AttachedManagedPolicies"]}
            if attached != set(choice.policy_arns) or reserved_role_policies(ctx, name) != attached:
                wrong[choice.key] = (attached, reserved_role_policies(ctx, name))
    assert not wrong


def test_a_policy_aws_does_not_have_is_still_refused(ctx: AwsContext, instance_arn: str) -> None:
    arn = create_permission_set(ctx, instance_arn, "Typo")
    for missing in ("arn:aws:iam::aws:policy/ViewOnlyAccess",  # right name, wrong path
                    "arn:aws:iam::aws:policy/job-function/NoSuchAccess"):
        with pytest.raises(botocore.exceptions.ClientError, match="ResourceNotFoundException"):
            ctx.client("sso-admin").attach_managed_policy_to_permission_set(
                InstanceArn=instance_arn, PermissionSetArn=arn, ManagedPolicyArn=missing)
