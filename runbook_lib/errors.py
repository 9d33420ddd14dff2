"""The runbook's error family: one base, each subclass says what went wrong and what to do next.

The library never prints or exits; it raises one of these. Notebooks show only the message
(see ``runbook_lib.notebook.show_errors_plainly``), the runner writes it into the run summary.
"""

from __future__ import annotations


class RunbookError(Exception):
    """Raised when a runbook step cannot go on; the message says what to do next.

    Attributes:
        advice: What the person should do next, in one or two sentences.
    """

    def __init__(self, message: str, *, advice: str = "") -> None:
        self.advice = advice
        super().__init__(message if not advice else f"{message}\nWhat to do next: {advice}")


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
            advice=f"Correct `{field}` in the parameters cell (or the form) and run the step again.",
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
