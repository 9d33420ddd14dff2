"""Tests for runbook_lib.catalogue: choices validate, and every policy and example is real.

The policy tests read the AWS managed policy documents moto ships offline
(``moto.iam.aws_managed_policies``) and judge them with moto's own evaluator
(``moto.iam.access_control.IAMPolicy``). That evaluator matches actions case-sensitively and
treats a matching statement whose condition is unmet as a deny, both stricter than AWS, so an
action it permits is permitted by AWS too.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re

import botocore.session
import pytest
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.iam.aws_managed_policies import aws_managed_policies_data

from runbook_lib.catalogue import (
    ADMINISTRATOR_ACCESS_ARN,
    CHOICES,
    EXAMPLE_RESOURCES,
    MAX_MANAGED_POLICIES_PER_PERMISSION_SET,
    OUT_OF_SCOPE_ACTION,
    PRESETS,
    SERVICES,
    Service,
    example_allowed_actions,
    policies_for,
    service_choices,
    validate_services,
)
from runbook_lib.errors import InputError

POLICY = "arn:aws:iam::aws:policy/"

# Written out here, not derived from the catalogue, so a changed ARN fails a test.
EXPECTED_POLICIES = {
    "s3": POLICY + "AmazonS3FullAccess",
    "lambda": POLICY + "AWSLambda_FullAccess",
    "dynamodb": POLICY + "AmazonDynamoDBFullAccess",
    "apigateway": POLICY + "AmazonAPIGatewayAdministrator",
    "logs": POLICY + "CloudWatchLogsFullAccess",
    "cloudformation": POLICY + "AWSCloudFormationFullAccess",
    "ec2": POLICY + "AmazonEC2FullAccess",
    "ecr": POLICY + "AmazonEC2ContainerRegistryFullAccess",
    "sqs": POLICY + "AmazonSQSFullAccess",
    "sns": POLICY + "AmazonSNSFullAccess",
    "stepfunctions": POLICY + "AWSStepFunctionsFullAccess",
    "bedrock": POLICY + "AmazonBedrockFullAccess",
    "ReadOnly": POLICY + "ReadOnlyAccess",
    "ViewOnly": POLICY + "job-function/ViewOnlyAccess",
    "PowerUser": POLICY + "PowerUserAccess",
}
SERVICE_KEYS = [service.key for service in SERVICES]
PRESET_KEYS = [preset.key for preset in PRESETS]
ALL_ARNS = sorted(
    {arn for choice in CHOICES for arn in choice.policy_arns} | {ADMINISTRATOR_ACCESS_ARN}
)
IAM_ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z0-9]+")
# IAM action prefix -> botocore service name, for checking example actions name real operations.
BOTOCORE_SERVICE = {"states": "stepfunctions"}
# IAM actions whose name is not the API operation's: s3:ListAllMyBuckets authorises ListBuckets;
# API Gateway's IAM actions are HTTP verbs on resource paths.
ACTIONS_NOT_NAMED_AFTER_OPERATIONS = {"s3:ListAllMyBuckets", "apigateway:GET"}


# --- helpers: moto's managed policy documents and evaluator ------------------------------


@functools.cache
def managed_policies() -> dict[str, dict]:
    """Return moto's offline AWS managed policies, keyed by policy name."""
    return json.loads(aws_managed_policies_data)


def split_policy_arn(arn: str) -> tuple[str, str]:
    """Split an AWS managed policy ARN into its IAM path and name."""
    assert arn.startswith(POLICY), arn
    path, _, name = arn[len(POLICY) - 1 :].rpartition("/")
    return path + "/", name


def policy_document(arn: str) -> dict:
    """Return the default version's document of the AWS managed policy ``arn``."""
    _, name = split_policy_arn(arn)
    return managed_policies()[name]["Document"]


def evaluate(
    arns: tuple[str, ...] | list[str], action: str, resource: str = "*"
) -> PermissionResult:
    """Judge ``action`` against all of ``arns`` together: any deny wins, then any allow."""
    results = [
        IAMPolicy(json.dumps(policy_document(arn))).is_action_permitted(action, resource)
        for arn in arns
    ]
    if PermissionResult.DENIED in results:
        return PermissionResult.DENIED
    if PermissionResult.PERMITTED in results:
        return PermissionResult.PERMITTED
    return PermissionResult.NEUTRAL


