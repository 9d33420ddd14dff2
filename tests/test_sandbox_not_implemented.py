"""A call moto does not implement is refused as AWS refuses one: HTTP 501, code NotImplemented.

Over HTTP with boto3 in every protocol botocore speaks, then the answers themselves through
botocore's own parsers, then what the runbook makes of one (no special case of its own).
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import botocore.parsers
import pytest

from runbook_lib.aws import AwsContext, translate_client_error
from runbook_lib.errors import AwsCallError
from runbook_sandbox.calls import ServiceCall
from runbook_sandbox.not_implemented import not_implemented_answer

ACCOUNT_ID = "123456789012"

UNIMPLEMENTED_CALLS = [
    # (client, method, parameters, what the message names), one per way moto fails
    ("sso-admin", "create_instance", {}, "sso:CreateInstance"),  # json; moto: NotImplementedError
    ("iam", "generate_service_last_accessed_details", {"Arn": f"arn:aws:iam::{ACCOUNT_ID}:user/x"},
     "iam:GenerateServiceLastAccessedDetails"),  # query
    ("ec2", "describe_capacity_reservation_fleets", {}, "ec2:DescribeCapacityReservationFleets"),  # ec2
    # (the sandbox answers budgets:DescribeSubscribersForNotification itself: guardrail_calls)
    ("budgets", "describe_budget_actions_for_account", {"AccountId": ACCOUNT_ID},
     "budgets:DescribeBudgetActionsForAccount"),
    ("account", "get_contact_information", {}, "account:GetContactInformation"),  # rest-json; moto: no route
    ("lambda", "get_runtime_management_config", {"FunctionName": "f"}, "lambda:GetRuntimeManagementConfig"),
    ("route53", "list_cidr_collections", {}, "route53:ListCidrCollections"),  # rest-xml
    ("health", "describe_events", {}, "health:DescribeEvents"),  # moto has no such service
    ("amplify", "list_apps", {}, "amplify:ListApps"),  # nor this one, rest-json
    # moto has these, but their backends import openapi_spec_validator, which the sandbox's extra
    # does not install: moto's import error must not come back as an HTML 500
    ("cloudformation", "list_stacks", {}, "cloudformation:ListStacks"),
    ("apigateway", "get_rest_apis", {}, "apigateway:GetRestApis"),
]


@pytest.mark.parametrize(("service", "method", "parameters", "named"), UNIMPLEMENTED_CALLS)
def test_an_unimplemented_call_is_refused_in_its_own_protocol(
    ctx: AwsContext, service: str, method: str, parameters: dict[str, Any], named: str
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(ctx.client(service), method)(**parameters)
    response = caught.value.response
    assert response["Error"]["Code"] == "NotImplemented"
    assert response["Error"]["Message"] == f"The sandbox does not implement {named}; this needs a real account."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["ResponseMetadata"]["RetryAttempts"] == 0  # botocore retries a 500, not a 501


def test_what_moto_does_implement_still_answers(ctx: AwsContext) -> None:
    assert ctx.client("sts").get_caller_identity()["Account"] == ACCOUNT_ID
    assert ctx.client("sso-admin").list_instances()["Instances"] == []
    with pytest.raises(botocore.exceptions.ClientError, match="NoSuchBucket"):  # moto's own 404s stay
        ctx.client("s3").get_bucket_tagging(Bucket="no-such-bucket")


@pytest.mark.parametrize("protocol", ["json", "rest-json", "query", "ec2", "rest-xml"])
@pytest.mark.parametrize("service", ["s3", "sso"])
def test_botocore_parses_every_form_of_the_answer(protocol: str, service: str) -> None:
    call = ServiceCall(service, "DoSomething", protocol)
    status, headers, body = not_implemented_answer(call)
    parsed = botocore.parsers.create_parser(protocol).parse(
        {"status_code": int(status.split()[0]), "headers": {name.lower(): value for name, value in headers}, "body": body},
        None,
    )
    assert (status, parsed["Error"]["Code"]) == ("501 Not Implemented", "NotImplemented")
    assert parsed["Error"]["Message"] == f"The sandbox does not implement {service}:DoSomething; this needs a real account."
    assert parsed["ResponseMetadata"]["RequestId"]


def test_the_runbook_passes_the_sandboxs_sentence_on_unchanged(ctx: AwsContext) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        ctx.client("sso-admin").create_instance()
    error = translate_client_error(caught.value)
    assert type(error) is AwsCallError
    assert (error.operation, error.code) == ("CreateInstance", "NotImplemented")
    assert "does not implement sso:CreateInstance; this needs a real account" in str(error)
