"""Step 05: write what ``aws configure sso`` would write, for the developer and the Admin.

The config file is the person's: the writer (:mod:`runbook_lib.awsconfig`) keeps every other
line, backs the file up once per apply, and refuses to guess on conflicts. In the sandbox the
profiles go to a config file of the runbook's own, so a workshop never touches the person's real
AWS configuration.

The Admin and the developer are two Identity Center users, and the AWS CLI keeps one token per
sso-session (``~/.aws/sso/cache/<sha1(session name)>.json``), so each person gets an sso-session
of their own (``<session_name>-admin``, ``<session_name>-developer``): signing in as one never
signs the other out. A config written by the earlier version of this step (both profiles on one
session) plans as an update of each profile's ``sso_session``.

Every parameter is checked by :func:`validate_fields` before any AWS call, and errors name the
step's own parameters. :func:`build_admin_profile` makes the Admin's profile from parameters
alone, so a brand-new account can get its first profile before any AWS credentials exist: with
target ``none`` the step plans only that profile (:func:`build_step_profiles`).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import botocore.session

from runbook_lib import awsconfig, validate
from runbook_lib.aws import AwsContext, translating_aws_errors
from runbook_lib.awsconfig import ConfigPlan, SsoProfile, SsoSession
from runbook_lib.awsconfig.sections import check_portal_region, portal_region
from runbook_lib.checks import FAIL, PASS, WARN, Check, Verification
from runbook_lib.errors import ConfigFileError, InputError
from runbook_lib.paths import sandbox_config_file
from runbook_lib.plan import Plan, apply_plan
from runbook_lib.steps import identity_center

STEP_ID = "05_configure_aws_cli"
ADMIN, DEVELOPER = "admin", "developer"
"""The two people the step writes profiles for; each names its own sso-session."""
DEFAULT_SESSION_PREFIX = "my-sso"
"""``session_name`` when empty on a real account: sessions ``my-sso-admin``, ``my-sso-developer``."""
SANDBOX_SESSION_PREFIX = "runbook-sandbox"
"""``session_name`` when empty in the sandbox: its tokens never land where a real session's would."""
FILE_ADDRESS = "aws_config_file"
"""The resource of the check on the config file itself."""
APPLIERS = dict(awsconfig.APPLIERS)
"""Step 05's appliers by operation: ``write_section`` merges one section into the config file."""
FIRST_PROFILE_NEEDS = {
    "account_id": "the 12-digit account ID (the console's account menu, top right)",
    "portal_url": "the AWS access portal URL (IAM Identity Center dashboard, Settings summary)",
    "sso_region": "the region IAM Identity Center is enabled in (the region menu on its console page)",
}
"""What the Admin's first profile needs that, with no AWS access, nothing can look up."""


def session_name_for(prefix: str, person: str) -> str:
    """Return the sso-session name of ``person`` (``ADMIN`` or ``DEVELOPER``), e.g. ``my-sso-admin``."""
    return f"{prefix}-{person}"


@dataclass(frozen=True)
class CliProfileFields:
    """Step 05's parameters, each checked; see :func:`validate_fields`.

    Empty ``developer_profile``, ``session_name``, ``portal_url`` and ``sso_region`` mean "the
    default": :meth:`with_defaults` fills the first two once the target is known, the step
    derives the portal URL from the Identity Center instance, and ``sso_region`` is the portal
    URL's region (dual-stack URLs name one) or else the runbook's region.
    """

    developer_name: str = ""
    developer_profile: str = ""
    developer_role: str = "DeveloperAccess"
    admin_profile: str = "admin"
    admin_role: str = "AdministratorAccess"
    session_name: str = ""
    portal_url: str = ""
    sso_region: str = ""
    output: str = "json"
    config_file: str = ""

    def with_defaults(self, *, sandbox: bool, developer_name: str = "") -> CliProfileFields:
        """Return the fields with the developer's profile and the session prefix filled in.

        Args:
            sandbox: True in the sandbox, whose sessions are ``runbook-sandbox-*``.
            developer_name: The developer's user name (the sandbox's example when the
                parameter was empty); the profile is ``<developer_name>-developer``.

        Raises:
            InputError: Naming ``developer_profile`` when it and the developer's name are both
                empty, or as :func:`validate_fields`.
        """
        name = developer_name or self.developer_name
        if not self.developer_profile and not name:
            raise InputError(
                "developer_profile", "", "is empty and so is developer_name: set one of them "
                "(the profile is <developer_name>-developer by default)",
            )
        filled = dataclasses.replace(
            self,
            developer_name=name,
            developer_profile=self.developer_profile or f"{name}-developer",
            session_name=self.session_name or (SANDBOX_SESSION_PREFIX if sandbox else DEFAULT_SESSION_PREFIX),
        )
        return validate_fields(**dataclasses.asdict(filled))


