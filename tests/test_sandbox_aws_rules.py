"""AWS's rules where moto is lenient, kept by the sandbox: over HTTP, with boto3, as the runbook calls.

- a second permission set of one name is a ``ConflictException``;
- every AWS managed policy the catalogue offers attaches to a permission set, ``job-function/``
  ones included, and provisioning gives the reserved role exactly those policies;
- a permission set's permissions boundary is put, read and deleted, and provisioning gives it to
  the reserved role, which the sandbox's simulator then honours;
- a permission set's tags are listed, added and removed (moto keeps them and answers none of the three).
"""

from __future__ import annotations

import json
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


# --- permissions boundaries (moto has none of the three calls) ------------------------------------


def reserved_role(ctx: AwsContext, permission_set_name: str) -> dict[str, Any]:
    """Return the permission set's reserved role as ``iam:GetRole`` answers it."""
    iam = ctx.client("iam")
    [name] = [role["RoleName"] for role in iam.list_roles(PathPrefix=RESERVED_PATH)["Roles"]
              if role["RoleName"].startswith(f"AWSReservedSSO_{permission_set_name}_")]
    return iam.get_role(RoleName=name)["Role"]


def provision(ctx: AwsContext, instance_arn: str, arn: str) -> None:
    ctx.client("sso-admin").provision_permission_set(
        InstanceArn=instance_arn, PermissionSetArn=arn, TargetType="AWS_ACCOUNT", TargetId=ACCOUNT_ID)


def error_code_of(call: Any) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


def test_a_permissions_boundary_is_put_read_deleted_and_given_to_the_role(ctx: AwsContext, instance_arn: str) -> None:
    sso_admin = ctx.client("sso-admin")
    arn = create_permission_set(ctx, instance_arn, "Bounded")
    sso_admin.attach_managed_policy_to_permission_set(
        InstanceArn=instance_arn, PermissionSetArn=arn, ManagedPolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    where = {"InstanceArn": instance_arn, "PermissionSetArn": arn}
    assert error_code_of(lambda: sso_admin.get_permissions_boundary_for_permission_set(**where)) == "ResourceNotFoundException"
    only_dynamodb = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"
    sso_admin.put_permissions_boundary_to_permission_set(**where, PermissionsBoundary={"ManagedPolicyArn": only_dynamodb})
    assert sso_admin.get_permissions_boundary_for_permission_set(**where)["PermissionsBoundary"] == {
        "ManagedPolicyArn": only_dynamodb}
    provision(ctx, instance_arn, arn)
    role = reserved_role(ctx, "Bounded")
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == only_dynamodb
    [decision] = ctx.client("iam").simulate_principal_policy(
        PolicySourceArn=role["Arn"], ActionNames=["s3:ListAllMyBuckets"])["EvaluationResults"]
    assert decision["EvalDecision"] == "implicitDeny"  # S3 is granted, the boundary does not allow it

    sso_admin.delete_permissions_boundary_from_permission_set(**where)
    assert error_code_of(lambda: sso_admin.get_permissions_boundary_for_permission_set(**where)) == "ResourceNotFoundException"
    assert error_code_of(lambda: sso_admin.delete_permissions_boundary_from_permission_set(**where)) == "ResourceNotFoundException"
    assert reserved_role(ctx, "Bounded")["PermissionsBoundary"]["PermissionsBoundaryArn"] == only_dynamodb  # until provisioned
    provision(ctx, instance_arn, arn)
    assert "PermissionsBoundary" not in reserved_role(ctx, "Bounded")


def test_a_customer_managed_boundary_must_exist_in_the_account_when_provisioned(ctx: AwsContext, instance_arn: str) -> None:
    sso_admin = ctx.client("sso-admin")
    arn = create_permission_set(ctx, instance_arn, "Fenced")
    where = {"InstanceArn": instance_arn, "PermissionSetArn": arn}
    sso_admin.put_permissions_boundary_to_permission_set(
        **where, PermissionsBoundary={"CustomerManagedPolicyReference": {"Name": "Fence", "Path": "/team/"}})
    assert sso_admin.get_permissions_boundary_for_permission_set(**where)["PermissionsBoundary"] == {
        "CustomerManagedPolicyReference": {"Name": "Fence", "Path": "/team/"}}
    assert error_code_of(lambda: provision(ctx, instance_arn, arn)) == "ResourceNotFoundException"
    fence = ctx.client("iam").create_policy(PolicyName="Fence", Path="/team/", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))["Policy"]["Arn"]
    provision(ctx, instance_arn, arn)
    assert reserved_role(ctx, "Fenced")["PermissionsBoundary"]["PermissionsBoundaryArn"] == fence


