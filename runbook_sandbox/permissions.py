"""Who may call what: the sandbox's access control, in front of moto's dispatch (sandbox process only).

On AWS every signed request is authenticated by its access key and authorized by its
principal's policies. moto can do the same (``INITIAL_NO_AUTH_ACTION_COUNT``), but only for
every request at once, the runbook's own fixed sandbox keys included, which moto does not know.
So the sandbox decides here, before moto sees the request:

- credentials the sandbox can attribute to a principal are authorized by that principal's
  policies: the role credentials the access portal hands out (``sso:GetRoleCredentials``, which
  assumes the permission set's ``AWSReservedSSO_*`` role in moto's STS), any other role moto's
  STS issued (``sts:AssumeRole``, with its session policy), and an IAM user's access keys.
  An action those policies do not allow answers ``AccessDenied`` in the request's protocol, as
  AWS does (``AccessDeniedException`` for json and rest-json, ``AuthorizationError`` for SNS,
  ``UnauthorizedOperation`` for EC2); a role session past its expiry answers ``ExpiredToken``;
- any other credentials (the runbook's fixed sandbox keys) act as the account's owner with no
  limit in the default ``workshop`` mode, and are refused in ``rehearsal`` mode as AWS refuses
  keys it never issued (``InvalidClientTokenId``, ``UnrecognizedClientException``, S3's
  ``InvalidAccessKeyId``): a brand-new account whose root has only the console. Unsigned
  requests (but sso-oidc's and the portal's, served before this) are refused there too.

The decision is the simulator's (``simulator.evaluate``): explicit Deny, then Allow, else the
implicit deny, with its adjustments to moto's statement matcher. What it does not do, unlike AWS:

- the secret key is not checked (no signature verification): an access key id with its session
  token is taken as its principal's;
- the resource is known for S3 (``arn:aws:s3:::bucket/key``; ``arn:aws:s3:::*`` for a call on no
  bucket) and API Gateway (the path) only; any other call is judged on ``*``, so a statement
  limited to specific ARNs does not grant it (stricter than AWS, never more lenient);
- no context keys (``aws:RequestedRegion``...): conditions hold only as for a missing key; no
  resource policies, SCPs or implicit checks of other actions (``iam:PassRole`` on
  ``lambda:CreateFunction``);
- IAM action names are the operation's, but for the few listed in ``ACTION_NAMES`` (S3's
  ``ListBuckets`` is ``s3:ListAllMyBuckets``) and API Gateway's, which are the HTTP method.

``sts:GetCallerIdentity`` is always allowed, as on AWS.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

from runbook_sandbox.calls import ServiceCall, credential_scope, error_in_protocol, identify_call
from runbook_sandbox.rest_json import Answer
from runbook_sandbox.simulator import (
    ALLOWED,
    EXPLICIT_DENY,
    SimulationError,
    SourcePolicy,
    evaluate,
    principal_policies,
)

WORKSHOP, REHEARSAL = "workshop", "rehearsal"
MODES = (WORKSHOP, REHEARSAL)
"""``workshop``: the runbook's fixed keys act as the account's owner. ``rehearsal``: they are
refused, as on a new account whose root has only the console."""

ALWAYS_ALLOWED = frozenset({"sts:GetCallerIdentity"})
"""Actions AWS allows whatever the policies say."""
UNCHECKED_PATHS = ("/moto-api/",)
"""moto's own routes (its reset, its dashboard): not AWS, never signed."""

IAM_PREFIXES = {"monitoring": "cloudwatch", "email": "ses"}
"""Signing names that are not the service's IAM action prefix."""
ACTION_NAMES: Mapping[tuple[str, str], str] = {
    # (IAM prefix, operation): the IAM action's name, where it is not the operation's
    ("s3", "ListBuckets"): "ListAllMyBuckets",
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "ListObjects"): "ListBucket",
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "ListObjectVersions"): "ListBucketVersions",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "DeleteObjects"): "DeleteObject",
    ("s3", "CopyObject"): "PutObject",
    ("s3", "CreateMultipartUpload"): "PutObject",
    ("s3", "UploadPart"): "PutObject",
    ("s3", "UploadPartCopy"): "PutObject",
    ("s3", "CompleteMultipartUpload"): "PutObject",
    ("s3", "ListMultipartUploads"): "ListBucketMultipartUploads",
    ("s3", "ListParts"): "ListMultipartUploadParts",
    ("s3", "GetBucketEncryption"): "GetEncryptionConfiguration",
    ("s3", "PutBucketEncryption"): "PutEncryptionConfiguration",
    ("s3", "DeleteBucketEncryption"): "PutEncryptionConfiguration",
    ("s3", "GetPublicAccessBlock"): "GetBucketPublicAccessBlock",
    ("s3", "PutPublicAccessBlock"): "PutBucketPublicAccessBlock",
    ("s3", "DeletePublicAccessBlock"): "PutBucketPublicAccessBlock",
    ("s3", "GetBucketLifecycleConfiguration"): "GetLifecycleConfiguration",
    ("s3", "PutBucketLifecycleConfiguration"): "PutLifecycleConfiguration",
    ("s3", "DeleteBucketLifecycle"): "PutLifecycleConfiguration",
    ("lambda", "Invoke"): "InvokeFunction",
    ("budgets", "DescribeBudget"): "ViewBudget",
    ("budgets", "DescribeBudgets"): "ViewBudget",
    ("budgets", "DescribeNotificationsForBudget"): "ViewBudget",
    ("budgets", "CreateBudget"): "ModifyBudget",
    ("budgets", "UpdateBudget"): "ModifyBudget",
    ("budgets", "DeleteBudget"): "ModifyBudget",
    ("budgets", "CreateNotification"): "ModifyBudget",
}

