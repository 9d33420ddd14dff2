"""Tests across runbook_lib.steps: every planned operation has an applier (or is a console step the
sandbox plays), and every public function that reaches AWS translates AWS's errors."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import pytest

import runbook_lib.steps
from runbook_lib.ledger import Ledger
from runbook_lib.plan import ACTIONS, API_ACTIONS, CONSOLE, Plan
from runbook_lib.steps import access, checklist, developer_access, guardrails, identity_center, secure_root, status, teardown
from runbook_lib.steps.guardrails.verify import GUARDRAILS_CHECKLIST
from runbook_lib.target import CallerIdentity

STEPS_FOLDER = Path(runbook_lib.steps.__file__).parent
OWNED_ELSEWHERE = {"runbook_lib.steps.cli_profiles"}
"""Step 05's module moves to ``runbook_lib/awsconfig/`` in its own change, with its own appliers
and boundary; until then its two ``ctx`` functions (``resolve_config_file``,
``resolve_portal_url``) and its ``add_section``/``replace_section`` operations are not checked here."""

APPLIERS_OF_FILE: dict[str, dict[str, Any]] = {
    "access/plan.py": access.APPLIERS,
    "identity_center.py": identity_center.APPLIERS,
    "developer_access.py": developer_access.APPLIERS,
    "secure_root.py": {},  # console steps only
    "status.py": access.APPLIERS,  # its "left to do" for step 04 is what 04's notebook applies
    "guardrails/plan.py": guardrails.APPLIERS,
    "guardrails/plan_hardening.py": guardrails.APPLIERS,
    "teardown/plan.py": teardown.APPLIERS,
}
"""Which appliers make the changes that each planning file writes."""


def sandbox_console_steps() -> tuple[str, ...]:
    """Return the console step ids the sandbox plays (wherever the sandbox package lives now)."""
    for name in ("runbook_sandbox.console", "runbook_lib.sandbox.console"):
        try:
            return importlib.import_module(name).CONSOLE_STEPS
        except ModuleNotFoundError:
            continue
    raise AssertionError("no sandbox console module found")


# --- every operation a planner can emit has an applier ----------------------------------------


ACTION_NAMES = {name.upper().replace("-", "_"): name for name in ACTIONS}


def literal_strings(node: ast.AST | None) -> set[str]:
    """Return the strings an expression can be: its literals and the plan's action constants."""
    if node is None:
        return set()
    found = set()
    for part in ast.walk(node):
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            found.add(part.value)
        elif isinstance(part, ast.Name) and part.id in ACTION_NAMES:
            found.add(ACTION_NAMES[part.id])
    return found


def argument(call: ast.Call, position: int, keyword: str) -> ast.AST | None:
    """Return a call's argument by position or keyword, or None."""
    if len(call.args) > position:
        return call.args[position]
    return next((given.value for given in call.keywords if given.arg == keyword), None)


def planned_operations() -> list[tuple[str, int, set[str], set[str]]]:
    """Return ``(file, line, actions, operations)`` for every ``Change(...)`` in runbook_lib/steps."""
    found = []
    for path in sorted(STEPS_FOLDER.rglob("*.py")):
        module = "runbook_lib.steps." + ".".join(path.relative_to(STEPS_FOLDER).with_suffix("").parts)
        if module in OWNED_ELSEWHERE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Change":
                actions = literal_strings(argument(node, 0, "action"))
                operation = argument(node, 3, "operation")
                assert operation is None or isinstance(operation, ast.Constant), (
                    f"{path}:{node.lineno}: an operation that is not a literal cannot be checked")
                operations = literal_strings(operation)
                found.append((path.relative_to(STEPS_FOLDER).as_posix(), node.lineno, actions, operations))
    return found


def test_the_scan_finds_the_planners_changes() -> None:
    files = {file for file, _, _, _ in planned_operations()}
    assert files == set(APPLIERS_OF_FILE)


def test_every_api_operation_written_in_a_planner_has_an_applier() -> None:
    missing = [
        f"{file}:{line}: {operation}"
        for file, line, actions, operations in planned_operations() if actions & API_ACTIONS
        for operation in operations if operation not in APPLIERS_OF_FILE[file]
    ]
    assert missing == []


def test_every_console_operation_is_a_step_the_sandbox_plays() -> None:
    console_steps = set(sandbox_console_steps())
    unknown = [
        f"{file}:{line}: {operation}"
        for file, line, actions, operations in planned_operations() if CONSOLE in actions
        for operation in operations if operation not in console_steps
    ]
    assert unknown == []


