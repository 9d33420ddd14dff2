"""The SSO portal API (``sso``) for the sandbox, which moto lacks (sandbox process only).

With the access token ``sso-oidc`` issued (``oidc``), a tool lists the accounts and roles the
person may use and gets a role's short-term credentials. The answers come from the account's real
state in moto: the user's account assignments in sso-admin, made to the user or to a group the
user is a member of in the identity store, and the ``AWSReservedSSO_*`` role that provisioning
made (``reserved_roles``).

``GetRoleCredentials`` assumes that role with moto's own STS backend, in this process, with the
user name as the session name, so the keys it returns are known to moto and
``sts:GetCallerIdentity`` with them answers
``arn:aws:sts::<account>:assumed-role/AWSReservedSSO_<name>_<suffix>/<UserName>``, as on AWS.

Those credentials get only what the role's policies allow (``permissions``). Sandbox only, with
no twin on AWS, ``mint_reserved_role_credentials`` gives a reserved role's credentials without a
sign-in, for tests and step 04's real calls as the developer's role.

Errors are the portal's: ``UnauthorizedException`` (401) for a missing, unknown, expired or
logged-out token, and ``ForbiddenException`` (403, "No access") for a role the user is not
assigned. AWS sends the latter although the service model does not list it, so botocore raises a
plain ``ClientError`` with that code (there is no ``client.exceptions.ForbiddenException``).
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any, Iterator

from runbook_sandbox.oidc import SIGN_IN, SignedInUser
from runbook_sandbox.rest_json import Answer, ApiRequest, ServiceError, json_answer
from runbook_sandbox.reserved_roles import RESERVED_ROLE_PATH, reserved_role_name

ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.switchboard.portal/"
DEFAULT_PAGE_SIZE = 20
MINTED_SESSION_SECONDS = 900
"""How long credentials minted without a sign-in last (STS's shortest session)."""
ISO_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?")


def portal_error(code: str, message: str) -> ServiceError:
    """Return the portal's error ``code`` with its ``{"message"}`` body."""
    status = {
        "UnauthorizedException": 401, "ForbiddenException": 403, "InvalidRequestException": 400,
        "ResourceNotFoundException": 404, "TooManyRequestsException": 429,
    }[code]
    return ServiceError(code, status, {"message": message})


def signed_in_user(request: ApiRequest) -> SignedInUser:
    """Return the user the bearer token stands for.

    Raises:
        ServiceError: ``UnauthorizedException`` for a missing, unknown or expired token, or a
            user deleted since.
    """
    with SIGN_IN.lock:
        issued = SIGN_IN.access_tokens.get(request.bearer_token) if request.bearer_token else None
        if issued is None or issued.expires_at is None or time.time() >= issued.expires_at:
            raise portal_error("UnauthorizedException", "Session token not found or invalid")
    user = issued.user
    if user_of_store(user) is None:
        raise portal_error("UnauthorizedException", "Session token not found or invalid")
    return user


def user_of_store(user: SignedInUser) -> Any:
    """Return moto's identity store user behind ``user``, or None when it was deleted."""
    from moto.identitystore.models import identitystore_backends

    instance = user.instance
    store = identitystore_backends[instance.account_id][instance.region].identity_stores.get(instance.identity_store_id)
    return None if store is None else store.users.get(user.user_id)


def group_ids_of(user: SignedInUser) -> set[str]:
    """Return the ids of the identity store groups the user is a member of."""
    from moto.identitystore.models import identitystore_backends

    instance = user.instance
    store = identitystore_backends[instance.account_id][instance.region].identity_stores.get(instance.identity_store_id)
    if store is None:
        return set()
    return {
        membership["GroupId"] for membership in store.group_memberships.values()
        if membership.get("MemberId", {}).get("UserId") == user.user_id
    }


def assigned_permission_sets(user: SignedInUser) -> Iterator[tuple[str, Any]]:
    """Yield (account id, moto ``PermissionSet``) for each of the user's account assignments,
    made to the user or to one of its groups."""
    from moto.ssoadmin.models import ssoadmin_backends

    instance = user.instance
    backend = ssoadmin_backends[instance.account_id][instance.region]
    groups = group_ids_of(user)
    permission_sets = {permission_set.permission_set_arn: permission_set for permission_set in backend.permission_sets}
    for assignment in list(backend.account_assignments):
        if assignment.instance_arn != instance.instance_arn or assignment.target_type != "AWS_ACCOUNT":
            continue
        mine = (assignment.principal_type == "USER" and assignment.principal_id == user.user_id) or (
            assignment.principal_type == "GROUP" and assignment.principal_id in groups
        )
        permission_set = permission_sets.get(assignment.permission_set_arn)
        if mine and permission_set is not None:
            yield assignment.target_id, permission_set


def page(items: list[dict[str, Any]], request: ApiRequest, key: str) -> Answer:
    """Answer one page of ``items`` under ``key``, as ``max_result`` and ``next_token`` ask."""
    try:
        size = int(request.query.get("max_result", DEFAULT_PAGE_SIZE))
        start = int(request.query.get("next_token", "0"))
    except ValueError:
        raise portal_error("InvalidRequestException", "Invalid next_token or max_result") from None
    if not 1 <= size <= 100 or not 0 <= start <= len(items):
        raise portal_error("InvalidRequestException", "Invalid next_token or max_result")
    end = start + size
    answer: dict[str, Any] = {key: items[start:end]}
    if end < len(items):
        answer["nextToken"] = str(end)
    return json_answer(answer)


def account_details(account_id: str, owner_account_id: str) -> dict[str, str]:
    """Return ``AccountInfo``: the id, and the name and email the organization knows it by."""
    from moto.organizations.models import organizations_backends

    backend = organizations_backends[owner_account_id]["aws"]
    known = next((account for account in backend.accounts if account.id == account_id), None)
    if known is None:
        return {"accountId": account_id, "accountName": account_id, "emailAddress": ""}
    return {"accountId": account_id, "accountName": known.name, "emailAddress": known.email}


# --- the four operations -------------------------------------------------------------------------


def list_accounts(request: ApiRequest) -> Answer:
    """``ListAccounts``: the accounts the user has at least one assignment on."""
    user = signed_in_user(request)
    account_ids = sorted({account_id for account_id, _ in assigned_permission_sets(user)})
    owner = user.instance.account_id
    return page([account_details(account_id, owner) for account_id in account_ids], request, "accountList")


def list_account_roles(request: ApiRequest) -> Answer:
    """``ListAccountRoles``: the permission sets the user is assigned on one account."""
    user = signed_in_user(request)
    account_id = required_query(request, "account_id")
    names = sorted({
        permission_set.name for target, permission_set in assigned_permission_sets(user) if target == account_id
    })
    return page([{"roleName": name, "accountId": account_id} for name in names], request, "roleList")


def get_role_credentials(request: ApiRequest) -> Answer:
    """``GetRoleCredentials``: moto STS credentials of the permission set's reserved role."""
    user = signed_in_user(request)
    account_id = required_query(request, "account_id")
    role_name = required_query(request, "role_name")
    permission_set = next((
        permission_set for target, permission_set in assigned_permission_sets(user)
        if target == account_id and permission_set.name == role_name
    ), None)
    if permission_set is None:
        raise portal_error("ForbiddenException", "No access")
    role = reserved_role(account_id, permission_set)
    if role is None:  # AWS provisions on assignment; moto does not, and the runbook must
        raise portal_error(
            "ForbiddenException",
            f"No access (sandbox: the permission set {role_name} is assigned but not provisioned "
            f"to account {account_id}; provision it)",
        )
    credentials = assume_reserved_role(
        role.arn, user.user_name, user.instance.region, session_seconds(permission_set.session_duration)
    )
    return json_answer({"roleCredentials": credentials})


def logout(request: ApiRequest) -> Answer:
    """``Logout``: end the sign-in session (its access and refresh tokens)."""
    user = signed_in_user(request)
    with SIGN_IN.lock:
        SIGN_IN.end_session(user.session_id)
    return json_answer(None)


def required_query(request: ApiRequest, name: str) -> str:
    """Return a required query parameter, or refuse the request."""
    value = request.query.get(name, "")
    if not value:
        raise portal_error("InvalidRequestException", f"Missing required parameter {name}")
    return value


def reserved_role(account_id: str, permission_set: Any) -> Any:
    """Return the permission set's reserved IAM role in ``account_id``, or None (not provisioned)."""
    from moto.iam.models import iam_backends

    name = reserved_role_name(permission_set.name, permission_set.permission_set_arn)
    iam = iam_backends[account_id]["aws"]
    return next((role for role in iam.get_roles() if role.name == name), None)


def session_seconds(duration: str | int | None) -> int:
    """Return a permission set's session duration in seconds; 1 hour if unset.

    AWS keeps it as ISO-8601 (``PT4H``); moto stores the number 3600 when none was given.
    """
    if isinstance(duration, int):
        return duration
    match = ISO_DURATION.fullmatch(duration or "")
    if match is None or not any(match.groups()):
        return 3600
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def assume_reserved_role(role_arn: str, session_name: str, region: str, seconds: int) -> dict[str, Any]:
    """Assume the role in moto's STS as ``session_name``; return the portal's ``RoleCredentials``."""
    from moto.sts.models import sts_backends

    account_id = role_arn.split(":")[4]
    assumed = sts_backends[account_id]["aws"].assume_role(
        region_name=region, role_session_name=session_name, role_arn=role_arn,
        policy=None, duration=seconds, external_id=None,
    )
    return {
        "accessKeyId": assumed.access_key_id,
        "secretAccessKey": assumed.secret_access_key,
        "sessionToken": assumed.session_token,
        "expiration": epoch_milliseconds(assumed.expiration),
    }


def mint_reserved_role_credentials(account_id: str, role_name: str, session_name: str, region: str) -> dict[str, Any]:
    """Return credentials of a reserved role without any sign-in: a sandbox-only shortcut.

    AWS has nothing like it: there a role's credentials come from a person's sign-in. The
    runbook's sandbox-only proof of least privilege (step 04) and the tests use it to call AWS as
    the role, through the same access control as the portal's credentials. Only the
    ``AWSReservedSSO_*`` roles provisioning made are served, for ``MINTED_SESSION_SECONDS``.

    Raises:
        LookupError: when the account has no such role under the reserved path.
    """
    from moto.iam.models import iam_backends

    role = next((role for role in iam_backends[account_id]["aws"].get_roles() if role.name == role_name), None)
    if role is None or not role.path.startswith(RESERVED_ROLE_PATH) or not role_name.startswith("AWSReservedSSO_"):
        raise LookupError(
            f"Account {account_id} has no reserved role {role_name!r} (AWSReservedSSO_<permission set>_<16 hex> "
            f"under {RESERVED_ROLE_PATH}): provision the permission set first."
        )
    if not session_name:
        raise LookupError("A session name is needed: add ?session_name=<name>.")
    return assume_reserved_role(role.arn, session_name, region, MINTED_SESSION_SECONDS)


def epoch_milliseconds(moment: datetime) -> int:
    """Return a moment as epoch milliseconds (moto's datetimes are naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)
