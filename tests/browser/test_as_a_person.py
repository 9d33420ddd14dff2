"""The notebooks as a person meets them in JupyterLab: cells one at a time, typing, pressing twice.

Where ``test_jupyterlab.py`` runs each notebook with "Run All", these tests do what a learner does
and what went wrong by hand (issue 10): run cells with Shift+Enter, edit a parameter and get it
wrong, press a button twice or double-click it, re-run a plan cell and press the button beside the
old plan, sign in as the wrong person and recover. What they assert is read from the page (button
labels, check ids in rows, sentences), and what AWS holds is read back from the sandbox. Each test
saves a screenshot of its end state (under ``$BROWSER_ARTIFACTS`` when set: CI keeps them).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from runbook_lib.aws import AwsContext
from runbook_lib.steps import access, admin_user
from runbook_lib.steps.identity_center import require_instance
from sandbox_seeds import ACCOUNT_ID, prepare_account_for

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]

APPLY_LABEL = "Apply the API changes above"
"""``NotebookStep.apply``'s default label; a pressed one reads "... (done)", a retired one names why."""
SIGN_IN_LABEL = "Sign in"
"""06's apply button."""
SIMULATE_LABEL = "Simulate the console step (sandbox): "
DONE_SUFFIX = " (done)"
RETIRED_REASON = "a newer plan is shown below"
EARLIER_FAILURE_HINT = "An earlier cell stopped with"
"""What a cell says when it needs a name an earlier, failed cell did not define."""

CELL_03 = {"parameters": 1, "begin": 2, "validate": 4, "plan": 6, "apply": 8}
CELL_04 = {"parameters": 1, "begin": 2, "services": 4, "validate": 6, "plan": 8, "apply": 10}
CELL_06 = {"plan": 4, "sign_in": 6, "verify": 8}


# --- reading the sandbox back -----------------------------------------------------------------


def user_names(ctx: AwsContext) -> list[str]:
    """Return every Identity Center user name in the sandbox account."""
    store = ctx.client("identitystore")
    users = store.list_users(IdentityStoreId=require_instance(ctx).identity_store_id)["Users"]
    return sorted(user["UserName"] for user in users)


def permission_set_count(ctx: AwsContext) -> int:
    """Return how many permission sets the Identity Center instance holds."""
    arns = ctx.client("sso-admin").list_permission_sets(InstanceArn=require_instance(ctx).instance_arn)["PermissionSets"]
    return len(arns)


def create_the_admin(ctx: AwsContext) -> None:
    """Do what step 03 does, through the library: the Admin, with AdministratorAccess on the account."""
    spec = admin_user.build_admin_spec(
        user_name="Admin", given_name="Grace", family_name="Hopper", display_name="", email="admin@example.com",
        permission_set_name="AdministratorAccess", session_duration_hours=1, group_name="",
    )
    instance = require_instance(ctx)
    state = access.read_access_state(ctx, instance, ACCOUNT_ID, spec)
    access.apply_access(ctx, access.plan_access("03", state, spec), state, spec)


# --- pressing -----------------------------------------------------------------------------------


def only_button(lab: Any, label: str) -> Locator:
    """Return the one button whose label starts with ``label`` (whatever state it says it is in)."""
    button = lab.button(label, exact=False)
    with lab.explaining(f"The page should show one {label!r} button"):
        expect(button).to_have_count(1)
    return button


def press_and_expect_fresh(lab: Any, button: Locator, text: str, *, label: str, outputs: int = 1) -> Locator:
    """Press ``button`` and return the result it shows, asserting it is new and holds ``text``.

    What the output showed before is marked first: a press that leaves the old result, or an
    empty output (the bug of every second press), fails here. The result must still be there
    once the kernel is idle again, alone (a press replaces the previous result): ``outputs``
    parts (an action that prints, then returns a table, shows two).
    """
    output = lab.button_output(button)
    lab.mark_stale(output)
    with lab.explaining(f"Pressing {label!r} should show a new result containing {text!r}"):
        button.click()
        expect(button).to_have_text(re.compile("^" + re.escape(label)))
        expect(button).not_to_contain_text("working")
        fresh = lab.fresh_outputs(output)
        expect(fresh.filter(has_text=text)).to_have_count(1)
    lab.wait_until_kernel_idle()
    with lab.explaining(f"The result of {label!r} should stay, alone"):
        expect(fresh.filter(has_text=text)).to_have_count(1)
        expect(output.locator(".jp-OutputArea-output")).to_have_count(outputs)
    return fresh


