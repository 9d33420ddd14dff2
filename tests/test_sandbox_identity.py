"""Tests for the sandbox's Identity Center side: reserved roles, the policy simulator, user steps.

Everything goes through boto3 or the sandbox's control routes, as the runbook does: provisioning a
permission set must create the ``AWSReservedSSO_*`` role AWS would, ``iam:SimulatePrincipalPolicy``
must answer in IAM's shape, and the console's first-sign-in steps must be refused where the
console would refuse them.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import botocore.exceptions
import pytest

from runbook_lib.aws import AwsContext, sandbox_context
from runbook_lib.errors import SandboxError
from runbook_lib.sandbox import SandboxClient

ACCOUNT_ID = "123456789012"
RESERVED_PATH = "/aws-reserved/sso.amazonaws.com/"
S3_FULL = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
LAMBDA_FULL = "arn:aws:iam::aws:policy/AWSLambda_FullAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"


@dataclass(frozen=True)
class IdentityCenter:
    """An enabled Identity Center in the sandbox, and the context that reaches it."""

    ctx: AwsContext
    instance_arn: str
    identity_store_id: str

    def sso(self) -> Any:
        """Return the sso-admin client."""
        return self.ctx.client("sso-admin")

    def iam(self) -> Any:
        """Return the IAM client."""
        return self.ctx.client("iam")

    def create_permission_set(
        self, name: str, managed: Sequence[str] = (), inline: dict[str, Any] | None = None
    ) -> str:
        """Create a permission set with these policies; return its ARN."""
        arn = self.sso().create_permission_set(Name=name, InstanceArn=self.instance_arn)[
            "PermissionSet"
        ]["PermissionSetArn"]
        for policy_arn in managed:
            self.attach(arn, policy_arn)
        if inline is not None:
            self.put_inline(arn, inline)
        return arn

    def attach(self, permission_set_arn: str, policy_arn: str) -> None:
        """Attach an AWS managed policy to the permission set."""
        self.sso().attach_managed_policy_to_permission_set(
            InstanceArn=self.instance_arn, PermissionSetArn=permission_set_arn, ManagedPolicyArn=policy_arn
        )

    def detach(self, permission_set_arn: str, policy_arn: str) -> None:
        """Detach an AWS managed policy from the permission set."""
        self.sso().detach_managed_policy_from_permission_set(
            InstanceArn=self.instance_arn, PermissionSetArn=permission_set_arn, ManagedPolicyArn=policy_arn
        )

    def put_inline(self, permission_set_arn: str, document: dict[str, Any]) -> None:
        """Set the permission set's inline policy."""
        self.sso().put_inline_policy_to_permission_set(
            InstanceArn=self.instance_arn, PermissionSetArn=permission_set_arn, InlinePolicy=json.dumps(document)
        )

    def provision(self, permission_set_arn: str) -> None:
        """Provision the permission set to the sandbox's account."""
        status = self.sso().provision_permission_set(
            InstanceArn=self.instance_arn, PermissionSetArn=permission_set_arn,
            TargetType="AWS_ACCOUNT", TargetId=ACCOUNT_ID,
        )["PermissionSetProvisioningStatus"]
        assert status["Status"] == "SUCCEEDED"

    def reserved_roles(self) -> list[dict[str, Any]]:
        """Return the roles Identity Center made, as the runbook finds them."""
        return self.iam().list_roles(PathPrefix=RESERVED_PATH)["Roles"]

    def role_of(self, permission_set_name: str) -> dict[str, Any]:
        """Return the one reserved role of the permission set."""
        [role] = [
            role for role in self.reserved_roles()
            if role["RoleName"].startswith(f"AWSReservedSSO_{permission_set_name}_")
        ]
        return role

    def attached(self, role_name: str) -> list[str]:
        """Return the ARNs of the role's attached managed policies, sorted."""
        policies = self.iam().list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
        return sorted(policy["PolicyArn"] for policy in policies)

    def simulate(self, role_arn: str, actions: list[str], resources: Sequence[str] = ("*",)) -> dict[str, str]:
        """Return action -> decision, for one resource (the runbook's call)."""
        answer = self.iam().simulate_principal_policy(
            PolicySourceArn=role_arn, ActionNames=actions, ResourceArns=list(resources)
        )
        return {result["EvalActionName"]: result["EvalDecision"] for result in answer["EvaluationResults"]}

    def create_user(self, user_name: str, identity_store_id: str = "") -> str:
        """Create an Identity Center user; return its id."""
        return self.ctx.client("identitystore").create_user(
            IdentityStoreId=identity_store_id or self.identity_store_id, UserName=user_name,
            DisplayName=user_name, Name={"GivenName": user_name, "FamilyName": "Tester"},
        )["UserId"]


