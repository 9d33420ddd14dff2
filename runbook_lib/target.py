"""Which account the runbook acts on: the settings chosen in 00_start_here, and the connection.

Every notebook's parameters may name the target; an empty parameter falls back to what
00_start_here saved, and then to the sandbox. Everything is validated before any AWS call.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from runbook_lib import validate
from runbook_lib.aws import (
    AwsContext,
    environment_context,
    no_access_context,
    profile_context,
    sandbox_context,
    translating_aws_errors,
)
from runbook_lib.errors import AccountMismatchError, CredentialsNotFoundError
from runbook_lib.paths import settings_file
from runbook_lib.validate import ENVIRONMENT, NO_AWS_ACCESS, PROFILE, SANDBOX

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Settings:
    """The runbook's target.

    Attributes:
        target: ``sandbox`` (the local stand-in), ``profile`` (a real account through a profile),
            ``environment`` (a real account through the SDK's default credential chain) or
            ``none`` (no AWS access yet; see ``validate.TARGET_DESCRIPTIONS``).
        profile: The AWS CLI profile for target ``profile``; empty for the others.
        region: The region Identity Center lives in and the runbook works in. Empty only for
            target ``none`` when none was given or saved: the step chooses (step 05 the Identity
            Center region).
        account_id: If given, the runbook refuses to act on any other account; with target
            ``none``, the account the Admin's first profile is for.
    """

    target: str = "sandbox"
    profile: str = ""
    region: str = DEFAULT_REGION
    account_id: str = ""


@dataclass(frozen=True)
class CallerIdentity:
    """Who the runbook acts as (``sts:GetCallerIdentity``)."""

    account_id: str
    arn: str
    user_id: str

    @property
    def is_root(self) -> bool:
        """Return True when the credentials are the root user's."""
        return self.arn.endswith(":root")

    def describe(self, *, sandbox: bool = False) -> str:
        """Return who this is for a sentence: the ARN, or in the sandbox its own user by name."""
        if sandbox and self.arn.endswith(SANDBOX_USER_SUFFIX):
            return "the sandbox user"
        return self.arn


SANDBOX_USER_SUFFIX = ":user/moto"
"""The end of the ARN of the user the sandbox's own credentials belong to."""


def load_settings() -> Settings:
    """Return the saved settings, or the defaults (the sandbox) when none were saved."""
    path = settings_file()
    if not path.exists():
        return Settings()
    saved = json.loads(path.read_text(encoding="utf-8"))
    return Settings(**{key: value for key, value in saved.items() if key in Settings.__dataclass_fields__})


def save_settings(settings: Settings) -> Path:
    """Save the settings for the next notebooks; return the file written."""
    path = settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(settings), indent=2) + "\n", encoding="utf-8")
    return path


def resolve_settings(
    *, target: str = "", profile: str = "", region: str = "", account_id: str = ""
) -> Settings:
    """Merge the notebook's parameters over the saved settings and validate the result.

    An empty ``region`` falls back to the saved one, then to the one the AWS CLI would use (the
    profile's, or for ``environment`` the default chain's), then to us-east-1; for ``none`` it
    stays empty (no AWS call will use it). Another empty parameter falls back to the saved value, except that naming ``target`` also names
    its ``profile`` and ``account_id``: the saved ones belong to the saved target, and a form
    that clears ``account_id`` must be able to.

    Raises:
        InputError: naming the field, for any value the runbook cannot use (before any AWS call).
    """
    saved = load_settings()
    was_saved = settings_file().exists()
    merged = replace(
        saved,
        target=target or saved.target,
        profile=profile if target else (profile or saved.profile),
        region=region or (saved.region if was_saved else ""),
        account_id=account_id if target else (account_id or saved.account_id),
    )
    checked_target = validate.validate_target(merged.target)
    checked_profile = ""
    if checked_target == PROFILE:
        checked_profile = validate.validate_profile_exists(merged.profile)
    if checked_target == ENVIRONMENT and os.environ.get("AWS_PROFILE"):  # the default chain would use it
        validate.validate_profile_exists(os.environ["AWS_PROFILE"], field="AWS_PROFILE")
    # A region given or saved wins; then the profile's own (what the AWS CLI would use); then the default.
    chosen_region = merged.region
    if not chosen_region and checked_target in (PROFILE, ENVIRONMENT):
        chosen_region = configured_region(checked_profile)
    if not chosen_region and checked_target != NO_AWS_ACCESS:
        chosen_region = DEFAULT_REGION
    return Settings(
        target=checked_target,
        profile=checked_profile,
        region=validate.validate_region(chosen_region) if chosen_region else "",
        account_id=validate.validate_account_id(merged.account_id) if merged.account_id else "",
    )


