"""The runbook's error family: one base, each subclass says what went wrong and what to do next.

The library never prints or exits; it raises one of these. Notebooks show only the message
(see ``runbook_lib.notebook.show_errors_plainly``), the runner writes it into the run summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class RunbookError(Exception):
    """Raised when a runbook step cannot go on; the message says what to do next.

    Attributes:
        message: What went wrong, in one or two sentences.
        advice: What the person should do next, in one or two sentences ("" when the message
            says it already).
    """

    def __init__(self, message: str, *, advice: str = "") -> None:
        self.message = message
        self.advice = advice
        super().__init__(message)

    def __str__(self) -> str:
        return self.message if not self.advice else f"{self.message}\nWhat to do next: {self.advice}"

    def __reduce__(self) -> tuple[object, ...]:
        # Subclasses take other arguments; rebuild the plain fields so pickling keeps the message.
        return (_rebuild_error, (type(self), self.__dict__))


def _rebuild_error(cls: type[RunbookError], fields: dict[str, object]) -> RunbookError:
    """Return an error of ``cls`` with ``fields`` restored, without calling its ``__init__``."""
    error = cls.__new__(cls)
    Exception.__init__(error, fields.get("message", ""))
    error.__dict__.update(fields)
    return error


class InputError(RunbookError):
    """Raised when a parameter or form field breaks a rule, before any AWS call is made.

    Attributes:
        field: The parameter or form field that is wrong (e.g. ``region``).
        value: The value that was given.
        rule: The rule it breaks, in words.
    """

    def __init__(self, field: str, value: object, rule: str) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        super().__init__(
            f"{field}: {value!r} is not valid: {rule}",
            advice=f"Correct `{field}` and run the step again.",
        )


class AwsCallError(RunbookError):
    """Raised when AWS refuses or fails a call; carries the operation and AWS's error code.

    Attributes:
        operation: The AWS operation, e.g. ``organizations:CreateOrganization``.
        code: AWS's error code, e.g. ``AccessDeniedException``.
        aws_message: AWS's own message, unchanged.
    """

    def __init__(self, operation: str, code: str, aws_message: str, *, advice: str) -> None:
        self.operation = operation
        self.code = code
        self.aws_message = aws_message
        super().__init__(f"AWS refused {operation}: {code}: {aws_message}", advice=advice)


class AccessDeniedError(AwsCallError):
    """Raised when the identity the runbook acts as lacks a permission the step needs."""


class ThrottledError(AwsCallError):
    """Raised when AWS kept throttling a call after botocore's standard retries."""


class PrerequisiteMissingError(RunbookError):
    """Raised when a step needs what an earlier step makes, and it is not there yet.

    A plan-only run stops at such a step without failing: the earlier step's plan, once
    applied, is what this step waits for.
    """


class IdentityCenterNotEnabledError(PrerequisiteMissingError):
    """Raised when a step needs the IAM Identity Center instance and there is none yet."""

    def __init__(self, region: str) -> None:
        self.region = region
        super().__init__(
            f"IAM Identity Center is not enabled in {region} yet.",
            advice=(
                "Run notebook 02_enable_identity_center: create the organization, then in the console "
                "open IAM Identity Center in this region and click 'Enable'."
            ),
        )


class IdentityCenterInOtherRegionError(RunbookError):
    """Raised when IAM Identity Center is managed from another region than the runbook's.

    Not a prerequisite to wait for: enabling Identity Center again in the runbook's region is
    refused (an organization has one instance), so the person sets ``region`` instead.

    Attributes:
        region: The runbook's region.
        instance_region: Where the instance is managed from (its primary Region).
        additional_region: True when ``region`` is an additional Region of the instance, where
            users, groups, permission sets and assignments cannot be changed.
    """

    def __init__(self, region: str, instance_region: str, *, additional_region: bool = False) -> None:
        self.region = region
        self.instance_region = instance_region
        self.additional_region = additional_region
        if additional_region:
            message = (
                f"{region} is an additional Region of IAM Identity Center, whose primary Region is "
                f"{instance_region}: users, groups, permission sets and assignments can be changed only there."
            )
        else:
            message = f"IAM Identity Center is enabled in {instance_region}, not in {region} (the runbook's region)."
        super().__init__(
            message,
            advice=(
                f"Set `region` to {instance_region} (in 00_start_here, or `region` in your parameters) and run "
                f"this step again. Do not enable Identity Center in {region} as well: an organization has one "
                "instance."
            ),
        )


class NoAwsAccessError(PrerequisiteMissingError):
    """Raised when a step needs AWS and the target is ``none`` (no AWS access yet).

    A plan-only run counts it as waiting: once the Admin's profile is written and signed in,
    the step runs with that profile.

    Attributes:
        step: The step's id, e.g. ``03_create_admin_user``.
    """

    def __init__(self, step: str) -> None:
        self.step = step
        super().__init__(
            f"Step {step} needs AWS access, and the target is 'none' (no AWS access yet).",
            advice=(
                "Choose a profile: with target 'none', step 05 writes the Admin's profile; sign in with "
                "`aws sso login --profile admin --use-device-code` (or step 06 with developer_profile "
                "'admin'), then set target 'profile' and profile 'admin' (00_start_here or your "
                "parameters) and run this step again."
            ),
        )