def validate_fields(
    *,
    developer_name: object = "",
    developer_profile: object = "",
    developer_role: object = "DeveloperAccess",
    admin_profile: object = "admin",
    admin_role: object = "AdministratorAccess",
    session_name: object = "",
    portal_url: object = "",
    sso_region: object = "",
    output: object = "json",
    config_file: object = "",
) -> CliProfileFields:
    """Check every parameter of step 05, naming the parameter that breaks a rule. No AWS call.

    Run it before the step connects to AWS, so a typo fails in the first cell, under the
    parameter's own name (not as ``profile_name`` after ``sso-admin:ListInstances``). Empty
    values are allowed where the step has a default (see :class:`CliProfileFields`).

    Args:
        developer_name: The developer's user name (step 04); names the default profile.
        developer_profile: The developer's profile name.
        developer_role: The developer's permission set.
        admin_profile: The Admin's profile name.
        admin_role: The Admin's permission set.
        session_name: The prefix of the two sso-session names (``<prefix>-admin``,
            ``<prefix>-developer``).
        portal_url: The AWS access portal URL.
        sso_region: The region IAM Identity Center is enabled in.
        output: The AWS CLI output format.
        config_file: The AWS CLI config file to write.

    Returns:
        The fields, stripped and normalised.

    Raises:
        InputError: Naming the first parameter that breaks its rule.
    """
    admin = validate.validate_profile_name(admin_profile, field="admin_profile")
    developer = validate.validate_profile_name(developer_profile, field="developer_profile") if developer_profile else ""
    name = _validate_developer_name(developer_name)
    if name and not developer:
        _check_derived_name(developer_name, f"{name}-developer", field="developer_name")
    developer_or_default = developer or (f"{name}-developer" if name else "")
    if developer_or_default == admin:
        raise InputError(
            "developer_profile", developer_or_default,
            f"must differ from admin_profile ({admin!r}): each person needs a profile of their own",
        )
    prefix = validate.validate_profile_name(session_name, field="session_name") if session_name else ""
    if prefix:
        for person in (ADMIN, DEVELOPER):
            _check_derived_name(session_name, session_name_for(prefix, person), field="session_name")
    url = validate.validate_portal_url(portal_url, field="portal_url") if portal_url else ""
    region = validate.validate_region(sso_region, field="sso_region") if sso_region else ""
    if url and region:
        check_portal_region(url, region, field="sso_region", given=sso_region)
    return CliProfileFields(
        developer_name=name,
        developer_profile=developer,
        developer_role=validate.validate_permission_set_name(developer_role, field="developer_role"),
        admin_profile=admin,
        admin_role=validate.validate_permission_set_name(admin_role, field="admin_role"),
        session_name=prefix,
        portal_url=url,
        sso_region=region,
        output=awsconfig.validate_output(output, field="output"),
        config_file=validate_config_file(config_file),
    )


def _validate_developer_name(value: object) -> str:
    """Return the ``developer_name`` parameter stripped; empty is allowed (the sandbox fills it)."""
    if not isinstance(value, str):
        raise InputError("developer_name", value, "must be text, e.g. \"ada\"")
    return value.strip()


def _check_derived_name(given: object, derived: str, *, field: str) -> None:
    """Refuse a parameter whose derived profile or session name breaks the profile-name rule."""
    try:
        validate.validate_profile_name(derived, field=field)
    except InputError as error:
        raise InputError(field, given, f"makes the name {derived!r}, which {error.rule}") from error


