"""An Identity Center with people to sign in, made in the sandbox with plain boto3 calls.

Shared by the sandbox's sign-in tests and the library's: the organization, the console's
"Enable", users, a group, permission sets, assignments and provisioning, each made with the
sso-admin and identitystore calls an administrator would make.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
from botocore import UNSIGNED

from runbook_lib.sandbox import SandboxClient

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
S3_FULL = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass(frozen=True)
class IdentityCenterPeople:
    """The sandbox's Identity Center, and who may do what in it.

    ``dev`` holds Developer (AmazonS3FullAccess) directly; ``builder`` holds Builder through the
    group Builders; ``visitor`` holds nothing; Admin is provisioned but assigned to nobody.
    """

    sandbox: SandboxClient
    instance_arn: str
    identity_store_id: str
    user_ids: dict[str, str]
    permission_sets: dict[str, str]

    @property
    def start_url(self) -> str:
        """The access portal URL in its classic form."""
        return f"https://{self.identity_store_id}.awsapps.com/start"

    @property
    def instance_id(self) -> str:
        """The instance's id, ``ssoins-...``."""
        return self.instance_arn.rsplit("/", 1)[-1]

    def client(self, service: str, *, signed: bool = True) -> Any:
        """Return a boto3 client on the sandbox (sso-oidc and sso: unsigned, as botocore makes them)."""
        if signed:
            return boto3.client(
                service, endpoint_url=self.sandbox.url, region_name=REGION,
                aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
            )
        config = botocore.config.Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1})
        return boto3.client(service, endpoint_url=self.sandbox.url, region_name=REGION, config=config)

    def create_permission_set(self, name: str, policy_arn: str, *, session_duration: str = "PT1H") -> str:
        """Create a permission set with one managed policy; return its ARN."""
        sso_admin = self.client("sso-admin")
        arn = sso_admin.create_permission_set(
            InstanceArn=self.instance_arn, Name=name, SessionDuration=session_duration
        )["PermissionSet"]["PermissionSetArn"]
        sso_admin.attach_managed_policy_to_permission_set(
            InstanceArn=self.instance_arn, PermissionSetArn=arn, ManagedPolicyArn=policy_arn
        )
        self.permission_sets[name] = arn
        return arn

    def assign(self, permission_set: str, principal_id: str, principal_type: str = "USER") -> None:
        """Assign the permission set on the account to a user or a group."""
        self.client("sso-admin").create_account_assignment(
            InstanceArn=self.instance_arn, TargetId=ACCOUNT_ID, TargetType="AWS_ACCOUNT",
            PermissionSetArn=self.permission_sets[permission_set],
            PrincipalType=principal_type, PrincipalId=principal_id,
        )

    def provision(self, permission_set: str) -> None:
        """Provision the permission set to the account (makes its AWSReservedSSO_ role)."""
        self.client("sso-admin").provision_permission_set(
            InstanceArn=self.instance_arn, PermissionSetArn=self.permission_sets[permission_set],
            TargetType="AWS_ACCOUNT", TargetId=ACCOUNT_ID,
        )

    def create_user(self, user_name: str) -> str:
        """Create an Identity Center user; return its id."""
        user_id = self.client("identitystore").create_user(
            IdentityStoreId=self.identity_store_id, UserName=user_name, DisplayName=user_name,
            Name={"GivenName": user_name, "FamilyName": "Tester"},
        )["UserId"]
        self.user_ids[user_name] = user_id
        return user_id

    def reserved_role_name(self, permission_set: str) -> str:
        """Return the name of the permission set's reserved role, as IAM lists it."""
        roles = self.client("iam").list_roles(PathPrefix="/aws-reserved/sso.amazonaws.com/")["Roles"]
        [name] = [role["RoleName"] for role in roles if role["RoleName"].startswith(f"AWSReservedSSO_{permission_set}_")]
        return name

    def sign_in(self, user: str, *, scopes: tuple[str, ...] = ("sso:account:access",)) -> dict[str, Any]:
        """Do the whole device flow by hand for ``user``; return CreateToken's answer and the client."""
        oidc = self.client("sso-oidc", signed=False)
        client = oidc.register_client(clientName="tests", clientType="public", scopes=list(scopes))
        device = oidc.start_device_authorization(
            clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=self.start_url
        )
        self.sandbox.approve_device(device["userCode"], user)
        token = oidc.create_token(
            clientId=client["clientId"], clientSecret=client["clientSecret"],
            grantType=DEVICE_CODE_GRANT, deviceCode=device["deviceCode"],
        )
        return {**token, "clientId": client["clientId"], "clientSecret": client["clientSecret"]}

    def role_credentials(self, user: str, role: str) -> dict[str, Any]:
        """Sign ``user`` in and return the portal's ``roleCredentials`` of ``role`` on the account."""
        token = self.sign_in(user)["accessToken"]
        return self.client("sso", signed=False).get_role_credentials(
            accessToken=token, accountId=ACCOUNT_ID, roleName=role)["roleCredentials"]


ONE_ATTEMPT = botocore.config.Config(retries={"total_max_attempts": 1})


def session_with(credentials: dict[str, Any]) -> boto3.Session:
    """Return a session with the portal's ``roleCredentials``."""
    return boto3.Session(
        aws_access_key_id=credentials["accessKeyId"], aws_secret_access_key=credentials["secretAccessKey"],
        aws_session_token=credentials["sessionToken"], region_name=REGION,
    )


def call_as(session: boto3.Session, url: str, service: str, method: str, **parameters: Any) -> dict[str, Any]:
    """Make one call on the sandbox (no retry); return the answer, or the error response of a refusal."""
    client = session.client(service, endpoint_url=url, region_name=REGION, config=ONE_ATTEMPT)
    try:
        return getattr(client, method)(**parameters)
    except botocore.exceptions.ClientError as error:
        return error.response


def error_code_of(answer: dict[str, Any]) -> str:
    """Return an answer's error code, or "" for a success."""
    return answer.get("Error", {}).get("Code", "")


def set_up_people(sandbox: SandboxClient) -> IdentityCenterPeople:
    """Enable Identity Center on the (reset) sandbox and give dev, builder and visitor their access."""
    organizations = boto3.client(
        "organizations", endpoint_url=sandbox.url, region_name=REGION,
        aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
    )
    organizations.create_organization(FeatureSet="ALL")
    sandbox.play_console_step("enable-identity-center", region=REGION)
    probe = IdentityCenterPeople(sandbox, "", "", {}, {})
    [instance] = probe.client("sso-admin").list_instances()["Instances"]
    people = IdentityCenterPeople(sandbox, instance["InstanceArn"], instance["IdentityStoreId"], {}, {})

    developer = people.create_user("dev")
    people.create_permission_set("Developer", S3_FULL)
    people.assign("Developer", developer)
    people.provision("Developer")

    builder = people.create_user("builder")
    store = people.client("identitystore")
    group = store.create_group(IdentityStoreId=people.identity_store_id, DisplayName="Builders")["GroupId"]
    store.create_group_membership(IdentityStoreId=people.identity_store_id, GroupId=group, MemberId={"UserId": builder})
    people.create_permission_set("Builder", READ_ONLY, session_duration="PT4H")
    people.assign("Builder", group, "GROUP")
    people.provision("Builder")

    people.create_user("visitor")
    people.create_permission_set("Admin", ADMIN)
    people.provision("Admin")
    return people
