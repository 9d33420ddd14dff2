"""The IAM role Identity Center makes when it provisions a permission set (sandbox process only).

On AWS, provisioning a permission set to an account creates, or brings in line, the role
``AWSReservedSSO_<PermissionSetName>_<16 hex>`` under ``/aws-reserved/sso.amazonaws.com/`` (with
``<region>/`` added when Identity Center is not in us-east-1). The account's SAML provider
``AWSSSO_<16 hex>_DO_NOT_DELETE`` is trusted to assume it, and it carries exactly the permission
set's policies: the AWS managed ones, the customer managed references (which must exist in the
account) and the inline policy as ``AwsSSOInlinePolicy``. moto's ``provision_permission_set``
only records the provisioning; ``provision_reserved_role`` does the rest in moto's IAM backend.

The suffixes are derived from the permission set's and the instance's ARNs, so provisioning again
keeps the same role (AWS gives a new suffix only after every assignment was deleted).

AWS managed policies: moto loads all 1,582 into every IAM backend only with
``MOTO_IAM_LOAD_MANAGED_POLICIES``, which costs about 0.7 s on the first IAM call after every
reset and draws 1,582 policy ids from moto's seeded random stream (shifting every id made after
it). Instead, the few a permission set names are installed in the account's IAM backend when it is
provisioned, as moto's own ``AWSManagedPolicy`` objects built from moto's bundled documents.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

RESERVED_ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"
INLINE_POLICY_NAME = "AwsSSOInlinePolicy"
IDENTITY_CENTER_HOME_REGION = "us-east-1"
"""The region whose reserved roles have no region in their path."""

SAML_METADATA_PLACEHOLDER = (
    '<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
    'entityID="https://portal.sso.amazonaws.com/saml/metadata/sandbox"/>'
)


def short_digest(text: str) -> str:
    """Return 16 hex digits that depend only on ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def reserved_role_name(permission_set_name: str, permission_set_arn: str) -> str:
    """Return the name of the role that provisioning the permission set creates."""
    return f"AWSReservedSSO_{permission_set_name}_{short_digest(permission_set_arn)}"


def reserved_role_path(identity_center_region: str) -> str:
    """Return the reserved roles' path for an Identity Center instance in this region."""
    if identity_center_region == IDENTITY_CENTER_HOME_REGION:
        return RESERVED_ROLE_PATH
    return f"{RESERVED_ROLE_PATH}{identity_center_region}/"


def saml_provider_name(instance_arn: str) -> str:
    """Return the name of the SAML provider Identity Center keeps in each account it serves."""
    return f"AWSSSO_{short_digest(instance_arn)}_DO_NOT_DELETE"


def trust_policy(provider_arn: str) -> str:
    """Return the role's trust policy: sign-in through Identity Center's SAML provider only."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        }],
    })


@functools.cache
def aws_managed_policy_documents() -> dict[str, dict[str, Any]]:
    """Return moto's bundled AWS managed policies by name (parsed once: the source is 4.7 MB)."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


def install_aws_managed_policy(iam: Any, policy_arn: str) -> None:
    """Make the AWS managed policy ``policy_arn`` exist in the IAM backend ``iam``, as AWS has it.

    Raises:
        KeyError: when moto's bundled policies have no policy with that ARN.
    """
    from moto.iam.models import AWSManagedPolicy

    if policy_arn in iam.managed_policies:
        return
    name = policy_arn.rsplit("/", 1)[-1]
    data = aws_managed_policy_documents().get(name)
    if data is None:
        raise KeyError(policy_arn)
    policy = AWSManagedPolicy.from_data(name, iam.account_id, iam.region_name, data)
    if policy.arn != policy_arn:  # same name, other path
        raise KeyError(policy_arn)
    iam.managed_policies[policy.arn] = policy


def wanted_policy_arns(permission_set: Any, iam: Any) -> list[str]:
    """Return the ARNs of the managed policies the role must have, installing AWS's as needed.

    Raises:
        moto's ssoadmin ``ResourceNotFoundException``: when a customer managed policy reference
            names a policy the account does not have (AWS fails the provisioning then).
    """
    from moto.ssoadmin.exceptions import ResourceNotFoundException

    arns = []
    for policy in permission_set.managed_policies:
        install_aws_managed_policy(iam, policy.arn)
        arns.append(policy.arn)
    for reference in permission_set.customer_managed_policies:
        arn = f"arn:{iam.partition}:iam::{iam.account_id}:policy{reference.path}{reference.name}"
        if arn not in iam.managed_policies:
            raise ResourceNotFoundException(
                f"Provisioning failed: the permission set references the customer managed policy "
                f"{reference.path}{reference.name}, which account {iam.account_id} does not have. "
                "Create it there, then provision again."
            )
        arns.append(arn)
    return arns


def validate_inline_policy(document: str) -> None:
    """Refuse an inline policy IAM would refuse (moto's sso-admin does not check it when put).

    Raises:
        ``ValidationException`` (moto JSON error): naming what IAM found wrong.
    """
    from moto.core.exceptions import JsonRESTError
    from moto.iam.exceptions import MalformedPolicyDocument
    from moto.iam.policy_validation import IAMPolicyDocumentValidator

    try:
        IAMPolicyDocumentValidator(document).validate()
    except MalformedPolicyDocument as malformed:
        raise JsonRESTError(
            "ValidationException", f"The permission set's inline policy is not valid: {malformed.message}"
        ) from None


def provision_reserved_role(permission_set: Any, account_id: str, region: str) -> Any:
    """Create or bring in line the permission set's reserved role in ``account_id``; return it.

    Everything is checked before anything changes, so a refused provisioning leaves the role as
    it was. Policies no longer in the permission set are detached, new ones attached, and the
    inline policy replaced or removed.

    Args:
        permission_set: moto's ``PermissionSet``.
        account_id: The account provisioned to (moto ignores TargetId: the caller's account).
        region: Identity Center's region (it decides the role's path).
    """
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    iam = iam_backends[account_id][get_partition(region)]
    wanted = wanted_policy_arns(permission_set, iam)
    if permission_set.inline_policy:
        validate_inline_policy(permission_set.inline_policy)

    provider_name = saml_provider_name(permission_set.instance_arn)
    if provider_name not in iam.saml_providers:
        iam.create_saml_provider(provider_name, SAML_METADATA_PLACEHOLDER)
    trust = trust_policy(iam.saml_providers[provider_name].arn)

    name = reserved_role_name(permission_set.name, permission_set.permission_set_arn)
    role = next((role for role in iam.get_roles() if role.name == name), None)
    if role is None:
        role = iam.create_role(
            role_name=name, assume_role_policy_document=trust, path=reserved_role_path(region),
            permissions_boundary=None, description=None, tags=[], max_session_duration=3600,
        )
    role.assume_role_policy_document = trust

    for arn in [arn for arn in role.managed_policies if arn not in wanted]:
        iam.detach_role_policy(arn, name)
    for arn in wanted:
        if arn not in role.managed_policies:
            iam.attach_role_policy(arn, name)

    if permission_set.inline_policy:
        iam.put_role_policy(name, INLINE_POLICY_NAME, permission_set.inline_policy)
    elif INLINE_POLICY_NAME in role.policies:
        iam.delete_role_policy(name, INLINE_POLICY_NAME)
    return role
