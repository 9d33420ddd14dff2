"""What a step asks for (a user, a permission set, how the user gets it) and what it found.

Pure data, validated before it gets here: the planner and the judge compare the two, the
reader fills in what was found, the appliers act on what was asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from runbook_lib import validate
from runbook_lib.errors import InputError
from runbook_lib import addresses
from runbook_lib.steps.identity_center import IdentityCenterInstance
from runbook_lib.validate.identity import _RESERVED_USER_NAMES


@dataclass(frozen=True)
class UserSpec:
    """The Identity Center user asked for (validated before it gets here)."""

    user_name: str
    given_name: str
    family_name: str
    display_name: str
    email: str


@dataclass(frozen=True)
class PermissionSetSpec:
    """The permission set asked for: its name, exact managed policies and session length."""

    name: str
    description: str
    managed_policy_arns: tuple[str, ...]
    session_duration: str  # ISO-8601, e.g. PT4H


@dataclass(frozen=True)
class AccessSpec:
    """A user, a permission set, and how the user gets it: directly, or through ``group_name``."""

    user: UserSpec
    permission_set: PermissionSetSpec
    group_name: str = ""

    @property
    def through_group(self) -> bool:
        """Return True when access is assigned to a group the user belongs to."""
        return bool(self.group_name)

    @property
    def principal(self) -> str:
        """Who holds the permission set, as an assignment's address names it (``user.Admin``)."""
        if self.through_group:
            return addresses.principal_name("GROUP", self.group_name)
        return addresses.principal_name("USER", self.user.user_name)

    @property
    def principal_in_words(self) -> str:
        """Who holds the permission set, for a sentence (``user Admin``, ``group Admins``)."""
        return f"group {self.group_name}" if self.through_group else f"user {self.user.user_name}"

    @property
    def assignment_address(self) -> str:
        """The address of the permission set's assignment to the principal."""
        return addresses.assignment_address(self.permission_set.name, self.principal)


def build_user_spec(*, user_name: str, given_name: str, family_name: str, display_name: str, email: str) -> UserSpec:
    """Validate a person's fields and return the user asked for (display name defaults to
    "given family").

    Raises:
        InputError: naming the first field that breaks its rule.
    """
    given = validate.validate_display_text(given_name, field="given_name")
    family = validate.validate_display_text(family_name, field="family_name")
    return UserSpec(
        user_name=user_name,
        given_name=given,
        family_name=family,
        display_name=validate.validate_display_text(display_name or f"{given} {family}", field="display_name"),
        email=validate.validate_email(email),
    )


RESERVED_GROUP_NAMES = _RESERVED_USER_NAMES
"""The names identitystore refuses for groups as for users: "Administrator and AWSAdministrators
are reserved names and can't be used for users or groups" (CreateGroup's DisplayName in botocore's
identitystore 2020-06-15 model). One list, the user names' own, compared ignoring case the same way."""


def validate_group_name(group_name: str) -> str:
    """Return the group's name, validated, or "" (assign directly to the user).

    A reserved name is refused here, before any AWS call: AWS would refuse it only at
    ``CreateGroup``, after the user and the permission set were made.

    Raises:
        InputError: naming ``group_name`` when it is not a usable group name or a reserved one.
    """
    if not group_name:
        return ""
    name = validate.validate_display_text(group_name, field="group_name")
    if name.casefold() in RESERVED_GROUP_NAMES:
        raise InputError(
            "group_name", group_name,
            "must not be 'Administrator' or 'AWSAdministrators' in any letter case: AWS reserves "
            "these names for users and groups (e.g. use Admins)",
        )
    return name


@dataclass(frozen=True)
class UserState:
    """An existing Identity Center user."""

    user_id: str
    user_name: str
    email: str
    display_name: str


@dataclass(frozen=True)
class PermissionSetState:
    """An existing permission set, with everything that decides what its role may do.

    The runbook asks only for AWS managed policies, so any customer managed policy reference,
    inline policy or permissions boundary found is drift: each changes what the role may do
    (a reference to a policy granting ``iam:*`` as much as an attached ``IAMFullAccess``).

    Attributes:
        inline_policy: The inline policy document, or "" when it has none.
        customer_managed_policies: Each customer managed policy reference as its path and name
            (``/team/Deploy``; the policy itself lives in each account it is provisioned to).
        permissions_boundary: The boundary: an AWS managed policy's ARN, or a customer managed
            policy reference as ``/path/Name``; "" when it has none.
    """

    arn: str
    name: str
    session_duration: str
    managed_policy_arns: frozenset[str]
    inline_policy: str
    provisioned: bool
    customer_managed_policies: frozenset[str] = frozenset()
    permissions_boundary: str = ""

    @property
    def has_inline_policy(self) -> bool:
        """Return True when the permission set carries an inline policy."""
        return bool(self.inline_policy)


def reference_path(name: str, path: str = "/") -> str:
    """Return a customer managed policy reference as one string, ``<path><name>`` (``/team/Deploy``)."""
    return f"{path or '/'}{name}"


def reference_fields(reference: str) -> dict[str, str]:
    """Return the API's ``CustomerManagedPolicyReference`` (``Name``, ``Path``) of ``/path/Name``."""
    path, _, name = reference.rpartition("/")
    return {"Name": name, "Path": f"{path}/"}


@dataclass(frozen=True)
class AccessState:
    """What exists of an ``AccessSpec``, read live.

    Attributes:
        principal_assigned: The user (or the group) has the permission set on the account.
    """

    account_id: str
    instance: IdentityCenterInstance
    user: UserState | None
    group_id: str | None
    user_in_group: bool
    permission_set: PermissionSetState | None
    principal_assigned: bool


def conflicting_user(state: AccessState, spec: AccessSpec) -> UserState | None:
    """Return the existing user of the asked name when it has another email, else None.

    Identity Center names users uniquely, not people: a user ``Admin`` with another email may be
    someone else's, so nothing that gives that user access is planned or counted until the
    person decides (the plan shows it as a ``conflict``; the verification fails it).
    """
    found = state.user
    if found is None or found.email.lower() == spec.user.email.lower():
        return None
    return found
