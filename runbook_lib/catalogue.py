"""Choose what the developer user may use: services and presets mapped to AWS managed policies.

The developer's permission set gets only the AWS managed policies of the services the person
picks (least privilege), or one broad preset. Each entry also names an IAM action its policies
allow, so a later step can prove "allowed" for what was chosen, and :data:`OUT_OF_SCOPE_ACTION`
proves "denied" for what was not.

The module is pure: data and functions, no AWS calls. Every policy ARN and example action here
is checked against the AWS managed policy documents moto ships offline
(``tests/test_catalogue.py``), so a renamed policy or a wrong example fails a test, not a run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from runbook_lib.errors import InputError
from runbook_lib.tables import Cell, Table, render_table

if TYPE_CHECKING:  # pandas is heavy; only the table view needs it
    import pandas

ADMINISTRATOR_ACCESS_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"

# No service or preset policy below allows it (PowerUserAccess excludes iam:* through NotAction,
# ReadOnlyAccess allows only reads), so the developer must be denied it: the "denied" proof.
OUT_OF_SCOPE_ACTION = "iam:CreateUser"

# IAM Identity Center allows 20 AWS managed and customer managed policies per permission set
# (not adjustable), but a permission set is provisioned as an IAM role, and IAM's quota
# "Managed policies attached to an IAM role" is 10 by default (adjustable up to 20 in each
# account through Service Quotas). Source: "AWS IAM Identity Center quotas",
# https://docs.aws.amazon.com/singlesignon/latest/userguide/limits.html (table "AWS account
# quotas" and its footnote). A new account has the default, so the runbook refuses more than 10.
MAX_MANAGED_POLICIES_PER_PERMISSION_SET = 10


@dataclass(frozen=True)
class Service:
    """One choice for the developer's permission set: a service or a preset.

    Attributes:
        key: The canonical name the person types or picks, e.g. ``s3`` or ``ReadOnly``.
        title: A human title for forms and plans.
        policy_arns: The AWS managed policies that cover using it as a developer.
        example_actions: IAM actions those policies allow; the first one is the "allowed"
            proof for this choice. Read-only calls, so proving them changes nothing.
    """

    key: str
    title: str
    policy_arns: tuple[str, ...]
    example_actions: tuple[str, ...]


_POLICY = "arn:aws:iam::aws:policy/"

# Each first example action is allowed by its own service's policies and by no other
# service's, so proving it shows that this very service was granted. (lambda:ListFunctions,
# logs:DescribeLogGroups, sns:ListTopics and states:ListStateMachines are also granted by
# another service's policy, hence second.)
SERVICES: tuple[Service, ...] = (
    Service(
        "s3",
        "Amazon S3 (object storage)",
        (_POLICY + "AmazonS3FullAccess",),
        ("s3:ListAllMyBuckets",),
    ),
    Service(
        "lambda",
        "AWS Lambda (functions)",
        # Lets the developer pass a role to Lambda but not create one (no iam:CreateRole):
        # execution roles come from the administrator.
        (_POLICY + "AWSLambda_FullAccess",),
        ("lambda:GetAccountSettings", "lambda:ListFunctions"),
    ),
    Service(
        "dynamodb",
        "Amazon DynamoDB (NoSQL tables)",
        (_POLICY + "AmazonDynamoDBFullAccess",),
        ("dynamodb:ListTables",),
    ),
    Service(
        "apigateway",
        "Amazon API Gateway (HTTP and REST APIs)",
        # Grants apigateway:* on arn:aws:apigateway:*::/*, not on "*": see EXAMPLE_RESOURCES.
        (_POLICY + "AmazonAPIGatewayAdministrator",),
        ("apigateway:GET",),
    ),
    Service(
        "logs",
        "Amazon CloudWatch Logs",
        (_POLICY + "CloudWatchLogsFullAccess",),
        ("logs:DescribeMetricFilters", "logs:DescribeLogGroups"),
    ),
    Service(
        "cloudformation",
        "AWS CloudFormation (infrastructure as code)",
        # cloudformation:* only: stacks are built with the developer's own permissions, so
        # they can hold only resources of the other services chosen.
        (_POLICY + "AWSCloudFormationFullAccess",),
        ("cloudformation:ListStacks",),
    ),
    Service(
        "ec2",
        "Amazon EC2 (virtual machines)",
        (_POLICY + "AmazonEC2FullAccess",),
        ("ec2:DescribeInstances",),
    ),
    Service(
        "ecr",
        "Amazon ECR (container images)",
        # FullAccess, not PowerUser: AmazonEC2ContainerRegistryPowerUser can push and pull
        # but has no ecr:CreateRepository, so a developer could not make their first
        # repository without the administrator. FullAccess adds deleting repositories and
        # setting repository and registry policies, within ECR only (its one IAM permission
        # is the service-linked role for ECR replication).
        (_POLICY + "AmazonEC2ContainerRegistryFullAccess",),
        ("ecr:DescribeRepositories",),
    ),
    Service(
        "sqs",
        "Amazon SQS (queues)",
        (_POLICY + "AmazonSQSFullAccess",),
        ("sqs:ListQueues",),
    ),
    Service(
        "sns",
        "Amazon SNS (notifications)",
        (_POLICY + "AmazonSNSFullAccess",),
        ("sns:ListPlatformApplications", "sns:ListTopics"),
    ),
    Service(
        "stepfunctions",
        "AWS Step Functions (workflows)",
        # states:* only, no iam:PassRole: creating a state machine needs a role the
        # administrator creates and lets the developer pass.
        (_POLICY + "AWSStepFunctionsFullAccess",),
        ("states:ListActivities", "states:ListStateMachines"),
    ),
    Service(
        "bedrock",
        "Amazon Bedrock (generative AI models)",
        (_POLICY + "AmazonBedrockFullAccess",),
        ("bedrock:ListFoundationModels",),
    ),
)

PRESETS: tuple[Service, ...] = (
    Service(
        "ReadOnly",
        "Preset: read everything, data included, change nothing",
        (_POLICY + "ReadOnlyAccess",),
        ("s3:GetObject",),
    ),
    Service(
        "ViewOnly",
        "Preset: list and describe resources, no data",
        (_POLICY + "job-function/ViewOnlyAccess",),
        ("ec2:DescribeRegions",),
    ),
    Service(
        "PowerUser",
        "Preset: every service except IAM, Organizations and account settings",
        (_POLICY + "PowerUserAccess",),
        ("lambda:ListFunctions",),
    ),
)

# Services first, then presets: the order of the form and of every result below.
CHOICES: tuple[Service, ...] = SERVICES + PRESETS

# The resource to check an example action against where its policy does not grant it on "*".
# Any region matches the policy's arn:aws:apigateway:*::/*; GET /restapis lists REST APIs.
EXAMPLE_RESOURCES: Mapping[str, str] = MappingProxyType(
    {"apigateway:GET": "arn:aws:apigateway:us-east-1::/restapis"}
)


def service_choices() -> list[tuple[str, str]]:
    """Return the choices for a multi-select widget, services first, then presets.

    Returns:
        ``(key, label)`` pairs in catalogue order, e.g. ``("s3", "Amazon S3 (object storage)")``.
    """
    return [(choice.key, choice.title) for choice in CHOICES]


def _listed_choices() -> str:
    """Return every choice's key, comma-separated, for error messages."""
    return ", ".join(choice.key for choice in CHOICES)