def validate_config_file(value: object, *, field: str = "config_file") -> str:
    """Check the ``config_file`` parameter: empty (the default file) or a file's path.

    Returns:
        The path as given (spaces are legal in paths, so nothing is stripped).

    Raises:
        InputError: If it is not text, holds a control character, or names a folder.
    """
    rule = "must be the path of a file, e.g. ~/.aws/config (or empty for the default)"
    if not isinstance(value, str):
        raise InputError(field, value, rule)
    if not value:
        return ""
    if not value.strip() or any(ord(character) < 32 for character in value):
        raise InputError(field, value, rule + "; it is blank or holds a line break or control character")
    if value.endswith(("/", os.sep)) or Path(value).expanduser().is_dir():
        raise InputError(field, value, rule + "; this is a folder")
    return value


def _build_person(
    fields: CliProfileFields, person: str, *, account_id: object, region: object, portal_url: object
) -> tuple[SsoProfile, SsoSession]:
    """Return one person's profile and own sso-session from checked fields."""
    url = validate.validate_portal_url(portal_url, field="portal_url")
    sso_region = fields.sso_region or portal_region(url) or validate.validate_region(region)
    profile_name, role = (
        (fields.admin_profile, fields.admin_role) if person == ADMIN else (fields.developer_profile, fields.developer_role)
    )
    session = awsconfig.build_sso_session(
        name=session_name_for(fields.session_name, person), start_url=url, sso_region=sso_region
    )
    profile = awsconfig.build_sso_profile(
        profile_name=profile_name, sso_session=session.name, account_id=account_id, role_name=role,
        region=validate.validate_region(region or sso_region), output=fields.output,
    )
    return profile, session


def build_profiles(
    fields: CliProfileFields, *, account_id: object, region: object, portal_url: object
) -> tuple[list[SsoProfile], list[SsoSession]]:
    """Return the developer's and the Admin's profiles, each with an sso-session of its own.

    Pure: no AWS call (the portal URL is given, see :func:`resolve_portal_url`).

    Args:
        fields: From :func:`validate_fields`, then :meth:`CliProfileFields.with_defaults`.
        account_id: The account both profiles act in.
        region: The profiles' default region (the runbook's region).
        portal_url: The AWS access portal URL.

    Returns:
        ``[developer, admin]`` profiles and their sessions, in the same order.

    Raises:
        InputError: Naming the step's parameter that breaks a rule (``account_id``, ``region``,
            ``portal_url``, ``sso_region``), or ``developer_profile``/``session_name`` when
            :meth:`CliProfileFields.with_defaults` was not applied.
    """
    for field in ("developer_profile", "session_name"):
        if not getattr(fields, field):
            raise InputError(field, "", "must be set (apply CliProfileFields.with_defaults first)")
    people = [
        _build_person(fields, person, account_id=account_id, region=region, portal_url=portal_url)
        for person in (DEVELOPER, ADMIN)
    ]
    return [profile for profile, _ in people], [session for _, session in people]


def build_admin_profile(
    *,
    account_id: object,
    portal_url: object,
    sso_region: object,
    admin_role: object = "AdministratorAccess",
    admin_profile: object = "admin",
    session_name: object = "",
    region: object = "",
    output: object = "json",
) -> tuple[SsoProfile, SsoSession]:
    """Return the Admin's profile and sso-session from parameters alone: no AWS call at all.

    On a brand-new account the person has no AWS credentials but the root user's; this is the
    profile they sign in with first (``aws sso login --profile admin``), then the runbook acts
    as the Admin. The profile and session are exactly those :func:`build_profiles` makes for
    the Admin, so the full step later plans them as ``no-op``.

    Args:
        account_id: The account's 12-digit ID, as text.
        portal_url: The AWS access portal URL from the IAM Identity Center dashboard.
        sso_region: The region IAM Identity Center is enabled in; may be empty when the
            portal URL is a dual-stack one, which names its region.
        admin_role: The Admin's permission set (step 03).
        admin_profile: The profile name.
        session_name: The sessions' prefix (the Admin's is ``<prefix>-admin``); empty:
            ``my-sso``.
        region: The profile's default region; empty: ``sso_region``.
        output: The AWS CLI output format.

    Returns:
        The Admin's profile and its own sso-session.

    Raises:
        InputError: Naming the parameter that breaks a rule (``account_id`` must be 12 digits,
            ``portal_url`` an access portal URL, ``sso_region`` a region, and so on).
    """
    account = validate.validate_account_id(account_id, field="account_id")
    if not portal_url:
        raise InputError(
            "portal_url", portal_url, "is needed: without AWS credentials the runbook cannot look it "
            "up; copy the 'AWS access portal URL' from the IAM Identity Center dashboard",
        )
    fields = validate_fields(
        admin_profile=admin_profile, admin_role=admin_role, session_name=session_name or DEFAULT_SESSION_PREFIX,
        portal_url=portal_url, sso_region=sso_region, output=output,
    )
    if not fields.sso_region and not portal_region(fields.portal_url):
        raise InputError(
            "sso_region", sso_region, "is needed: the region IAM Identity Center is enabled in "
            "(the console shows it in the region menu on the IAM Identity Center page)",
        )
    if region:
        validate.validate_region(region, field="region")
    return _build_person(
        fields, ADMIN, account_id=account, region=region or fields.sso_region or portal_region(fields.portal_url),
        portal_url=fields.portal_url,
    )


