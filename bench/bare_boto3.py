"""The floor a headless run is measured against: the runbook's essential AWS calls, bare.

The same end state as ``python -m runbook_lib.runner`` on a brand-new sandbox account (root
secured, an organization with IAM Identity Center, the Admin and the developer with their
permission sets and assignments, a device sign-in as the developer and its identity proved),
made with nothing but boto3 and one session: no notebook, no plan, no read before a write, no
verification beyond the last ``GetCallerIdentity``. The sandbox's console stand-ins (what only
the AWS console can do) are played over its HTTP control routes, as the runbook plays them.

``python bench/bare_boto3.py`` acts on the sandbox at ``RUNBOOK_SANDBOX_URL`` and prints one
JSON line: the AWS calls and the console steps it made.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.parse
import urllib.request

import boto3
from botocore import UNSIGNED
from botocore.config import Config

REGION = "us-east-1"
DEVELOPER_POLICIES = ("AmazonS3FullAccess", "AWSLambda_FullAccess", "CloudWatchLogsFullAccess")
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class Sandbox:
    """The sandbox's endpoint, one boto3 session on it, and a count of what was done."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = boto3.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox", region_name=REGION)
        self.session.events.register("before-call", self.count_call)
        self.calls = 0
        self.console_steps = 0
        self.clients: dict[str, object] = {}

    def count_call(self, **_: object) -> None:
        """Count one AWS call (botocore's ``before-call`` event)."""
        self.calls += 1

    def client(self, service: str, *, unsigned: bool = False) -> object:
        """Return the one client of ``service`` on the sandbox."""
        if service not in self.clients:
            config = Config(signature_version=UNSIGNED) if unsigned else None
            self.clients[service] = self.session.client(service, endpoint_url=self.url, config=config)
        return self.clients[service]

    def console(self, step: str, **query: str) -> dict[str, str]:
        """Play one console stand-in (``POST /_sandbox/console/<step>``)."""
        self.console_steps += 1
        address = f"{self.url}/_sandbox/console/{step}?{urllib.parse.urlencode({'region': REGION, **query})}"
        with urllib.request.urlopen(urllib.request.Request(address, method="POST", data=b""), timeout=10) as answer:
            return json.loads(answer.read())


def create_person(sandbox: Sandbox, instance: dict, account_id: str, user_name: str, permission_set: str,
                  policies: tuple[str, ...], duration: str) -> None:
    """Create a user, a permission set with ``policies``, provision it and assign it to the user."""
    store, sso_admin = sandbox.client("identitystore"), sandbox.client("sso-admin")
    user_id = store.create_user(
        IdentityStoreId=instance["IdentityStoreId"], UserName=user_name, DisplayName="Ada Lovelace",
        Name={"GivenName": "Ada", "FamilyName": "Lovelace"},
        Emails=[{"Value": "ada@example.com", "Type": "work", "Primary": True}],
    )["UserId"]
    arn = sso_admin.create_permission_set(
        InstanceArn=instance["InstanceArn"], Name=permission_set, SessionDuration=duration,
    )["PermissionSet"]["PermissionSetArn"]
    for policy in policies:
        sso_admin.attach_managed_policy_to_permission_set(
            InstanceArn=instance["InstanceArn"], PermissionSetArn=arn, ManagedPolicyArn=f"arn:aws:iam::aws:policy/{policy}",
        )
    sso_admin.create_account_assignment(
        InstanceArn=instance["InstanceArn"], TargetId=account_id, TargetType="AWS_ACCOUNT",
        PermissionSetArn=arn, PrincipalType="USER", PrincipalId=user_id,
    )
    sso_admin.provision_permission_set(
        InstanceArn=instance["InstanceArn"], PermissionSetArn=arn, TargetType="AWS_ACCOUNT", TargetId=account_id,
    )
    for step in ("send-user-invitation", "verify-user-email", "register-user-mfa"):
        sandbox.console(step, user=user_name)


def sign_in_as(sandbox: Sandbox, instance: dict, account_id: str, user_name: str, role: str) -> str:
    """Do the device sign-in as ``user_name`` and return the ARN STS sees with the role's keys."""
    oidc = sandbox.client("sso-oidc", unsigned=True)
    client = oidc.register_client(clientName="bench", clientType="public", scopes=["sso:account:access"])
    start_url = f"https://{instance['IdentityStoreId']}.awsapps.com/start"
    device = oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=start_url,
    )
    sandbox.console("approve-device", user_code=device["userCode"], user=user_name)
    token = oidc.create_token(
        clientId=client["clientId"], clientSecret=client["clientSecret"], grantType=DEVICE_CODE_GRANT,
        deviceCode=device["deviceCode"],
    )
    keys = sandbox.client("sso", unsigned=True).get_role_credentials(
        roleName=role, accountId=account_id, accessToken=token["accessToken"],
    )["roleCredentials"]
    sandbox.calls += 1  # the last call goes through a session of its own (the role's keys)
    return boto3.client(
        "sts", endpoint_url=sandbox.url, region_name=REGION, aws_access_key_id=keys["accessKeyId"],
        aws_secret_access_key=keys["secretAccessKey"], aws_session_token=keys["sessionToken"],
    ).get_caller_identity()["Arn"]


def main() -> int:
    """Bring a brand-new sandbox account to the runbook's end state; print what it took."""
    sandbox = Sandbox(os.environ["RUNBOOK_SANDBOX_URL"].rstrip("/"))
    account_id = sandbox.client("sts").get_caller_identity()["Account"]  # 00: who we act as
    sandbox.console("enable-root-mfa")  # 01
    sandbox.console("delete-root-access-keys")
    sandbox.client("organizations").create_organization(FeatureSet="ALL")  # 02
    sandbox.console("enable-identity-center")
    instance = sandbox.client("sso-admin").list_instances()["Instances"][0]
    create_person(sandbox, instance, account_id, "Admin", "AdministratorAccess", ("AdministratorAccess",), "PT1H")  # 03
    sandbox.console("configure-identity-center-mfa")
    create_person(sandbox, instance, account_id, "ada-developer", "DeveloperAccess", DEVELOPER_POLICIES, "PT4H")  # 04
    arn = sign_in_as(sandbox, instance, account_id, "ada-developer", "DeveloperAccess")  # 05 writes a file; 06
    if ":assumed-role/AWSReservedSSO_DeveloperAccess_" not in arn:
        print(f"unexpected identity {arn}", file=sys.stderr)
        return 1
    print(json.dumps({"aws_calls": sandbox.calls, "console_steps": sandbox.console_steps, "arn": arn}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