CHECKED_AGAIN = re.compile(r"^(\S+): checked again at (\d\d:\d\d:\d\d): (passed|\d+ failing) \(the table above\)\.$")
"""The one sentence "Check again" shows under itself; the new table replaces the one above it."""
VERIFICATION_TABLE = "table.runbook-table"
CLOSING_LINE = "div.runbook-state"
"""The notebook's last line (``run.finish()``): its state, updated in place by the buttons."""


def press_check_again(lab: Any, check_again: Locator, check_id: str, *, passed: bool) -> Locator:
    """Press "Check again" and return the verification table it put above it, asserting all is new.

    The press replaces the table above the button in place (captioned "checked again at" the
    time) and says so in one sentence under the button, and the notebook's closing line is
    redrawn. Everything the cell shows is marked stale first: a press that leaves the old table,
    the old sentence or the old closing line fails here, as does a table without ``check_id`` or
    a sentence saying other than ``passed``. The table's caption carries the sentence's time.
    """
    cell = lab.cell_holding(check_again)
    lab.mark_stale(cell.locator(".jp-Cell-outputArea"))
    sentence = press_and_expect_fresh(lab, check_again, ": checked again at ", label="Check again")
    text = sentence.inner_text().strip()
    said = CHECKED_AGAIN.match(text)
    assert said, f"Check again said {text!r}\n{lab.describe()}"
    assert (said.group(3) == "passed") is passed, f"Check again said {text!r}, expected passed={passed}\n{lab.describe()}"
    fresh_table = lab.fresh(cell, VERIFICATION_TABLE)
    table = lab.cell_own_outputs(cell).filter(has=lab.fresh(lab.page, VERIFICATION_TABLE))  # ``has`` is relative
    with lab.explaining("Check again should replace the verification table above it, once, with the time it checked"):
        expect(fresh_table).to_have_count(1)
        expect(cell.locator(VERIFICATION_TABLE)).to_have_count(1)  # replaced, not stacked
        expect(table).to_contain_text(f"(checked again at {said.group(2)})")
        expect(table.locator("tr", has_text=check_id)).not_to_have_count(0)
        expect(lab.fresh(cell, CLOSING_LINE)).to_have_count(1)
    return table


def closing_line(lab: Any) -> Locator:
    """Return the notebook's closing line, the last ``run.finish()`` shows."""
    line = lab.page.locator(CLOSING_LINE)
    with lab.explaining("The notebook should end with one closing line"):
        expect(line).to_have_count(1)
    return line


def press_a_disabled_button(lab: Any, button: Locator) -> None:
    """Press a disabled button as a person would (the browser sends no click), then let the kernel settle."""
    with lab.explaining("The button should be disabled"):
        expect(button).to_be_disabled()
    button.click(force=True)
    lab.wait_until_kernel_idle()


def assert_no_traceback(lab: Any) -> None:
    """Assert the page shows no traceback anywhere (cells or widgets)."""
    text = lab.page.inner_text("body")
    if "Traceback" in text:
        lab.fail("The page shows a traceback.")


# --- 01: every button twice ---------------------------------------------------------------------


