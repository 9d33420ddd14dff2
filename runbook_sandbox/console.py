"""The console steps with no API, and the sandbox-only state they change (sandbox process only).

Some of what a person does in the AWS console has no public API: root's MFA and access keys, the
"Enable" click of IAM Identity Center, a user's first sign-in (the invitation or one-time password,
the email verification, the MFA device) and Identity Center's MFA settings. The sandbox plays them
through ``POST /_sandbox/console/<step>`` and keeps what they changed here, per account, cleared on
every reset; ``GET /_sandbox/console/<step>`` says whether one shows as done. Where the console
would refuse a step, so does the sandbox (``ConsoleStepRefused``).

Two more are what root does in the console on a brand-new account, where it has no access keys
(the sandbox's ``rehearsal`` mode): the organization (``create-organization``), and the first
administrator (``create-admin-user``: the user, the predefined ``AdministratorAccess`` permission
set, the assignment). Each has an API, but root has no credentials to call it with.
``GET /_sandbox/dashboard`` shows what the console shows and no API gives: the access portal URL.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

ACCOUNT_STEPS = (
    "enable-root-mfa",
    "delete-root-access-keys",
    "create-organization",
    "enable-identity-center",
    "configure-identity-center-mfa",
)
USER_STEPS = {
    "send-user-invitation": "invitation_sent",
    "verify-user-email": "email_verified",
    "register-user-mfa": "mfa_registered",
}
"""Steps played for one Identity Center user (``?user=<UserName>``), and the flag each sets."""

ADMIN_STEP = "create-admin-user"
"""Identity Center's console, as root: add the user ``?user=``, the predefined permission set
``AdministratorAccess`` and its assignment to the user on this account (``create_admin``)."""

CONSOLE_STEPS = (*ACCOUNT_STEPS, *USER_STEPS, ADMIN_STEP)


@dataclass
class UserState:
    """What the console knows of one Identity Center user and no API reads."""

    invitation_sent: bool = False
    email_verified: bool = False
    mfa_registered: bool = False


@dataclass
class AccountState:
    """What a new account has that moto does not model: root's MFA and keys, console clicks."""

    root_mfa_enabled: bool = False
    root_access_keys_present: bool = True
    identity_center_region: str | None = None
    identity_center_mfa_configured: bool = False
    users: dict[str, UserState] = field(default_factory=dict)


@dataclass
class SandboxState:
    """All sandbox-only state, per account id; cleared on every reset."""

    accounts: dict[str, AccountState] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def account(self, account_id: str) -> AccountState:
        """Return the account's state, creating the new-account defaults on first use."""
        return self.accounts.setdefault(account_id, AccountState())

    def clear(self) -> None:
        """Forget every account, as a reset of moto forgets every resource."""
        self.accounts.clear()


STATE = SandboxState()


class ConsoleStepRefused(Exception):
    """Raised when a simulated console step is refused, as the real console would refuse it."""


def describe_account(account_id: str) -> dict[str, Any]:
    """Return the account's sandbox state as ``GET /_sandbox/state`` shows it (``users`` maps a
    user name to its flags, for the users a console step was played for)."""
    return {"account_id": account_id, **asdict(STATE.account(account_id))}


def is_step_played(step: str, account_id: str, *, user: str = "", details: Mapping[str, str] | None = None) -> bool:
    """Return True when the console would show ``step`` as done (``GET /_sandbox/console/<step>``).

    Args:
        step: One of ``CONSOLE_STEPS``.
        account_id: The account the console is signed in to.
        user: For the user steps (``USER_STEPS``) and ``create-admin-user``: the Identity Center
            user's ``UserName``.
        details: For ``create-admin-user``: the console form's fields (``permission_set``).

    Raises:
        ConsoleStepRefused: for an unknown step, a user step without a user, or an account-wide
            step with one (the same rules as playing it).
    """
    if step not in CONSOLE_STEPS:
        raise ConsoleStepRefused(f"Unknown console step {step!r}; known: {', '.join(CONSOLE_STEPS)}.")
    account = STATE.account(account_id)
    if step == ADMIN_STEP:
        if not user:
            raise ConsoleStepRefused(f"{step} is played for one user: add ?user=<UserName>.")
        return is_admin_created(account_id, account.identity_center_region, user, details or {})
    if step in USER_STEPS:
        if not user:
            raise ConsoleStepRefused(f"{step} is played for one user: add ?user=<UserName>.")
        flags = account.users.get(user)
        return flags is not None and getattr(flags, USER_STEPS[step])
    if user:
        raise ConsoleStepRefused(f"{step} is account-wide: it takes no user (got user={user!r}).")
    return {
        "enable-root-mfa": account.root_mfa_enabled,
        "delete-root-access-keys": not account.root_access_keys_present,
        "create-organization": organization_of(account_id) is not None,
        "enable-identity-center": account.identity_center_region is not None,
        "configure-identity-center-mfa": account.identity_center_mfa_configured,
    }[step]


