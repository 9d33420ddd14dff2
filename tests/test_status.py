"""Tests for runbook_lib.steps.status: each step's status, judged from the account's live state."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import botocore.exceptions
import pytest
from botocore.stub import Stubber

from runbook_lib.aws import AwsContext
from runbook_lib.audit.report import audits_folder
from runbook_lib.catch_up import catch_up_sandbox
from runbook_lib.notebook import SANDBOX_EXAMPLES
from runbook_lib.paths import sandbox_config_file, sandbox_home
from runbook_lib.checks import FAIL, PASS, WARN, Check, Verification
from runbook_lib.errors import AccessDeniedError, OrganizationConflictError
from runbook_lib.plan import Change, Plan
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps import identity_center, status
from runbook_lib.steps.identity_center import Organization
from runbook_lib.steps.status import (
    BLOCKED,
    DONE,
    INFO,
    NOT_RUN,
    STEPS,
    TO_DO,
    StepDefinition,
    StepStatus,
    read_step_statuses,
    render_statuses_html,
    statuses_to_frame,
    verify_caller,
)
from runbook_lib.target import CallerIdentity

CALLER = CallerIdentity("123456789012", "arn:aws:sts::123456789012:user/moto", "AIDAEXAMPLE")
ROOT = CallerIdentity("123456789012", "arn:aws:iam::123456789012:root", "123456789012")


def by_step(statuses: list[StepStatus]) -> dict[str, StepStatus]:
    """Return the statuses keyed by step id."""
    return {found.step: found for found in statuses}


NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def test_one_status_per_step_each_a_notebook_in_the_notebooks_order(ctx: AwsContext) -> None:
    statuses = read_step_statuses(ctx, CALLER)
    judged = [found.step for found in statuses]
    notebooks = {path.stem for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    assert judged == [definition.step for definition in STEPS]  # none skipped, none twice
    assert set(judged) <= notebooks, "a status names a step that has no notebook"
    assert judged == sorted(judged) and len(set(judged)) == len(judged)
    assert all(found.title for found in statuses) and len({found.title for found in statuses}) == len(statuses)


def test_new_account_both_steps_to_do(ctx: AwsContext) -> None:
    statuses = by_step(read_step_statuses(ctx, CALLER))
    root, center = statuses["01_secure_root_user"], statuses["02_enable_identity_center"]
    assert (root.status, center.status) == (TO_DO, TO_DO)
    assert root.detail == "Left: iam_root_mfa.123456789012; iam_root_access_keys.123456789012"
    assert center.detail == "Left: organizations_organization.123456789012; sso_instance.us-east-1"
    assert root.title == "Secure the root user"


def test_reading_statuses_changes_nothing(ctx: AwsContext) -> None:
    read_step_statuses(ctx, CALLER)
    assert ctx.recorder.calls  # it did read
    assert ctx.recorder.writes == []


def test_after_everything_both_steps_done(sandbox: SandboxClient, ctx: AwsContext) -> None:
    identity_center.create_organization(ctx, CALLER.account_id)
    for step in ("enable-root-mfa", "delete-root-access-keys", "enable-identity-center"):
        sandbox.play_console_step(step, region=ctx.region)
    statuses = read_step_statuses(ctx, CALLER)
    assert [(found.status, found.detail) for found in statuses] == [
        (DONE, "Verified."),
        (DONE, "Verified."),
        (TO_DO, "Left: identitystore_user.Admin; sso_permission_set.AdministratorAccess; "
         "sso_managed_policy_attachment.AdministratorAccess[AdministratorAccess]; "
         "sso_account_assignment.AdministratorAccess@user.Admin; "
         "sso_permission_set_provisioning.AdministratorAccess@123456789012"),
        (TO_DO, "Left: identitystore_user.<name>-developer"),
        (TO_DO, f"Left: No profile for AdministratorAccess in {sandbox_config_file()}; "
         f"No profile for DeveloperAccess in {sandbox_config_file()}"),
        (TO_DO, "After an earlier step: no profile for DeveloperAccess yet (step 05 writes it)."),
        (TO_DO, "Left: No budget; Cost anomaly detection has no monitor and no subscription; "
         "No security contact is registered"),
        (NOT_RUN, "No audit yet; it only reads, so run it any time."),
        (INFO, "Only when you are done: it shows what it would delete, and deletes once you type the confirmation."),
    ]


def test_users_steps_wait_for_identity_center_on_a_new_account(ctx: AwsContext) -> None:
    statuses = by_step(read_step_statuses(ctx, CALLER))
    for step in ("03_create_admin_user", "04_create_developer_user"):
        assert statuses[step].status == TO_DO
        assert statuses[step].detail == "After an earlier step: IAM Identity Center is not enabled in us-east-1 yet."


@pytest.mark.parametrize("developer_group", ["", "Developers"])
def test_users_steps_done_once_admin_and_a_developer_have_access(sandbox: SandboxClient, ctx: AwsContext, developer_group: str) -> None:
    from runbook_lib.steps import access, admin_user, developer_user

    identity_center.create_organization(ctx, CALLER.account_id)
    sandbox.play_console_step("enable-identity-center")
    instance = identity_center.require_instance(ctx)
    admin = admin_user.build_admin_spec(
        user_name="Admin", given_name="Ada", family_name="L", display_name="", email="ada@example.com",
        permission_set_name="AdministratorAccess", session_duration_hours=2, group_name="")
    developer, _ = developer_user.build_developer_spec(
        developer_name="ada", given_name="Ada", family_name="L", display_name="", email="ada@example.com",
        services=["s3"], permission_set_name="DeveloperAccess", session_duration_hours=4, group_name=developer_group)
    for spec in (admin, developer):
        state = access.read_access_state(ctx, instance, CALLER.account_id, spec)
        access.apply_access(ctx, access.plan_access("x", state, spec), state, spec)
    statuses = by_step(read_step_statuses(ctx, CALLER))
    assert (statuses["03_create_admin_user"].status, statuses["03_create_admin_user"].detail) == (DONE, "Verified.")
    assert statuses["04_create_developer_user"].status == DONE


def test_partly_done_lists_only_what_is_left(sandbox: SandboxClient, ctx: AwsContext) -> None:
    sandbox.play_console_step("enable-root-mfa")
    identity_center.create_organization(ctx, CALLER.account_id)
    statuses = by_step(read_step_statuses(ctx, CALLER))
    assert statuses["01_secure_root_user"].detail == "Left: iam_root_access_keys.123456789012"
    assert statuses["02_enable_identity_center"].detail == "Left: sso_instance.us-east-1"


def test_organization_managed_elsewhere_shows_blocked(
    ctx: AwsContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        identity_center,
        "read_organization",
        lambda ctx: Organization("o-abcdefghij", "999999999999", "ALL"),
    )
    statuses = by_step(read_step_statuses(ctx, CALLER))
    blocked = statuses["02_enable_identity_center"]
    assert blocked.status == BLOCKED
    assert str(OrganizationConflictError(CALLER.account_id, "999999999999")) == blocked.detail
    assert (
        statuses["01_secure_root_user"].status == TO_DO
    )  # one blocked step does not hide the others


def pure_step(plan: Plan, verification: Verification) -> StepDefinition:
    """Return a step judged from fixed results, with no AWS call."""
    return StepDefinition("99_pure", "A pure step", lambda ctx, caller: (plan, verification))


@pytest.mark.parametrize(
    ("plan", "verification", "expected"),
    [
        (
            Plan("99"),
            Verification("99", (Check("x_y_z", PASS, "r.a", "fine"), Check("y_y_z", WARN, "r.b", "hm"))),
            (DONE, "Verified."),
        ),
        (
            Plan(
                "99",
                (Change("create", "thing.a", "d", "op"), Change("console", "click.b", "d", "op2"),
                 Change("no-op", "thing.c", "in place")),
            ),
            Verification("99", (Check("x_y_z", FAIL, "thing.a", "no thing"),)),
            (TO_DO, "Left: thing.a; click.b"),
        ),
        # only no-ops planned, every check passed: done
        (
            Plan("99", (Change("no-op", "thing.c", "in place"),)),
            Verification("99", (Check("x_y_z", PASS, "thing.c", "fine"),)),
            (DONE, "Verified."),
        ),
        # nothing planned but a check failed (an inactive instance): what was found is left
        (
            Plan("99"),
            Verification("99", (Check("x_y_z", FAIL, "r.a", "not active"), Check("y_y_z", FAIL, "r.b", "no org"))),
            (TO_DO, "Left: not active; no org"),
        ),
    ],
)
def test_status_from_plan_and_verification(
    monkeypatch: pytest.MonkeyPatch,
    plan: Plan,
    verification: Verification,
    expected: tuple[str, str],
) -> None:
    monkeypatch.setattr(status, "STEPS", (pure_step(plan, verification),))
    [found] = read_step_statuses(None, CALLER)  # type: ignore[arg-type]
    assert (found.step, found.title) == ("99_pure", "A pure step")
    assert (found.status, found.detail) == expected


def test_a_runbook_error_while_assessing_shows_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    def conflict(ctx: object, caller: CallerIdentity) -> tuple[Plan, Verification]:
        raise OrganizationConflictError(caller.account_id, "999999999999")

    monkeypatch.setattr(status, "STEPS", (StepDefinition("99_pure", "A pure step", conflict),))
    [found] = read_step_statuses(None, CALLER)  # type: ignore[arg-type]
    assert found.status == BLOCKED
    assert "managed by account 999999999999" in found.detail
    assert "What to do next:" in found.detail


def test_other_errors_are_not_hidden_as_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: object, caller: CallerIdentity) -> tuple[Plan, Verification]:
        raise KeyError("a bug, not a state of the account")

    monkeypatch.setattr(status, "STEPS", (StepDefinition("99_pure", "A pure step", broken),))
    with pytest.raises(KeyError):
        read_step_statuses(None, CALLER)  # type: ignore[arg-type]


def test_statuses_to_frame() -> None:
    frame = statuses_to_frame([StepStatus("01", "Secure", DONE, "Verified.")])
    assert list(frame.columns) == ["step", "title", "status", "detail"]
    assert frame.to_dict("records") == [
        {"step": "01", "title": "Secure", "status": DONE, "detail": "Verified."}
    ]


def test_verify_caller() -> None:
    assert [check.status for check in verify_caller(CALLER).checks] == [PASS, PASS]
    assert {check.resource for check in verify_caller(CALLER).checks} == {f"sts_caller_identity.{CALLER.arn}"}
    as_root = verify_caller(ROOT)
    assert [check.status for check in as_root.checks] == [PASS, WARN]
    assert as_root.passed
    assert ROOT.arn in as_root.checks[0].detail


def test_access_denied_on_an_identity_store_read_is_raised_as_ours_not_botocores(sandbox: SandboxClient, ctx: AwsContext) -> None:
    """An identity without ``identitystore:GetUserId`` stops the table with what to do, rather
    than a raw botocore error (or a table of guesses)."""
    identity_center.create_organization(ctx, CALLER.account_id)
    sandbox.play_console_step("enable-identity-center")
    real_client = ctx.client("identitystore")
    with Stubber(real_client) as stub:
        # step 03 looks the Admin up by name
        stub.add_client_error("get_user_id", "AccessDeniedException", "not authorized to GetUserId", 403)
        with pytest.raises(AccessDeniedError) as refused:
            read_step_statuses(ctx, CALLER)
    assert refused.value.operation == "GetUserId"
    assert isinstance(refused.value.__cause__, botocore.exceptions.ClientError)
    assert "administrator rights" in refused.value.advice


def test_access_denied_reading_assignments_is_raised_as_ours(ctx: AwsContext, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = identity_center.IdentityCenterInstance(
        "arn:aws:sso:::instance/ssoins-0000000000000000", "d-0000000000", CALLER.account_id, "ACTIVE")
    monkeypatch.setattr(identity_center, "read_instance", lambda ctx: instance)
    with Stubber(ctx.client("sso-admin")) as stub:
        stub.add_response("list_permission_sets_provisioned_to_account", {
            "PermissionSets": [f"{instance.instance_arn.replace(':instance/', ':permissionSet/')}/ps-0000000000000001"]})
        stub.add_client_error("list_account_assignments", "AccessDeniedException", "no", 403)
        with pytest.raises(AccessDeniedError) as refused:
            status.assess_developer(ctx, CALLER)
    assert refused.value.operation == "ListAccountAssignments"


def test_every_notebook_has_a_status_row_with_a_link_to_it(ctx: AwsContext) -> None:
    statuses = read_step_statuses(ctx, CALLER)
    notebooks = sorted(path.name for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") if not path.name.startswith("00_"))
    assert [found.notebook for found in statuses] == notebooks
    html = render_statuses_html(statuses)
    for notebook in notebooks:
        assert f'<a href="{notebook}">' in html


def test_the_html_table_keeps_every_sentence_whole_and_colours_each_status() -> None:
    long = "IAM Identity Center (us-east-1) " * 8 + "<not markup>"
    html = render_statuses_html([
        StepStatus("02_enable_identity_center", "Enable IAM Identity Center", TO_DO, long),
        StepStatus("08_audit_account", "Audit the account", NOT_RUN, "No audit yet."),
    ])
    assert escape(long) in html  # whole, escaped, never cut with "..."
    assert "<not markup>" not in html
    assert f"background:{status.STATUS_COLOURS[TO_DO]}" in html and f"background:{status.STATUS_COLOURS[NOT_RUN]}" in html
    assert "text-align:left" in html and "white-space:normal" in html


def test_guardrails_done_once_a_budget_anomaly_alerts_and_the_security_contact_exist(sandbox: SandboxClient, ctx: AwsContext) -> None:
    catch_up_sandbox(ctx, "07", examples=SANDBOX_EXAMPLES)
    statuses = by_step(read_step_statuses(ctx, CALLER))
    assert [statuses[step].status for step in sorted(statuses)] == [DONE] * 7 + [NOT_RUN, INFO]


def test_the_audit_row_shows_the_last_report_of_this_account(sandbox: SandboxClient, ctx: AwsContext) -> None:
    folder = audits_folder(sandbox=True)

    def keep(name: str, account_id: str, summary: dict[str, int]) -> None:
        (folder / name).mkdir(parents=True)
        (folder / name / "audit-checks.json").write_text(json.dumps(
            {"account_id": account_id, "collected_at": f"{name[:10]}T{name[11:13]}:{name[14:16]}:00+00:00", "summary": summary}))

    keep("2026-12-01T10-00-00", CALLER.account_id, {"PASS": 5, "FAIL": 2, "ACCEPTED": 0})
    found = by_step(read_step_statuses(ctx, CALLER))["08_audit_account"]
    assert (found.status, found.detail) == (TO_DO, "Last audit 2026-12-01 10:00: 5 PASS, 2 FAIL. Fix the FAIL rows, then audit again.")
    keep("2026-12-01T11-00-00", CALLER.account_id, {"PASS": 7, "ACCEPTED": 3})
    keep("2026-12-01T12-00-00", "999999999999", {"FAIL": 9})  # another account's: not this one's status
    found = by_step(read_step_statuses(ctx, CALLER))["08_audit_account"]
    assert (found.status, found.detail) == (DONE, "Last audit 2026-12-01 11:00: 7 PASS, 3 ACCEPTED.")


def test_a_real_accounts_audit_reports_are_not_the_sandboxes() -> None:
    assert audits_folder(sandbox=True) != audits_folder(sandbox=False)
    assert audits_folder(sandbox=True).is_relative_to(sandbox_home())  # a reset removes them
