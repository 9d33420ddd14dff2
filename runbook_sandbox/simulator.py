"""``iam:SimulatePrincipalPolicy`` for the sandbox, which moto lacks (sandbox process only).

The runbook proves least privilege with the same call on AWS and in the sandbox. Here the call is
answered from moto's IAM backend: the principal's policies (a role's attached managed policies and
inline policies; a user's, and its groups'; a group's) are evaluated statement by statement with
moto's own evaluator, ``moto.iam.access_control.IAMPolicyStatement``, and combined as IAM does:
any matching Deny gives ``explicitDeny``, else any matching Allow gives ``allowed``, else
``implicitDeny``. A role's permissions boundary, when it has one, must allow the action too.

moto's evaluator was written for moto's own access control, and on its own it gets some identity
policies wrong. Each statement is therefore adjusted before moto sees it:

- ``Condition``: moto ignores a condition whose keys the request does not carry, so an Allow
  guarded by ``iam:PassedToService`` would count as allowed. Like AWS's simulator given no context
  entries, a condition here holds only where AWS's rules for a missing key say it does: the
  ``...IfExists`` operators, ``Null`` with ``true``, the negated operators (``StringNotEquals``,
  ``ArnNotLike``...), and ``ForAllValues:``. Otherwise the statement does not apply, and its keys
  are listed in ``MissingContextValues``.
- ``NotResource``: moto treats a statement without ``Resource`` as a trust policy's and lets it
  match any resource (even a Deny); here ``NotResource`` is matched, as AWS does.
- Action names are matched case-insensitively, as AWS does (moto: case-sensitive); in patterns,
  ``?`` matches one character and other characters are literal (moto reads them as a regex).

What this simulator does not do, unlike AWS's:

- no context entries, resource policies, caller ARN, extra or boundary policy inputs, policy
  exclusions: a request with any of them is refused (``InvalidInput``), rather than answered
  wrongly;
- no service control policies: right for an organization's management account, which SCPs never
  restrict (the sandbox's account), wrong for a member account;
- no policy variables (``${aws:username}``) in resources, and no knowledge of which resource types
  an action takes: ``ResourceArns=["*"]`` is matched as the string ``*``, so a statement limited to
  specific ARNs does not apply to it;
- one result per action and resource, without ``ResourceSpecificResults`` or the statements'
  line and column positions (``MatchedStatements`` name the policy and its type only);
- ``MaxItems`` and ``Marker`` page through the results, but the marker is just an offset.
"""

from __future__ import annotations

import functools
import io
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from runbook_sandbox.reserved_roles import install_aws_managed_policy

ACTION = "SimulatePrincipalPolicy"
IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
MAX_INTERCEPTED_BODY = 1024 * 1024
"""Larger form bodies are passed to moto unread (a simulation request is a few kilobytes)."""

UNSUPPORTED_PARAMETERS = (
    "PolicyInputList", "PermissionsBoundaryPolicyInputList", "ResourcePolicy", "ResourceOwner",
    "CallerArn", "ContextEntries", "ResourceHandlingOption", "PolicyExclusionList",
)
NEGATED_OPERATORS = frozenset({
    "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
    "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike",
})

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitDeny", "implicitDeny"


class SimulationError(Exception):
    """Raised when IAM would answer the simulation request with an error; carries its shape."""

    def __init__(self, code: str, message: str, status: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class SourcePolicy:
    """One policy of the principal: its name, IAM's type for it, and its JSON document."""

    policy_id: str
    policy_type: str
    document: str


@dataclass(frozen=True)
class Evaluation:
    """The simulator's answer for one action on one resource."""

    action: str
    resource: str
    decision: str
    matched: tuple[SourcePolicy, ...] = ()
    missing_context_values: tuple[str, ...] = ()
    allowed_by_boundary: bool | None = None


@dataclass
class StatementVotes:
    """The statements that matched one request, split by effect, and the context keys they need."""

    allows: list[SourcePolicy] = field(default_factory=list)
    denies: list[SourcePolicy] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)


# --- the WSGI side: spot the request, answer it --------------------------------------------------


def read_query_parameters(environ: dict[str, Any]) -> dict[str, list[str]] | None:
    """Return a form-encoded POST body's parameters, leaving the body readable for moto.

    Returns None (body untouched) when the request is not a form POST of a readable size.
    """
    if environ.get("REQUEST_METHOD") != "POST":
        return None
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_INTERCEPTED_BODY:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)  # moto reads the very same bytes
    environ["CONTENT_LENGTH"] = str(len(body))
    return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)