def require_first_profile_fields(fields: CliProfileFields, *, account_id: str) -> None:
    """With no AWS access yet (target ``none``), require what would otherwise be looked up. No AWS call.

    ``sso_region`` may stay empty when ``portal_url`` is a dual-stack URL, which names its region.

    Raises:
        InputError: Naming the first missing parameter; the rule lists every missing one and
            where the console shows it.
    """
    given = {
        "account_id": account_id,
        "portal_url": fields.portal_url,
        "sso_region": fields.sso_region or portal_region(fields.portal_url),
    }
    missing = [name for name, value in given.items() if not value]
    if missing:
        listed = "; ".join(f"{name}: {FIRST_PROFILE_NEEDS[name]}" for name in missing)
        raise InputError(
            missing[0], "", "is needed with target 'none' (no AWS access yet, so the runbook cannot look "
            f"it up). Set {listed}",
        )


@translating_aws_errors
def build_step_profiles(
    fields: CliProfileFields, *, ctx: AwsContext, account_id: str, region: str, developer_name: str = ""
) -> tuple[list[SsoProfile], list[SsoSession]]:
    """Return what step 05 writes: both people's profiles, or with target ``none`` only the Admin's.

    With no AWS access the Admin's profile comes from the parameters alone (no AWS call, see
    :func:`build_admin_profile`); it is the one the person signs in with first.

    IAM actions: ``sso:ListInstances`` (only with AWS access and no ``portal_url`` given).

    Args:
        fields: From :func:`validate_fields`.
        ctx: The step's context; its target says whether there is AWS access.
        account_id: The account the profiles act in (the caller's, or the ``account_id`` parameter).
        region: The profiles' default region; empty: the Identity Center region.
        developer_name: The developer's name (the sandbox's example when the parameter was empty).

    Raises:
        InputError: Naming the parameter that is missing or breaks a rule.
        IdentityCenterNotEnabledError: When the portal URL must be derived and there is no instance.
    """
    if ctx.target == validate.NO_AWS_ACCESS:
        require_first_profile_fields(fields, account_id=account_id)
        profile, session = build_admin_profile(
            account_id=account_id, portal_url=fields.portal_url, sso_region=fields.sso_region,
            admin_role=fields.admin_role, admin_profile=fields.admin_profile, session_name=fields.session_name,
            region=region, output=fields.output,
        )
        return [profile], [session]
    filled = fields.with_defaults(sandbox=ctx.is_sandbox, developer_name=developer_name)
    portal_url = resolve_portal_url(ctx, filled.portal_url)
    return build_profiles(filled, account_id=account_id, region=region, portal_url=portal_url)


def describe_sign_in(profiles: list[SsoProfile], *, has_aws_access: bool) -> str:
    """Return how to sign in with each profile and, with no AWS access yet, what comes next."""
    lines = [
        f"Sign in: aws sso login --profile {profile.profile_name}   (add --use-device-code on a remote machine)"
        for profile in profiles  # one sign-in per person: each profile has its own sso-session
    ]
    if not has_aws_access:
        lines += [f"Then choose target 'profile' and profile '{profile.profile_name}' (00_start_here or your "
                  "parameters): the runbook acts as the Admin from then on." for profile in profiles]
    return "\n".join(lines)


def resolve_config_file(ctx: AwsContext, config_file: str) -> Path:
    """Return the config file to write: the parameter, else the sandbox's own, else the CLI's."""
    if config_file:
        return Path(config_file).expanduser()
    return sandbox_config_file() if ctx.is_sandbox else awsconfig.find_config_file()