def enable_identity_center(sandbox: SandboxClient, region: str = "us-east-1") -> IdentityCenter:
    """Create the organization, play the console's "Enable", return the instance."""
    ctx = sandbox_context(sandbox.url, region)
    ctx.client("organizations").create_organization(FeatureSet="ALL")
    sandbox.play_console_step("enable-identity-center", region=region)
    [instance] = ctx.client("sso-admin").list_instances()["Instances"]
    return IdentityCenter(ctx, instance["InstanceArn"], instance["IdentityStoreId"])


@pytest.fixture
def center(sandbox: SandboxClient) -> IdentityCenter:
    """Return Identity Center enabled in us-east-1 on a brand-new sandbox account."""
    return enable_identity_center(sandbox)


def allow(actions: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    """Return an Allow statement."""
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    """Return a policy document of these statements."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


# --- provisioning creates the reserved role ----------------------------------------------------


def test_no_reserved_role_before_provisioning(center: IdentityCenter) -> None:
    center.create_permission_set("Developer", [S3_FULL])
    assert center.reserved_roles() == []


def test_provisioning_creates_the_reserved_role(center: IdentityCenter) -> None:
    center.provision(center.create_permission_set("Developer", [S3_FULL]))

    role = center.role_of("Developer")
    assert re.fullmatch(r"AWSReservedSSO_Developer_[0-9a-f]{16}", role["RoleName"])
    assert role["Path"] == RESERVED_PATH
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:role{RESERVED_PATH}{role['RoleName']}"
    assert center.attached(role["RoleName"]) == [S3_FULL]
    assert center.iam().list_role_policies(RoleName=role["RoleName"])["PolicyNames"] == []


def test_reserved_role_trusts_identity_centers_saml_provider(center: IdentityCenter) -> None:
    center.provision(center.create_permission_set("Developer", [S3_FULL]))

    [statement] = center.role_of("Developer")["AssumeRolePolicyDocument"]["Statement"]
    provider = statement["Principal"]["Federated"]
    assert re.fullmatch(rf"arn:aws:iam::{ACCOUNT_ID}:saml-provider/AWSSSO_[0-9a-f]{{16}}_DO_NOT_DELETE", provider)
    assert statement["Action"] == ["sts:AssumeRoleWithSAML", "sts:TagSession"]
    assert statement["Effect"] == "Allow"
    providers = center.iam().list_saml_providers()["SAMLProviderList"]
    assert [entry["Arn"] for entry in providers] == [provider]


def test_provisioning_again_keeps_the_same_role(center: IdentityCenter) -> None:
    arn = center.create_permission_set("Developer", [S3_FULL])
    center.provision(arn)
    first = center.role_of("Developer")
    center.provision(arn)

    assert center.reserved_roles() == [first]
    listed = center.sso().list_permission_sets_provisioned_to_account(
        InstanceArn=center.instance_arn, AccountId=ACCOUNT_ID
    )["PermissionSets"]
    assert listed == [arn]


def test_each_permission_set_has_its_own_role(center: IdentityCenter) -> None:
    center.provision(center.create_permission_set("Developer", [S3_FULL]))
    center.provision(center.create_permission_set("Admin", [ADMIN]))

    names = sorted(role["RoleName"].rsplit("_", 1)[0] for role in center.reserved_roles())
    assert names == ["AWSReservedSSO_Admin", "AWSReservedSSO_Developer"]
    assert center.attached(center.role_of("Admin")["RoleName"]) == [ADMIN]


def test_reprovisioning_brings_the_role_in_line(center: IdentityCenter) -> None:
    arn = center.create_permission_set("Developer", [S3_FULL], policy(allow("ec2:Describe*")))
    center.provision(arn)
    role_name = center.role_of("Developer")["RoleName"]
    assert center.iam().list_role_policies(RoleName=role_name)["PolicyNames"] == ["AwsSSOInlinePolicy"]

    center.detach(arn, S3_FULL)
    center.attach(arn, LAMBDA_FULL)
    center.sso().delete_inline_policy_from_permission_set(InstanceArn=center.instance_arn, PermissionSetArn=arn)
    assert center.attached(role_name) == [S3_FULL]  # nothing changes until provisioned
    center.provision(arn)

    assert center.role_of("Developer")["RoleName"] == role_name
    assert center.attached(role_name) == [LAMBDA_FULL]
    assert center.iam().list_role_policies(RoleName=role_name)["PolicyNames"] == []


def test_inline_policy_is_the_permission_sets(center: IdentityCenter) -> None:
    document = policy({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"})
    center.provision(center.create_permission_set("Developer", [S3_FULL], document))

    role_name = center.role_of("Developer")["RoleName"]
    answer = center.iam().get_role_policy(RoleName=role_name, PolicyName="AwsSSOInlinePolicy")
    assert answer["PolicyDocument"] == document


def test_customer_managed_policy_reference_is_attached(center: IdentityCenter) -> None:
    created = center.iam().create_policy(
        PolicyName="DeveloperExtras", Path="/team/", PolicyDocument=json.dumps(policy(allow("sqs:*")))
    )["Policy"]["Arn"]
    arn = center.create_permission_set("Developer", [S3_FULL])
    center.sso().attach_customer_managed_policy_reference_to_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn,
        CustomerManagedPolicyReference={"Name": "DeveloperExtras", "Path": "/team/"},
    )
    center.provision(arn)

    role = center.role_of("Developer")
    assert center.attached(role["RoleName"]) == sorted([S3_FULL, created])
    assert center.simulate(role["Arn"], ["sqs:SendMessage"]) == {"sqs:SendMessage": "allowed"}


def test_missing_customer_managed_policy_fails_provisioning_and_changes_nothing(
    center: IdentityCenter,
) -> None:
    arn = center.create_permission_set("Developer", [S3_FULL])
    center.provision(arn)
    before = center.role_of("Developer")
    center.sso().attach_customer_managed_policy_reference_to_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn,
        CustomerManagedPolicyReference={"Name": "NotInTheAccount"},
    )
    center.attach(arn, LAMBDA_FULL)

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        center.provision(arn)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "/NotInTheAccount" in caught.value.response["Error"]["Message"]
    assert center.attached(before["RoleName"]) == [S3_FULL]


def test_invalid_inline_policy_fails_provisioning(center: IdentityCenter) -> None:
    no_action = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}
    arn = center.create_permission_set("Developer", [S3_FULL], no_action)

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        center.provision(arn)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "inline policy is not valid" in caught.value.response["Error"]["Message"]
    assert center.reserved_roles() == []


def test_reserved_role_path_names_a_region_other_than_us_east_1(sandbox: SandboxClient) -> None:
    center = enable_identity_center(sandbox, "eu-west-1")
    center.provision(center.create_permission_set("Developer", [S3_FULL]))

    role = center.role_of("Developer")  # found under the runbook's PathPrefix all the same
    assert role["Path"] == f"{RESERVED_PATH}eu-west-1/"


def test_reset_removes_the_reserved_role(sandbox: SandboxClient, center: IdentityCenter) -> None:
    center.provision(center.create_permission_set("Developer", [S3_FULL]))
    sandbox.reset()
    assert center.reserved_roles() == []


# --- iam:SimulatePrincipalPolicy ---------------------------------------------------------------


def test_simulation_answers_in_iams_shape(center: IdentityCenter) -> None:
    center.provision(center.create_permission_set("Developer", [S3_FULL]))
    role_arn = center.role_of("Developer")["Arn"]

    answer = center.iam().simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=["s3:ListBucket", "iam:CreateUser"], ResourceArns=["*"]
    )

    assert re.fullmatch(r"[0-9a-f-]{36}", answer.pop("ResponseMetadata")["RequestId"])
    assert answer == {
        "EvaluationResults": [
            {
                "EvalActionName": "s3:ListBucket",
                "EvalResourceName": "*",
                "EvalDecision": "allowed",
                "MatchedStatements": [{"SourcePolicyId": "AmazonS3FullAccess", "SourcePolicyType": "aws-managed"}],
                "MissingContextValues": [],
            },
            {
                "EvalActionName": "iam:CreateUser",
                "EvalResourceName": "*",
                "EvalDecision": "implicitDeny",
                "MatchedStatements": [],
                "MissingContextValues": [],
            },
        ],
        "IsTruncated": False,
    }


def test_inline_deny_is_an_explicit_deny_once_provisioned(center: IdentityCenter) -> None:
    arn = center.create_permission_set("Developer", [S3_FULL])
    center.provision(arn)
    role_arn = center.role_of("Developer")["Arn"]
    actions = ["s3:ListBucket", "s3:DeleteBucket"]
    assert center.simulate(role_arn, actions) == {"s3:ListBucket": "allowed", "s3:DeleteBucket": "allowed"}

    center.put_inline(arn, policy({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}))
    assert center.simulate(role_arn, actions)["s3:DeleteBucket"] == "allowed"  # not provisioned yet
    center.provision(arn)

    assert center.simulate(role_arn, actions) == {"s3:ListBucket": "allowed", "s3:DeleteBucket": "explicitDeny"}
    [result] = center.iam().simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=["s3:DeleteBucket"]
    )["EvaluationResults"]
    assert result["MatchedStatements"] == [{"SourcePolicyId": "AwsSSOInlinePolicy", "SourcePolicyType": "role"}]


def test_swapping_the_managed_policy_changes_the_answers(center: IdentityCenter) -> None:
    arn = center.create_permission_set("Developer", [S3_FULL])
    center.provision(arn)
    role_arn = center.role_of("Developer")["Arn"]
    center.detach(arn, S3_FULL)
    center.attach(arn, LAMBDA_FULL)
    center.provision(arn)

    assert center.simulate(role_arn, ["s3:ListBucket", "lambda:CreateFunction", "iam:CreateUser"]) == {
        "s3:ListBucket": "implicitDeny",
        "lambda:CreateFunction": "allowed",
        "iam:CreateUser": "implicitDeny",
    }


def test_administrator_access_allows_everything(center: IdentityCenter) -> None:
    center.provision(center.create_permission_set("Admin", [ADMIN]))
    role_arn = center.role_of("Admin")["Arn"]
    decisions = center.simulate(role_arn, ["iam:CreateUser", "organizations:LeaveOrganization"])
    assert set(decisions.values()) == {"allowed"}


def test_not_action_in_an_allow(center: IdentityCenter) -> None:
    center.provision(center.create_permission_set("Power", [POWER_USER]))
    actions = ["s3:ListBucket", "iam:CreateUser", "iam:ListRoles", "organizations:CreateAccount"]
    decisions = center.simulate(center.role_of("Power")["Arn"], actions)
    assert decisions == {
        "s3:ListBucket": "allowed",  # NotAction: everything but iam, organizations, account
        "iam:CreateUser": "implicitDeny",
        "iam:ListRoles": "allowed",  # given back by PowerUserAccess's second statement
        "organizations:CreateAccount": "implicitDeny",
    }


def test_not_action_in_a_deny(center: IdentityCenter) -> None:
    guard = policy({"Effect": "Deny", "NotAction": ["s3:*", "sts:GetCallerIdentity"], "Resource": "*"})
    center.provision(center.create_permission_set("Admin", [ADMIN], guard))
    actions = ["s3:PutObject", "sts:GetCallerIdentity", "iam:CreateUser"]
    decisions = center.simulate(center.role_of("Admin")["Arn"], actions)
    assert decisions == {
        "s3:PutObject": "allowed", "sts:GetCallerIdentity": "allowed", "iam:CreateUser": "explicitDeny",
    }


def test_wildcards_and_case_in_actions(center: IdentityCenter) -> None:
    document = policy(allow(["ec2:Describe*", "S3:Get?bject", "logs:*"]))
    center.provision(center.create_permission_set("Developer", inline=document))
    actions = [
        "ec2:DescribeInstances", "ec2:RunInstances", "s3:GetObject", "s3:GetObjectAcl",
        "logs:PutLogEvents", "ec2:describevpcs",
    ]
    decisions = center.simulate(center.role_of("Developer")["Arn"], actions)
    assert decisions == {
        "ec2:DescribeInstances": "allowed",
        "ec2:RunInstances": "implicitDeny",
        "s3:GetObject": "allowed",  # action names are not case-sensitive; ? is one character
        "s3:GetObjectAcl": "implicitDeny",
        "logs:PutLogEvents": "allowed",
        "ec2:describevpcs": "allowed",
    }


def test_resources_are_matched(center: IdentityCenter) -> None:
    document = policy(allow("s3:GetObject", "arn:aws:s3:::reports/*"))
    center.provision(center.create_permission_set("Reader", inline=document))
    role_arn = center.role_of("Reader")["Arn"]

    def decide(resource: str) -> str:
        return center.simulate(role_arn, ["s3:GetObject"], [resource])["s3:GetObject"]

    assert decide("arn:aws:s3:::reports/2026.csv") == "allowed"
    assert decide("arn:aws:s3:::secrets/key") == "implicitDeny"
    # "*" is matched as a string: a statement limited to some ARNs does not apply to it
    assert center.simulate(role_arn, ["s3:GetObject"]) == {"s3:GetObject": "implicitDeny"}
    answer = center.iam().simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::reports/a", "arn:aws:s3:::other/b"],
    )["EvaluationResults"]
    assert [(result["EvalResourceName"], result["EvalDecision"]) for result in answer] == [
        ("arn:aws:s3:::reports/a", "allowed"), ("arn:aws:s3:::other/b", "implicitDeny"),
    ]


def test_not_resource(center: IdentityCenter) -> None:
    document = policy(
        {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secrets*"},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "NotResource": "arn:aws:s3:::scratch/*"},
    )
    center.provision(center.create_permission_set("Developer", inline=document))
    role_arn = center.role_of("Developer")["Arn"]

    def decide(action: str, resource: str) -> str:
        return center.simulate(role_arn, [action], [resource])[action]

    assert decide("s3:GetObject", "arn:aws:s3:::reports/a") == "allowed"
    assert decide("s3:GetObject", "arn:aws:s3:::secrets/a") == "implicitDeny"
    assert decide("s3:DeleteObject", "arn:aws:s3:::scratch/a") == "allowed"
    assert decide("s3:DeleteObject", "arn:aws:s3:::reports/a") == "explicitDeny"


def test_conditions_without_context_follow_aws_rules_for_missing_keys(center: IdentityCenter) -> None:
    document = policy(
        allow("sqs:*", Condition={"StringEqualsIfExists": {"aws:RequestedRegion": "us-east-1"}}),
        allow("sns:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        {"Effect": "Deny", "Action": "ec2:*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}},
    )
    center.provision(center.create_permission_set("Developer", [ADMIN, LAMBDA_FULL], document))
    role_arn = center.role_of("Developer")["Arn"]

    answer = center.iam().simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=["sqs:SendMessage", "ec2:RunInstances", "s3:GetObject"]
    )["EvaluationResults"]
    assert [(result["EvalDecision"], result["MissingContextValues"]) for result in answer] == [
        ("allowed", ["aws:RequestedRegion"]),  # ...IfExists holds when the key is missing
        ("explicitDeny", ["aws:RequestedRegion"]),  # a negated operator holds when it is missing
        ("allowed", ["aws:RequestedRegion"]),  # StringEquals fails: that Deny does not apply
    ]


def test_condition_on_a_missing_key_does_not_allow(center: IdentityCenter) -> None:
    center.provision(center.create_permission_set("Developer", [LAMBDA_FULL]))
    [result] = center.iam().simulate_principal_policy(
        PolicySourceArn=center.role_of("Developer")["Arn"], ActionNames=["iam:PassRole"]
    )["EvaluationResults"]
    # AWSLambda_FullAccess allows iam:PassRole only when passed to Lambda; no context says so
    assert (result["EvalDecision"], result["MissingContextValues"]) == ("implicitDeny", ["iam:PassedToService"])


def test_unknown_principal_is_no_such_entity(center: IdentityCenter) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        center.iam().simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{ACCOUNT_ID}:role{RESERVED_PATH}AWSReservedSSO_Nobody_0000000000000000",
            ActionNames=["s3:ListBucket"],
        )
    assert caught.value.response["Error"]["Code"] == "NoSuchEntity"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "AWSReservedSSO_Nobody_0000000000000000 cannot be found" in caught.value.response["Error"]["Message"]


def test_malformed_principal_arn_is_invalid_input(center: IdentityCenter) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        center.iam().simulate_principal_policy(
            PolicySourceArn="arn:aws:s3:::not-a-principal-at-all", ActionNames=["s3:ListBucket"]
        )
    assert caught.value.response["Error"]["Code"] == "InvalidInput"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_context_entries_are_refused_rather_than_ignored(center: IdentityCenter) -> None:
    center.provision(center.create_permission_set("Developer", [LAMBDA_FULL]))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        center.iam().simulate_principal_policy(
            PolicySourceArn=center.role_of("Developer")["Arn"], ActionNames=["iam:PassRole"],
            ContextEntries=[{
                "ContextKeyName": "iam:PassedToService", "ContextKeyValues": ["lambda.amazonaws.com"],
                "ContextKeyType": "string",
            }],
        )
    assert caught.value.response["Error"]["Code"] == "InvalidInput"
    assert "does not support ContextEntries" in caught.value.response["Error"]["Message"]


def test_results_are_paged(center: IdentityCenter) -> None:
    center.provision(center.create_permission_set("Developer", [S3_FULL]))
    role_arn = center.role_of("Developer")["Arn"]
    actions = ["s3:ListBucket", "s3:GetObject", "iam:CreateUser"]

    first = center.iam().simulate_principal_policy(PolicySourceArn=role_arn, ActionNames=actions, MaxItems=2)
    assert (first["IsTruncated"], len(first["EvaluationResults"])) == (True, 2)
    pages = center.iam().get_paginator("simulate_principal_policy").paginate(
        PolicySourceArn=role_arn, ActionNames=actions, PaginationConfig={"PageSize": 2}
    )
    assert [result["EvalActionName"] for result in pages.build_full_result()["EvaluationResults"]] == actions


def test_users_and_their_groups_are_simulated(center: IdentityCenter) -> None:
    iam = center.iam()
    queues_document = json.dumps(policy(allow("sqs:*")))
    queues = iam.create_policy(PolicyName="Queues", PolicyDocument=queues_document)["Policy"]["Arn"]
    user_arn = iam.create_user(UserName="builder")["User"]["Arn"]
    iam.put_user_policy(UserName="builder", PolicyName="Logs", PolicyDocument=json.dumps(policy(allow("logs:*"))))
    group_arn = iam.create_group(GroupName="builders")["Group"]["Arn"]
    iam.attach_group_policy(GroupName="builders", PolicyArn=queues)
    iam.add_user_to_group(GroupName="builders", UserName="builder")

    actions = ["logs:PutLogEvents", "sqs:SendMessage", "s3:ListBucket"]
    assert center.simulate(user_arn, actions) == {
        "logs:PutLogEvents": "allowed", "sqs:SendMessage": "allowed", "s3:ListBucket": "implicitDeny",
    }
    assert center.simulate(group_arn, actions) == {
        "logs:PutLogEvents": "implicitDeny", "sqs:SendMessage": "allowed", "s3:ListBucket": "implicitDeny",
    }
    [result] = iam.simulate_principal_policy(
        PolicySourceArn=user_arn, ActionNames=["sqs:SendMessage"]
    )["EvaluationResults"]
    assert result["MatchedStatements"] == [{"SourcePolicyId": "Queues", "SourcePolicyType": "user-managed"}]


def test_permissions_boundary_limits_a_role(center: IdentityCenter) -> None:
    iam = center.iam()
    only_s3 = json.dumps(policy(allow("s3:*")))
    boundary = iam.create_policy(PolicyName="OnlyS3", PolicyDocument=only_s3)["Policy"]["Arn"]
    role_arn = iam.create_role(
        RoleName="bounded", AssumeRolePolicyDocument=json.dumps(policy()), PermissionsBoundary=boundary
    )["Role"]["Arn"]
    everything = json.dumps(policy(allow("*")))
    iam.put_role_policy(RoleName="bounded", PolicyName="Everything", PolicyDocument=everything)

    results = iam.simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=["s3:ListBucket", "iam:CreateUser"]
    )["EvaluationResults"]
    assert [(result["EvalDecision"], result["PermissionsBoundaryDecisionDetail"]) for result in results] == [
        ("allowed", {"AllowedByPermissionsBoundary": True}),
        ("implicitDeny", {"AllowedByPermissionsBoundary": False}),
    ]


def test_other_iam_form_posts_still_reach_moto_intact(center: IdentityCenter) -> None:
    # every IAM call is a form POST the sandbox reads first; moto must still get the whole body
    tags = [{"Key": "team", "Value": "a b&c"}]
    created = center.iam().create_user(UserName="reader", Path="/people/", Tags=tags)
    assert created["User"]["Path"] == "/people/"
    assert center.iam().list_user_tags(UserName="reader")["Tags"] == tags


# --- console steps for Identity Center users ---------------------------------------------------


def test_state_of_identity_center_users_starts_empty(sandbox: SandboxClient) -> None:
    assert (sandbox.state()["users"], sandbox.state()["identity_center_mfa_configured"]) == ({}, False)
    enable_identity_center(sandbox)
    state = sandbox.state()
    assert (state["users"], state["identity_center_mfa_configured"]) == ({}, False)


def test_user_steps_are_recorded_per_user(sandbox: SandboxClient, center: IdentityCenter) -> None:
    center.create_user("alice")
    center.create_user("bob")

    assert "alice" in sandbox.play_console_step("send-user-invitation", user="alice")
    assert "email address verified" in sandbox.play_console_step("verify-user-email", user="alice")
    assert "MFA device" in sandbox.play_console_step("register-user-mfa", user="alice")
    sandbox.play_console_step("send-user-invitation", user="bob")
    assert "MFA is required" in sandbox.play_console_step("configure-identity-center-mfa")

    state = sandbox.state()
    assert state["users"] == {
        "alice": {"invitation_sent": True, "email_verified": True, "mfa_registered": True},
        "bob": {"invitation_sent": True, "email_verified": False, "mfa_registered": False},
    }
    assert state["identity_center_mfa_configured"] is True


def test_the_sandbox_says_which_user_steps_are_done(sandbox: SandboxClient, center: IdentityCenter) -> None:
    steps = ("send-user-invitation", "verify-user-email", "register-user-mfa")
    center.create_user("alice")
    assert [sandbox.is_done(step, user="alice") for step in steps] == [False, False, False]
    sandbox.play_console_step("verify-user-email", user="alice")
    assert [sandbox.is_done(step, user="alice") for step in steps] == [False, True, False]
    assert not sandbox.is_done("verify-user-email", user="bob")  # a user never played for


@pytest.mark.parametrize(
    "step, user",
    [
        ("send-user-invitation", "alice"),
        ("verify-user-email", "alice"),
        ("register-user-mfa", "alice"),
        ("configure-identity-center-mfa", ""),
    ],
)
def test_identity_center_steps_are_refused_before_it_is_enabled(
    sandbox: SandboxClient, step: str, user: str
) -> None:
    sandbox_context(sandbox.url, "us-east-1").client("organizations").create_organization(FeatureSet="ALL")
    with pytest.raises(SandboxError, match="IAM Identity Center is not enabled yet"):
        sandbox.play_console_step(step, user=user)


def test_user_step_for_an_unknown_user_is_refused(sandbox: SandboxClient, center: IdentityCenter) -> None:
    center.create_user("alice")
    with pytest.raises(SandboxError) as caught:
        sandbox.play_console_step("send-user-invitation", user="bob")
    assert f"The identity store {center.identity_store_id} has no user named 'bob'" in str(caught.value)
    assert sandbox.state()["users"] == {}


def test_user_of_another_identity_store_is_refused(sandbox: SandboxClient, center: IdentityCenter) -> None:
    center.create_user("alice", identity_store_id="d-0000000000")
    with pytest.raises(SandboxError, match="has no user named 'alice'"):
        sandbox.play_console_step("register-user-mfa", user="alice")


def test_user_step_needs_a_user(sandbox: SandboxClient, center: IdentityCenter) -> None:
    with pytest.raises(SandboxError, match=r"played for one user: add \?user=<UserName>"):
        sandbox.play_console_step("verify-user-email")


def test_account_step_takes_no_user(sandbox: SandboxClient, center: IdentityCenter) -> None:
    center.create_user("alice")
    with pytest.raises(SandboxError, match="configure-identity-center-mfa is account-wide"):
        sandbox.play_console_step("configure-identity-center-mfa", user="alice")


def test_user_step_in_another_region_is_refused(sandbox: SandboxClient, center: IdentityCenter) -> None:
    center.create_user("alice")
    with pytest.raises(SandboxError, match="enabled in us-east-1, not in eu-west-1"):
        sandbox.play_console_step("send-user-invitation", region="eu-west-1", user="alice")


def test_identity_center_step_waits_for_the_instance(sandbox: SandboxClient) -> None:
    ctx = sandbox_context(sandbox.url, "us-east-1")
    ctx.client("organizations").create_organization(FeatureSet="ALL")
    sandbox.play_console_step("enable-identity-center", delay_seconds=0.5)
    with pytest.raises(SandboxError, match="still being enabled"):
        sandbox.play_console_step("configure-identity-center-mfa")
    deadline = time.monotonic() + 3
    while not ctx.client("sso-admin").list_instances()["Instances"]:
        assert time.monotonic() < deadline, "the delayed instance never appeared"
        time.sleep(0.1)
    assert "MFA is required" in sandbox.play_console_step("configure-identity-center-mfa")


def test_user_name_is_sent_as_a_query_parameter(sandbox: SandboxClient, center: IdentityCenter) -> None:
    center.create_user("a.b+c@example.com")
    sandbox.play_console_step("send-user-invitation", user="a.b+c@example.com")
    assert list(sandbox.state()["users"]) == ["a.b+c@example.com"]


def test_reset_clears_identity_center_console_state(sandbox: SandboxClient, center: IdentityCenter) -> None:
    center.create_user("alice")
    sandbox.play_console_step("send-user-invitation", user="alice")
    sandbox.play_console_step("configure-identity-center-mfa")
    sandbox.reset()
    assert (sandbox.state()["users"], sandbox.state()["identity_center_mfa_configured"]) == ({}, False)

    again = enable_identity_center(sandbox)
    state = sandbox.state()
    assert (state["users"], state["identity_center_mfa_configured"]) == ({}, False)
    again.create_user("alice")
    moto_reset = urllib.request.Request(f"{sandbox.url}/moto-api/reset", method="POST", data=b"")
    sandbox.play_console_step("send-user-invitation", user="alice")
    with urllib.request.urlopen(moto_reset, timeout=10):
        pass
    assert sandbox.state()["users"] == {}