def test_every_checklist_item_is_a_step_the_sandbox_plays() -> None:
    assert {item.sandbox_step for item in checklist.ADMIN_CHECKLIST} <= set(sandbox_console_steps())


def test_every_guardrails_checklist_item_is_a_switch_the_sandbox_plays() -> None:
    from runbook_sandbox.account_services import CONSOLE_SWITCHES

    assert {item.sandbox_step for item in GUARDRAILS_CHECKLIST} == set(CONSOLE_SWITCHES)


CALLER = CallerIdentity("123456789012", "arn:aws:sts::123456789012:user/moto", "AIDAEXAMPLE")
INSTANCE = identity_center.IdentityCenterInstance(
    "arn:aws:sso:::instance/ssoins-0000000000000000", "d-0000000000", CALLER.account_id, "ACTIVE")
SPEC = access.AccessSpec(
    access.UserSpec("ada-developer", "Ada", "Lovelace", "Ada Lovelace", "ada@example.com"),
    access.PermissionSetSpec("DeveloperAccess", "", ("arn:aws:iam::aws:policy/AmazonS3FullAccess",), "PT4H"),
    group_name="Developers",
)
SETTINGS = developer_access.SsoProfileSettings(
    "ada-developer", "my-sso", "https://d-0000000000.awsapps.com/start", "us-east-1", CALLER.account_id, "DeveloperAccess")
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def representative_plans() -> list[tuple[Plan, dict[str, Any]]]:
    """Return each planner's plans over a new account and over drift, with its appliers."""
    nothing = access.AccessState(CALLER.account_id, INSTANCE, None, None, False, None, False)
    drift = dataclasses.replace(
        nothing, user=access.UserState("u-1", "ada-developer", "old@example.com", "Ada"),
        permission_set=access.PermissionSetState(
            "arn:ps", "DeveloperAccess", "PT1H", frozenset({"arn:aws:iam::aws:policy/IAMFullAccess"}), "{}", True,
            customer_managed_policies=frozenset({"/team/Deploy"}), permissions_boundary="/team/Fence"),
    )
    root = secure_root.RootState(False, True, None, CALLER)
    return [
        (access.plan_access("04", nothing, SPEC), access.APPLIERS),
        (access.plan_access("04", drift, SPEC), access.APPLIERS),
        (access.plan_access("04", drift, dataclasses.replace(SPEC, group_name="")), access.APPLIERS),
        (identity_center.plan_identity_center(identity_center.IdentityCenterState(CALLER.account_id, "us-east-1", None, None)),
         identity_center.APPLIERS),
        (secure_root.plan_secure_root(root), {}),
        (developer_access.plan_sign_in(SETTINGS, developer_access.TokenState(), now=NOW), developer_access.APPLIERS),
        (developer_access.plan_sign_in(
            SETTINGS, developer_access.TokenState(NOW + timedelta(hours=1), account_roles=("AdministratorAccess",)), now=NOW,
        ), developer_access.APPLIERS),
    ]


def guardrails_plans() -> list[tuple[Plan, dict[str, Any]]]:
    """Return step 07's plans over a new account and over drift of everything it makes."""
    from runbook_lib.audit import facts

    spec = guardrails.build_guardrails_spec(
        account_id=CALLER.account_id, budget_name="b", budget_limit_usd=20, budget_alerts=["ACTUAL>80", "ACTUAL>100"],
        alert_emails=["ada@example.com"], alert_sns_topic_arn="", anomaly_monitor_name="m", anomaly_subscription_name="s",
        anomaly_threshold_usd=10, security_contact_name="Ada", security_contact_title="Owner",
        security_contact_email="ada@example.com", security_contact_phone="+1 555 0100", cloudtrail=True, trail_name="trail",
        s3_block_public_access=True, ebs_encryption_by_default=True, access_analyzer=True, analyzer_name="a",
    )
    new = guardrails.GuardrailsState(CALLER.account_id, "us-east-1", facts.CostFacts(), facts.HardeningFacts(
        trails=(), public_access_block={}, ebs_encryption={"us-east-1": False}, analyzers=()))
    monitor = facts.AnomalyMonitorFacts("arn:m", "m", "DIMENSIONAL", "SERVICE")
    bucket = facts.BucketFacts(spec.hardening.bucket_name, True, tags={"managed-by": "aws-guided-runbook"})
    drift = dataclasses.replace(new, costs=facts.CostFacts(
        budgets=(facts.BudgetFacts("b", "COST", "MONTHLY", "5", "USD", (
            facts.BudgetNotificationFacts("ACTUAL", "GREATER_THAN", "80", "PERCENTAGE", ("old@example.com",)),)),),
        monitors=(monitor,),
        subscriptions=(facts.AnomalySubscriptionFacts("arn:s", "s", ("arn:m",), "WEEKLY", ("ada@example.com",)),),
    ), hardening=dataclasses.replace(new.hardening, trail_buckets=(bucket,), trails=(
        facts.TrailFacts("trail", "arn:t", "us-east-1", bucket.name, False, False, False),)))
    return [(guardrails.plan_guardrails(new, spec), guardrails.APPLIERS),
            (guardrails.plan_guardrails(drift, spec), guardrails.APPLIERS)]


