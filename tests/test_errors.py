"""Tests for runbook_lib.errors: one family, message and advice kept apart, errors that survive pickling.

A run's kernel and the runner are different processes (papermill), and a notebook shows only
the message and the advice, so every error class must keep both as attributes and come back
whole from a pickle, whatever its ``__init__`` takes.
"""

from __future__ import annotations

import inspect
import pickle
from pathlib import Path

import pytest

from runbook_lib import errors, plan
from runbook_lib.errors import RunbookError

# One example of every error class, built as the library builds it.
EXAMPLES: dict[type[RunbookError], RunbookError] = {
    errors.RunbookError: errors.RunbookError("Something went wrong.", advice="Do this next."),
    errors.InputError: errors.InputError("region", "us-east-9", "must be a region name"),
    errors.AwsCallError: errors.AwsCallError(
        "CreateOrganization", "ValidationException", "FeatureSet is wrong", advice="Fix what it names."
    ),
    errors.AccessDeniedError: errors.AccessDeniedError(
        "ListUsers", "AccessDeniedException", "not authorized", advice="Use the Admin's profile."
    ),
    errors.ThrottledError: errors.ThrottledError("ListUsers", "ThrottlingException", "slow down", advice="Wait."),
    errors.PrerequisiteMissingError: errors.PrerequisiteMissingError("Step 02 first.", advice="Run 02."),
    errors.IdentityCenterNotEnabledError: errors.IdentityCenterNotEnabledError("eu-west-1"),
    errors.IdentityCenterInOtherRegionError: errors.IdentityCenterInOtherRegionError("us-east-1", "eu-west-1"),
    errors.NoAwsAccessError: errors.NoAwsAccessError("03_create_admin_user"),
    errors.ProfileNotWrittenError: errors.ProfileNotWrittenError(
        "developer_profile", "ada-developer", Path("/tmp/config"), ["admin", "default"]),
    errors.CredentialsNotFoundError: errors.CredentialsNotFoundError("environment"),
    errors.OrganizationConflictError: errors.OrganizationConflictError("123456789012", "999999999999"),
    errors.ProfileNotFoundError: errors.ProfileNotFoundError("admin", ["default", "dev"]),
    errors.AccountMismatchError: errors.AccountMismatchError("123456789012", "999999999999"),
    errors.SandboxError: errors.SandboxError("The sandbox did not start.", advice="Run make sandbox-reset."),
    errors.StepIncompleteError: errors.StepIncompleteError("01_secure_root_user", ["Root has no MFA device."]),
    errors.NeedsYouError: errors.NeedsYouError(
        "03_create_admin_user", ["identitystore_user.Admin: Exists with email 'old@example.com', not 'ada@example.com'."]
    ),
    errors.ConfigFileError: errors.ConfigFileError(Path("/tmp/config"), 3, "a line without a section"),
    errors.ConfigConflictError: errors.ConfigConflictError(
        "profile admin", [("sso_role_name", "ReadOnly", "AdministratorAccess"), ("region", None, "us-east-1")],
        other_sections=["sso-session my-sso"],
    ),
    errors.SignInError: errors.SignInError("The sign-in failed.", user_code="ABCD-EFGH", advice="Try again."),
    errors.DeviceCodeExpiredError: errors.DeviceCodeExpiredError("ABCD-EFGH", 600),
    errors.DeviceAuthorizationDeniedError: errors.DeviceAuthorizationDeniedError("ABCD-EFGH"),
    errors.SignInTimeoutError: errors.SignInTimeoutError("ABCD-EFGH", 300),
    errors.WaitCancelled: errors.WaitCancelled("IAM to show the role", 12.0),
    plan.UnknownOperationError: plan.UnknownOperationError("04_create_developer_user", ["rename_user"]),
}


def error_classes() -> set[type[RunbookError]]:
    """Return every RunbookError class the library defines (errors.py and plan.py)."""
    return {
        value for module in (errors, plan) for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, RunbookError) and value.__module__ == module.__name__
    }


def test_every_error_class_has_an_example() -> None:
    assert error_classes() == set(EXAMPLES)


@pytest.mark.parametrize("cls", sorted(EXAMPLES, key=lambda cls: cls.__name__), ids=lambda cls: cls.__name__)
def test_each_class_keeps_message_and_advice_apart(cls: type[RunbookError]) -> None:
    error = EXAMPLES[cls]
    assert type(error) is cls and isinstance(error, RunbookError)
    assert error.message and "What to do next" not in error.message
    assert error.args == (error.message,)
    if error.advice:
        assert str(error) == f"{error.message}\nWhat to do next: {error.advice}"
    else:
        assert str(error) == error.message


@pytest.mark.parametrize("cls", sorted(EXAMPLES, key=lambda cls: cls.__name__), ids=lambda cls: cls.__name__)
def test_each_class_survives_a_pickle_round_trip(cls: type[RunbookError]) -> None:
    error = EXAMPLES[cls]
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert vars(copy) == vars(error)  # message, advice and the class's own fields
    assert str(copy) == str(error) and copy.args == error.args


@pytest.mark.parametrize("cls", sorted(EXAMPLES, key=lambda cls: cls.__name__), ids=lambda cls: cls.__name__)
def test_each_class_says_when_it_is_raised(cls: type[RunbookError]) -> None:
    assert (cls.__doc__ or "").startswith("Raised when")


def test_an_error_without_advice_shows_only_its_message() -> None:
    error = RunbookError("Only this.")
    assert (error.message, error.advice, str(error)) == ("Only this.", "", "Only this.")


def test_structured_fields_are_attributes_not_only_text() -> None:
    conflict = EXAMPLES[errors.ConfigConflictError]
    assert isinstance(conflict, errors.ConfigConflictError)
    assert conflict.differences[1] == ("region", None, "us-east-1")
    assert "'ReadOnly' -> 'AdministratorAccess'" in conflict.message
    assert "(not set) -> 'us-east-1'" in conflict.message
    assert "replace_conflicts=True" in conflict.advice
    refused = EXAMPLES[errors.InputError]
    assert isinstance(refused, errors.InputError)
    assert (refused.field, refused.value, refused.rule) == ("region", "us-east-9", "must be a region name")
    assert "Correct `region`" in refused.advice
    incomplete = EXAMPLES[errors.StepIncompleteError]
    assert isinstance(incomplete, errors.StepIncompleteError)
    assert incomplete.failures == ["Root has no MFA device."] and "  - Root has no MFA device." in incomplete.message


def test_a_config_error_without_a_path_or_line_says_so() -> None:
    error = errors.ConfigFileError(None, None, "not UTF-8")
    assert error.message == "The AWS CLI config file: not UTF-8. The file was not changed."
