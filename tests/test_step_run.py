"""A step's run without any UI: its report, apply, console player, confirmations and finish."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.stub import Stubber

from runbook_lib import runner
from runbook_lib.checks import FAIL, PASS, Check, Verification
from runbook_lib.errors import (
    InputError,
    NeedsYouError,
    NoAwsAccessError,
    PrerequisiteMissingError,
    RunbookError,
    StepIncompleteError,
)
from runbook_lib.notebook import begin_step
from runbook_lib.plan import Change, Plan
from runbook_lib.step_run import PLAN_FILE_SUFFIX, begin_run
from runbook_lib.steps.checklist import ADMIN_CHECKLIST, DEVELOPER_CHECKLIST
from aws_guard import refuse_every_aws_call
from sandbox_seeds import create_example_developer_and_profile, prepare_account_for

STEP = "01_secure_root_user"
ROOT_ARN = "arn:aws:iam::123456789012:root"


def passed() -> Verification:
    return Verification(STEP, (Check("iam_root_mfa_enabled", PASS, "iam_root_mfa", "Root has MFA."),))


def failed() -> Verification:
    return Verification(STEP, (Check("iam_root_mfa_enabled", FAIL, "iam_root_mfa", "Root has no MFA device."),))


def test_begin_run_says_who_the_runbook_acts_as_and_starts_the_report(sandbox):
    run = begin_run(STEP, target="sandbox")
    assert run.caller.account_id.isdigit()
    assert run.report.acted_as == run.caller.arn
    assert run.report.target == "sandbox"
    assert [str(call) for call in run.ctx.recorder.calls] == ["sts:GetCallerIdentity"]


def test_begin_run_refuses_bad_input_before_any_aws_call(sandbox, monkeypatch):
    import runbook_lib.step_run as step_run_module

    monkeypatch.setattr(step_run_module, "connect", lambda settings: pytest.fail("connected despite bad input"))
    with pytest.raises(InputError) as refused:
        begin_run(STEP, target="sandbox", region="mars-1")
    assert refused.value.field == "region"


def test_apply_now_makes_the_api_changes_and_plays_console_steps_only_when_asked(sandbox):
    run = begin_run(STEP, target="sandbox")
    plan = Plan(STEP, (
        Change("create", "example.thing", "An API change.", "make_thing"),
        Change("console", "iam_root_mfa", "Assign an MFA device.", "enable-root-mfa"),
    ))
    applied = run.apply_now(plan, lambda: ["made the thing"], play_console=False)
    assert applied == ["made the thing"]
    assert run.report.pending_console_steps == ["enable-root-mfa"]
    assert sandbox.state()["root_mfa_enabled"] is False
    played = run.apply_now(plan.only(plan.console_changes), None, play_console=True)
    assert len(played) == 1 and "sandbox played the console step" in played[0]
    assert sandbox.state()["root_mfa_enabled"] is True
    assert run.report.pending_console_steps == []
    assert run.report.applied == ["made the thing", *played]


def test_a_real_account_cannot_play_console_steps(sandbox, monkeypatch):
    run = begin_run(STEP, target="sandbox")
    monkeypatch.setattr(run.ctx, "target", "profile")
    with pytest.raises(RunbookError, match="only be simulated in the sandbox"):
        run.play_console_step("enable-root-mfa")


@pytest.mark.parametrize(("headless", "apply", "raises"), [(True, True, True), (True, False, False), (False, True, False)])
def test_a_failed_verification_stops_only_a_headless_apply_run(sandbox, headless, apply, raises):
    run = begin_run(STEP, target="sandbox", headless=headless, apply=apply)
    if raises:
        with pytest.raises(StepIncompleteError) as stopped:
            run.record_verification(failed())
        assert stopped.value.failures == failed().failures
        assert "Assign MFA device" in stopped.value.failures[0]  # the registry's remediation
    else:
        run.record_verification(failed())
    assert run.report.verified is False
    run.record_verification(passed())
    assert run.report.verified is True


def test_confirmations_are_recorded_and_an_unknown_item_is_refused(sandbox):
    prepare_account_for("03_create_admin_user", sandbox)
    run = begin_run("03_create_admin_user", target="sandbox")
    run.gather_confirmations(ADMIN_CHECKLIST, user_name="Admin", confirmed=["invitation"])
    assert run.report.confirmations == {"invitation": True}
    with pytest.raises(InputError) as refused:
        run.gather_confirmations(ADMIN_CHECKLIST, user_name="Admin", confirmed=["invitaton"])
    assert refused.value.field == "confirmed"


def test_a_headless_sandbox_apply_run_plays_each_checklist_item_once(sandbox):
    prepare_account_for("04_create_developer_user", sandbox)
    create_example_developer_and_profile(sandbox)  # the developer exists, none of its console steps played
    user = "ada-developer"
    run = begin_run("04_create_developer_user", target="sandbox", headless=True, apply=True, simulate_console=True)
    run.gather_confirmations(DEVELOPER_CHECKLIST, user_name=user, confirmed=[])
    assert all(run.report.confirmations.get(item.key) for item in DEVELOPER_CHECKLIST)
    assert len(run.report.applied) == len(DEVELOPER_CHECKLIST)
    again = begin_run("04_create_developer_user", target="sandbox", headless=True, apply=True, simulate_console=True)
    again.gather_confirmations(DEVELOPER_CHECKLIST, user_name=user, confirmed=[])
    assert all(again.report.confirmations.get(item.key) for item in DEVELOPER_CHECKLIST)
    assert again.report.applied == []  # the sandbox remembers: nothing is played twice


def test_finish_writes_the_report_and_the_plan_as_json_beside_it(sandbox, tmp_path):
    summary = tmp_path / "reports" / f"{STEP}.json"
    run = begin_run(STEP, target="sandbox", summary_file=str(summary))
    plan = Plan(STEP, (Change("update", "sso_permission_set.Dev", "Drift: session.", "update_session", "PT1H", "PT4H"),))
    run.record_plan(plan)
    report = run.finish()
    written = json.loads(summary.read_text(encoding="utf-8"))
    assert written["step"] == STEP
    assert written["read_calls"] == report.read_calls == 1
    assert written["acted_as"] == run.caller.arn
    plan_file = summary.with_name(STEP + PLAN_FILE_SUFFIX)
    saved_plan = json.loads(plan_file.read_text(encoding="utf-8"))
    assert saved_plan == plan.to_json()
    assert saved_plan["resource_changes"][0]["change"] == {"actions": ["update"], "before": "PT1H", "after": "PT4H"}


def test_a_failure_is_recorded_with_the_calls_made_before_it(sandbox, tmp_path):
    summary = tmp_path / "report.json"
    run = begin_run(STEP, target="sandbox", summary_file=str(summary))
    run.record_failure(RunbookError("It broke.", advice="Mend it."))
    written = json.loads(summary.read_text(encoding="utf-8"))
    assert written["error"] == "RunbookError: It broke.\nWhat to do next: Mend it."
    assert written["calls"] == ["sts:GetCallerIdentity"]


# --- target none: a brand-new account, no AWS access yet -------------------------------------


def test_a_step_that_needs_aws_refuses_target_none_as_waiting_for_a_profile(monkeypatch):
    import runbook_lib.step_run as step_run_module

    attempted = refuse_every_aws_call(monkeypatch)
    monkeypatch.setattr(step_run_module, "connect", lambda settings: pytest.fail("connected with target none"))
    with pytest.raises(NoAwsAccessError) as refused:
        begin_run("03_create_admin_user", target="none")
    assert isinstance(refused.value, PrerequisiteMissingError)  # a plan-only run counts it as waiting
    assert runner.is_prerequisite_error(type(refused.value).__name__)
    assert refused.value.step == "03_create_admin_user"
    assert "target 'profile' and profile 'admin'" in refused.value.advice
    assert attempted == []


def test_target_none_makes_no_aws_call_and_has_no_caller(monkeypatch, tmp_path):
    attempted = refuse_every_aws_call(monkeypatch)
    summary = tmp_path / "report.json"
    run = begin_run(
        "05_configure_aws_cli", target="none", account_id="111111111111", summary_file=str(summary),
        runs_without_aws=True,
    )
    assert run.caller is None and not run.has_aws_access
    assert run.account_id == "111111111111"  # the parameter's, as nobody was asked
    assert run.sandbox is None
    report = run.finish()
    assert (report.target, report.acted_as, report.calls) == ("none", "no AWS access", [])
    assert json.loads(summary.read_text(encoding="utf-8"))["acted_as"] == "no AWS access"
    assert attempted == []


def test_with_aws_access_the_account_is_the_callers(sandbox):
    run = begin_run(STEP, target="sandbox", runs_without_aws=True)
    assert run.has_aws_access and run.account_id == run.caller.account_id


# --- what begin_step says about where and as whom ---------------------------------------------


def test_root_credentials_in_the_environment_show_the_root_warning(sandbox, monkeypatch, capsys):
    """CloudShell opened by root hands the runbook root's credentials. The sandbox (moto) has no
    root caller, so its STS answer is stubbed with root's ARN; the rest is the real path."""
    import runbook_lib.step_run as step_run_module

    real_connect = step_run_module.connect

    def connect_as_root(settings):
        ctx = real_connect(settings)
        stubbed = Stubber(ctx.client("sts"))
        stubbed.add_response("get_caller_identity", {"Account": "123456789012", "Arn": ROOT_ARN, "UserId": "123456789012"})
        stubbed.activate()
        return ctx

    monkeypatch.setattr(step_run_module, "connect", connect_as_root)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAFAKECLOUDSHELL01")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")
    run = begin_step("01_secure_root_user", target="environment", headless=True)
    shown = capsys.readouterr().out
    assert f"through the credentials in the environment, as {ROOT_ARN}." in shown
    assert "WARNING: the runbook is acting as the ROOT user" in shown
    assert run.caller.is_root and run.report.acted_as == ROOT_ARN