def configured_region(profile: str) -> str:
    """Return the region the AWS CLI would use for ``profile`` (``AWS_DEFAULT_REGION`` first, then
    the profile's ``region``; an empty ``profile``: the default one's), or "" when none; reads
    files only."""
    import botocore.session

    return botocore.session.Session(profile=profile or None).get_config_variable("region") or ""


def connect(settings: Settings) -> AwsContext:
    """Return a context on the target: the sandbox (started if needed), the profile's account,
    the account of the credentials in the environment, or, for ``none``, no credentials at all.

    Makes no AWS call.
    """
    if settings.target == SANDBOX:
        from runbook_lib.sandbox import ensure_sandbox

        return sandbox_context(ensure_sandbox().url, settings.region)
    if settings.target == ENVIRONMENT:
        return environment_context(settings.region)
    if settings.target == NO_AWS_ACCESS:
        return no_access_context(settings.region)
    return profile_context(settings.profile, settings.region)


@translating_aws_errors
def read_caller(ctx: AwsContext, *, expected_account_id: str = "") -> CallerIdentity:
    """Return who the runbook acts as; refuse when it is not the account the person named.

    A headless run asks once (``aws_memo.IDENTITY_READS``); each step in JupyterLab asks afresh.

    IAM actions: none (``sts:GetCallerIdentity`` needs no permission).

    Raises:
        AccountMismatchError: when ``expected_account_id`` is given and differs.
        CredentialsNotFoundError: for target ``environment``, when the default chain finds none
            (before any call).
    """
    if ctx.target == ENVIRONMENT and ctx.session.get_credentials() is None:
        raise CredentialsNotFoundError(ctx.target)
    with ctx.reads.scope():
        answer = ctx.client("sts").get_caller_identity()
    caller = CallerIdentity(answer["Account"], answer["Arn"], answer["UserId"])
    if expected_account_id and caller.account_id != expected_account_id:
        raise AccountMismatchError(expected_account_id, caller.account_id)
    return caller


TARGET_CHOICES = (
    ("Sandbox (local stand-in, no account needed)", SANDBOX),
    ("A real account, through an AWS CLI profile", PROFILE),
    ("A real account, through the credentials in the environment (AWS_ACCESS_KEY_ID..., AWS CloudShell)", ENVIRONMENT),
    ("No AWS access yet: only step 05, which writes the Admin's first profile", NO_AWS_ACCESS),
)
"""The targets as the 00 form offers them, ``(label, value)``; ``validate.TARGET_DESCRIPTIONS`` says more."""


def target_choices() -> list[tuple[str, str]]:
    """Return the targets as the 00 form offers them: (label, value), the sandbox first."""
    return list(TARGET_CHOICES)


def save_and_check(*, target: str, profile: str = "", region: str = "", account_id: str = "") -> str:
    """Validate the 00 form's choice, save it, and say who the runbook acts as.

    With target ``none`` nothing is asked of AWS.

    IAM actions: none (``sts:GetCallerIdentity``).

    Returns:
        One sentence for the person, naming the account and the identity.

    Raises:
        InputError: for a field the runbook cannot use; nothing is saved.
        RunbookError: when AWS cannot be reached or refuses (the choice is saved).
    """
    checked = resolve_settings(target=target, profile=profile, region=region, account_id=account_id)
    save_settings(checked)
    if checked.target == NO_AWS_ACCESS:
        return (
            "Saved. No AWS access yet: step 05 writes the Admin's profile from its parameters "
            "(portal_url, sso_region, account_id); sign in with it, then choose target 'profile'."
        )
    caller = read_caller(connect(checked), expected_account_id=checked.account_id)
    sentence = f"Saved. Acting on account {caller.account_id} in {checked.region} as {caller.describe(sandbox=checked.target == SANDBOX)}."
    if caller.is_root:
        sentence += " That is the ROOT user: use it only for what steps 01-03 need, then the Admin's profile."
    return sentence + " Run the next cells."