def answer_simulation(environ: dict[str, Any]) -> tuple[str, bytes] | None:
    """Answer ``iam:SimulatePrincipalPolicy`` as IAM would; None for any other request.

    Returns:
        The HTTP status line and IAM's XML (a result, or an error such as ``NoSuchEntity``).
    """
    parameters = read_query_parameters(environ)
    if parameters is None or parameters.get("Action", [""])[-1] != ACTION:
        return None
    request_id = str(uuid.uuid4())  # not moto's random: seeded ids must not shift
    try:
        evaluations, marker = simulate_principal_policy(parameters)
    except SimulationError as error:
        return error.status, render_error(error, request_id)
    return "200 OK", render_result(evaluations, marker, request_id)


def member_list(parameters: dict[str, list[str]], name: str) -> list[str]:
    """Return the query protocol's list ``name.member.N`` in the order of N."""
    prefix = f"{name}.member."
    numbered = [
        (int(key[len(prefix):]), values[-1])
        for key, values in parameters.items()
        if key.startswith(prefix) and key[len(prefix):].isdigit()
    ]
    return [value for _, value in sorted(numbered)]


def simulate_principal_policy(parameters: dict[str, list[str]]) -> tuple[list[Evaluation], str | None]:
    """Evaluate every action on every resource for the request's principal.

    Returns:
        This page of evaluations, and the marker of the next page (None on the last).

    Raises:
        SimulationError: ``NoSuchEntity`` for an unknown principal; ``InvalidInput`` for a request
            IAM would refuse or the sandbox cannot answer honestly.
    """
    unsupported = sorted({
        name for name in UNSUPPORTED_PARAMETERS for key in parameters
        if key == name or key.startswith(f"{name}.")
    })
    if unsupported:
        raise SimulationError(
            "InvalidInput",
            f"The sandbox's policy simulator does not support {', '.join(unsupported)}; "
            "only PolicySourceArn, ActionNames, ResourceArns, MaxItems and Marker.",
            "400 Bad Request",
        )
    source_arn = parameters.get("PolicySourceArn", [""])[-1]
    actions = member_list(parameters, "ActionNames")
    if not actions:
        raise SimulationError("InvalidInput", "ActionNames must name at least one action.", "400 Bad Request")
    resources = member_list(parameters, "ResourceArns") or ["*"]
    policies, boundary = principal_policies(source_arn)
    evaluations = [
        evaluate(policies, action, resource, boundary=boundary)
        for action in actions for resource in resources
    ]
    return page(evaluations, parameters)


def page(
    evaluations: list[Evaluation], parameters: dict[str, list[str]]
) -> tuple[list[Evaluation], str | None]:
    """Return the page ``Marker`` and ``MaxItems`` ask for, and the next page's marker."""
    try:
        start = int(parameters.get("Marker", ["0"])[-1] or 0)
        size = int(parameters.get("MaxItems", ["100"])[-1] or 100)
    except ValueError:
        raise SimulationError(
            "InvalidInput", "Marker and MaxItems must be whole numbers.", "400 Bad Request"
        ) from None
    end = start + max(size, 1)
    return evaluations[start:end], (str(end) if end < len(evaluations) else None)


# --- the principal's policies --------------------------------------------------------------------


def principal_policies(source_arn: str) -> tuple[list[SourcePolicy], list[SourcePolicy] | None]:
    """Return the policies of the user, group or role ``source_arn``, and its boundary (or None).

    Raises:
        SimulationError: ``InvalidInput`` for an ARN that is not an IAM user, group or role;
            ``NoSuchEntity`` when the account has no such principal.
    """
    from moto.iam.models import iam_backends

    match = re.fullmatch(r"arn:(aws[\w-]*):iam::(\d{12}):(user|group|role)/.+", source_arn)
    if match is None:
        raise SimulationError(
            "InvalidInput",
            f"Invalid ARN {source_arn!r} for PolicySourceArn: expected an IAM user, group or role ARN.",
            "400 Bad Request",
        )
    partition, account_id, kind = match.groups()
    iam = iam_backends[account_id][partition]
    name = source_arn.rsplit("/", 1)[-1]
    if kind == "role":
        role = next((role for role in iam.get_roles() if role.arn == source_arn), None)
        if role is None:
            raise no_such_entity("role", name)
        boundary = boundary_policies(iam, role.permissions_boundary_arn)
        return inline_policies(role.policies, "role") + managed_policies(role.managed_policies), boundary
    if kind == "user":
        user = next((user for user in iam.users.values() if user.arn == source_arn), None)
        if user is None:
            raise no_such_entity("user", name)
        policies = inline_policies(user.policies, "user") + managed_policies(user.managed_policies)
        for group in iam.get_groups_for_user(user.name):
            policies += inline_policies(group.policies, "group") + managed_policies(group.managed_policies)
        return policies, None
    group = next((group for group in iam.groups.values() if group.arn == source_arn), None)
    if group is None:
        raise no_such_entity("group", name)
    return inline_policies(group.policies, "group") + managed_policies(group.managed_policies), None