def play_console_step(
    step: str,
    account_id: str,
    region: str,
    *,
    delay_seconds: float = 0,
    user: str = "",
    details: Mapping[str, str] | None = None,
) -> str:
    """Do what the console does for ``step``; return a sentence saying what happened.

    Args:
        step: One of ``CONSOLE_STEPS``.
        account_id: The account the console is signed in to.
        region: The region the console shows (Identity Center's steps need its region).
        delay_seconds: For ``enable-identity-center``: the instance appears only after this long.
        user: For the user steps (``USER_STEPS``): the Identity Center user's ``UserName``; for
            ``create-admin-user``, the user to create.
        details: For ``create-admin-user``: the console form's fields (``email``,
            ``given_name``, ``family_name``, ``display_name``, ``permission_set``,
            ``session_duration``; see ``create_admin``).

    Raises:
        ConsoleStepRefused: when the console would refuse (e.g. Identity Center before the
            organization, or in a second region; a user step for a user the identity store
            does not have, or before Identity Center is enabled).
    """
    if step not in CONSOLE_STEPS:
        raise ConsoleStepRefused(
            f"Unknown console step {step!r}; known: {', '.join(CONSOLE_STEPS)}."
        )
    if step in USER_STEPS:
        return play_user_step(step, account_id, region, user)
    if step == ADMIN_STEP:
        return create_admin(account_id, region, require_identity_center(account_id, region), user, details or {})
    if user:
        raise ConsoleStepRefused(f"{step} is account-wide: it takes no user (got user={user!r}).")
    root = STATE.account(account_id)
    if step == "enable-root-mfa":
        root.root_mfa_enabled = True
        return "Root user: an authenticator app is now registered as its MFA device."
    if step == "delete-root-access-keys":
        root.root_access_keys_present = False
        return "Root user: its access keys are deleted."
    if step == "create-organization":
        return create_organization(account_id, region)
    if step == "enable-identity-center":
        return enable_identity_center(account_id, region, root, delay_seconds=delay_seconds)
    require_identity_center(account_id, region)
    root.identity_center_mfa_configured = True
    return (
        "IAM Identity Center: MFA is required at every sign-in, and users without a device "
        "must register one when they sign in."
    )


def play_user_step(step: str, account_id: str, region: str, user: str) -> str:
    """Play one of the first-sign-in steps for the Identity Center user named ``user``."""
    if not user:
        raise ConsoleStepRefused(f"{step} is played for one user: add ?user=<UserName>.")
    identity_store_id = require_identity_center(account_id, region)
    if not identity_store_has_user(account_id, region, identity_store_id, user):
        raise ConsoleStepRefused(
            f"The identity store {identity_store_id} has no user named {user!r}: "
            "create the user first (identitystore CreateUser)."
        )
    setattr(STATE.account(account_id).users.setdefault(user, UserState()), USER_STEPS[step], True)
    if step == "send-user-invitation":
        return (
            f"Identity Center user {user}: can sign in for the first time (email one-time "
            "password at first sign-in, or a one-time password shared by the administrator)."
        )
    if step == "verify-user-email":
        return f"Identity Center user {user}: email address verified."
    return f"Identity Center user {user}: an authenticator app is registered as an MFA device."


def require_identity_center(account_id: str, region: str) -> str:
    """Return the identity store id of the account's Identity Center instance in ``region``.

    Raises:
        ConsoleStepRefused: when Identity Center is not enabled, is enabled in another region,
            or its instance has not appeared yet (the console's "Enable" takes a while).
    """
    from moto.ssoadmin.models import ssoadmin_backends

    enabled_in = STATE.account(account_id).identity_center_region
    if enabled_in is None:
        raise ConsoleStepRefused(
            "IAM Identity Center is not enabled yet: enable it first (console step "
            "enable-identity-center)."
        )
    if enabled_in != region:
        raise ConsoleStepRefused(
            f"IAM Identity Center is enabled in {enabled_in}, not in {region}: "
            f"open the console in {enabled_in}."
        )
    instances = ssoadmin_backends[account_id][region].instances
    if not instances:
        raise ConsoleStepRefused(
            "IAM Identity Center is still being enabled: try again in a moment."
        )
    return instances[0].identity_store_id


