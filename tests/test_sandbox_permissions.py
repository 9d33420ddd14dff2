"""The sandbox grants only what a permission set grants, to the credentials its portal hands out.

Over HTTP with boto3, as the developer (S3, Lambda, Logs) and as the Admin (AdministratorAccess)
with the portal's own credentials; the runbook's fixed keys keep working in workshop mode and are
refused in rehearsal mode; every refusal in every protocol through botocore's own parsers; the
action and resource names the decision uses (pure); expiry and wrong tokens in this process.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import boto3
import botocore.config
import botocore.exceptions
import botocore.parsers
import pytest

from runbook_lib.errors import SandboxError
from runbook_lib.sandbox import REHEARSAL_MODE, SandboxClient, start_sandbox
from runbook_sandbox import permissions
from runbook_sandbox.calls import ServiceCall
from sso_setup import ACCOUNT_ID, REGION, IdentityCenterPeople, call_as, error_code_of, session_with, set_up_people

DEVELOPER_POLICIES = ("AmazonS3FullAccess", "AWSLambda_FullAccess", "CloudWatchLogsFullAccess")


def add_developer(people: IdentityCenterPeople) -> None:
    """Give ``dev`` the permission set DevSet: what step 04 makes for S3, Lambda and Logs."""
    sso_admin = people.client("sso-admin")
    arn = sso_admin.create_permission_set(InstanceArn=people.instance_arn, Name="DevSet")["PermissionSet"]["PermissionSetArn"]
    for policy in DEVELOPER_POLICIES:
        sso_admin.attach_managed_policy_to_permission_set(
            InstanceArn=people.instance_arn, PermissionSetArn=arn, ManagedPolicyArn=f"arn:aws:iam::aws:policy/{policy}")
    people.permission_sets["DevSet"] = arn
    people.assign("DevSet", people.user_ids["dev"])
    people.provision("DevSet")


@pytest.fixture
def people(sandbox: SandboxClient) -> IdentityCenterPeople:
    """Return Identity Center with the developer (DevSet) and an Admin (visitor holds Admin)."""
    people = set_up_people(sandbox)
    add_developer(people)
    people.assign("Admin", people.user_ids["visitor"])
    return people


@pytest.fixture
def developer(people: IdentityCenterPeople) -> boto3.Session:
    """Return the developer's session with the portal's credentials."""
    return session_with(people.role_credentials("dev", "DevSet"))


@pytest.fixture
def admin(people: IdentityCenterPeople) -> boto3.Session:
    """Return the Admin's session with the portal's credentials (AdministratorAccess)."""
    return session_with(people.role_credentials("visitor", "Admin"))


# --- the developer's and the Admin's portal credentials, over HTTP -------------------------------

DENIED_TO_THE_DEVELOPER = [
    # (client, method, parameters, code, HTTP status, IAM action)
    ("iam", "create_user", {"UserName": "intruder"}, "AccessDenied", 403, "iam:CreateUser"),  # query
    ("dynamodb", "list_tables", {}, "AccessDeniedException", 400, "dynamodb:ListTables"),  # json
    ("sns", "list_topics", {}, "AuthorizationError", 403, "sns:ListTopics"),  # query, SNS's own code
    ("ec2", "describe_instances", {}, "UnauthorizedOperation", 403, "ec2:DescribeInstances"),  # ec2
    ("sso-admin", "list_instances", {}, "AccessDeniedException", 400, "sso:ListInstances"),
    ("iam", "simulate_principal_policy", {  # answered by the sandbox, authorized like the rest
        "PolicySourceArn": f"arn:aws:iam::{ACCOUNT_ID}:user/x", "ActionNames": ["s3:ListBucket"]},
     "AccessDenied", 403, "iam:SimulatePrincipalPolicy"),
]


@pytest.mark.parametrize(("service", "method", "parameters", "code", "status", "action"), DENIED_TO_THE_DEVELOPER)
def test_the_developer_is_denied_what_the_permission_set_does_not_grant(
    people: IdentityCenterPeople, developer: boto3.Session,
    service: str, method: str, parameters: dict[str, Any], code: str, status: int, action: str,
) -> None:
    answer = call_as(developer, people.sandbox.url, service, method, **parameters)
    assert (error_code_of(answer), answer["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    message = answer["Error"]["Message"]
    assert "assumed-role/AWSReservedSSO_DevSet_" in message and message.endswith(
        f"because no identity-based policy allows the {action} action")
    assert f"is not authorized to perform: {action} on resource: " in message


def test_what_the_developer_is_denied_did_not_happen(people: IdentityCenterPeople, developer: boto3.Session) -> None:
    call_as(developer, people.sandbox.url, "iam", "create_user", UserName="intruder")
    users = people.client("iam").list_users()["Users"]
    assert "intruder" not in [user["UserName"] for user in users]


@pytest.mark.parametrize(("service", "method", "key"), [
    ("s3", "list_buckets", "Buckets"),  # s3:ListAllMyBuckets
    ("lambda", "list_functions", "Functions"),  # rest-json
    ("logs", "describe_log_groups", "logGroups"),  # json
    ("sts", "get_caller_identity", "Arn"),  # allowed whatever the policies say
])
def test_the_developer_may_use_the_chosen_services(
    people: IdentityCenterPeople, developer: boto3.Session, service: str, method: str, key: str
) -> None:
    answer = call_as(developer, people.sandbox.url, service, method)
    assert error_code_of(answer) == "" and key in answer


def test_the_developer_s_own_s3_bucket_works_end_to_end(people: IdentityCenterPeople, developer: boto3.Session) -> None:
    url = people.sandbox.url
    assert error_code_of(call_as(developer, url, "s3", "create_bucket", Bucket="ada-data")) == ""
    assert error_code_of(call_as(developer, url, "s3", "put_object", Bucket="ada-data", Key="a/b.txt", Body=b"hi")) == ""
    assert call_as(developer, url, "s3", "get_object", Bucket="ada-data", Key="a/b.txt")["Body"].read() == b"hi"


@pytest.mark.parametrize(("service", "method", "parameters"), [
    (service, method, parameters) for service, method, parameters, *_ in DENIED_TO_THE_DEVELOPER
] + [("s3", "list_buckets", {}), ("lambda", "list_functions", {}), ("logs", "describe_log_groups", {})])
def test_the_admin_s_administrator_access_can_do_everything(
    people: IdentityCenterPeople, admin: boto3.Session, service: str, method: str, parameters: dict[str, Any]
) -> None:
    answer = call_as(admin, people.sandbox.url, service, method, **parameters)
    assert error_code_of(answer) in ("", "NoSuchEntity")  # the simulated user does not exist: asked, answered


def test_the_runbook_s_fixed_keys_keep_working_in_workshop_mode(people: IdentityCenterPeople) -> None:
    assert people.sandbox.mode() == "workshop"
    fixed = boto3.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox", region_name=REGION)
    assert error_code_of(call_as(fixed, people.sandbox.url, "iam", "create_user", UserName="made-by-the-runbook")) == ""
    assert error_code_of(call_as(fixed, people.sandbox.url, "dynamodb", "list_tables")) == ""


def test_a_portal_key_with_another_session_token_is_unrecognized(
    people: IdentityCenterPeople,
) -> None:
    credentials = {**people.role_credentials("dev", "DevSet"), "sessionToken": "forged"}
    answer = call_as(session_with(credentials), people.sandbox.url, "sts", "get_caller_identity")
    assert error_code_of(answer) == "InvalidClientTokenId"
    assert error_code_of(call_as(session_with(credentials), people.sandbox.url, "dynamodb", "list_tables")) == "UnrecognizedClientException"


def test_a_deleted_role_s_session_is_denied(people: IdentityCenterPeople, developer: boto3.Session) -> None:
    iam = people.client("iam")
    role = next(role for role in iam.list_roles()["Roles"] if role["RoleName"].startswith("AWSReservedSSO_DevSet_"))
    for policy in iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=policy["PolicyArn"])
    iam.delete_role(RoleName=role["RoleName"])
    assert error_code_of(call_as(developer, people.sandbox.url, "s3", "list_buckets")) == "AccessDenied"


# --- minted credentials (sandbox only) ------------------------------------------------------------


def test_minted_credentials_of_a_reserved_role_are_that_role_s_and_enforced(people: IdentityCenterPeople) -> None:
    role_name = people.reserved_role_name("DevSet")
    minted = people.sandbox.mint_role_credentials(role_name, session_name="probe")
    assert minted.secret_access_key not in repr(minted) and minted.session_token not in repr(minted)
    session = boto3.Session(
        aws_access_key_id=minted.access_key_id, aws_secret_access_key=minted.secret_access_key,
        aws_session_token=minted.session_token, region_name=REGION,
    )
    arn = call_as(session, people.sandbox.url, "sts", "get_caller_identity")["Arn"]
    assert arn == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/probe"
    assert error_code_of(call_as(session, people.sandbox.url, "iam", "create_user", UserName="x")) == "AccessDenied"
    assert error_code_of(call_as(session, people.sandbox.url, "s3", "list_buckets")) == ""


def test_only_reserved_roles_are_minted(people: IdentityCenterPeople) -> None:
    people.client("iam").create_role(RoleName="AWSReservedSSO_Fake_0123456789abcdef", AssumeRolePolicyDocument="{}")
    for role_name in ("AWSReservedSSO_Fake_0123456789abcdef", "NoSuchRole"):  # made by hand, not under the path
        with pytest.raises(SandboxError, match="has no reserved role"):
            people.sandbox.mint_role_credentials(role_name, session_name="probe")


# --- a brand-new account whose root has only the console (rehearsal mode) -----------------------


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxClient]:
    """Return a sandbox of its own in rehearsal mode."""
    with start_sandbox(log_dir=tmp_path_factory.mktemp("rehearsal-sandbox"), mode=REHEARSAL_MODE) as started:
        yield started.client


@pytest.fixture
def new_account(rehearsal: SandboxClient) -> SandboxClient:
    """Return the rehearsal sandbox, reset to a brand-new account."""
    rehearsal.reset()
    return rehearsal


FIXED_KEYS_REFUSED = [
    ("sts", "get_caller_identity", {}, "InvalidClientTokenId", 403),  # query
    ("iam", "list_users", {}, "InvalidClientTokenId", 403),
    ("dynamodb", "list_tables", {}, "UnrecognizedClientException", 400),  # json
    ("organizations", "create_organization", {"FeatureSet": "ALL"}, "UnrecognizedClientException", 400),
    ("lambda", "list_functions", {}, "UnrecognizedClientException", 403),  # rest-json
    ("s3", "list_buckets", {}, "InvalidAccessKeyId", 403),  # rest-xml
    ("ec2", "describe_instances", {}, "AuthFailure", 401),  # ec2
]


@pytest.mark.parametrize(("service", "method", "parameters", "code", "status"), FIXED_KEYS_REFUSED)
def test_rehearsal_mode_refuses_the_fixed_keys_as_aws_refuses_keys_it_never_issued(
    new_account: SandboxClient, service: str, method: str, parameters: dict[str, Any], code: str, status: int
) -> None:
    fixed = boto3.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox", region_name=REGION)
    answer = call_as(fixed, new_account.url, service, method, **parameters)
    assert (error_code_of(answer), answer["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    assert "rehearsal mode" in answer["Error"]["Message"]


def test_rehearsal_mode_refuses_unsigned_calls_but_the_sign_in(new_account: SandboxClient) -> None:
    unsigned = botocore.config.Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1})
    sts = boto3.client("sts", endpoint_url=new_account.url, region_name=REGION, config=unsigned)
    with pytest.raises(botocore.exceptions.ClientError, match="MissingAuthenticationToken"):
        sts.get_caller_identity()
    oidc = boto3.client("sso-oidc", endpoint_url=new_account.url, region_name=REGION, config=unsigned)
    assert oidc.register_client(clientName="first", clientType="public")["clientId"]


# --- in this process: expiry, and the names the decision uses (pure) -----------------------------


def test_an_expired_role_session_answers_expired_token() -> None:
    from moto.sts.models import sts_backends

    sts = sts_backends[ACCOUNT_ID]["aws"]
    assumed = sts.assume_role(
        region_name=REGION, role_session_name="late", role_arn=f"arn:aws:iam::{ACCOUNT_ID}:role/r",
        policy=None, duration=900, external_id=None,
    )
    signer = permissions.Signer(assumed.access_key_id, REGION, "sts", assumed.session_token)
    assert permissions.find_principal(signer, ACCOUNT_ID).arn.endswith("assumed-role/r/late")
    assumed.expiration = (datetime.now(timezone.utc) - timedelta(seconds=1)).replace(tzinfo=None)
    with pytest.raises(permissions.CredentialsRefused) as refused:
        permissions.find_principal(signer, ACCOUNT_ID)
    assert refused.value.kind == permissions.EXPIRED
    sts.assumed_roles.remove(assumed)


@pytest.mark.parametrize(("service", "operation", "method", "expected"), [
    ("s3", "ListBuckets", "GET", "s3:ListAllMyBuckets"),
    ("s3", "ListObjectsV2", "GET", "s3:ListBucket"),
    ("s3", "PutObject", "PUT", "s3:PutObject"),
    ("lambda", "Invoke", "POST", "lambda:InvokeFunction"),
    ("apigateway", "GetRestApis", "GET", "apigateway:GET"),
    ("monitoring", "PutMetricData", "POST", "cloudwatch:PutMetricData"),
    ("sso", "ListInstances", "POST", "sso:ListInstances"),
])
def test_iam_action_names(service: str, operation: str, method: str, expected: str) -> None:
    assert permissions.iam_action(ServiceCall(service, operation, "json", method)) == expected


@pytest.mark.parametrize(("call", "expected"), [
    (ServiceCall("s3", "ListBuckets", "rest-xml", "GET", "/"), "arn:aws:s3:::*"),
    (ServiceCall("s3", "ListObjectsV2", "rest-xml", "GET", "/b", {"Bucket": "b"}), "arn:aws:s3:::b"),
    (ServiceCall("s3", "GetObject", "rest-xml", "GET", "/b/k/e", {"Bucket": "b", "Key": "k/e"}), "arn:aws:s3:::b/k/e"),
    (ServiceCall("apigateway", "GetRestApis", "rest-json", "GET", "/restapis"), "arn:aws:apigateway:eu-west-1::/restapis"),
    (ServiceCall("dynamodb", "ListTables", "json"), "*"),
])
def test_request_resources(call: ServiceCall, expected: str) -> None:
    assert permissions.request_resource(call, "eu-west-1") == expected


REFUSALS = [
    # (kind, protocol, service, code, status)
    (permissions.DENIED, "query", "iam", "AccessDenied", 403),
    (permissions.DENIED, "query", "sns", "AuthorizationError", 403),
    (permissions.DENIED, "ec2", "ec2", "UnauthorizedOperation", 403),
    (permissions.DENIED, "json", "dynamodb", "AccessDeniedException", 400),
    (permissions.DENIED, "rest-json", "lambda", "AccessDeniedException", 403),
    (permissions.DENIED, "rest-xml", "s3", "AccessDenied", 403),
    (permissions.UNRECOGNIZED, "query", "sts", "InvalidClientTokenId", 403),
    (permissions.UNRECOGNIZED, "json", "dynamodb", "UnrecognizedClientException", 400),
    (permissions.UNRECOGNIZED, "rest-json", "lambda", "UnrecognizedClientException", 403),
    (permissions.UNRECOGNIZED, "rest-xml", "s3", "InvalidAccessKeyId", 403),
    (permissions.UNRECOGNIZED, "ec2", "ec2", "AuthFailure", 401),
    (permissions.EXPIRED, "query", "iam", "ExpiredToken", 403),
    (permissions.EXPIRED, "json", "logs", "ExpiredTokenException", 400),
    (permissions.EXPIRED, "rest-xml", "s3", "ExpiredToken", 400),
    (permissions.UNSIGNED, "query", "sts", "MissingAuthenticationToken", 403),
    (permissions.UNSIGNED, "json", "dynamodb", "MissingAuthenticationTokenException", 400),
    (permissions.UNSIGNED, "rest-xml", "s3", "AccessDenied", 403),
]


@pytest.mark.parametrize(("kind", "protocol", "service", "code", "status"), REFUSALS)
def test_botocore_parses_every_refusal(kind: str, protocol: str, service: str, code: str, status: int) -> None:
    status_line, headers, body = permissions.refusal(ServiceCall(service, "DoSomething", protocol), kind, "Said so.")
    parsed = botocore.parsers.create_parser(protocol).parse(
        {"status_code": int(status_line.split()[0]), "headers": {name.lower(): value for name, value in headers}, "body": body},
        None,
    )
    assert (int(status_line.split()[0]), parsed["Error"]["Code"]) == (status, code)
    assert parsed["Error"]["Message"].startswith("Said so.")
    assert parsed["ResponseMetadata"]["RequestId"]


def test_the_mode_is_one_of_two() -> None:
    with pytest.raises(ValueError, match="known: workshop, rehearsal"):
        permissions.set_mode("strict")
