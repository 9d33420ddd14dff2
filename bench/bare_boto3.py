"""The floor a headless run is measured against: the runbook's essential AWS calls, bare.

The same end state as ``python -m runbook_lib.runner`` with its default parameters
(``runner.DEFAULT_PARAMETERS``, ``runbook.example.yaml``'s defaults) on a brand-new sandbox
account, and the same questions asked of it, made with nothing but boto3 and one session:

- 00-06: root secured, an organization with IAM Identity Center, the Admin and the developer
  with their permission sets (tagged and described as the runbook's), assignments and
  provisioning, a device sign-in as the developer and its identity proved.
- 07: the monthly cost budget with its three alerts, the cost anomaly monitor of AWS services
  and its daily subscription (all tagged), the SECURITY alternate contact, and the two billing
  switches only the console has.
- 08 (reads only): each fact the audit judges, read once.
- 99 (reads only; a teardown deletes nothing by default): each kind of thing the teardown lists,
  read once.

"Essential" means what no way of doing the job could skip: every write that makes the end
state, once, and every read that fetches a fact the audit or the teardown judges, once, in
the whole script (a fact read for 08 is not read again for 99; an id the script made or was
given is not looked up). It leaves out what the runbook adds for a person's sake: no read
before a write (the account is known to be brand-new), no plan, no check after a write, no
``GetCallerIdentity`` per step, no local file (05's AWS config file and the
ledger are the runbook's own records, not AWS calls). The runner's figure against this one is then the cost of the runbook's care and
machinery, not of a smaller job. The sandbox's console stand-ins (what only the AWS console can
do) are played over its HTTP control routes, as the runbook plays them.

``python bench/bare_boto3.py`` acts on the sandbox at ``RUNBOOK_SANDBOX_URL`` and prints one
JSON line: the AWS calls and the console steps it made, and the notebooks it covers.
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
COVERS = ("00", "01", "02", "03", "04", "05", "06", "07", "08", "99")
"""The notebooks whose end state (or, for 08 and 99, whose reads) this script reaches."""
DEVELOPER_POLICIES = ("AmazonS3FullAccess", "AWSLambda_FullAccess", "CloudWatchLogsFullAccess")
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
EMAIL = "ada@example.com"
BUDGET_NAME, BUDGET_LIMIT_USD = "monthly-cost", "20"
BUDGET_ALERTS = (("ACTUAL", 80.0), ("ACTUAL", 100.0), ("FORECASTED", 100.0))
MONITOR_NAME, SUBSCRIPTION_NAME, ANOMALY_THRESHOLD_USD = "runbook-aws-services", "runbook-daily-anomalies", "10"


def tags(step: str, *, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    """Return the runbook's tags on what ``step`` creates (the teardown knows its own by them)."""
    return [{key: "managed-by", value: "aws-guided-runbook"}, {key: "runbook-step", value: step}]


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
                  policies: tuple[str, ...], duration: str, *, step: str, description: str) -> tuple[str, str]:
    """Create a user, a permission set with ``policies``, provision it and assign it to the user;
    return the user's id and the permission set's ARN."""
    store, sso_admin = sandbox.client("identitystore"), sandbox.client("sso-admin")
    user_id = store.create_user(
        IdentityStoreId=instance["IdentityStoreId"], UserName=user_name, DisplayName="Ada Lovelace",
        Name={"GivenName": "Ada", "FamilyName": "Lovelace"},
        Emails=[{"Value": EMAIL, "Type": "work", "Primary": True}],
    )["UserId"]
    arn = sso_admin.create_permission_set(
        InstanceArn=instance["InstanceArn"], Name=permission_set, Description=description, SessionDuration=duration,
        Tags=tags(step),
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
    for console_step in ("send-user-invitation", "verify-user-email", "register-user-mfa"):
        sandbox.console(console_step, user=user_name)
    return user_id, arn


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


def set_guardrails(sandbox: Sandbox, account_id: str) -> tuple[str, str]:
    """Step 07 with its defaults on a brand-new account: the budget with its alerts, the anomaly
    monitor and its daily subscription, the security contact, the two billing switches; return
    the monitor's and the subscription's ARNs."""
    budgets, ce = sandbox.client("budgets"), sandbox.client("ce")
    budgets.create_budget(
        AccountId=account_id,
        Budget={"BudgetName": BUDGET_NAME, "BudgetLimit": {"Amount": BUDGET_LIMIT_USD, "Unit": "USD"},
                "TimeUnit": "MONTHLY", "BudgetType": "COST"},
        NotificationsWithSubscribers=[
            {"Notification": {"NotificationType": kind, "ComparisonOperator": "GREATER_THAN", "Threshold": percentage,
                              "ThresholdType": "PERCENTAGE"},
             "Subscribers": [{"SubscriptionType": "EMAIL", "Address": EMAIL}]}
            for kind, percentage in BUDGET_ALERTS
        ],
        ResourceTags=tags("07_set_guardrails"),
    )
    monitor_arn = ce.create_anomaly_monitor(
        AnomalyMonitor={"MonitorName": MONITOR_NAME, "MonitorType": "DIMENSIONAL", "MonitorDimension": "SERVICE"},
        ResourceTags=tags("07_set_guardrails"),
    )["MonitorArn"]
    subscription_arn = ce.create_anomaly_subscription(
        AnomalySubscription={
            "SubscriptionName": SUBSCRIPTION_NAME, "MonitorArnList": [monitor_arn],
            "Subscribers": [{"Type": "EMAIL", "Address": EMAIL}], "Frequency": "DAILY",
            "ThresholdExpression": {"Dimensions": {"Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE", "Values": [ANOMALY_THRESHOLD_USD],
                                                   "MatchOptions": ["GREATER_THAN_OR_EQUAL"]}},
        },
        ResourceTags=tags("07_set_guardrails"),
    )["SubscriptionArn"]
    sandbox.client("account").put_alternate_contact(
        AlternateContactType="SECURITY", Name="Ada Lovelace", Title="Account owner", EmailAddress=EMAIL,
        PhoneNumber="+1 555 0100",
    )
    sandbox.console("activate-iam-billing-access")
    sandbox.console("enable-free-tier-alerts")
    return monitor_arn, subscription_arn


def read_audit_facts(sandbox: Sandbox, instance: dict, account_id: str, people: dict[str, tuple[str, str]]) -> None:
    """Step 08's reads: each fact the audit judges, once (root, IAM users, the organization, the
    permission sets' policies and holders, who holds AdministratorAccess, the guardrails)."""
    iam, sso_admin, store = sandbox.client("iam"), sandbox.client("sso-admin"), sandbox.client("identitystore")
    iam.generate_credential_report()  # none exists on a brand-new account: root's and IAM users' facts
    iam.get_credential_report()
    iam.get_account_summary()  # root's MFA and keys as IAM counts them
    sandbox.client("organizations").describe_organization()
    sso_admin.list_permission_sets(InstanceArn=instance["InstanceArn"])  # every permission set is judged
    for user_id, arn in people.values():
        scope = {"InstanceArn": instance["InstanceArn"], "PermissionSetArn": arn}
        sso_admin.describe_permission_set(**scope)
        sso_admin.list_managed_policies_in_permission_set(**scope)
        sso_admin.list_customer_managed_policy_references_in_permission_set(**scope)
        sso_admin.get_inline_policy_for_permission_set(**scope)
        sso_admin.list_account_assignments(AccountId=account_id, **scope)
        store.describe_user(IdentityStoreId=instance["IdentityStoreId"], UserId=user_id)  # the holder, by name
    holders = iam.list_entities_for_policy(PolicyArn=ADMINISTRATOR_ACCESS)
    for role in holders["PolicyRoles"]:  # Identity Center's reserved role, or one made by hand?
        iam.get_role(RoleName=role["RoleName"])
    ce = sandbox.client("ce")
    ce.get_anomaly_monitors()
    ce.get_anomaly_subscriptions()
    budgets = sandbox.client("budgets")
    budgets.describe_budgets(AccountId=account_id)
    budgets.describe_notifications_for_budget(AccountId=account_id, BudgetName=BUDGET_NAME)
    for kind, percentage in BUDGET_ALERTS:
        budgets.describe_subscribers_for_notification(
            AccountId=account_id, BudgetName=BUDGET_NAME,
            Notification={"NotificationType": kind, "ComparisonOperator": "GREATER_THAN", "Threshold": percentage,
                          "ThresholdType": "PERCENTAGE"},
        )
    sandbox.client("account").get_alternate_contact(AlternateContactType="SECURITY")
    sandbox.client("freetier").get_account_plan_state()


def read_teardown_inventory(sandbox: Sandbox, instance: dict, account_id: str, people: dict[str, tuple[str, str]],
                            cost_arns: tuple[str, ...]) -> None:
    """Step 99's reads not already made for 08: each kind of thing the teardown lists (users,
    groups, trails, analyzers) and the marks it judges ownership by (the tags)."""
    store, sso_admin = sandbox.client("identitystore"), sandbox.client("sso-admin")
    store.list_users(IdentityStoreId=instance["IdentityStoreId"])
    store.list_groups(IdentityStoreId=instance["IdentityStoreId"])
    for _, arn in people.values():
        sso_admin.list_tags_for_resource(InstanceArn=instance["InstanceArn"], ResourceArn=arn)
    for arn in cost_arns:
        sandbox.client("ce").list_tags_for_resource(ResourceArn=arn)
    sandbox.client("budgets").list_tags_for_resource(ResourceARN=f"arn:aws:budgets::{account_id}:budget/{BUDGET_NAME}")
    sandbox.client("cloudtrail").describe_trails()
    sandbox.client("accessanalyzer").list_analyzers()


def main() -> int:
    """Bring a brand-new sandbox account to the runbook's end state, read what 08 and 99 read;
    print what it took."""
    sandbox = Sandbox(os.environ["RUNBOOK_SANDBOX_URL"].rstrip("/"))
    account_id = sandbox.client("sts").get_caller_identity()["Account"]  # 00: who we act as
    sandbox.console("enable-root-mfa")  # 01
    sandbox.console("delete-root-access-keys")
    sandbox.client("organizations").create_organization(FeatureSet="ALL")  # 02
    sandbox.console("enable-identity-center")
    instance = sandbox.client("sso-admin").list_instances()["Instances"][0]
    people = {
        "Admin": create_person(  # 03
            sandbox, instance, account_id, "Admin", "AdministratorAccess", ("AdministratorAccess",), "PT1H",
            step="03_create_admin_user", description="Full administrator access; created by the runbook (step 03).",
        ),
    }
    sandbox.console("configure-identity-center-mfa")
    people["ada-developer"] = create_person(  # 04
        sandbox, instance, account_id, "ada-developer", "DeveloperAccess", DEVELOPER_POLICIES, "PT4H",
        step="04_create_developer_user", description="Least privilege for: s3, lambda, logs; created by the runbook (step 04).",
    )
    arn = sign_in_as(sandbox, instance, account_id, "ada-developer", "DeveloperAccess")  # 05 writes a file; 06
    if ":assumed-role/AWSReservedSSO_DeveloperAccess_" not in arn:
        print(f"unexpected identity {arn}", file=sys.stderr)
        return 1
    cost_arns = set_guardrails(sandbox, account_id)  # 07
    read_audit_facts(sandbox, instance, account_id, people)  # 08
    read_teardown_inventory(sandbox, instance, account_id, people, cost_arns)  # 99
    print(json.dumps({"aws_calls": sandbox.calls, "console_steps": sandbox.console_steps, "covers": list(COVERS), "arn": arn}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