def identity_store_has_user(account_id: str, region: str, identity_store_id: str, user: str) -> bool:
    """Return True when moto's identity store ``identity_store_id`` has a user named ``user``."""
    from moto.identitystore.models import identitystore_backends

    store = identitystore_backends[account_id][region].identity_stores.get(identity_store_id)
    return store is not None and any(entry.UserName == user for entry in store.users.values())


def organization_of(account_id: str) -> Any:
    """Return moto's organization that ``account_id`` manages, or None."""
    from moto.organizations.models import organizations_backends

    return organizations_backends[account_id]["aws"].org


def create_organization(account_id: str, region: str) -> str:
    """Create the organization with all features, as AWS Organizations' console does for root."""
    from moto.organizations.models import organizations_backends

    if organization_of(account_id) is not None:
        return "AWS Organizations: this account already manages an organization."
    organizations_backends[account_id]["aws"].create_organization(region=region, FeatureSet="ALL")
    return "AWS Organizations: organization created, all features, this account its management account."


def describe_dashboard(account_id: str) -> dict[str, Any]:
    """Return what the console shows a person, that no API gives the runbook (``GET /_sandbox/dashboard``).

    The account menu's account id; IAM Identity Center's region (its console's region menu) and
    the AWS access portal URL of its dashboard, in the classic form; both None until it is
    enabled and its instance has appeared.
    """
    from moto.ssoadmin.models import ssoadmin_backends

    region = STATE.account(account_id).identity_center_region
    instances = ssoadmin_backends[account_id][region].instances if region else []
    return {
        "account_id": account_id,
        "identity_center_region": region if instances else None,
        "access_portal_url": f"https://{instances[0].identity_store_id}.awsapps.com/start" if instances else None,
    }


def enable_identity_center(
    account_id: str, region: str, root: AccountState, *, delay_seconds: float
) -> str:
    """Create the organization instance of Identity Center, as the console's 'Enable' does."""
    from moto.ssoadmin.models import Instance, ssoadmin_backends

    if organization_of(account_id) is None:
        raise ConsoleStepRefused(
            "There is no organization yet: create it first (step 02 plans and applies it), "
            "then enable IAM Identity Center."
        )
    if root.identity_center_region not in (None, region):
        raise ConsoleStepRefused(
            f"IAM Identity Center is already enabled in {root.identity_center_region}; "
            "an organization has one instance, in one region."
        )
    if root.identity_center_region == region:
        return f"IAM Identity Center was already enabled in {region}."
    root.identity_center_region = region
    backend = ssoadmin_backends[account_id][region]

    def create_instance() -> None:
        if not backend.instances:
            backend.instances.append(Instance(account_id, region))

    if delay_seconds > 0:  # AWS takes a while; lets the runbook's polling be exercised
        threading.Timer(delay_seconds, create_instance).start()
    else:
        create_instance()
    return f"IAM Identity Center: enabled in {region} (organization instance)."


# --- the Admin, made in IAM Identity Center's console -------------------------------------------

ADMIN_FORM_DEFAULTS = {
    "permission_set": "AdministratorAccess",
    "session_duration": "PT1H",
    "given_name": "Admin",
    "family_name": "User",
    "email": "",
    "display_name": "",
}
"""The console's defaults: the predefined permission set ``AdministratorAccess``, its 1 hour."""
ADMINISTRATOR_ACCESS_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


def admin_form(details: Mapping[str, str]) -> dict[str, str]:
    """Return the console form's fields: the ones given, else the console's defaults.

    Raises:
        ConsoleStepRefused: for a field the form does not have.
    """
    unknown = sorted(set(details) - set(ADMIN_FORM_DEFAULTS))
    if unknown:
        raise ConsoleStepRefused(f"create-admin-user has no field {unknown[0]!r}; fields: {', '.join(ADMIN_FORM_DEFAULTS)}.")
    return {**ADMIN_FORM_DEFAULTS, **{key: value for key, value in details.items() if value}}


def find_store_user_id(account_id: str, region: str, identity_store_id: str, user: str) -> str | None:
    """Return the id of the identity store's user named ``user``, or None."""
    from moto.identitystore.models import identitystore_backends

    store = identitystore_backends[account_id][region].identity_stores.get(identity_store_id)
    if store is None:
        return None
    return next((entry.UserId for entry in store.users.values() if entry.UserName == user), None)