def resource_for(action: str) -> str:
    """Return the resource to check ``action`` against: the catalogue's, else ``*``."""
    return EXAMPLE_RESOURCES.get(action, "*")


def refused(values: object, **kwargs: str) -> InputError:
    """Call validate_services expecting an InputError; return it."""
    with pytest.raises(InputError) as caught:
        validate_services(values, **kwargs)
    return caught.value


# --- the catalogue's shape ----------------------------------------------------------------


def test_catalogue_has_the_required_services_then_presets_in_order() -> None:
    assert SERVICE_KEYS == list(EXPECTED_POLICIES)[:12]
    assert PRESET_KEYS == ["ReadOnly", "ViewOnly", "PowerUser"]
    assert [choice.key for choice in CHOICES] == list(EXPECTED_POLICIES)


def test_service_choices_lists_keys_and_titles_in_catalogue_order() -> None:
    choices = service_choices()
    assert [key for key, _ in choices] == list(EXPECTED_POLICIES)
    assert choices[0] == ("s3", "Amazon S3 (object storage)")
    assert all(label.strip() for _, label in choices)
    assert len({label for _, label in choices}) == len(choices)


def test_keys_are_unique_ignoring_case() -> None:
    folded = [choice.key.casefold() for choice in CHOICES]
    assert len(set(folded)) == len(folded)


def test_service_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        SERVICES[0].key = "changed"  # type: ignore[misc]
    assert [field.name for field in dataclasses.fields(Service)] == [
        "key",
        "title",
        "policy_arns",
        "example_actions",
    ]


def test_constants() -> None:
    assert ADMINISTRATOR_ACCESS_ARN == "arn:aws:iam::aws:policy/AdministratorAccess"
    assert OUT_OF_SCOPE_ACTION == "iam:CreateUser"
    assert MAX_MANAGED_POLICIES_PER_PERMISSION_SET == 10


@pytest.mark.parametrize("choice", CHOICES, ids=lambda choice: choice.key)
def test_example_actions_are_well_formed(choice: Service) -> None:
    assert 1 <= len(choice.example_actions) <= 2
    for action in choice.example_actions:
        assert IAM_ACTION.fullmatch(action), action


@pytest.mark.parametrize("choice", CHOICES, ids=lambda choice: choice.key)
def test_example_actions_name_real_api_operations(choice: Service) -> None:
    # A wildcard policy (sqs:*) would "permit" a misspelt action, so check the name itself
    # against botocore's bundled service models.
    session = botocore.session.get_session()
    for action in choice.example_actions:
        if action in ACTIONS_NOT_NAMED_AFTER_OPERATIONS:
            continue
        prefix, operation = action.split(":")
        model = session.get_service_model(BOTOCORE_SERVICE.get(prefix, prefix))
        assert operation in model.operation_names, action


def test_first_example_actions_are_unique_so_each_proves_its_own_choice() -> None:
    firsts = [choice.example_actions[0] for choice in CHOICES]
    assert len(set(firsts)) == len(firsts)


# --- validate_services --------------------------------------------------------------------


def test_validate_services_returns_known_keys() -> None:
    assert validate_services(["s3", "lambda"]) == ("s3", "lambda")


def test_validate_services_accepts_a_tuple_as_a_widget_gives_it() -> None:
    assert validate_services(("dynamodb", "ReadOnly")) == ("dynamodb", "ReadOnly")


def test_validate_services_ignores_case_and_whitespace_and_returns_canonical_keys() -> None:
    assert validate_services(["S3", "LAMBDA", "readonly", " powerUSER ", "StepFunctions"]) == (
        "s3",
        "lambda",
        "stepfunctions",
        "ReadOnly",
        "PowerUser",
    )


def test_validate_services_removes_duplicates() -> None:
    assert validate_services(["s3", "S3", " s3", "viewonly", "ViewOnly"]) == ("s3", "ViewOnly")


def test_validate_services_returns_catalogue_order_not_input_order() -> None:
    assert validate_services(["PowerUser", "bedrock", "s3", "ViewOnly", "ec2"]) == (
        "s3",
        "ec2",
        "bedrock",
        "ViewOnly",
        "PowerUser",
    )