class ProfileNotWrittenError(PrerequisiteMissingError):
    """Raised when a step needs an AWS CLI profile that step 05 has not written yet.

    A plan-only run on a half-built account (no profile yet) stops at such a step as waiting,
    not failed: applying step 05's plan writes the profile. A name that is one typo away from a
    profile the file has is an ``InputError`` instead: waiting would never end.

    Attributes:
        field: The parameter that names the profile, e.g. ``developer_profile``.
        profile: The profile's name.
        config_path: The AWS CLI config file looked in.
        known: The profiles that file has (none when it does not exist yet).
    """

    def __init__(self, field: str, profile: str, config_path: Path, known: Sequence[str]) -> None:
        self.field = field
        self.profile = profile
        self.config_path = config_path
        self.known = tuple(sorted(known))
        listed = ", ".join(self.known) or "none"
        super().__init__(
            f"The AWS CLI config file {config_path} has no profile {profile!r} yet (profiles found: {listed}).",
            advice=(
                "Apply step 05 (05_configure_aws_cli), which writes it, then run this step again; if "
                f"the profile has another name, set `{field}` to it."
            ),
        )


class CredentialsNotFoundError(RunbookError):
    """Raised when the target is ``environment`` and the AWS SDK finds no credentials.

    Attributes:
        target: The target that looked for them (``environment``).
    """

    def __init__(self, target: str) -> None:
        self.target = target
        super().__init__(
            "No AWS credentials were found in the environment (AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or AWS CloudShell's own).",
            advice=(
                "Open the runbook in AWS CloudShell, or export short-lived credentials (never create "
                "access keys for root), or choose target 'profile' with an AWS CLI profile; on a "
                "brand-new account, target 'none' lets step 05 write the Admin's profile first."
            ),
        )


class OrganizationConflictError(RunbookError):
    """Raised when the account already belongs to an organization managed by another account.

    Attributes:
        management_account_id: The account that manages the existing organization.
    """

    def __init__(self, account_id: str, management_account_id: str) -> None:
        self.account_id = account_id
        self.management_account_id = management_account_id
        super().__init__(
            f"Account {account_id} is a member of an organization managed by account "
            f"{management_account_id}, so it cannot create its own.",
            advice=(
                "Either run the runbook against the management account, or leave that organization "
                "first (AWS Organizations console > 'Leave organization') and run this step again."
            ),
        )


class ProfileNotFoundError(InputError):
    """Raised when the named AWS CLI profile is not in the config or credentials file."""

    def __init__(self, profile: str, known: list[str], *, field: str = "profile") -> None:
        listed = ", ".join(sorted(known)) or "none"
        super().__init__(field, profile, f"no such AWS CLI profile (profiles found: {listed})")


class AccountMismatchError(RunbookError):
    """Raised when the credentials belong to another account than the one the person named."""

    def __init__(self, expected: str, actual: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"The credentials act in account {actual}, but `account_id` says {expected}.",
            advice="Pick the profile of the account you mean, or correct `account_id`.",
        )


class SandboxError(RunbookError):
    """Raised when the local sandbox cannot be started, reached, or asked to play a console step."""


class StepIncompleteError(RunbookError):
    """Raised when a step's verification finds the account not yet in the state the step wants.

    Attributes:
        step: The step's id, e.g. ``01_secure_root_user``.
        failures: One sentence per check that failed.
    """

    def __init__(self, step: str, failures: list[str], *, advice: str = "") -> None:
        self.step = step
        self.failures = list(failures)
        listed = "\n".join(f"  - {failure}" for failure in failures)
        super().__init__(f"Step {step} is not complete:\n{listed}", advice=advice)


class NeedsYouError(RunbookError):
    """Raised when a headless apply run of a step leaves decisions that only the person can make.

    The step's plan held a ``conflict`` (e.g. a user ``Admin`` that exists with another email):
    what does not depend on it was applied, the rest was held back, and the step stops here as
    "needs you", neither done nor failed. The runner tells it apart by this class.

    Attributes:
        step: The step's id, e.g. ``03_create_admin_user``.
        decisions: One sentence per decision: what is in the way and what to choose.
    """

    def __init__(self, step: str, decisions: list[str]) -> None:
        self.step = step
        self.decisions = list(decisions)
        listed = "\n".join(f"  - {decision}" for decision in decisions)
        super().__init__(
            f"Step {step} needs you to decide:\n{listed}",
            advice="Nothing that depends on these was changed. Decide as each line says, then run "
            "this step again: it applies only what is then still missing.",
        )


