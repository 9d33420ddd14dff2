"""Tests for runbook_lib.aws: clients, the call recorder, and AWS errors turned into advice."""

from __future__ import annotations

from typing import Any

import os

import boto3
import botocore.awsrequest
import botocore.exceptions
import botocore.session
import pytest
from botocore.stub import Stubber

from runbook_lib.aws import (
    AwsCall,
    AwsContext,
    CallRecorder,
    error_code,
    paginate,
    point_session_at,
    sandbox_context,
    translate_botocore_error,
    translate_client_error,
    translating_aws_errors,
)
from runbook_lib.errors import AccessDeniedError, AwsCallError, RunbookError, ThrottledError
from runbook_lib.sandbox import SandboxClient


def client_error(
    code: str, message: str = "AWS says no", operation: str = "CreateOrganization"
) -> botocore.exceptions.ClientError:
    """Build the ClientError botocore raises for ``code``."""
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


# --- the call recorder ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        "GetAccountSummary",
        "GetCredentialReport",
        "ListInstances",
        "DescribeOrganization",
        "SearchUsers",
        "LookupEvents",
        "SimulatePrincipalPolicy",
        "GetCallerIdentity",
        # builds a report of what exists; changes no resource or setting
        "GenerateCredentialReport",
    ],
)
def test_reads_are_not_mutating(operation: str) -> None:
    assert not AwsCall("iam", operation).mutating


@pytest.mark.parametrize(
    "operation",
    [
        "CreateOrganization",
        "DeleteAccessKey",
        "PutAlternateContact",
        "UpdateUser",
        "ProvisionPermissionSet",
        "AttachManagedPolicyToPermissionSet",
        "EnableAWSServiceAccess",
        "TagResource",
    ],
)
def test_writes_are_mutating(operation: str) -> None:
    assert AwsCall("iam", operation).mutating


def test_call_prints_as_service_and_operation() -> None:
    assert str(AwsCall("organizations", "CreateOrganization")) == "organizations:CreateOrganization"


def test_recorder_counts_every_call_and_splits_reads_from_writes(ctx: AwsContext) -> None:
    iam = ctx.client("iam")
    iam.get_account_summary()
    iam.generate_credential_report()
    iam.get_credential_report()
    ctx.client("organizations").create_organization(FeatureSet="ALL")
    ctx.client("sts").get_caller_identity()
    ctx.client("sts").get_caller_identity()
    assert [str(call) for call in ctx.recorder.calls] == [
        "iam:GetAccountSummary",
        "iam:GenerateCredentialReport",
        "iam:GetCredentialReport",
        "organizations:CreateOrganization",
        "sts:GetCallerIdentity",
        "sts:GetCallerIdentity",
    ]
    assert [str(call) for call in ctx.recorder.writes] == ["organizations:CreateOrganization"]
    assert len(ctx.recorder.reads) == 5


def test_recorder_counts_a_failed_call(ctx: AwsContext) -> None:
    with pytest.raises(botocore.exceptions.ClientError):
        ctx.client("organizations").describe_organization()  # no organization in a new account
    assert [str(call) for call in ctx.recorder.calls] == ["organizations:DescribeOrganization"]


def test_recorder_counts_a_retried_call_once(ctx: AwsContext) -> None:
    """A throttled first attempt is retried by botocore; the recorder still sees one call."""
    sts = ctx.client("sts")
    attempts: list[str] = []

    class Body:
        def stream(self, **_: Any) -> list[bytes]:
            return [
                b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                b"<Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>"
            ]

    def throttle_the_first_attempt(
        request: Any, **_: Any
    ) -> botocore.awsrequest.AWSResponse | None:
        attempts.append(request.url)
        if len(attempts) == 1:
            return botocore.awsrequest.AWSResponse(request.url, 400, {}, Body())
        return None  # send it to the sandbox

    sts.meta.events.register("before-send.sts.GetCallerIdentity", throttle_the_first_attempt)
    answer = sts.get_caller_identity()
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
    assert len(attempts) == 2
    assert [str(call) for call in ctx.recorder.calls] == ["sts:GetCallerIdentity"]


def test_recorder_records_only_its_own_session(sandbox: SandboxClient) -> None:
    ours, theirs = (
        sandbox_context(sandbox.url, "us-east-1"),
        sandbox_context(sandbox.url, "us-east-1"),
    )
    ours.client("sts").get_caller_identity()
    assert [str(call) for call in ours.recorder.calls] == ["sts:GetCallerIdentity"]
    assert theirs.recorder.calls == []