def test_begin_step_with_target_none_says_there_is_no_aws_access(monkeypatch, capsys):
    attempted = refuse_every_aws_call(monkeypatch)
    run = begin_step("05_configure_aws_cli", target="none", headless=True, runs_without_aws=True)
    shown = capsys.readouterr().out
    assert shown.startswith("No AWS access yet (target 'none')")
    assert "ROOT" not in shown and "Acting on account" not in shown
    assert run.caller is None and attempted == []


def test_the_sandbox_and_a_profile_are_named_as_before(sandbox, capsys):
    begin_step(STEP, target="sandbox", headless=True)
    assert " through the local sandbox, as the sandbox user." in capsys.readouterr().out


def test_only_the_profile_writing_and_the_sign_in_steps_run_without_aws_access():
    """Step 05 (the Admin's first profile) and step 06 (signing a profile in) need no credentials
    of the runbook's; every other step acts on the account and waits for a profile."""
    notebooks = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    without = []
    for notebook in notebooks:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        starting = next("".join(cell["source"]) for cell in cells if "begin_step(" in "".join(cell["source"]))
        if "runs_without_aws=True" in starting:
            without.append(notebook.stem)
    assert without == ["05_configure_aws_cli", "06_verify_developer_access"]


@pytest.mark.parametrize(("headless", "apply", "stops"), [(True, True, True), (True, False, False), (False, True, False)])
def test_a_plan_with_a_conflict_stops_only_a_headless_apply_run_as_needs_you(sandbox, headless, apply, stops):
    run = begin_run("03_create_admin_user", target="sandbox", headless=headless, apply=apply)
    run.record_plan(Plan("03_create_admin_user", (
        Change("conflict", "identitystore_user.Admin", "Exists with another email.", before="a@x.example", after="b@x.example"),
    )))
    if stops:
        with pytest.raises(NeedsYouError) as stopped:
            run.stop_for_decisions()
        assert stopped.value.decisions == ["identitystore_user.Admin: Exists with another email."]
        assert not isinstance(stopped.value, StepIncompleteError)  # a distinct outcome for the runner
    else:
        run.stop_for_decisions()
    run.record_plan(Plan("03_create_admin_user"))
    run.stop_for_decisions()  # nothing left to decide: never stops