DENIED, UNRECOGNIZED, EXPIRED, UNSIGNED = "denied", "unrecognized", "expired", "unsigned"
REHEARSAL_HINT = (
    " (Sandbox in rehearsal mode: as on a new account, whose root has only the console, the "
    "runbook's fixed sandbox keys are not credentials; use those the access portal hands out.)"
)


@dataclass
class AccessSettings:
    """The sandbox's access mode: a start option (``--mode``), kept across resets."""

    mode: str = WORKSHOP
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


ACCESS = AccessSettings()


def set_mode(mode: str) -> None:
    """Choose ``workshop`` or ``rehearsal``; called once, at server start.

    Raises:
        ValueError: for any other mode.
    """
    if mode not in MODES:
        raise ValueError(f"Unknown sandbox mode {mode!r}; known: {', '.join(MODES)}.")
    with ACCESS.lock:
        ACCESS.mode = mode


@dataclass(frozen=True)
class Signer:
    """What a SigV4 request says of its credentials."""

    access_key_id: str
    region: str
    service: str
    session_token: str = field(default="", repr=False)


@dataclass(frozen=True)
class Principal:
    """Who a request's credentials stand for, and whose policies apply to it.

    Attributes:
        arn: The caller as STS names it (``arn:aws:sts::<account>:assumed-role/<role>/<session>``).
        policy_source_arn: The IAM role or user whose policies apply.
        session_policy: An ``sts:AssumeRole`` session policy, which must allow the action too.
    """

    arn: str
    policy_source_arn: str
    session_policy: str = ""