def test_01_every_button_pressed_twice_shows_its_result_each_time(lab, sandbox):
    lab.open_notebook("01_secure_root_user.ipynb")
    lab.run_cells()
    check_again = only_button(lab, "Check again")

    for _ in range(2):
        table = press_check_again(lab, check_again, "iam_root_mfa_enabled", passed=False)
        with lab.explaining("Before the console steps, root MFA should fail, and 01 need the person"):
            expect(table.locator("tr", has_text="iam_root_mfa_enabled")).to_contain_text("FAIL")
            expect(closing_line(lab)).not_to_contain_text("01 done")

    simulate_buttons = lab.button(SIMULATE_LABEL, exact=False)
    with lab.explaining("01 should offer at least the root MFA simulate button"):
        expect(lab.button(SIMULATE_LABEL + "root user MFA")).to_have_count(1)
    for index in range(simulate_buttons.count()):
        button = simulate_buttons.nth(index)
        label = button.inner_text()
        press_and_expect_fresh(lab, button, "sandbox played the console step", label=label)
        with lab.explaining(f"{label!r} is once-only: after its press it says it is done"):
            expect(button).to_have_text(label + DONE_SUFFIX)
        press_a_disabled_button(lab, button)
        with lab.explaining(f"The second press of {label!r} should leave its result on the screen"):
            expect(lab.button_output(button).locator(".jp-OutputArea-output")).to_have_count(1)
            expect(lab.button_output(button)).to_contain_text("sandbox played the console step")
    assert sandbox.state()["root_mfa_enabled"] is True, lab.describe()

    for _ in range(2):
        table = press_check_again(lab, check_again, "iam_root_mfa_enabled", passed=True)
        with lab.explaining("After the simulated console steps, root MFA should pass, and 01 be done"):
            expect(table.locator("tr", has_text="iam_root_mfa_enabled")).to_contain_text("PASS")
            expect(table).not_to_contain_text("FAIL")
            expect(closing_line(lab)).to_contain_text("✔ 01 done")
    assert_no_traceback(lab)
    check_again.scroll_into_view_if_needed()
    lab.screenshot("01-end.png")


# --- 03: cells one at a time, Apply twice -------------------------------------------------------


def test_03_cells_one_at_a_time_then_apply_twice_applies_once(lab, sandbox, ctx):
    prepare_account_for("03_create_admin_user", sandbox)
    lab.open_notebook("03_create_admin_user.ipynb")
    lab.assert_ran_cleanly(lab.run_cells())
    apply_button = only_button(lab, APPLY_LABEL)

    fresh = press_and_expect_fresh(lab, apply_button, "Applied: identitystore_user.Admin", label=APPLY_LABEL)
    applied_lines = fresh.inner_text().count("Applied:")
    with lab.explaining("After Apply worked, the button says it is done and cannot be pressed again"):
        expect(apply_button).to_have_text(APPLY_LABEL + DONE_SUFFIX)
    press_a_disabled_button(lab, apply_button)

    output = lab.button_output(apply_button)
    with lab.explaining("The second press should leave the first result, applied once"):
        expect(output.locator(".jp-OutputArea-output")).to_have_count(1)
        expect(output).not_to_contain_text("Exception")
    assert output.inner_text().count("Applied:") == applied_lines, lab.describe()
    assert user_names(ctx) == ["Admin"], lab.describe()
    assert permission_set_count(ctx) == 1, lab.describe()
    assert_no_traceback(lab)
    apply_button.scroll_into_view_if_needed()
    lab.screenshot("03-applied-once.png")


BY_HAND = [("03_create_admin_user", "Admin", 10), ("04_create_developer_user", "ada-developer", 12)]
"""A step with a checklist: its notebook, the user it makes, the checklist's cell."""