def find_permission_set(backend: Any, instance_arn: str, name: str) -> Any:
    """Return moto's permission set of this name in the instance, or None."""
    return next((
        permission_set for permission_set in backend.permission_sets
        if permission_set.instance_arn == instance_arn and permission_set.name == name
    ), None)


def is_assigned(backend: Any, instance_arn: str, account_id: str, permission_set_arn: str, user_id: str) -> bool:
    """Return True when the user holds the permission set on the account (directly)."""
    return any(
        assignment.instance_arn == instance_arn and assignment.target_id == account_id
        and assignment.permission_set_arn == permission_set_arn
        and assignment.principal_type == "USER" and assignment.principal_id == user_id
        for assignment in backend.account_assignments
    )


def is_admin_created(account_id: str, region: str | None, user: str, details: Mapping[str, str]) -> bool:
    """Return True when the user exists and holds the permission set on this account."""
    from moto.ssoadmin.models import ssoadmin_backends

    if region is None or not ssoadmin_backends[account_id][region].instances:
        return False
    backend = ssoadmin_backends[account_id][region]
    instance = backend.instances[0]
    user_id = find_store_user_id(account_id, region, instance.identity_store_id, user)
    permission_set = find_permission_set(backend, instance.instance_arn, admin_form(details)["permission_set"])
    return bool(user_id and permission_set) and is_assigned(
        backend, instance.instance_arn, account_id, permission_set.permission_set_arn, user_id
    )


def create_admin(account_id: str, region: str, identity_store_id: str, user: str, details: Mapping[str, str]) -> str:
    """Do what a person does in IAM Identity Center's console to make the first administrator.

    Users > Add user (the user name, email, names); Permission sets > Create permission set >
    Predefined > ``AdministratorAccess`` (1 hour); AWS accounts > this account > Assign users or
    groups > the user > the permission set > Submit, which provisions it (the account's
    ``AWSReservedSSO_*`` role). What exists already is kept, as a person would skip it; nothing
    is changed that exists.

    Raises:
        ConsoleStepRefused: without a user name or an email (the console's form requires both),
            or for a field the form does not have.
    """
    from moto.identitystore.models import identitystore_backends
    from moto.ssoadmin.models import ssoadmin_backends

    form = admin_form(details)
    if not user:
        raise ConsoleStepRefused("create-admin-user needs the user's name: add ?user=<UserName>.")
    backend = ssoadmin_backends[account_id][region]
    instance_arn = backend.instances[0].instance_arn
    done = []
    user_id = find_store_user_id(account_id, region, identity_store_id, user)
    if user_id is None:
        if not form["email"]:
            raise ConsoleStepRefused("create-admin-user needs the user's email: the console's form requires one.")
        user_id, _ = identitystore_backends[account_id][region].create_user(
            identity_store_id, user, {"GivenName": form["given_name"], "FamilyName": form["family_name"]},
            form["display_name"] or f"{form['given_name']} {form['family_name']}", None, None,
            [{"Value": form["email"], "Type": "work", "Primary": True}], None, None, None, None, None, None, None,
        )
        done.append(f"user {user} added")
    permission_set = find_permission_set(backend, instance_arn, form["permission_set"])
    if permission_set is None:
        backend.create_permission_set(
            name=form["permission_set"], description=None, instance_arn=instance_arn,
            session_duration=form["session_duration"], relay_state=None, tags=None,
        )
        permission_set = find_permission_set(backend, instance_arn, form["permission_set"])
        backend.attach_managed_policy_to_permission_set(
            instance_arn, permission_set.permission_set_arn, ADMINISTRATOR_ACCESS_ARN
        )
        done.append(f"permission set {form['permission_set']} created (AdministratorAccess, {form['session_duration']})")
    if not is_assigned(backend, instance_arn, account_id, permission_set.permission_set_arn, user_id):
        backend.create_account_assignment(
            instance_arn, account_id, "AWS_ACCOUNT", permission_set.permission_set_arn, "USER", user_id
        )
        backend.provision_permission_set(instance_arn, permission_set.permission_set_arn)  # as AWS does on assignment
        done.append(f"{user} assigned {form['permission_set']} on account {account_id} (provisioned)")
    if not done:
        return f"IAM Identity Center: {user} already holds {form['permission_set']} on account {account_id}."
    return f"IAM Identity Center: {'; '.join(done)}."