class CredentialsRefused(Exception):
    """Raised when a request's credentials are known but not valid (wrong token, expired)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def read_signer(environ: Mapping[str, Any]) -> Signer | None:
    """Return the credentials a request is signed with, or None for an unsigned request."""
    scope = credential_scope(environ)
    if not scope:
        return None
    from urllib.parse import parse_qs

    token = str(environ.get("HTTP_X_AMZ_SECURITY_TOKEN", "")) or parse_qs(
        str(environ.get("QUERY_STRING", ""))
    ).get("X-Amz-Security-Token", [""])[-1]
    return Signer(scope[0], scope[2], scope[3], token)


def find_principal(signer: Signer, account_id: str) -> Principal | None:
    """Return the principal of credentials moto issued, or None for credentials it never issued.

    Raises:
        CredentialsRefused: ``unrecognized`` for a role session's key with another session
            token (or an IAM user's key with one), an inactive user key; ``expired`` for a role
            session past its expiry.
    """
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    for assumed in sts_backends[account_id]["aws"].assumed_roles:
        if assumed.access_key_id != signer.access_key_id:
            continue
        if signer.session_token != assumed.session_token:
            raise CredentialsRefused(UNRECOGNIZED)
        if utc_now() >= as_utc(assumed.expiration):
            raise CredentialsRefused(EXPIRED)
        return Principal(assumed.arn, assumed.role_arn, assumed.policy or "")
    for user in iam_backends[account_id]["aws"].users.values():
        for access_key in user.access_keys:
            if access_key.access_key_id != signer.access_key_id:
                continue
            if signer.session_token or access_key.status != "Active":
                raise CredentialsRefused(UNRECOGNIZED)
            return Principal(user.arn, user.arn)
    return None


def utc_now() -> datetime:
    """Return the time now, in UTC."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime (moto's are naive UTC)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def iam_action(call: ServiceCall) -> str:
    """Return the IAM action a call needs, e.g. ``s3:ListAllMyBuckets`` for ``ListBuckets``."""
    prefix = IAM_PREFIXES.get(call.service, call.service)
    if prefix == "apigateway":  # API Gateway's management actions are its HTTP methods
        return f"apigateway:{call.method}"
    return f"{prefix}:{ACTION_NAMES.get((prefix, call.operation), call.operation)}"


def request_resource(call: ServiceCall, region: str) -> str:
    """Return the ARN a call acts on, where the sandbox knows it (S3, API Gateway), else ``*``."""
    if call.service == "s3":
        bucket, key = call.uri_params.get("Bucket", ""), call.uri_params.get("Key", "")
        return f"arn:aws:s3:::{bucket}/{key}" if bucket and key else f"arn:aws:s3:::{bucket or '*'}"
    if call.service == "apigateway":
        return f"arn:aws:apigateway:{region}::{call.path}"
    return "*"


def decide(principal: Principal, action: str, resource: str) -> str:
    """Return ``allowed``, ``explicitDeny`` or ``implicitDeny`` for the principal's request.

    A principal whose role or user no longer exists is denied (its policies are gone).
    """
    try:
        policies, boundary = principal_policies(principal.policy_source_arn)
    except SimulationError:
        return "implicitDeny"
    decision = evaluate(policies, action, resource, boundary=boundary).decision
    if decision == ALLOWED and principal.session_policy:
        session = [SourcePolicy("session", "session", principal.session_policy)]
        decision = evaluate(session, action, resource).decision
    return decision


def authorize(environ: dict[str, Any], form: Mapping[str, list[str]], account_id: str) -> Answer | None:
    """Return the refusal of a request its credentials may not make, or None to let moto answer.

    Args:
        environ: The request's WSGI environ (sso-oidc's and the portal's were served already).
        form: The parameters of its form-encoded body ({} for none).
        account_id: The sandbox's account.
    """
    if environ.get("PATH_INFO", "").startswith(UNCHECKED_PATHS):
        return None
    rehearsal = ACCESS.mode == REHEARSAL
    signer = read_signer(environ)
    if signer is None:
        return refusal(identify_call(environ, form, None), UNSIGNED) if rehearsal else None
    try:
        principal = find_principal(signer, account_id)
    except CredentialsRefused as refused:
        return refusal(identify_call(environ, form, None), refused.kind)
    if principal is None:  # keys moto never issued: the runbook's fixed ones
        # workshop: they act as the account's owner; rehearsal: they are no credentials at all
        return refusal(identify_call(environ, form, None), UNRECOGNIZED) if rehearsal else None
    call = identify_call(environ, form, None)
    action = iam_action(call)
    if action in ALWAYS_ALLOWED:
        return None
    resource = request_resource(call, signer.region)
    decision = decide(principal, action, resource)
    if decision == ALLOWED:
        return None
    why = (
        "with an explicit deny in an identity-based policy" if decision == EXPLICIT_DENY
        else f"because no identity-based policy allows the {action} action"
    )
    return refusal(call, DENIED, f"User: {principal.arn} is not authorized to perform: {action} on resource: {resource} {why}")


def refusal(call: ServiceCall, kind: str, message: str = "") -> Answer:
    """Return AWS's refusal of ``kind`` for ``call``, with the code its protocol uses."""
    status, code, default_message = refusal_shape(call, kind)
    text = message or default_message
    if kind == UNRECOGNIZED and ACCESS.mode == REHEARSAL:
        text += REHEARSAL_HINT
    return error_in_protocol(call, status, code, text)


def refusal_shape(call: ServiceCall, kind: str) -> tuple[int, str, str]:
    """Return the HTTP status, the error code and AWS's message for a refusal of ``kind``."""
    protocol, s3 = call.protocol, call.service == "s3"
    json_status = 400 if protocol == "json" else 403  # awsJson answers 400; rest-json 403
    if kind == DENIED:
        if protocol in ("json", "rest-json"):
            return json_status, "AccessDeniedException", "Access denied"
        if protocol == "ec2":
            return 403, "UnauthorizedOperation", "You are not authorized to perform this operation."
        return 403, "AuthorizationError" if call.service == "sns" else "AccessDenied", "Access Denied"
    if kind == EXPIRED:
        message = "The security token included in the request is expired"
        if protocol in ("json", "rest-json"):
            return json_status, "ExpiredTokenException", message
        return (400 if s3 else 403), "ExpiredToken", "The provided token has expired." if s3 else message
    if kind == UNSIGNED:
        if s3:
            return 403, "AccessDenied", "Access Denied"
        if protocol in ("json", "rest-json"):
            return json_status, "MissingAuthenticationTokenException", "Missing Authentication Token"
        return 403, "MissingAuthenticationToken", "Request is missing Authentication Token"
    if s3:
        return 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
    if protocol in ("json", "rest-json"):
        return json_status, "UnrecognizedClientException", "The security token included in the request is invalid."
    if protocol == "ec2":
        return 401, "AuthFailure", "AWS was not able to validate the provided access credentials"
    return 403, "InvalidClientTokenId", "The security token included in the request is invalid."