@pytest.mark.parametrize(("step", "user", "checklist_cell"), BY_HAND, ids=[step[:2] for step, _, _ in BY_HAND])
def test_by_hand_to_verified_every_checklist_button_pressed_twice(lab, sandbox, ctx, step, user, checklist_cell):
    prepare_account_for(step, sandbox)
    users_before = user_names(ctx)  # those of the earlier steps (04: the Admin)
    lab.open_notebook(f"{step}.ipynb")
    lab.assert_ran_cleanly(lab.run_cells())
    press_and_expect_fresh(lab, only_button(lab, APPLY_LABEL), f"Applied: identitystore_user.{user}", label=APPLY_LABEL)

    checklist = lab.cell(checklist_cell)
    simulate_buttons = checklist.locator(".widget-button").filter(has_text=re.compile("^" + re.escape(SIMULATE_LABEL)))
    boxes = checklist.locator(".widget-checkbox input")
    with lab.explaining(f"{step}'s checklist should offer a simulate button and a box per item, none ticked"):
        expect(simulate_buttons).not_to_have_count(0)
        expect(boxes).to_have_count(simulate_buttons.count())
        for index in range(boxes.count()):
            expect(boxes.nth(index)).not_to_be_checked()
    for index in range(simulate_buttons.count()):
        button = simulate_buttons.nth(index)
        label = button.inner_text()
        for _ in range(2):
            press_and_expect_fresh(lab, button, "sandbox played the console step", label=label)
        with lab.explaining(f"{label!r} should tick its box"):
            expect(boxes.nth(index)).to_be_checked()

    check_again = only_button(lab, "Check again")
    table = press_check_again(lab, check_again, "identitystore_user", passed=True)
    with lab.explaining("With the plan applied and the checklist done, every check should pass, and the step be done"):
        expect(table.locator("tr", has_text="PASS")).not_to_have_count(0)
        expect(table).not_to_contain_text("FAIL")
        expect(table).not_to_contain_text("WARN")
        expect(closing_line(lab)).to_contain_text(f"✔ {step[:2]} done")
    assert user_names(ctx) == sorted({*users_before, user}), lab.describe()
    assert_no_traceback(lab)
    table.scroll_into_view_if_needed()
    lab.screenshot(f"{step[:2]}-verified.png")


# --- 04: double-click, old buttons, a changed account --------------------------------------------

ADMIN_FROM_03 = ["Admin"]
"""The users an account prepared for 04 has: step 03's Admin (``prepare_account_for`` catches up to 03)."""
ADMIN_AND_DEVELOPER = sorted([*ADMIN_FROM_03, "ada-developer"])


