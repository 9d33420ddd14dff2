"""Tests for runbook_lib.checks: checks and verifications, and the registry every emitted id is in."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from runbook_lib import checks
from runbook_lib.checks import (
    ACCEPTED,
    CHECK_ID_PATTERN,
    FAIL,
    MANUAL,
    PASS,
    REGISTRY,
    SEVERITIES,
    STATUSES,
    WARN,
    Check,
    CheckMetadata,
    Verification,
    metadata_for,
    verification_of,
)
from runbook_lib.steps import checklist

PROJECT = Path(__file__).resolve().parent.parent
LIBRARY = PROJECT / "runbook_lib"
NOTEBOOKS = PROJECT / "notebooks"

MFA_FAIL = Check("iam_root_mfa_enabled", FAIL, "iam_root_mfa.123456789012", "Root has no MFA device.")
KEYS_PASS = Check("iam_no_root_access_key", PASS, "iam_root_access_keys.123456789012", "Root has no access keys.")
ROOT_WARN = Check("iam_avoid_root_usage", WARN, "sts_caller_identity.arn:aws:iam::123456789012:root", "Acting as root.")


# --- every id emitted is registered -------------------------------------------------------


def checklist_keys() -> list[str]:
    """Return the key of every checklist item the checklist module defines."""
    return [item.key for item in vars(checklist).values() if isinstance(item, checklist.ChecklistItem)]


PROWLER_ID_PATTERN = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
"""Prowler's own ids are ``<service>_<condition>`` at times (``accessanalyzer_enabled``); ours never."""

F_STRING_EXPANSIONS = {"sso_checklist_": checklist_keys}
"""The f-string ids the library builds, by their literal prefix, and what fills them in."""


def is_check_call(node: ast.AST) -> bool:
    """Return True for a call of ``Check(...)`` (or ``checks.Check(...)``)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "Check") or (isinstance(func, ast.Attribute) and func.attr == "Check")


def first_argument(call: ast.Call) -> ast.AST | None:
    """Return a ``Check(...)`` call's check id argument, positional or by keyword."""
    if call.args:
        return call.args[0]
    return next((keyword.value for keyword in call.keywords if keyword.arg == "check_id"), None)


def emitted_check_ids() -> dict[str, list[str]]:
    """Return every check id ``Check(...)`` is called with in runbook_lib, with where.

    Raises:
        AssertionError: for an id that is neither a literal nor a known f-string.
    """
    found: dict[str, list[str]] = {}
    for path in sorted(LIBRARY.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not is_check_call(node):
                continue
            where = f"{path.relative_to(PROJECT)}:{node.lineno}"
            argument = first_argument(node)
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.setdefault(argument.value, []).append(where)
            elif isinstance(argument, ast.JoinedStr) and isinstance(argument.values[0], ast.Constant):
                prefix = argument.values[0].value
                assert prefix in F_STRING_EXPANSIONS, f"{where}: an f-string check id {prefix}... this test cannot expand"
                for key in F_STRING_EXPANSIONS[prefix]():
                    found.setdefault(f"{prefix}{key}", []).append(where)
            else:
                raise AssertionError(f"{where}: a check id that is not a literal: {ast.unparse(argument or node)}")
    return found


def test_the_scan_finds_the_steps_checks() -> None:
    emitted = emitted_check_ids()
    assert {"iam_root_mfa_enabled", "sso_checklist_mfa_settings", "iam_permission_set_denies_other_services"} <= set(emitted)


def test_every_check_id_emitted_is_registered() -> None:
    unregistered = {check_id: where for check_id, where in emitted_check_ids().items() if check_id not in REGISTRY}
    assert unregistered == {}


def test_every_registered_id_is_emitted_somewhere() -> None:
    assert sorted(set(REGISTRY) - set(emitted_check_ids())) == []


# --- the registry's entries ---------------------------------------------------------------


@pytest.mark.parametrize("check_id", sorted(REGISTRY))
def test_registry_entry_is_complete(check_id: str) -> None:
    entry = REGISTRY[check_id]
    assert entry.check_id == check_id  # as Prowler's test: the metadata names its check
    assert CHECK_ID_PATTERN.match(check_id)
    assert entry.severity in SEVERITIES
    assert entry.title.strip() and entry.remediation.strip()
    assert (NOTEBOOKS / f"{entry.fixed_by}.ipynb").is_file(), f"{check_id}: no notebook {entry.fixed_by}"
    assert entry.prowler_id == "" or PROWLER_ID_PATTERN.match(entry.prowler_id)


def test_registry_ids_are_unique() -> None:
    entry = CheckMetadata("iam_root_mfa_enabled", "t", "high", "r", "01_secure_root_user")
    with pytest.raises(ValueError, match="registered twice: iam_root_mfa_enabled"):
        checks._entries(entry, entry)


@pytest.mark.parametrize("check_id", ["iam_root", "IAM_root_mfa", "iam-root-mfa", "iam_root_mfa_", "_iam_root_mfa"])
def test_check_id_pattern_refuses_ids_that_are_not_service_resource_condition(check_id: str) -> None:
    assert not CHECK_ID_PATTERN.match(check_id)


def test_metadata_for_an_unknown_id_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        metadata_for("iam_nothing_here")
    assert MFA_FAIL.metadata is REGISTRY["iam_root_mfa_enabled"]


# --- Check and Verification ---------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
def test_check_accepts_every_status(status: str) -> None:
    assert Check("iam_root_mfa_enabled", status, "iam_root_mfa.1", "found").status == status


@pytest.mark.parametrize("status", ["pass", "OK", "", "FAILED"])
def test_check_refuses_an_unknown_status(status: str) -> None:
    with pytest.raises(ValueError, match=f"not {status!r}"):
        Check("iam_root_mfa_enabled", status, "iam_root_mfa.1", "found")


def test_a_verification_with_no_check_is_an_error_not_a_pass() -> None:
    with pytest.raises(ValueError, match="00: a verification needs at least one check"):
        Verification("00", ())
    with pytest.raises(ValueError):
        verification_of("00", [], ())


def test_verification_passes_when_nothing_failed_whatever_else_it_found() -> None:
    verification = Verification("01", (
        KEYS_PASS, ROOT_WARN,
        Check("sso_checklist_mfa_registered", MANUAL, "identitystore_user.Admin", "Only the console shows it."),
        Check("iam_avoid_root_usage", ACCEPTED, "sts_caller_identity.x", "Root for step 01, by design."),
    ))
    assert verification.passed
    assert verification.failures == [] and verification.failed_checks == ()


def test_failures_say_what_was_found_then_the_registrys_remediation() -> None:
    verification = Verification("01", (MFA_FAIL, KEYS_PASS, ROOT_WARN))
    assert not verification.passed
    assert verification.failed_checks == (MFA_FAIL,)
    assert verification.failures == [f"Root has no MFA device. {REGISTRY['iam_root_mfa_enabled'].remediation}"]


def test_verification_of_keeps_the_order_of_the_lists() -> None:
    verification = verification_of("01", [MFA_FAIL], (KEYS_PASS, ROOT_WARN))
    assert verification.checks == (MFA_FAIL, KEYS_PASS, ROOT_WARN)


def test_verification_to_frame_has_the_resource() -> None:
    frame = Verification("01", (MFA_FAIL,)).to_frame()
    assert list(frame.columns) == ["check", "status", "resource", "detail"]
    assert frame.to_dict("records") == [
        {"check": "iam_root_mfa_enabled", "status": "FAIL", "resource": "iam_root_mfa.123456789012",
         "detail": "Root has no MFA device."}
    ]