def test_every_choice_validates_to_itself() -> None:
    for key in EXPECTED_POLICIES:
        assert validate_services([key]) == (key,)
        assert validate_services([key.upper()]) == (key,)


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("lamda", "lambda"),
        ("dynamo", "dynamodb"),
        ("READONLYACCESS", "ReadOnly"),
        ("step-functions", "stepfunctions"),
        ("api-gateway", "apigateway"),
        ("cloudformaton", "cloudformation"),
    ],
)
def test_unknown_name_is_refused_with_the_closest_suggestion(typed: str, suggested: str) -> None:
    error = refused(["s3", typed])
    assert error.field == "services"
    assert error.value == typed
    assert f"did you mean {suggested!r}?" in error.rule
    assert "choices: " + ", ".join(EXPECTED_POLICIES) in error.rule
    assert str(error).startswith(f"services: {typed!r} is not valid: ")


def test_unknown_name_far_from_any_choice_still_lists_the_choices() -> None:
    error = refused(["kubernetes"])
    assert error.value == "kubernetes"
    assert "did you mean" not in error.rule
    assert "choices: s3, lambda," in error.rule
    assert error.rule.endswith("ReadOnly, ViewOnly, PowerUser)")


@pytest.mark.parametrize("empty", [[], ()])
def test_empty_choice_is_refused(empty: object) -> None:
    error = refused(empty)
    assert error.field == "services"
    assert error.value == empty
    assert "at least one service" in error.rule


def test_bare_string_is_refused_with_a_list_to_give_instead() -> None:
    error = refused("s3")
    assert error.field == "services"
    assert error.value == "s3"
    assert "must be a list" in error.rule
    assert '["s3"]' in error.rule


@pytest.mark.parametrize("value", [None, 3, {"s3"}, {"s3": True}])
def test_other_non_lists_are_refused(value: object) -> None:
    error = refused(value)
    assert error.value == value
    assert "must be a list" in error.rule


def test_non_text_item_is_refused_naming_it() -> None:
    error = refused(["s3", 3])
    assert error.value == 3
    assert "as text" in error.rule


def test_custom_field_name_is_carried_through() -> None:
    for bad in ("s3", [], ["nope"], SERVICE_KEYS[:11]):
        error = refused(bad, field="developer_services")
        assert error.field == "developer_services"
        assert str(error).startswith("developer_services: ")


def test_exactly_the_quota_of_policies_is_accepted() -> None:
    ten = SERVICE_KEYS[:10]
    assert len(policies_for(ten)) == 10
    assert validate_services(ten) == tuple(ten)


def test_more_policies_than_a_permission_set_can_have_is_refused() -> None:
    eleven = SERVICE_KEYS[:11]
    error = refused(eleven)
    assert error.field == "services"
    assert error.value == eleven
    assert "needs 11 managed policies" in error.rule
    assert "at most 10" in error.rule


def test_presets_count_towards_the_quota() -> None:
    nine_and_two_presets = SERVICE_KEYS[:9] + ["ReadOnly", "ViewOnly"]
    assert "needs 11 managed policies" in refused(nine_and_two_presets).rule


def test_duplicates_do_not_count_towards_the_quota() -> None:
    ten_twice = SERVICE_KEYS[:10] + [key.upper() for key in SERVICE_KEYS[:10]]
    assert validate_services(ten_twice) == tuple(SERVICE_KEYS[:10])


# --- policies_for and example_allowed_actions ---------------------------------------------


@pytest.mark.parametrize(("key", "arn"), EXPECTED_POLICIES.items())
def test_policies_for_each_choice_is_its_managed_policy(key: str, arn: str) -> None:
    assert policies_for([key]) == (arn,)


def test_policies_for_several_is_sorted_and_deduplicated() -> None:
    assert policies_for(["s3", "lambda", "S3", "ViewOnly"]) == (
        "arn:aws:iam::aws:policy/AWSLambda_FullAccess",
        "arn:aws:iam::aws:policy/AmazonS3FullAccess",
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
    )


def test_policies_for_refuses_what_validate_services_refuses() -> None:
    with pytest.raises(InputError, match="must be a list"):
        policies_for("s3")
    with pytest.raises(InputError, match="did you mean 'sqs'"):
        policies_for(["sqss"])


def test_example_allowed_actions_gives_one_per_choice_in_catalogue_order() -> None:
    assert example_allowed_actions(["ReadOnly", "sns", "S3", "s3"]) == (
        "s3:ListAllMyBuckets",
        "sns:ListPlatformApplications",
        "s3:GetObject",
    )
    assert len(example_allowed_actions(list(EXPECTED_POLICIES))) == len(EXPECTED_POLICIES)