def test_04_double_click_on_apply_applies_once(lab, sandbox, ctx):
    prepare_account_for("04_create_developer_user", sandbox)
    lab.open_notebook("04_create_developer_user.ipynb")
    lab.assert_ran_cleanly(lab.run_cells())
    apply_button = only_button(lab, APPLY_LABEL)

    with lab.explaining("A double click on Apply should apply once and say it is done"):
        apply_button.dblclick()
        expect(apply_button).to_have_text(APPLY_LABEL + DONE_SUFFIX)
    lab.wait_until_kernel_idle()
    output = lab.button_output(apply_button)
    with lab.explaining("The double click should show one result: the changes applied, no conflict"):
        expect(output.locator(".jp-OutputArea-output")).to_have_count(1)
        expect(output).to_contain_text("Applied: identitystore_user.ada-developer")
        expect(output).not_to_contain_text("ConflictException")
        expect(output.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    assert output.inner_text().count("Applied: identitystore_user.ada-developer") == 1, lab.describe()
    assert user_names(ctx) == ADMIN_AND_DEVELOPER, lab.describe()
    assert permission_set_count(ctx) == 2, lab.describe()
    assert_no_traceback(lab)
    apply_button.scroll_into_view_if_needed()
    lab.screenshot("04-double-click.png")


def test_04_after_the_plan_cell_is_run_again_the_old_apply_changes_nothing(lab, sandbox, ctx):
    prepare_account_for("04_create_developer_user", sandbox)
    lab.open_notebook("04_create_developer_user.ipynb")
    lab.assert_ran_cleanly(lab.run_cells())
    old_apply = only_button(lab, APPLY_LABEL)

    lab.run_cells(CELL_04["plan"], CELL_04["plan"] + 1)  # the plan cell again, not the apply cell
    with lab.explaining("The Apply beside the old plan should say it was replaced"):
        expect(old_apply).to_contain_text(RETIRED_REASON)
    press_a_disabled_button(lab, old_apply)
    with lab.explaining("The old Apply should have done nothing"):
        expect(lab.button_output(old_apply).locator(".jp-OutputArea-output")).to_have_count(0)
    assert user_names(ctx) == ADMIN_FROM_03, lab.describe()
    assert permission_set_count(ctx) == 1, lab.describe()
    old_apply.scroll_into_view_if_needed()
    lab.screenshot("04-old-apply-retired.png")

    lab.run_cells(CELL_04["apply"], CELL_04["apply"] + 1)  # now the apply cell: a button for the plan shown
    new_apply = only_button(lab, APPLY_LABEL)
    with lab.explaining("The new Apply should be usable"):
        expect(new_apply).to_be_enabled()
        expect(new_apply).to_have_text(APPLY_LABEL)
    press_and_expect_fresh(lab, new_apply, "Applied: identitystore_user.ada-developer", label=APPLY_LABEL)
    assert user_names(ctx) == ADMIN_AND_DEVELOPER, lab.describe()
    assert_no_traceback(lab)
    lab.screenshot("04-new-apply-applied.png")


def test_04_apply_after_the_account_changed_applies_nothing_and_says_so(lab, sandbox, ctx):
    prepare_account_for("04_create_developer_user", sandbox)
    lab.open_notebook("04_create_developer_user.ipynb")
    lab.assert_ran_cleanly(lab.run_cells())
    apply_button = only_button(lab, APPLY_LABEL)

    # Someone else makes the developer meanwhile (another tab, the console).
    ctx.client("identitystore").create_user(
        IdentityStoreId=require_instance(ctx).identity_store_id, UserName="ada-developer", DisplayName="Ada Lovelace",
        Name={"GivenName": "Ada", "FamilyName": "Lovelace"}, Emails=[{"Value": "ada@example.com", "Primary": True}],
    )
    press_and_expect_fresh(lab, apply_button, "The account changed since this plan was shown", label=APPLY_LABEL)
    with lab.explaining("A refused Apply stays usable and applied nothing"):
        expect(apply_button).to_be_enabled()
        expect(lab.button_output(apply_button)).not_to_contain_text("Applied:")
    assert user_names(ctx) == ADMIN_AND_DEVELOPER, lab.describe()
    assert permission_set_count(ctx) == 1, lab.describe()
    assert_no_traceback(lab)
    apply_button.scroll_into_view_if_needed()
    lab.screenshot("04-account-changed.png")


def managed_policy_names(ctx: AwsContext) -> list[str]:
    """Return the AWS managed policies attached to the developer's permission set."""
    admin = ctx.client("sso-admin")
    instance_arn = require_instance(ctx).instance_arn
    [arn] = [
        arn for arn in admin.list_permission_sets(InstanceArn=instance_arn)["PermissionSets"]
        if admin.describe_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn)["PermissionSet"]["Name"]
        == "DeveloperAccess"
    ]
    attached = admin.list_managed_policies_in_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn)
    return sorted(policy["Name"] for policy in attached["AttachedManagedPolicies"])


def test_04_a_service_picked_in_the_list_reaches_the_plan_and_the_account(lab, sandbox, ctx):
    prepare_account_for("04_create_developer_user", sandbox)
    lab.open_notebook("04_create_developer_user.ipynb")
    lab.run_cells(0, CELL_04["services"] + 1)
    picker = lab.cell_outputs(CELL_04["services"]).locator(".widget-select-multiple select")
    with lab.explaining("Ctrl-clicking DynamoDB should add it to the services chosen"):
        picker.locator("option", has_text="Amazon DynamoDB").click(modifiers=["ControlOrMeta"])
        expect(picker.locator("option:checked")).to_have_count(4)  # the sandbox's three examples, and DynamoDB

    lab.assert_ran_cleanly(lab.run_cells(CELL_04["validate"]))  # "then run the cells below again"
    with lab.explaining("The plan should attach DynamoDB's policy"):
        expect(lab.cell_outputs(CELL_04["plan"])).to_contain_text("AmazonDynamoDBFullAccess")
    press_and_expect_fresh(lab, only_button(lab, APPLY_LABEL), "AmazonDynamoDBFullAccess", label=APPLY_LABEL)
    assert "AmazonDynamoDBFullAccess" in managed_policy_names(ctx), lab.describe()
    assert_no_traceback(lab)
    lab.screenshot("04-dynamodb-picked.png")