def no_such_entity(kind: str, name: str) -> SimulationError:
    """Return IAM's error for a principal the account does not have."""
    return SimulationError("NoSuchEntity", f"The {kind} with name {name} cannot be found.", "404 Not Found")


def inline_policies(documents: dict[str, str], owner_type: str) -> list[SourcePolicy]:
    """Return a principal's inline policies (IAM's type for them is the owner's: role, user, group)."""
    return [SourcePolicy(name, owner_type, document) for name, document in documents.items()]


def managed_policies(attached: dict[str, Any]) -> list[SourcePolicy]:
    """Return the default versions of the attached managed policies (moto ``ManagedPolicy``)."""
    return [
        SourcePolicy(
            policy.name,
            "aws-managed" if ":iam::aws:policy/" in arn else "user-managed",
            next(version.document for version in policy.versions if version.is_default),
        )
        for arn, policy in attached.items()
    ]


def boundary_policies(iam: Any, boundary_arn: str | None) -> list[SourcePolicy] | None:
    """Return the permissions boundary as a one-policy list, or None when there is none.

    Raises:
        SimulationError: when the boundary names a policy the sandbox does not have.
    """
    if not boundary_arn:
        return None
    if ":iam::aws:policy/" in boundary_arn:
        try:
            install_aws_managed_policy(iam, boundary_arn)
        except KeyError:
            pass
    policy = iam.managed_policies.get(boundary_arn)
    if policy is None:
        raise SimulationError(
            "NoSuchEntity", f"The permissions boundary policy {boundary_arn} cannot be found.",
            "404 Not Found",
        )
    return managed_policies({boundary_arn: policy})


# --- evaluation ----------------------------------------------------------------------------------


def evaluate(
    policies: list[SourcePolicy], action: str, resource: str, *, boundary: list[SourcePolicy] | None = None
) -> Evaluation:
    """Decide one action on one resource: explicit Deny wins, then Allow, else implicit deny.

    With a permissions ``boundary``, an action the policies allow is allowed only if the boundary
    allows it too; a Deny in the boundary is an explicit deny.
    """
    votes = collect_votes(policies, action, resource)
    allowed_by_boundary = None
    if boundary is not None:
        boundary_votes = collect_votes(boundary, action, resource)
        votes.denies += boundary_votes.denies
        votes.missing |= boundary_votes.missing
        allowed_by_boundary = bool(boundary_votes.allows) and not boundary_votes.denies
    missing = tuple(sorted(votes.missing))
    if votes.denies:
        return Evaluation(action, resource, EXPLICIT_DENY, tuple(votes.denies), missing, allowed_by_boundary)
    if votes.allows and allowed_by_boundary is not False:
        return Evaluation(action, resource, ALLOWED, tuple(votes.allows), missing, allowed_by_boundary)
    return Evaluation(action, resource, IMPLICIT_DENY, (), missing, allowed_by_boundary)


def collect_votes(policies: list[SourcePolicy], action: str, resource: str) -> StatementVotes:
    """Return which statements of ``policies`` allow or deny ``action`` on ``resource``."""
    from moto.iam.access_control import PermissionResult

    votes = StatementVotes()
    for policy in policies:
        for statement in statements_of(policy.document):
            result, keys = judge_statement(statement, action, resource)
            votes.missing |= keys
            if result is PermissionResult.DENIED:
                votes.denies.append(policy)
            elif result is PermissionResult.PERMITTED:
                votes.allows.append(policy)
    return votes


@functools.lru_cache(maxsize=1024)
def statements_of(document: str) -> tuple[dict[str, Any], ...]:
    """Return a policy document's statements (parsed once per document: the access control
    judges every request of a portal session against the same few documents)."""
    statements = json.loads(document).get("Statement", [])
    return tuple(statements) if isinstance(statements, list) else (statements,)


def judge_statement(statement: dict[str, Any], action: str, resource: str) -> tuple[Any, set[str]]:
    """Return moto's verdict on one statement (PERMITTED, DENIED or NEUTRAL) and its context keys.

    The statement is adjusted first (see the module docstring): Action and NotAction lower-cased
    and made literal but for wildcards, NotResource and Condition judged here.
    """
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    if "Resource" not in statement and "NotResource" not in statement:
        return PermissionResult.NEUTRAL, set()  # not a valid identity policy statement
    adjusted: dict[str, Any] = {"Effect": statement.get("Effect")}
    for key in ("Action", "NotAction"):
        if key in statement:
            adjusted[key] = [literal_pattern(pattern.lower()) for pattern in as_list(statement[key])]
    adjusted["Resource"] = (
        [literal_pattern(pattern) for pattern in as_list(statement["Resource"])]
        if "Resource" in statement else "*"
    )
    result = IAMPolicyStatement(adjusted).is_action_permitted(action.lower(), resource)
    if result is PermissionResult.NEUTRAL:
        return result, set()
    if "NotResource" in statement and any(
        re.fullmatch(wildcard_regex(pattern), resource) for pattern in as_list(statement["NotResource"])
    ):
        return PermissionResult.NEUTRAL, set()
    condition = statement.get("Condition") or {}
    keys = {key for values in condition.values() for key in values}
    if not condition_holds_without_context(condition):
        return PermissionResult.NEUTRAL, keys
    return result, keys