def test_example_allowed_actions_refuses_unknown_names() -> None:
    with pytest.raises(InputError, match="did you mean 'bedrock'"):
        example_allowed_actions(["bedrok"])


# --- against the real AWS managed policy documents ----------------------------------------


@pytest.mark.parametrize("arn", ALL_ARNS)
def test_every_policy_arn_names_an_aws_managed_policy_with_that_path(arn: str) -> None:
    path, name = split_policy_arn(arn)
    assert name in managed_policies(), f"{name} is not an AWS managed policy"
    assert managed_policies()[name]["Path"] == path


def test_view_only_lives_under_the_job_function_path() -> None:
    assert split_policy_arn(EXPECTED_POLICIES["ViewOnly"]) == ("/job-function/", "ViewOnlyAccess")
    assert managed_policies()["ViewOnlyAccess"]["Path"] == "/job-function/"


@pytest.mark.parametrize("choice", CHOICES, ids=lambda choice: choice.key)
def test_example_actions_are_permitted_by_the_choice_policies(choice: Service) -> None:
    for action in choice.example_actions:
        result = evaluate(choice.policy_arns, action, resource_for(action))
        assert result is PermissionResult.PERMITTED, f"{choice.key}: {action} is {result.name}"


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.key)
def test_first_example_action_is_not_granted_by_any_other_service(service: Service) -> None:
    action = service.example_actions[0]
    for other in SERVICES:
        if other is not service:
            result = evaluate(other.policy_arns, action, resource_for(action))
            assert result is not PermissionResult.PERMITTED, f"{other.key} grants {action}"


@pytest.mark.parametrize("choice", CHOICES, ids=lambda choice: choice.key)
def test_out_of_scope_action_is_not_permitted_by_any_choice(choice: Service) -> None:
    assert evaluate(choice.policy_arns, OUT_OF_SCOPE_ACTION) is not PermissionResult.PERMITTED


def test_out_of_scope_action_is_not_permitted_by_all_policies_together() -> None:
    every_policy = [arn for choice in CHOICES for arn in choice.policy_arns]
    assert evaluate(every_policy, OUT_OF_SCOPE_ACTION) is not PermissionResult.PERMITTED


def test_administrator_access_permits_the_out_of_scope_action() -> None:
    # The control: the evaluator and the action string can say PERMITTED at all.
    assert evaluate([ADMINISTRATOR_ACCESS_ARN], OUT_OF_SCOPE_ACTION) is PermissionResult.PERMITTED


@pytest.mark.parametrize(("action", "resource"), EXAMPLE_RESOURCES.items())
def test_example_resources_are_needed_and_sufficient(action: str, resource: str) -> None:
    owners = [choice for choice in CHOICES if action in choice.example_actions]
    assert owners, f"{action} is no choice's example action"
    for owner in owners:
        assert evaluate(owner.policy_arns, action, "*") is not PermissionResult.PERMITTED
        assert evaluate(owner.policy_arns, action, resource) is PermissionResult.PERMITTED


def test_ecr_power_user_could_not_create_a_repository_so_full_access_is_chosen() -> None:
    power_user = [POLICY + "AmazonEC2ContainerRegistryPowerUser"]
    assert evaluate(power_user, "ecr:PutImage") is PermissionResult.PERMITTED
    assert evaluate(power_user, "ecr:CreateRepository") is not PermissionResult.PERMITTED
    assert evaluate(policies_for(["ecr"]), "ecr:CreateRepository") is PermissionResult.PERMITTED


def test_power_user_preset_covers_every_service_example() -> None:
    power_user = policies_for(["PowerUser"])
    for service in SERVICES:
        for action in service.example_actions:
            assert evaluate(power_user, action, resource_for(action)) is PermissionResult.PERMITTED


def test_view_only_preset_does_not_read_data_that_read_only_can() -> None:
    read_data = PRESETS[0].example_actions[0]
    assert read_data == "s3:GetObject"
    assert evaluate(policies_for(["ReadOnly"]), read_data) is PermissionResult.PERMITTED
    assert evaluate(policies_for(["ViewOnly"]), read_data) is not PermissionResult.PERMITTED