class ConfigFileError(RunbookError):
    """Raised when the AWS CLI config file cannot be read, parsed or written safely.

    The file is left exactly as it was found.

    Attributes:
        path: The config file, or None when only its text was given.
        line_number: The offending line (1-based), or None when the problem is the whole file.
        problem: What is wrong, in words.
    """

    def __init__(
        self,
        path: Path | None,
        line_number: int | None,
        problem: str,
        *,
        advice: str = "",
    ) -> None:
        self.path = path
        self.line_number = line_number
        self.problem = problem
        where = f"The AWS CLI config file {path}" if path is not None else "The AWS CLI config file"
        if line_number is not None:
            where += f", line {line_number}"
        super().__init__(
            f"{where}: {problem}. The file was not changed.",
            advice=advice
            or (
                "Correct that line in the file (the AWS CLI cannot read the file as it is "
                "either), then run this step again."
            ),
        )


class ConfigConflictError(RunbookError):
    """Raised when a config section to write already exists with other values for our keys.

    Attributes:
        section: The section, as written between the brackets (e.g. ``profile admin``).
        differences: ``(key, old, new)`` for each key that differs; ``old`` is None when the
            key is not set, ``new`` is None when writing would remove the key.
        other_sections: Further sections that conflict too.
    """

    def __init__(
        self,
        section: str,
        differences: Sequence[tuple[str, str | None, str | None]],
        *,
        other_sections: Sequence[str] = (),
    ) -> None:
        self.section = section
        self.differences = tuple(differences)
        self.other_sections = tuple(other_sections)
        listed = "\n".join(
            f"  {key}: {_shown(old, 'not set')} -> {_shown(new, 'removed')}"
            for key, old, new in self.differences
        )
        message = f"[{section}] is already in the AWS CLI config file with other values:\n{listed}"
        if self.other_sections:
            others = ", ".join(f"[{name}]" for name in self.other_sections)
            message += f"\nAlso conflicting: {others}"
        what = "sso_session name" if section.startswith("sso-session") else "profile name"
        super().__init__(
            message,
            advice=(
                "Nothing was written. To replace these values, run the write again with "
                "replace_conflicts=True (your other keys in the section are kept and a backup "
                f"of the file is made); or choose another {what}."
            ),
        )


def _shown(value: str | None, missing: str) -> str:
    """Return a config value quoted for a message, or ``(missing)`` when there is none."""
    return f"({missing})" if value is None else repr(value)


class SignInError(RunbookError):
    """Raised when a sign-in through IAM Identity Center's device authorization does not finish.

    Attributes:
        user_code: The code the person was shown (not a secret: it is useless without approval).
    """

    def __init__(self, message: str, *, user_code: str, advice: str) -> None:
        self.user_code = user_code
        super().__init__(message, advice=advice)


class DeviceCodeExpiredError(SignInError):
    """Raised when the sign-in code expired before the person approved it in the browser.

    Attributes:
        expires_in: How long the code was valid, in seconds.
    """

    def __init__(self, user_code: str, expires_in: int) -> None:
        self.expires_in = expires_in
        super().__init__(
            f"The sign-in code {user_code} expired before it was approved "
            f"(a code is valid for {expires_in} seconds).",
            user_code=user_code,
            advice="Start the sign-in again (run the cell again), open the new link and click "
            "'Allow' within that time.",
        )


class DeviceAuthorizationDeniedError(SignInError):
    """Raised when the person clicked "Deny" on the sign-in request in the access portal."""

    def __init__(self, user_code: str) -> None:
        super().__init__(
            f"The sign-in request with the code {user_code} was denied in the access portal.",
            user_code=user_code,
            advice="If that was a slip, start the sign-in again and click 'Allow'. If you did not "
            "start this sign-in yourself, leave it denied and tell your administrator.",
        )


class SignInTimeoutError(SignInError):
    """Raised when nobody approved the sign-in within the time the runbook waits for it.

    Attributes:
        timeout_seconds: How long the runbook waited.
    """

    def __init__(self, user_code: str, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        super().__init__(
            f"The sign-in with the code {user_code} was not approved within "
            f"{timeout_seconds:.0f} seconds.",
            user_code=user_code,
            advice="Start the sign-in again, open the link it shows, sign in and click 'Allow' "
            "(or give `timeout_seconds` more time).",
        )


class WaitCancelled(RunbookError):
    """Raised when the person cancelled a wait (the Cancel button, or the kernel's interrupt).

    Nothing is undone: what AWS was doing goes on, and the step picks up where it is when run again.

    Attributes:
        what: What was being waited for.
        waited_seconds: How long it was waited for before the cancel.
    """

    def __init__(self, what: str, waited_seconds: float) -> None:
        self.what = what
        self.waited_seconds = waited_seconds
        super().__init__(
            f"Stopped waiting for {what} after {waited_seconds:.0f} s, as you asked.",
            advice="Run the cell again to wait again (what was started goes on meanwhile).",
        )