# --- validation errors ----------------------------------------------------------------------------

VALIDATION_ERRORS = [
    ("03_create_admin_user", "email: str", 'email: str = "not-an-email"', "email"),
    ("03_create_admin_user", "user_name: str", 'user_name: str = "has space"', "user_name"),
    ("03_create_admin_user", "session_duration_hours: int", "session_duration_hours: int = 13", "session_duration_hours"),
    ("04_create_developer_user", "developer_name: str", 'developer_name: str = "Bad Name"', "developer_name"),
    ("04_create_developer_user", "services: list", 'services: list = ["nosuchservice"]', "services"),
]


@pytest.mark.parametrize(
    ("step", "line", "bad_line", "field"), VALIDATION_ERRORS, ids=[f"{step[:2]}-{field}" for step, _, _, field in VALIDATION_ERRORS],
)
def test_a_bad_parameter_is_named_without_a_traceback_and_the_next_cell_says_what_to_fix(lab, sandbox, ctx, step, line, bad_line, field):
    prepare_account_for(step, sandbox)
    users_before = user_names(ctx)  # those of the earlier steps (04: the Admin)
    lab.open_notebook(f"{step}.ipynb")
    lab.replace_line(1, line, bad_line)

    state = lab.run_cells(0, 5)  # through the first cell after begin_step's

    begin, after = state["cells"][2], state["cells"][4]
    errors = [output["text"] for output in begin["outputs"] if output["output_type"] == "error"]
    assert errors and "ParametersError" in errors[0] and f"{field}:" in errors[0], lab.describe(state)
    with lab.explaining(f"The page should name {field} and say what to do"):
        expect(lab.cell_outputs(2)).to_contain_text(f"- {field}:")
        expect(lab.cell_outputs(2)).to_contain_text("What to do next")
        expect(lab.cell_outputs(4)).to_contain_text(EARLIER_FAILURE_HINT)
        expect(lab.cell_outputs(4)).to_contain_text("ParametersError")
    # Only our error, as the cell's last output (04's cell shows the services' table before its form).
    assert [output["output_type"] for output in after["outputs"]][-1:] == ["error"], lab.describe(state)
    assert sum(output["output_type"] == "error" for output in after["outputs"]) == 1, lab.describe(state)
    assert_no_traceback(lab)
    assert user_names(ctx) == users_before, lab.describe(state)  # nothing was made
    lab.cell(4).scroll_into_view_if_needed()
    lab.screenshot(f"{step[:2]}-{field}-refused.png")


# --- 00: typing into the form, every button twice ----------------------------------------------


def field_control(lab: Any, label: str) -> Locator:
    """Return the form control labelled ``label`` (a field's words, e.g. "region", "given name")."""
    label_text = lab.page.locator(".widget-label", has_text=re.compile(f"^{re.escape(label)}$"))
    return lab.page.locator(".widget-inline-hbox", has=label_text)


def field_row(lab: Any, label: str) -> Locator:
    """Return the row of the field labelled ``label``: its control and the message beside it."""
    return field_control(lab, label).locator("xpath=..")


SANDBOX_TARGET = "Sandbox (local stand-in, no account needed)"
PROFILE_TARGET = "A real account, through an AWS CLI profile"
"""00's target choices, as the list shows them (ipywidgets' options carry their labels)."""
TOO_LONG_FOR_A_FIELD = 140
"""A message beside a field is one short sentence; the list of every region is over 500 characters."""


