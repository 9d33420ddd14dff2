"""Tests for runbook_lib.plan: changes, plans in Terraform's JSON shape, applying by operation (pure)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from runbook_lib.errors import RunbookError
from runbook_lib.plan import (
    ACTIONS,
    API_ACTIONS,
    PLAN_FORMAT_VERSION,
    Change,
    Plan,
    UnknownOperationError,
    apply_plan,
    shown_value,
)

ORG = Change(
    "create", "organizations_organization.123456789012", "Create an organization with all features.",
    "create_organization", after={"feature_set": "ALL"},
)
ENABLE = Change("console", "sso_instance.us-east-1", "Click 'Enable'.", "enable-identity-center", after="ACTIVE")
MFA = Change("console", "iam_root_mfa.123456789012", "Assign an MFA device.", "enable-root-mfa")
DURATION = Change(
    "update", "sso_permission_set.DeveloperAccess", "Drift: session PT1H -> PT4H.", "update_session_duration",
    before="PT1H", after="PT4H",
)
EMAIL = Change(
    "conflict", "identitystore_user.Admin", "Exists with another email.", before="old@example.com", after="new@example.com",
)
KEPT = Change("no-op", "identitystore_user.Admin", "Exists as asked.")


# --- Change ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_change_accepts_every_known_action(action: str) -> None:
    assert Change(action, "thing.a", "detail", "op").action == action


@pytest.mark.parametrize("action", ["", "Create", "apply", "remove", "console "])
def test_change_rejects_an_unknown_action(action: str) -> None:
    with pytest.raises(ValueError, match=f"not {action!r}"):
        Change(action, "thing.a", "detail", "op")


@pytest.mark.parametrize("action", sorted(API_ACTIONS | {"console"}))
def test_a_change_the_runbook_makes_needs_an_operation(action: str) -> None:
    with pytest.raises(ValueError, match="needs an operation"):
        Change(action, "thing.a", "detail")


@pytest.mark.parametrize("action", ["no-op", "conflict"])
def test_no_op_and_conflict_need_no_operation(action: str) -> None:
    assert Change(action, "thing.a", "detail").operation == ""


def test_only_console_changes_are_console() -> None:
    assert ENABLE.is_console
    assert not ORG.is_console
    assert not Change("delete", "x.y", "z", "op").is_console


def test_drift_is_a_change_to_something_that_exists() -> None:
    assert DURATION.is_drift
    assert Change("delete", "sso_managed_policy_attachment.D[X]", "d", "detach", before="arn:x").is_drift
    assert not ORG.is_drift  # nothing there before
    assert not EMAIL.is_drift  # shown, never brought back by the runbook


def test_change_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ORG.action = "delete"  # type: ignore[misc]


def test_change_to_json_is_a_terraform_resource_change() -> None:
    assert DURATION.to_json() == {
        "address": "sso_permission_set.DeveloperAccess",
        "change": {"actions": ["update"], "before": "PT1H", "after": "PT4H"},
        "detail": "Drift: session PT1H -> PT4H.",
        "operation": "update_session_duration",
    }


# --- Plan -----------------------------------------------------------------------------------


def test_plan_splits_api_console_and_conflict_changes_in_order() -> None:
    plan = Plan("02_enable_identity_center", (ENABLE, ORG, EMAIL, MFA, KEPT, DURATION))
    assert plan.api_changes == (ORG, DURATION)
    assert plan.console_changes == (ENABLE, MFA)
    assert plan.conflicts == (EMAIL,)
    assert not plan.is_empty


def test_empty_plan() -> None:
    plan = Plan("01_secure_root_user")
    assert plan.is_empty
    assert plan.api_changes == () and plan.console_changes == () and plan.conflicts == ()
    assert plan.describe() == "01_secure_root_user: no change needed."


def test_a_plan_of_only_no_ops_is_empty() -> None:
    plan = Plan("03", (KEPT,))
    assert plan.is_empty and plan.api_changes == ()
    assert plan.to_json()["summary"] == "no-op"
    assert plan.describe() == "03: no change needed."


def test_plan_to_json_has_terraforms_shape_and_is_json() -> None:
    plan = Plan("04", (DURATION, EMAIL, KEPT, ORG))
    document = plan.to_json()
    assert json.loads(json.dumps(document)) == document
    assert document["format_version"] == PLAN_FORMAT_VERSION
    assert document["step"] == "04"
    assert document["summary"] == {"update": 1, "conflict": 1, "create": 1}
    assert [change["address"] for change in document["resource_changes"]] == [
        DURATION.address, EMAIL.address, KEPT.address, ORG.address]
    for change in document["resource_changes"]:
        assert set(change["change"]) == {"actions", "before", "after"}
        assert len(change["change"]["actions"]) == 1 and change["change"]["actions"][0] in ACTIONS


def test_an_empty_plan_to_json_says_no_op() -> None:
    assert Plan("01").to_json() == {
        "format_version": PLAN_FORMAT_VERSION, "step": "01", "summary": "no-op", "resource_changes": [],
    }


def test_plan_to_frame_has_one_row_per_change_with_before_and_after() -> None:
    frame = Plan("02", (ORG, DURATION)).to_frame()
    assert list(frame.columns) == ["action", "address", "before", "after", "detail"]
    assert frame.to_dict("records") == [
        {"action": "create", "address": ORG.address, "before": "", "after": "feature_set=ALL", "detail": ORG.detail},
        {"action": "update", "address": DURATION.address, "before": "PT1H", "after": "PT4H", "detail": DURATION.detail},
    ]


def test_empty_plan_to_frame_keeps_the_columns() -> None:
    frame = Plan("02").to_frame()
    assert list(frame.columns) == ["action", "address", "before", "after", "detail"]
    assert len(frame) == 0


def test_plan_describe_has_one_line_per_change() -> None:
    lines = Plan("02", (ORG, ENABLE)).describe().splitlines()
    assert lines == [
        "create   organizations_organization.123456789012: Create an organization with all features.",
        "console  sso_instance.us-east-1: Click 'Enable'.",
    ]


def test_only_keeps_the_step() -> None:
    plan = Plan("02", (ORG, ENABLE))
    assert plan.only(plan.console_changes) == Plan("02", (ENABLE,))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, ""),
        ("PT4H", "PT4H"),
        ({"user": "Admin", "group": "Admins"}, "user=Admin, group=Admins"),
        (["access_key_1", "access_key_2"], "access_key_1, access_key_2"),
        (True, "true"),
        (3, "3"),
        ({"nested": {"a": None}}, "nested=a="),
    ],
)
def test_shown_value(value: object, shown: str) -> None:
    assert shown_value(value) == shown


# --- apply_plan -----------------------------------------------------------------------------


class Target:
    """A target that notes what was applied to it."""

    def __init__(self) -> None:
        self.made: list[str] = []


def note(target: Target, change: Change) -> str:
    target.made.append(change.address)
    return f"{change.address}: done"


def test_apply_plan_applies_the_api_changes_in_order_through_their_operations() -> None:
    target = Target()
    plan = Plan("02", (ENABLE, ORG, EMAIL, KEPT, DURATION))
    done = apply_plan(plan, {"create_organization": note, "update_session_duration": note}, target)
    assert target.made == [ORG.address, DURATION.address]
    assert done == [f"{ORG.address}: done", f"{DURATION.address}: done"]


def test_an_unknown_operation_raises_before_anything_is_applied() -> None:
    target = Target()
    plan = Plan("04", (ORG, DURATION, Change("delete", "x.y", "d", "drop_everything")))
    with pytest.raises(UnknownOperationError) as refused:
        apply_plan(plan, {"create_organization": note}, target)
    assert target.made == []
    assert refused.value.operations == ["drop_everything", "update_session_duration"]
    assert isinstance(refused.value, RunbookError)
    assert "nothing was applied" in refused.value.message and "bug" in refused.value.advice


def test_console_and_conflict_changes_need_no_applier() -> None:
    target = Target()
    assert apply_plan(Plan("01", (MFA, ENABLE, EMAIL, KEPT)), {}, target) == []
    assert target.made == []


def test_a_no_op_plan_applies_nothing() -> None:
    assert apply_plan(Plan("01"), {}, Target()) == []