def test_recorder_sees_only_clients_created_after_it_is_attached(sandbox: SandboxClient) -> None:
    """botocore copies a session's handlers into each client when the client is made."""
    session = boto3.Session(
        aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1"
    )
    early = session.client("sts", endpoint_url=sandbox.url)
    recorder = CallRecorder()
    recorder.attach(session)
    early.get_caller_identity()
    session.client("sts", endpoint_url=sandbox.url).get_caller_identity()
    assert len(recorder.calls) == 1


# --- clients --------------------------------------------------------------------------------


def test_clients_use_standard_retries_the_endpoint_and_the_region(sandbox: SandboxClient) -> None:
    ctx = sandbox_context(sandbox.url, "eu-west-1")
    iam = ctx.client("iam")
    assert iam.meta.config.retries["mode"] == "standard"
    # five attempts in all: the first and four retries
    assert iam.meta.config.retries["total_max_attempts"] == 5
    assert iam.meta.endpoint_url == sandbox.url
    assert ctx.client("sso-admin").meta.region_name == "eu-west-1"


def test_clients_are_cached_per_service(ctx: AwsContext) -> None:
    assert ctx.client("iam") is ctx.client("iam")
    assert ctx.client("iam") is not ctx.client("sts")


def test_clients_in_another_region_are_cached_per_service_and_region(ctx: AwsContext) -> None:
    west = ctx.client("ec2", "eu-west-1")
    assert west is ctx.client("ec2", "eu-west-1") and west.meta.region_name == "eu-west-1"
    assert west is not ctx.client("ec2", "eu-central-1") and west is not ctx.client("ec2")
    assert ctx.client("ec2", ctx.region) is ctx.client("ec2") and ctx.client("ec2").meta.region_name == ctx.region
    assert west.meta.endpoint_url == ctx.endpoint_url and west.meta.config.retries["mode"] == "standard"


def test_sandbox_context_is_a_sandbox(sandbox: SandboxClient) -> None:
    ctx = sandbox_context(sandbox.url, "us-east-1")
    assert ctx.is_sandbox and ctx.target == "sandbox"
    assert ctx.endpoint_url == sandbox.url
    assert ctx.session.get_credentials().access_key == "sandbox"


def test_a_session_pointed_at_the_sandbox_sends_every_client_there(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL")  # the tests' own safety net, out of the way
    core = botocore.session.Session()
    point_session_at(core, "http://127.0.0.1:9")
    # sso is the client botocore's SSO credential provider makes itself, from the session
    for service in ("sso", "sts", "sso-oidc", "iam"):
        assert core.create_client(service, region_name="eu-west-1").meta.endpoint_url == "http://127.0.0.1:9"
    assert "AWS_ENDPOINT_URL" not in os.environ
    other = botocore.session.Session().create_client("sso", region_name="eu-west-1")
    assert other.meta.endpoint_url == "https://portal.sso.eu-west-1.amazonaws.com"  # no other session


def test_session_config_variable_alone_would_not_reach_the_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    # Why point_session_at writes to the config store: botocore's session variable is ignored.
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    core = botocore.session.Session()
    core.set_config_variable("endpoint_url", "http://127.0.0.1:9")
    assert core.create_client("sso", region_name="eu-west-1").meta.endpoint_url != "http://127.0.0.1:9"


def test_paginate_yields_every_item_across_pages(ctx: AwsContext) -> None:
    iam = ctx.client("iam")
    for number in range(5):
        iam.create_user(UserName=f"user{number}")
    names = [
        user["UserName"]
        for user in paginate(iam, "list_users", "Users", PaginationConfig={"PageSize": 2})
    ]
    assert sorted(names) == [f"user{number}" for number in range(5)]


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "InvalidClientTokenId", "InvalidAccessKeyId", "AuthFailure"])
def test_access_denied_says_which_operation_and_to_use_an_admin_profile(code: str) -> None:
    error = translate_client_error(client_error(code, "not allowed"))
    assert isinstance(error, AccessDeniedError)
    assert (error.operation, error.code, error.aws_message) == (
        "CreateOrganization",
        code,
        "not allowed",
    )
    assert str(error).startswith(f"AWS refused CreateOrganization: {code}: not allowed")
    assert "may not call CreateOrganization" in error.advice
    assert "never create access keys for root" in error.advice