def test_00_short_messages_the_profile_only_for_a_real_account_every_button_twice(lab, sandbox):
    lab.open_notebook("00_start_here.ipynb")
    lab.assert_ran_cleanly(lab.run_cells())
    target = field_control(lab, "target").locator("select")
    profile, region = field_control(lab, "profile").locator("input"), field_control(lab, "region").locator("input")
    save = only_button(lab, "Save and check")

    with lab.explaining("With the sandbox chosen, the profile field should be disabled"):
        expect(target).to_have_value(SANDBOX_TARGET)
        expect(profile).to_be_disabled()
    target.select_option(label=PROFILE_TARGET)
    with lab.explaining("With a real account through a profile, the field should be enabled, and empty says required"):
        expect(profile).to_be_enabled()
        expect(field_row(lab, "profile")).to_contain_text("required")
    fresh = press_and_expect_fresh(lab, save, "profile: required", label="Save and check")
    with lab.explaining("An empty profile should be refused before anything is saved"):
        expect(fresh).not_to_contain_text("Saved.")
    target.select_option(label=SANDBOX_TARGET)
    with lab.explaining("Back to the sandbox, the profile field should be disabled and say nothing"):
        expect(profile).to_be_disabled()
        expect(field_row(lab, "profile")).not_to_contain_text("required")

    lab.type_into(region, "mars-1")
    message = field_row(lab, "region")
    with lab.explaining("A bad region should be named beside the field as it is typed, in one short sentence"):
        expect(message).to_contain_text("region: must be a region name such as us-east-1")
        expect(message).not_to_contain_text("eu-west-3")  # not the list of every region
    assert len(message.inner_text()) < TOO_LONG_FOR_A_FIELD, lab.describe()
    for _ in range(2):
        fresh = press_and_expect_fresh(lab, save, "region: must be a region name", label="Save and check")
        with lab.explaining("The refusal should be as short, and nothing saved"):
            expect(fresh).not_to_contain_text("eu-west-3")
            expect(fresh).not_to_contain_text("Saved.")
    lab.type_into(region, "us-west-2")
    with lab.explaining("A good region should clear the message"):
        expect(message).not_to_contain_text("region:")
    for _ in range(2):
        press_and_expect_fresh(lab, save, f"Saved. Acting on account {ACCOUNT_ID} in us-west-2", label="Save and check")

    catch_up = only_button(lab, "Catch me up")
    lab.page.locator(".widget-dropdown", has_text="Catch me up to step").locator("select").select_option(index=0)  # 01
    press_and_expect_fresh(lab, catch_up, "Go on with 02_enable_identity_center.", label="Catch me up", outputs=2)
    assert sandbox.state()["root_mfa_enabled"] is True, lab.describe()
    fresh = press_and_expect_fresh(lab, catch_up, "Go on with 02_enable_identity_center.", label="Catch me up", outputs=2)
    with lab.explaining("Caught up again, it should say nothing changed"):
        expect(fresh.filter(has_text="The sandbox was already there: nothing changed.")).to_have_count(1)

    reset = only_button(lab, "Reset the sandbox")
    sure = lab.page.locator(".widget-checkbox", has_text="Yes: make the sandbox a brand-new account").locator("input")
    for _ in range(2):
        press_and_expect_fresh(lab, reset, "Nothing was reset: tick the box above first.", label="Reset the sandbox")
    assert sandbox.state()["root_mfa_enabled"] is True, lab.describe()
    for _ in range(2):
        sure.check()
        press_and_expect_fresh(lab, reset, "The sandbox is a brand-new account again", label="Reset the sandbox")
        with lab.explaining("The reset should untick its box"):
            expect(sure).not_to_be_checked()
    assert sandbox.state()["root_mfa_enabled"] is False, lab.describe()
    assert_no_traceback(lab)
    lab.screenshot("00-end.png")


# --- 06: the wrong person signs in, then the right one --------------------------------------------


def approve_in_the_browser(lab: Any, sign_in_output: Locator, user: str) -> Page:
    """Open the link the sign-in shows in a new tab, type ``user`` and click Allow; return the tab."""
    link = sign_in_output.locator("a[href*='user_code=']")
    with lab.explaining("The sign-in should show its link and code"):
        expect(link).to_have_count(1)
    portal = lab.page.context.new_page()
    with lab.explaining(f"Signing in as {user} on the sandbox's device page"):
        portal.goto(link.get_attribute("href"))
        name = portal.get_by_label("User name")
        name.click()
        name.press_sequentially(user)
        portal.get_by_role("button", name="Allow").click()
        expect(portal.locator("body")).to_contain_text("You can close this window")
    portal.screenshot(path=str(lab.artifacts / f"06-device-page-allowed-as-{user}.png"))
    return portal