def resolve_portal_url(ctx: AwsContext, portal_url: str) -> str:
    """Return the access portal URL: the one given (validated), else the instance's classic form.

    IAM actions: ``sso:ListInstances`` (only when ``portal_url`` is empty).

    Raises:
        InputError: naming ``portal_url`` when it is not an access portal URL.
        IdentityCenterNotEnabledError: when it must be derived and there is no instance.
    """
    if portal_url:
        return validate.validate_portal_url(portal_url)
    instance = identity_center.require_instance(ctx)
    return identity_center.portal_url_candidates(instance, ctx.region)[0]


def plan_profiles(
    profiles: list[SsoProfile], sessions: list[SsoSession], *, path: Path, replace_conflicts: bool = False
) -> tuple[Plan, ConfigPlan]:
    """Read the config file and plan the step: one change per section, before and after.

    A profile the earlier version of this step wrote onto one shared session plans as an
    ``update`` of its ``sso_session`` (the same portal and region, only the sign-in moves); the
    old session stays in the file and the change's detail says whether anything still uses it.

    Returns:
        The step's plan (apply it with :data:`APPLIERS` through
        ``awsconfig.ConfigWriter.for_plan(config_plan)``), and the file's plan (its diff).

    Raises:
        ConfigFileError: If the file cannot be read or botocore could not parse it.
        InputError: As :func:`runbook_lib.awsconfig.plan_config_changes`.
    """
    config_plan = awsconfig.plan_config_file(
        profiles, sessions, path=path, replace_conflicts=replace_conflicts, allow_session_moves=True
    )
    return config_plan.to_plan(STEP_ID), config_plan


def apply_profiles(plan: Plan, config_plan: ConfigPlan) -> list[str]:
    """Write the plan's sections into the file, each through :data:`APPLIERS`.

    The writer refuses a file that changed since ``config_plan`` read it, so a plan is only ever
    applied to the file it was made from.
    """
    return apply_plan(plan, APPLIERS, awsconfig.ConfigWriter.for_plan(config_plan))


def verify_profiles(path: Path, profiles: list[SsoProfile], sessions: list[SsoSession]) -> Verification:
    """Read the file back with botocore itself: each profile and each sso-session as written."""
    reader = botocore.session.Session()
    reader.set_config_variable("config_file", str(path))
    config = reader.full_config
    checks = []
    for profile in profiles:
        found = config.get("profiles", {}).get(profile.profile_name, {})
        same = all(found.get(key) == value for key, value in profile.config_values().items())
        checks.append(Check(
            "cli_profile_reads_back", PASS if same else FAIL, profile.address,
            f"botocore reads profile {profile.profile_name}: role {found.get('sso_role_name')} in "
            f"{found.get('sso_account_id')}, session {found.get('sso_session')}." if same
            else f"Profile {profile.profile_name} does not read back as written: {found}.",
        ))
    for session in sessions:
        found_session = config.get("sso_sessions", {}).get(session.name, {})
        same = all(found_session.get(key) == value for key, value in session.config_values().items())
        checks.append(Check(
            "cli_sso_session_reads_back", PASS if same else FAIL, session.address,
            f"botocore reads sso-session {session.name}: {found_session.get('sso_start_url')} in "
            f"{found_session.get('sso_region')}." if same
            else f"sso-session {session.name} does not read back as written: {found_session}.",
        ))
    if path.exists():
        mode = path.stat().st_mode & 0o777
        checks.append(Check(
            "cli_config_file_private", PASS if not mode & 0o077 else WARN, FILE_ADDRESS,
            f"The config file is readable by you only ({oct(mode)})." if not mode & 0o077
            else f"The config file is readable by others ({oct(mode)}); it holds no secret, but chmod 600 keeps your setup private.",
        ))
    return Verification(STEP_ID, tuple(checks))


def environment_hint(path: Path) -> str:
    """Return how to point the AWS CLI at ``path`` when it is not the default config file."""
    try:
        if path == awsconfig.find_config_file():
            return ""
    except ConfigFileError:  # AWS_CONFIG_FILE set but empty: the CLI reads no file until it is set
        pass
    return f'export AWS_CONFIG_FILE="{path}"   # so the AWS CLI reads these profiles'