def _find_choice(name: str) -> Service | None:
    """Return the choice whose key matches ``name`` ignoring letter case, or None."""
    folded = name.casefold()
    for choice in CHOICES:
        if choice.key.casefold() == folded:
            return choice
    return None


def _closest_choice(name: str) -> str | None:
    """Return the canonical key most like ``name`` (ignoring case), or None when none is close."""
    by_folded_key = {choice.key.casefold(): choice.key for choice in CHOICES}
    matches = difflib.get_close_matches(name.casefold(), list(by_folded_key), n=1)
    return by_folded_key[matches[0]] if matches else None


def _resolve_choices(values: object, field: str) -> tuple[Service, ...]:
    """Turn the names given into catalogue entries, deduplicated, in catalogue order.

    Raises:
        InputError: If ``values`` is not a list or tuple, is empty, or names something that
            is neither a service nor a preset.
    """
    example = '["s3", "lambda"]'
    if isinstance(values, str):
        raise InputError(
            field, values, f'must be a list of names, e.g. ["{values}"] rather than "{values}"'
        )
    if not isinstance(values, (list, tuple)):
        raise InputError(
            field, values, f"must be a list of service or preset names, e.g. {example}"
        )
    if not values:
        raise InputError(
            field,
            values,
            f"choose at least one service or preset, e.g. {example} "
            f"(choices: {_listed_choices()})",
        )
    chosen: set[str] = set()
    for value in values:
        if not isinstance(value, str):
            raise InputError(
                field, value, f"each choice must be a name given as text, e.g. {example}"
            )
        choice = _find_choice(value.strip())
        if choice is None:
            rule = "is not a service or preset this runbook knows"
            suggestion = _closest_choice(value.strip())
            if suggestion:
                rule += f"; did you mean {suggestion!r}?"
            raise InputError(field, value, f"{rule} (choices: {_listed_choices()})")
        chosen.add(choice.key)
    return tuple(choice for choice in CHOICES if choice.key in chosen)