def sign_in_as(lab: Any, user: str) -> Locator:
    """Press 06's Sign in, approve the request as ``user`` in a new tab, and return the button's output."""
    button = only_button(lab, SIGN_IN_LABEL)
    output = lab.button_output(button)
    lab.mark_stale(output)
    button.click()
    portal = approve_in_the_browser(lab, lab.fresh_outputs(output), user)
    with lab.explaining("After Allow, the notebook should say it signed in"):
        expect(button).to_have_text(SIGN_IN_LABEL + DONE_SUFFIX)
        expect(output).to_contain_text("Signed in")
    portal.close()
    lab.wait_until_kernel_idle()
    return output


def test_06_the_wrong_person_signs_in_is_told_so_then_the_right_one_is_verified(lab, sandbox, ctx):
    prepare_account_for("06_verify_developer_access", sandbox)
    create_the_admin(ctx)  # another person of the account, who could click Allow on the developer's sign-in
    lab.open_notebook("06_verify_developer_access.ipynb")
    lab.assert_ran_cleanly(lab.run_cells())
    check_again = only_button(lab, "Check again")

    sign_in_as(lab, "Admin")
    table = press_check_again(lab, check_again, "sts_caller_identity_known", passed=False)
    with lab.explaining("Check again should say the sign-in is another person's"):
        expect(table.locator("tr", has_text="sts_caller_identity_known")).to_contain_text("FAIL")
        expect(table).to_contain_text("another person's sign-in")
        expect(closing_line(lab)).not_to_contain_text("06 done")
    table.scroll_into_view_if_needed()
    lab.screenshot("06-wrong-person.png")

    lab.run_cells(CELL_06["plan"], CELL_06["sign_in"] + 1)  # the plan again, then the sign-in cell
    with lab.explaining("The new plan should say the cached sign-in is another person's, and whom to sign in as"):
        plan = lab.cell_outputs(CELL_06["plan"])
        expect(plan).to_contain_text("another person's sign-in")
        expect(plan).to_contain_text("sign in as the person profile ada-developer is for")
    sign_in_as(lab, "ada-developer")

    table = press_check_again(lab, check_again, "sts_profile_is_permission_set_role", passed=True)
    with lab.explaining("After the right person signed in, the profile should act as the developer's role"):
        expect(table.locator("tr", has_text="sts_profile_is_permission_set_role")).to_contain_text("PASS")
        expect(table.locator("tr", has_text="sts_profile_account_matches")).to_contain_text("PASS")
        expect(table).not_to_contain_text("FAIL")
        expect(closing_line(lab)).to_contain_text("✔ 06 done")
    assert_no_traceback(lab)
    check_again.scroll_into_view_if_needed()
    lab.screenshot("06-end.png")


# --- out of order: a cell run before the ones it needs ------------------------------------------


def test_04_validate_run_first_says_to_run_the_cells_above_without_a_traceback(lab, sandbox):
    """A person opens 04 and runs its Validate cell first: the kernel (as `make lab` starts it)
    says to run the cells above, in place of a NameError traceback; then, run in order, it works."""
    prepare_account_for("04_create_developer_user", sandbox)
    lab.open_notebook("04_create_developer_user.ipynb")
    lab.run_cells(6, 7)
    with lab.explaining("Validate run first should say to run the cells above, with no traceback"):
        expect(lab.cell_outputs(6)).to_contain_text("Run the cells above first")
        expect(lab.cell_outputs(6)).to_contain_text("name 'form' is not defined")
    assert_no_traceback(lab)
    lab.run_cells(0, 7)
    with lab.explaining("Run in order, Validate should name the developer's user"):
        expect(lab.cell_outputs(6)).to_contain_text("ada-developer")
    lab.screenshot("validate-first-then-in-order.png")
