"""Step 05: write what ``aws configure sso`` would write, for the developer and the Admin.

The config file is the person's: the writer (``cli_config``) keeps every other line, backs the
file up, refuses to guess on conflicts. In the sandbox the profiles go to a config file of the
runbook's own, so a workshop never touches the person's real AWS configuration.
"""

from __future__ import annotations

from pathlib import Path

import botocore.session

from runbook_lib import cli_config, validate
from runbook_lib.aws import AwsContext
from runbook_lib.plan import FAIL, PASS, WARN, Change, Check, Plan, Verification
from runbook_lib.paths import sandbox_config_file
from runbook_lib.steps import identity_center

STEP_ID = "05_configure_aws_cli"
SANDBOX_SESSION_NAME = "runbook-sandbox"
"""The sandbox's sso-session name: its token never lands where a real session's would."""


def resolve_config_file(ctx: AwsContext, config_file: str) -> Path:
    """Return the config file to write: the parameter, else the sandbox's own, else the CLI's."""
    if config_file:
        return Path(config_file).expanduser()
    return sandbox_config_file() if ctx.is_sandbox else cli_config.config_path()


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


def build_profiles(
    *,
    account_id: str,
    region: str,
    sso_region: str,
    portal_url: str,
    session_name: str,
    developer_profile: str,
    developer_role: str,
    admin_profile: str,
    admin_role: str,
    output: str,
) -> tuple[list[cli_config.SsoProfile], cli_config.SsoSession]:
    """Validate the step's fields and return the two profiles and their shared sso-session.

    Raises:
        InputError: naming the first field that breaks its rule (before any file is touched).
    """
    # Checked here first so the message names this step's own parameters.
    portal_url = validate.validate_portal_url(portal_url)
    region = validate.validate_region(region)
    sso_region = validate.validate_region(sso_region, field="sso_region") if sso_region else region
    session = cli_config.build_sso_session(name=session_name, start_url=portal_url, sso_region=sso_region)
    profiles = [
        cli_config.build_sso_profile(
            profile_name=name, sso_session=session.name, account_id=account_id, role_name=role,
            region=region, output=output,
        )
        for name, role in ((developer_profile, developer_role), (admin_profile, admin_role))
    ]
    return profiles, session


def plan_from_config_plan(config_plan: cli_config.ConfigPlan, *, replace_conflicts: bool) -> Plan:
    """Return the step's plan: a section to add is a create; a conflict is shown, and becomes an
    update only when the person said ``replace_conflicts``."""
    changes = []
    for change in config_plan.changes:
        if change.action == "add":
            changes.append(Change("create", f"[{change.section}]", change.detail, "add_section"))
        elif change.action == "conflict":
            action = "update" if replace_conflicts else "conflict"
            changes.append(Change(action, f"[{change.section}]", change.detail, "replace_section"))
    return Plan(STEP_ID, tuple(changes))


def verify_profiles(path: Path, profiles: list[cli_config.SsoProfile], session: cli_config.SsoSession) -> Verification:
    """Read the file back with botocore itself: each profile and the sso-session as written."""
    reader = botocore.session.Session()
    reader.set_config_variable("config_file", str(path))
    config = reader.full_config
    checks = []
    for profile in profiles:
        found = config.get("profiles", {}).get(profile.profile_name, {})
        wanted = profile.config_values()
        same = all(found.get(key) == value for key, value in wanted.items())
        checks.append(Check(
            "cli_profile_reads_back", PASS if same else FAIL,
            f"botocore reads profile {profile.profile_name}: role {found.get('sso_role_name')} in "
            f"{found.get('sso_account_id')}, session {found.get('sso_session')}." if same
            else f"Profile {profile.profile_name} does not read back as written: {found}.",
        ))
    found_session = config.get("sso_sessions", {}).get(session.name, {})
    same = all(found_session.get(key) == value for key, value in session.config_values().items())
    checks.append(Check(
        "cli_sso_session_reads_back", PASS if same else FAIL,
        f"botocore reads sso-session {session.name}: {found_session.get('sso_start_url')} in "
        f"{found_session.get('sso_region')}." if same
        else f"sso-session {session.name} does not read back as written: {found_session}.",
    ))
    if path.exists():
        mode = path.stat().st_mode & 0o777
        checks.append(Check(
            "cli_config_file_private", PASS if not mode & 0o077 else WARN,
            f"The config file is readable by you only ({oct(mode)})." if not mode & 0o077
            else f"The config file is readable by others ({oct(mode)}); it holds no secret, but chmod 600 keeps your setup private.",
        ))
    return Verification(STEP_ID, tuple(checks))


def environment_hint(path: Path) -> str:
    """Return how to point the AWS CLI at ``path`` when it is not the default config file."""
    if path == cli_config.config_path():
        return ""
    return f'export AWS_CONFIG_FILE="{path}"   # so the AWS CLI reads these profiles'

