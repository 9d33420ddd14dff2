"""Catching the sandbox up to step N, and resetting it: runbook_lib.catch_up (00_start_here's buttons).

The account a catch-up leaves must be the one the notebooks make: after catching up to N, every
step up to N plans nothing (judged by the same readers and planners, and by the runner's own
plan-only run of those notebooks), and the next step still has its work to do.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import ipywidgets
import pytest
from notebook_cells import run_notebook_cells

from runbook_lib import catch_up
from runbook_lib.aws import environment_context, sandbox_context
from runbook_lib.catch_up import (
    CATCH_UP_STEPS,
    CatchUpRefusedError,
    catch_up_sandbox,
    reset_sandbox,
)
from runbook_lib.errors import InputError
from runbook_lib.notebook import SANDBOX_EXAMPLES
from runbook_lib.parameters import check_parameters, read_schema
from runbook_lib.paths import (
    sandbox_config_file,
    sandbox_home,
    settings_file,
    token_cache_path,
)
from runbook_lib.sandbox import SandboxClient
from runbook_lib.validate.steps import resolve_catch_up_step
from runbook_lib.steps.status import DONE, NOT_RUN, TO_DO, read_step_statuses
from runbook_lib.target import Settings, read_caller, save_settings
from runbook_lib.widgets import catch_up_controls

ROOT = Path(__file__).resolve().parent.parent


def catch_up_to(sandbox: SandboxClient, step: str) -> catch_up.CatchUp:
    return catch_up_sandbox(sandbox_context(sandbox.url, "us-east-1"), step, examples=SANDBOX_EXAMPLES)


def statuses_of(sandbox: SandboxClient) -> dict[str, str]:
    ctx = sandbox_context(sandbox.url, "us-east-1")
    return {found.step: found.status for found in read_step_statuses(ctx, read_caller(ctx))}


@pytest.mark.parametrize("last", CATCH_UP_STEPS)
def test_catching_up_to_a_step_does_it_and_every_step_before_it_and_leaves_the_next_to_do(sandbox, last):
    done = catch_up_to(sandbox, last)
    assert [step.step for step in done.steps] == list(CATCH_UP_STEPS[: CATCH_UP_STEPS.index(last) + 1])
    assert all(step.applied for step in done.steps)  # a new account: every step had work to do
    statuses = statuses_of(sandbox)
    for step in CATCH_UP_STEPS:
        if step <= last:
            assert statuses[step] == DONE, step
        else:  # what the learner does next is still theirs to do
            assert statuses[step] in (TO_DO, NOT_RUN), step
    assert done.next_step == (CATCH_UP_STEPS + ("99_teardown",))[CATCH_UP_STEPS.index(last) + 1]
    assert f"Go on with {done.next_step}." in done.describe()


def account_files() -> dict[str, str]:
    """Return the text of every file the sandbox owns on this machine, and of the token cache."""
    folders = [sandbox_home(), Path.home() / ".aws" / "sso" / "cache"]
    return {str(path): path.read_text(encoding="utf-8") for folder in folders for path in sorted(folder.rglob("*")) if path.is_file()}


def test_catching_up_twice_changes_nothing_the_second_time(sandbox):
    first = catch_up_to(sandbox, "08")
    assert first.changed
    files = account_files()
    assert any(name.endswith("audit-checks.json") for name in files) and str(sandbox_config_file()) in files
    ctx = sandbox_context(sandbox.url, "us-east-1")
    second = catch_up_sandbox(ctx, "08", examples=SANDBOX_EXAMPLES)
    assert not second.changed and all(step.applied == () for step in second.steps)
    assert ctx.recorder.writes == [], ctx.recorder.writes  # read, found it all done, wrote nothing
    assert account_files() == files  # no file touched: no second audit report, no new sign-in
    assert "nothing changed" in second.describe()


def test_after_catching_up_the_runners_plan_only_run_of_those_steps_plans_no_change(sandbox, tmp_path):
    """The runner's own notebooks, headless and plan-only, agree the account is where they leave it."""
    catch_up_to(sandbox, "08")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for notebook in sorted((ROOT / "notebooks").glob("0[0-8]_*.ipynb")):
        shutil.copy(notebook, notebooks)
    finished = subprocess.run(
        [sys.executable, "-m", "runbook_lib.runner", "--plan-only", "--notebooks", str(notebooks), "--output", str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    [run_dir] = sorted((tmp_path / "runs").glob("*/"))
    steps = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["steps"]
    assert [step["step"] for step in steps] == ["00_start_here", *CATCH_UP_STEPS]
    for step in steps:
        assert step["report"]["planned"] == [], step["step"]
        assert step["report"]["verified"] is True, (step["step"], step["report"]["verification"])
        assert step["report"]["write_calls"] == 0, step["step"]
    by_step = {step["step"]: step["report"] for step in steps}
    for step, items in (("03_create_admin_user", 4), ("04_create_developer_user", 3), ("07_set_guardrails", 2)):
        confirmations = by_step[step]["confirmations"]  # the console's checklist, played by the catch-up
        assert len(confirmations) == items and all(confirmations.values()), (step, confirmations)


@pytest.mark.parametrize("last", ["03", "06"])
def test_caught_up_to_a_step_the_learner_finishes_the_rest_and_every_step_is_verified(sandbox, tmp_path, last):
    """The whole runbook after a catch-up (``make run``): the steps caught up to plan nothing and
    write nothing; the rest do their work; every step ends verified."""
    done = catch_up_to(sandbox, last)
    finished = subprocess.run(
        [sys.executable, "-m", "runbook_lib.runner", "--output", str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=600, cwd=ROOT, check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    [run_dir] = sorted((tmp_path / "runs").glob("*/"))
    reports = {step["step"]: step["report"] for step in json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["steps"]}
    assert all(report["verified"] is True for report in reports.values())
    for step in CATCH_UP_STEPS:
        if step <= done.up_to:
            assert reports[step]["planned"] == [] and reports[step]["write_calls"] == 0, step
        elif step != "08_audit_account":  # the audit only reads
            assert reports[step]["applied"], step


def test_reset_removes_the_account_and_everything_the_sandbox_owns_on_this_machine(sandbox):
    catch_up_to(sandbox, "08")
    save_settings(Settings(target="sandbox", region="us-east-1"))
    token = token_cache_path("runbook-sandbox-developer")
    assert token.exists() and sandbox_config_file().exists() and settings_file().exists()
    said = reset_sandbox(sandbox_context(sandbox.url, "us-east-1"))
    assert "brand-new account" in said and str(sandbox_home()) in said
    assert not token.exists() and not sandbox_home().exists() and not settings_file().exists()  # config, ledger, audits
    organizations = boto3.client("organizations", endpoint_url=sandbox.url, region_name="us-east-1",
                                 aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
    with pytest.raises(organizations.exceptions.AWSOrganizationsNotInUseException):
        organizations.describe_organization()
    assert statuses_of(sandbox)["01_secure_root_user"] == TO_DO  # a brand-new account again


def test_a_reset_keeps_a_real_accounts_settings(sandbox):
    save_settings(Settings(target="profile", profile="admin", region="us-east-1"))
    reset_sandbox(sandbox_context(sandbox.url, "us-east-1"))
    assert settings_file().exists()


def test_catch_up_and_reset_are_refused_on_a_real_account_before_any_call(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    ctx = environment_context("us-east-1")
    with pytest.raises(CatchUpRefusedError, match="sandbox only"):
        catch_up_sandbox(ctx, "06", examples=SANDBOX_EXAMPLES)
    with pytest.raises(CatchUpRefusedError, match="Only the sandbox can be reset"):
        reset_sandbox(ctx)
    assert ctx.recorder.calls == []


def test_a_rehearsal_sandbox_is_not_caught_up(sandbox, monkeypatch):
    monkeypatch.setattr(SandboxClient, "mode", lambda self: "rehearsal")
    ctx = sandbox_context(sandbox.url, "us-east-1")
    with pytest.raises(CatchUpRefusedError, match="rehearses a new account"):
        catch_up_sandbox(ctx, "03", examples=SANDBOX_EXAMPLES)
    assert ctx.recorder.calls == []


@pytest.mark.parametrize(("given", "step"), [
    ("6", "06_verify_developer_access"), ("06", "06_verify_developer_access"), (6, "06_verify_developer_access"),
    ("06_verify_developer_access", "06_verify_developer_access"), ("01_secure_root_user.ipynb", "01_secure_root_user"),
    (" 08 ", "08_audit_account"),
])
def test_a_step_is_named_by_its_number_or_its_notebook(given, step):
    assert resolve_catch_up_step(given) == step


@pytest.mark.parametrize("given", ["", "0", "00", "09", "99", "99_teardown", "six", "06_verify"])
def test_a_step_that_cannot_be_caught_up_to_is_refused_naming_the_parameter(given):
    with pytest.raises(InputError) as refused:
        resolve_catch_up_step(given)
    assert refused.value.field == "catch_up_to"


def test_00s_parameters_catch_up_headless(sandbox):
    """Under papermill only the parameters act: catch_up_to (after reset_sandbox) and no widget."""
    scope = run_notebook_cells("00_start_here", {
        "target": "sandbox", "headless": True, "apply": True, "catch_up_to": "04", "reset_sandbox": True,
    })
    statuses = {found.step: found.status for found in read_step_statuses(scope["run"].ctx, scope["run"].caller)}
    assert [statuses[step] for step in CATCH_UP_STEPS[:4]] == [DONE] * 4
    assert statuses["05_configure_aws_cli"] == TO_DO


def test_00s_plan_only_run_neither_resets_nor_catches_up(sandbox):
    scope = run_notebook_cells("00_start_here", {"target": "sandbox", "headless": True, "catch_up_to": "04", "reset_sandbox": True})
    assert scope["run"].ctx.recorder.writes == []
    assert statuses_of(sandbox)["01_secure_root_user"] == TO_DO


def buttons_in(widget: ipywidgets.Widget) -> list[ipywidgets.Button]:
    if isinstance(widget, ipywidgets.Button):
        return [widget]
    return [button for child in getattr(widget, "children", ()) for button in buttons_in(child)]


def test_the_reset_button_asks_first_and_the_catch_up_button_takes_the_step_chosen():
    caught_up, resets = [], []
    controls = catch_up_controls(
        catch_up.catch_up_choices(), on_catch_up=lambda step: caught_up.append(step) or "ok",
        on_reset=lambda: resets.append(True) or "reset",
    )
    [dropdown] = [child for child in controls.children if isinstance(child, ipywidgets.Dropdown)]
    assert [value for _, value in dropdown.options] == list(CATCH_UP_STEPS)
    assert dropdown.options[5][0] == "06 Verify the developer's access"
    catch_up_button, reset_button = buttons_in(controls)
    dropdown.value = "06_verify_developer_access"
    catch_up_button.click()
    assert caught_up == ["06_verify_developer_access"]
    reset_button.click()
    assert resets == []  # not ticked: nothing reset
    [sure] = [child for child in controls.children if isinstance(child, ipywidgets.Checkbox)]
    sure.value = True
    reset_button.click()
    assert resets == [True] and sure.value is False  # ticked once, reset once


def test_the_catch_up_takes_each_notebooks_own_defaults():
    assert catch_up.step_defaults("07_set_guardrails")["budget_name"] == "monthly-cost"
    assert catch_up.with_examples({"email": "", "user_name": "Admin"}, SANDBOX_EXAMPLES) == {
        "email": SANDBOX_EXAMPLES["email"], "user_name": "Admin"}


def test_a_parameters_file_naming_no_step_is_refused_before_anything_runs():
    schema = read_schema(sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    problems = check_parameters({"steps": {"00_start_here": {"catch_up_to": "09"}}}, schema)
    assert [problem.path for problem in problems] == ["steps.00_start_here.catch_up_to"]
    assert check_parameters({"steps": {"00_start_here": {"catch_up_to": "06", "reset_sandbox": True}}}, schema) == []


def test_the_steps_to_catch_up_to_are_the_step_modules_own_in_order():
    from runbook_lib.steps import (
        admin_user, audit_account, cli_profiles, developer_access, developer_user, guardrails, identity_center, secure_root,
    )

    modules = (secure_root, identity_center, admin_user, developer_user, cli_profiles, developer_access, guardrails, audit_account)
    assert CATCH_UP_STEPS == tuple(module.STEP_ID for module in modules)
    assert [step for step in CATCH_UP_STEPS] == sorted(path.stem for path in (ROOT / "notebooks").glob("0[1-8]_*.ipynb"))