@pytest.mark.parametrize("boundary", [
    {},
    {"ManagedPolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
     "CustomerManagedPolicyReference": {"Name": "Fence"}},  # both kinds (botocore lets both through)
])
def test_a_boundary_of_neither_or_both_kinds_is_refused(ctx: AwsContext, instance_arn: str, boundary: dict) -> None:
    arn = create_permission_set(ctx, instance_arn, "Unbounded")
    assert error_code_of(lambda: ctx.client("sso-admin").put_permissions_boundary_to_permission_set(
        InstanceArn=instance_arn, PermissionSetArn=arn, PermissionsBoundary=boundary)) == "ValidationException"


def test_an_aws_managed_boundary_aws_does_not_have_is_refused(ctx: AwsContext, instance_arn: str) -> None:
    arn = create_permission_set(ctx, instance_arn, "Typo")
    assert error_code_of(lambda: ctx.client("sso-admin").put_permissions_boundary_to_permission_set(
        InstanceArn=instance_arn, PermissionSetArn=arn,
        PermissionsBoundary={"ManagedPolicyArn": "arn:aws:iam::aws:policy/NoSuchAccess"})) == "ResourceNotFoundException"


# --- where an instance lives ---------------------------------------------------------------------


def test_list_instances_says_each_instance_s_region_and_lists_every_region_when_asked(
    sandbox: SandboxClient, instance_arn: str
) -> None:
    from runbook_lib.aws import sandbox_context

    here = sandbox_context(sandbox.url, "us-east-1").client("sso-admin")
    [listed] = here.list_instances()["Instances"]
    assert (listed["InstanceArn"], listed["PrimaryRegion"]) == (instance_arn, "us-east-1")
    assert [(region["RegionName"], region["IsPrimaryRegion"]) for region in listed["Regions"]] == [("us-east-1", True)]
    elsewhere = sandbox_context(sandbox.url, "eu-west-1").client("sso-admin")
    assert elsewhere.list_instances()["Instances"] == []  # the current region's, by default
    assert [found["InstanceArn"] for found in elsewhere.list_instances(RegionScope="ALL_REGIONS")["Instances"]] == [
        instance_arn]


def test_a_permission_sets_tags_are_listed_added_and_removed(ctx: AwsContext, instance_arn: str) -> None:
    sso_admin = ctx.client("sso-admin")
    arn = sso_admin.create_permission_set(InstanceArn=instance_arn, Name="Tagged",
                                          Tags=[{"Key": "managed-by", "Value": "aws-guided-runbook"}])["PermissionSet"]["PermissionSetArn"]
    untagged = create_permission_set(ctx, instance_arn, "Untagged")

    def tags(resource: str) -> list[dict[str, str]]:
        return sso_admin.list_tags_for_resource(InstanceArn=instance_arn, ResourceArn=resource)["Tags"]

    assert tags(arn) == [{"Key": "managed-by", "Value": "aws-guided-runbook"}] and tags(untagged) == []
    sso_admin.tag_resource(InstanceArn=instance_arn, ResourceArn=untagged, Tags=[{"Key": "team", "Value": "me"}])
    sso_admin.untag_resource(InstanceArn=instance_arn, ResourceArn=arn, TagKeys=["managed-by"])
    assert tags(untagged) == [{"Key": "team", "Value": "me"}] and tags(arn) == []
    with pytest.raises(botocore.exceptions.ClientError, match="ResourceNotFoundException"):
        tags(f"{instance_arn}/ps-0000000000000000")