@pytest.mark.parametrize("code", ["Throttling", "ThrottlingException", "TooManyRequestsException"])
def test_throttling_says_wait_and_run_again(code: str) -> None:
    error = translate_client_error(client_error(code))
    assert isinstance(error, ThrottledError)
    assert "Wait a minute" in error.advice
    assert "What to do next: AWS is rate-limiting" in str(error)


@pytest.mark.parametrize("code", ["ExpiredToken", "ExpiredTokenException", "UnauthorizedException"])
def test_expired_sign_in_says_sso_login(code: str) -> None:
    error = translate_client_error(client_error(code))
    assert type(error) is AwsCallError
    assert "aws sso login" in error.advice


def test_other_errors_keep_aws_message_and_say_fix_and_rerun() -> None:
    error = translate_client_error(client_error("ValidationException", "FeatureSet is wrong"))
    assert type(error) is AwsCallError
    assert error.code == "ValidationException"
    assert "FeatureSet is wrong" in str(error)
    assert "fix what it names" in error.advice


def test_error_without_a_code_or_message() -> None:
    bare = botocore.exceptions.ClientError({}, "ListInstances")
    assert error_code(bare) == "Unknown"
    error = translate_client_error(bare)
    assert type(error) is AwsCallError
    assert error.code == "Unknown"
    assert error.aws_message == str(bare)


@translating_aws_errors
def describe_organization(ctx: AwsContext) -> str:
    """Return the organization's id (a function that calls AWS, as the steps' are)."""
    return ctx.client("organizations").describe_organization()["Organization"]["Id"]


def test_decorator_translates_client_errors(ctx: AwsContext) -> None:
    with Stubber(ctx.client("organizations")) as stub:
        stub.add_client_error(
            "describe_organization",
            service_error_code="AccessDeniedException",
            service_message="User is not authorized",
            http_status_code=403,
        )
        with pytest.raises(AccessDeniedError) as caught:
            describe_organization(ctx)
    assert caught.value.operation == "DescribeOrganization"
    assert isinstance(caught.value.__cause__, botocore.exceptions.ClientError)


def test_decorator_passes_answers_through(ctx: AwsContext) -> None:
    created = ctx.client("organizations").create_organization(FeatureSet="ALL")["Organization"][
        "Id"
    ]
    assert describe_organization(ctx) == created
    assert describe_organization.__name__ == "describe_organization"


def test_decorator_marks_the_wrapper_so_a_test_can_find_unwrapped_functions() -> None:
    assert getattr(describe_organization, "translates_aws_errors", False) is True
    assert not hasattr(describe_organization.__wrapped__, "translates_aws_errors")


def test_decorator_translates_a_real_sandbox_error(ctx: AwsContext) -> None:
    with pytest.raises(AwsCallError) as caught:
        describe_organization(ctx)  # a new account belongs to no organization
    assert caught.value.code == "AWSOrganizationsNotInUseException"


def test_decorator_lets_runbook_errors_through() -> None:
    @translating_aws_errors
    def refuse() -> None:
        raise RunbookError("ours", advice="do this")

    with pytest.raises(RunbookError, match="ours") as caught:
        refuse()
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (botocore.exceptions.NoCredentialsError(), "No AWS credentials were found"),
        (
            botocore.exceptions.PartialCredentialsError(
                provider="env", cred_var="AWS_SECRET_ACCESS_KEY"
            ),
            "No AWS credentials",
        ),
        (
            botocore.exceptions.SSOTokenLoadError(error_msg="no token"),
            "SSO sign-in for this profile is missing or expired",
        ),
        (
            botocore.exceptions.TokenRetrievalError(provider="sso", error_msg="expired"),
            "SSO sign-in",
        ),
        (
            botocore.exceptions.EndpointConnectionError(endpoint_url="https://sts.amazonaws.com"),
            "could not be reached",
        ),
        (botocore.exceptions.ParamValidationError(report="bad"), "The AWS SDK failed"),
    ],
)
def test_decorator_translates_botocore_errors(
    error: botocore.exceptions.BotoCoreError, says: str
) -> None:
    @translating_aws_errors
    def fail() -> None:
        raise error

    with pytest.raises(RunbookError) as caught:
        fail()
    assert type(caught.value) is RunbookError
    assert says in str(caught.value)
    assert caught.value.advice
    assert caught.value.__cause__ is error
    assert type(translate_botocore_error(error)) is RunbookError