def _policy_arns(choices: Iterable[Service]) -> tuple[str, ...]:
    """Return the sorted, deduplicated policy ARNs of ``choices``."""
    return tuple(sorted({arn for choice in choices for arn in choice.policy_arns}))


def validate_services(values: object, *, field: str = "services") -> tuple[str, ...]:
    """Check the developer's choice of services and presets.

    Names match ignoring letter case (``"S3"``, ``"readonly"``) and surrounding whitespace.

    Args:
        values: A list or tuple of service keys and preset names, e.g. ``["s3", "lambda"]``.
        field: The parameter or form field name to report in the error.

    Returns:
        The canonical keys, each once, in catalogue order (services, then presets).

    Raises:
        InputError: If ``values`` is not a list or tuple (a bare string included), is empty,
            holds something other than text, names an unknown service (the message suggests
            the closest and lists the choices), or needs more managed policies than a
            permission set can have by default (10).
    """
    choices = _resolve_choices(values, field)
    arns = _policy_arns(choices)
    if len(arns) > MAX_MANAGED_POLICIES_PER_PERMISSION_SET:
        raise InputError(
            field,
            values,
            f"needs {len(arns)} managed policies, but a permission set can have at most "
            f"{MAX_MANAGED_POLICIES_PER_PERMISSION_SET} (the default IAM quota 'Managed "
            "policies attached to an IAM role'); choose fewer services",
        )
    return tuple(choice.key for choice in choices)


def policies_for(services: object) -> tuple[str, ...]:
    """Return the managed policy ARNs a permission set needs for ``services``.

    This is the permission set's exact list of AWS managed policies. It does not apply the
    quota; call :func:`validate_services` first.

    Args:
        services: Service keys and preset names, as :func:`validate_services` accepts them.

    Returns:
        The ARNs, sorted, each once.

    Raises:
        InputError: On the same input rules as :func:`validate_services`, quota aside.
    """
    return _policy_arns(_resolve_choices(services, "services"))


def example_allowed_actions(services: object) -> tuple[str, ...]:
    """Return one IAM action per chosen service or preset that its policies allow.

    Check an action against :data:`EXAMPLE_RESOURCES` where listed there, else against ``*``.

    Args:
        services: Service keys and preset names, as :func:`validate_services` accepts them.

    Returns:
        Each choice's first example action, in catalogue order.

    Raises:
        InputError: On the same input rules as :func:`validate_services`, quota aside.
    """
    return tuple(choice.example_actions[0] for choice in _resolve_choices(services, "services"))


def catalogue_frame() -> pandas.DataFrame:
    """Return the catalogue as a table: choice, what it is, the policies it attaches."""
    import pandas

    return pandas.DataFrame(
        [
            {"choice": choice.key, "service": choice.title, "AWS managed policies": ", ".join(
                arn.removeprefix(_POLICY) for arn in choice.policy_arns)}
            for choice in CHOICES
        ],
        columns=["choice", "service", "AWS managed policies"],
    )


def catalogue_table(*, collapsed: bool = False) -> Table:
    """Return the catalogue as a ``tables.Table`` (no pandas); ``collapsed`` folds it under a line
    (interactive, the picker beside it names every choice)."""
    rows = [[Cell(choice.key, nowrap=True), choice.title, ", ".join(arn.removeprefix(_POLICY) for arn in choice.policy_arns)]
            for choice in CHOICES]
    summary = f"The {len(rows)} services and presets, and the AWS managed policies each attaches (click to show)"
    return render_table(["choice", "service", "AWS managed policies"], rows, collapsed=summary if collapsed else "")