def teardown_plans() -> list[tuple[Plan, dict[str, Any]]]:
    """Return step 99's plan over one thing of every kind it deletes."""
    found = tuple(teardown.Found(f"{kind}.x", kind, "x", "x") for kind in teardown.plan.DELETES)
    inventory = teardown.TeardownInventory(CALLER.account_id, "us-east-1", found, ())
    return [(teardown.plan_teardown(inventory, Ledger(CALLER.account_id, Path("unused"))), teardown.APPLIERS)]


def test_planners_over_representative_states_emit_only_what_can_be_applied_or_played() -> None:
    console_steps = set(sandbox_console_steps())
    emitted = set()
    for plan, appliers in representative_plans() + guardrails_plans() + teardown_plans():
        assert {change.operation for change in plan.api_changes} <= set(appliers), plan.describe()
        assert {change.operation for change in plan.console_changes} <= console_steps, plan.describe()
        emitted |= {change.operation for change in plan.api_changes}
    # together they reach every applier: none is dead
    assert emitted == (set(access.APPLIERS) | set(identity_center.APPLIERS) | set(developer_access.APPLIERS)
                       | set(guardrails.APPLIERS) | set(teardown.APPLIERS))


# --- every public function that reaches AWS translates AWS's errors ---------------------------


def step_modules() -> list[ModuleType]:
    """Return every module of runbook_lib.steps (the access package's too)."""
    return [
        importlib.import_module(found.name)
        for found in pkgutil.walk_packages(runbook_lib.steps.__path__, "runbook_lib.steps.")
        if found.name not in OWNED_ELSEWHERE
    ]


def reaches_aws(function: Callable[..., Any]) -> bool:
    """Return True when a parameter is an AwsContext or a boto3 session (by annotation or name)."""
    for parameter in inspect.signature(function).parameters.values():
        annotation = str(parameter.annotation)
        if parameter.name in ("ctx", "session") or "AwsContext" in annotation or "boto3.Session" in annotation:
            return True
    return False


def public_functions_reaching_aws() -> dict[str, Callable[..., Any]]:
    """Return ``module.name`` -> function for each public function defined in the steps that reaches AWS."""
    found = {}
    for module in step_modules():
        for name, function in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(function):
                continue
            if inspect.unwrap(function).__module__ != module.__name__:
                continue  # imported from elsewhere: judged where it is defined
            if reaches_aws(function):
                found[f"{module.__name__}.{name}"] = function
    return found


def test_the_walk_finds_the_functions_that_reach_aws_those_once_unwrapped_included() -> None:
    found = public_functions_reaching_aws()
    assert {"runbook_lib.steps.access.read.find_users_with_suffix", "runbook_lib.steps.access.read.has_any_assignment",
            "runbook_lib.steps.status.read_step_statuses", "runbook_lib.steps.developer_access.verify_developer_identity",
            } <= set(found)
    assert len(found) > 30


def test_every_public_step_function_that_reaches_aws_translates_its_errors() -> None:
    unwrapped = sorted(name for name, function in public_functions_reaching_aws().items()
                       if not getattr(function, "translates_aws_errors", False))
    assert unwrapped == []


def test_status_of_every_step_uses_wrapped_assessments() -> None:
    assert all(getattr(definition.assess or definition.describe, "translates_aws_errors", False) for definition in status.STEPS)
    assert all((definition.assess is None) != (definition.describe is None) for definition in status.STEPS)  # one or the other


@pytest.mark.parametrize("annotation", ["AwsContext", "boto3.Session"])
def test_reaches_aws_knows_both_kinds_of_parameter(annotation: str) -> None:
    def by_annotation(thing: annotation) -> None:  # type: ignore[valid-type]
        """A function whose parameter is annotated, not named, as AWS access."""

    def by_name(ctx: object) -> None:
        """A function whose parameter is named ctx."""

    def pure(state: object) -> None:
        """A function that reaches nothing."""

    by_annotation.__annotations__["thing"] = annotation
    assert reaches_aws(by_annotation) and reaches_aws(by_name) and not reaches_aws(pure)