def condition_holds_without_context(condition: dict[str, dict[str, Any]]) -> bool:
    """Return True when a Condition block holds for a request that carries none of its keys.

    AWS: a missing key fails a condition, except for the negated operators, ``...IfExists``,
    ``Null`` (asking for ``true``) and ``ForAllValues:`` (which hold for an empty set).
    """
    for operator, keys in condition.items():
        qualifier, _, base = operator.rpartition(":")
        for value in keys.values():
            if qualifier == "ForAllValues":
                holds = True
            elif qualifier == "ForAnyValue":
                holds = False
            elif base.endswith("IfExists"):
                holds = True
            elif base == "Null":
                holds = all(str(entry).lower() == "true" for entry in as_list(value))
            else:
                holds = base in NEGATED_OPERATORS
            if not holds:
                return False
    return True


def as_list(value: Any) -> list[Any]:
    """Return a policy element's value as a list (IAM allows a single string)."""
    return value if isinstance(value, list) else [value]


@functools.lru_cache(maxsize=8192)
def literal_pattern(pattern: str) -> str:
    """Return ``pattern`` as moto's matcher must see it to treat it as IAM does.

    moto turns ``*`` into ``.*`` and reads the rest as a regex: escape everything but ``*`` and
    make ``?`` one character.
    """
    return "".join("*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)


def wildcard_regex(pattern: str) -> str:
    """Return a regex for an IAM resource pattern (``*`` any run of characters, ``?`` one)."""
    return literal_pattern(pattern).replace("*", ".*")


# --- IAM's XML -----------------------------------------------------------------------------------


def render_result(evaluations: list[Evaluation], marker: str | None, request_id: str) -> bytes:
    """Return the XML of a ``SimulatePrincipalPolicy`` answer, as IAM sends it."""
    members = "".join(render_evaluation(evaluation) for evaluation in evaluations)
    next_page = f"<Marker>{escape(marker)}</Marker>" if marker else ""
    return (
        f'<SimulatePrincipalPolicyResponse xmlns="{IAM_NAMESPACE}">'
        "<SimulatePrincipalPolicyResult>"
        f"<IsTruncated>{'true' if marker else 'false'}</IsTruncated>{next_page}"
        f"<EvaluationResults>{members}</EvaluationResults>"
        "</SimulatePrincipalPolicyResult>"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        "</SimulatePrincipalPolicyResponse>"
    ).encode("utf-8")


def render_evaluation(evaluation: Evaluation) -> str:
    """Return one ``EvaluationResults`` member."""
    statements = "".join(
        "<member>"
        f"<SourcePolicyId>{escape(policy.policy_id)}</SourcePolicyId>"
        f"<SourcePolicyType>{escape(policy.policy_type)}</SourcePolicyType>"
        "</member>"
        for policy in evaluation.matched
    )
    missing = "".join(f"<member>{escape(key)}</member>" for key in evaluation.missing_context_values)
    boundary = (
        "<PermissionsBoundaryDecisionDetail><AllowedByPermissionsBoundary>"
        f"{str(evaluation.allowed_by_boundary).lower()}"
        "</AllowedByPermissionsBoundary></PermissionsBoundaryDecisionDetail>"
        if evaluation.allowed_by_boundary is not None else ""
    )
    return (
        "<member>"
        f"<EvalActionName>{escape(evaluation.action)}</EvalActionName>"
        f"<EvalResourceName>{escape(evaluation.resource)}</EvalResourceName>"
        f"<EvalDecision>{evaluation.decision}</EvalDecision>"
        f"<MatchedStatements>{statements}</MatchedStatements>"
        f"<MissingContextValues>{missing}</MissingContextValues>"
        f"{boundary}"
        "</member>"
    )


def render_error(error: SimulationError, request_id: str) -> bytes:
    """Return IAM's error XML for ``error``."""
    return (
        f'<ErrorResponse xmlns="{IAM_NAMESPACE}">'
        f"<Error><Type>Sender</Type><Code>{escape(error.code)}</Code>"
        f"<Message>{escape(error.message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId>"
        "</ErrorResponse>"
    ).encode("utf-8")
