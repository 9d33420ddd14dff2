"""The interactive controls, clicked from Python: they call the library and show its answer."""

from __future__ import annotations

import ipywidgets
import pytest

from runbook_lib.errors import InputError
from runbook_lib.notebook import begin_step
from runbook_lib.steps import identity_center, secure_root
from runbook_lib.target import Settings, load_settings, save_and_check, target_choices
from runbook_lib.forms import target_form
from runbook_lib.widgets import action_button
from aws_guard import refuse_every_aws_call


def buttons_in(widget: ipywidgets.Widget) -> list[ipywidgets.Button]:
    """Return every button inside ``widget``, depth first."""
    if isinstance(widget, ipywidgets.Button):
        return [widget]
    return [found for child in getattr(widget, "children", ()) for found in buttons_in(child)]


def outputs_in(widget: ipywidgets.Widget) -> list[ipywidgets.Output]:
    if isinstance(widget, ipywidgets.Output):
        return [widget]
    return [found for child in getattr(widget, "children", ()) for found in outputs_in(child)]


def shown_text(widget: ipywidgets.Widget) -> str:
    """Return the text every Output inside ``widget`` shows."""
    texts = []
    for output in outputs_in(widget):
        for item in output.outputs:
            texts.append(item.get("text", "") or item.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


def fields_of(form: ipywidgets.VBox) -> list[ipywidgets.Widget]:
    """Return the target form's four fields: target, profile, region, account id (beside their notes)."""
    return [form.children[0], *(row.children[0] for row in form.children[1:4])]


def form_fields(settings: Settings) -> dict[str, object]:
    """Return the target form's starting values from ``settings``, and the library's choices."""
    return {
        "target": settings.target, "profile": settings.profile, "region": settings.region,
        "account_id": settings.account_id, "choices": target_choices(),
    }


def test_sandbox_console_steps_have_clearly_labelled_simulate_buttons_that_play_them(sandbox):
    run = begin_step("01_secure_root_user", target="sandbox")
    plan = secure_root.plan_secure_root(secure_root.read_root_state(run.ctx, run.caller))
    controls = run._apply_controls(plan, None, "Apply")
    labels = [button.description for button in buttons_in(controls)]
    assert labels == [
        "Simulate the console step (sandbox): root user MFA",
        "Simulate the console step (sandbox): root user access keys",
    ]
    for button in buttons_in(controls):
        button.click()
    assert sandbox.state()["root_mfa_enabled"] is True
    assert sandbox.state()["root_access_keys_present"] is False
    assert len(run.report.applied) == 2
    assert secure_root.plan_secure_root(secure_root.read_root_state(run.ctx, run.caller)).is_empty


def test_api_apply_button_creates_the_organization_and_console_step_waits_for_its_own_click(sandbox):
    run = begin_step("02_enable_identity_center", target="sandbox")
    state = identity_center.read_identity_center_state(run.ctx, run.caller.account_id)
    plan = identity_center.plan_identity_center(state)
    controls = run._apply_controls(
        plan, lambda: identity_center.apply_identity_center(run.ctx, plan, run.caller.account_id), "Apply the API changes above"
    )
    apply_button, simulate_button = buttons_in(controls)
    assert apply_button.description == "Apply the API changes above"
    apply_button.click()
    assert identity_center.read_organization(run.ctx) is not None
    assert identity_center.read_instance(run.ctx) is None  # the console click is separate
    simulate_button.click()
    assert identity_center.read_instance(run.ctx) is not None


def test_a_real_account_gets_the_guide_but_no_simulate_button(sandbox, monkeypatch):
    run = begin_step("01_secure_root_user", target="sandbox")
    monkeypatch.setattr(run.ctx, "target", "profile")  # what a real account's run looks like
    plan = secure_root.plan_secure_root(secure_root.read_root_state(run.ctx, run.caller))
    controls = run._apply_controls(plan, None, "Apply")
    assert buttons_in(controls) == []
    guides = [child.value for child in controls.children if isinstance(child, ipywidgets.HTML)]
    assert any("Assign MFA device" in guide for guide in guides)


def test_check_again_rereads_live_state(sandbox, monkeypatch):
    import runbook_lib.notebook as notebook_module

    shown: list[object] = []
    monkeypatch.setattr(notebook_module, "display", lambda *objects: shown.extend(objects))
    run = begin_step("01_secure_root_user", target="sandbox")
    run.verify(lambda: secure_root.verify_secure_root(secure_root.read_root_state(run.ctx, run.caller)))
    assert run.report.verified is False
    button_box = next(item for item in shown if isinstance(item, ipywidgets.VBox))
    sandbox.play_console_step("enable-root-mfa")
    sandbox.play_console_step("delete-root-access-keys")
    buttons_in(button_box)[0].click()
    assert run.report.verified is True


def test_every_press_of_a_button_shows_its_result():
    presses = iter(range(1, 10))
    box = action_button("Go", lambda: f"press {next(presses)}")
    for expected in ("press 1", "press 2", "press 3"):
        buttons_in(box)[0].click()
        assert shown_text(box) == expected + "\n"


def test_a_button_is_disabled_while_its_action_runs_and_a_click_meanwhile_does_nothing():
    calls: list[bool] = []
    holder: dict[str, ipywidgets.Button] = {}

    def action() -> str:
        button = holder["button"]
        calls.append(button.disabled)
        button.click()  # a second click while the first one runs
        return "done"

    box = action_button("Apply", action)
    holder["button"] = buttons_in(box)[0]
    holder["button"].click()
    assert calls == [True]
    assert holder["button"].disabled is False
    assert holder["button"].description == "Apply"


def test_action_button_shows_a_runbook_error_as_its_message():
    def refuse():
        raise InputError("region", "mars-1", "must be a region name")

    box = action_button("Go", refuse)
    buttons_in(box)[0].click()
    assert "InputError: region: 'mars-1' is not valid: must be a region name" in shown_text(box)


def test_target_form_saves_only_valid_settings(sandbox):
    saved: list[Settings] = []
    form = target_form(
        **form_fields(Settings()), profiles=[], on_save=lambda **fields: saved.append(Settings(**fields)) or "saved"
    )
    target, profile, region, account_id = fields_of(form)
    region.value = "eu-west-1"
    buttons_in(form)[0].click()
    assert saved == [Settings("sandbox", "", "eu-west-1", "")]
    assert "saved" in shown_text(form)


def test_start_here_form_refuses_a_bad_account_id_and_saves_nothing(sandbox):
    from runbook_lib import target as targets

    def checking_and_saving(**chosen):
        targets.save_settings(targets.resolve_settings(**chosen))
        return "saved"

    form = target_form(**form_fields(Settings()), profiles=[], on_save=checking_and_saving)
    fields_of(form)[3].value = "12345"
    buttons_in(form)[0].click()
    assert "account_id" in shown_text(form)
    assert not targets.settings_file().exists()
    fields_of(form)[3].value = "123456789012"
    buttons_in(form)[0].click()
    assert load_settings().account_id == "123456789012"


@pytest.mark.parametrize("headless", [True, False])
def test_begin_step_refuses_bad_input_before_connecting(sandbox, headless, monkeypatch):
    import runbook_lib.step_run as step_run_module

    monkeypatch.setattr(step_run_module, "connect", lambda settings: pytest.fail("connected despite bad input"))
    with pytest.raises(InputError) as refused:
        begin_step("00_start_here", target="sandbox", account_id="not-an-id", headless=headless)
    assert refused.value.field == "account_id"


def test_the_form_offers_every_target_and_saves_none_with_no_aws_call(monkeypatch):
    attempted = refuse_every_aws_call(monkeypatch)
    form = target_form(**form_fields(Settings()), profiles=["admin"], on_save=save_and_check)
    target, profile, region, account_id = fields_of(form)
    assert [value for _, value in target.options] == ["sandbox", "profile", "environment", "none"]
    target.value = "none"
    account_id.value = "111111111111"
    buttons_in(form)[0].click()
    assert "Saved. No AWS access yet" in shown_text(form)
    assert load_settings() == Settings("none", "", "us-east-1", "111111111111")  # the form's region
    assert attempted == []


def test_the_form_saves_the_environment_target_and_says_who_it_acts_as(sandbox, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEENVIRONMENT1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")
    form = target_form(**form_fields(Settings()), profiles=[], on_save=save_and_check)
    fields_of(form)[0].value = "environment"
    buttons_in(form)[0].click()
    assert "Saved. Acting on account 123456789012 in us-east-1 as arn:aws:sts::" in shown_text(form)
    assert load_settings().target == "environment"


def shown_controls(monkeypatch) -> list[object]:
    """Capture what ``runbook_lib.notebook`` displays; return the list it fills."""
    import runbook_lib.notebook as notebook_module

    shown: list[object] = []
    monkeypatch.setattr(notebook_module, "display", lambda *objects: shown.extend(objects))
    return shown


def test_an_apply_button_applies_its_own_plan_once_and_stays_done(sandbox, monkeypatch):
    from functools import partial

    from runbook_lib.steps import planners

    shown = shown_controls(monkeypatch)
    run = begin_step("02_enable_identity_center", target="sandbox")
    state = identity_center.read_identity_center_state(run.ctx, run.caller.account_id)
    plan = run.show_plan(
        identity_center.plan_identity_center(state),
        replan=partial(planners.plan_identity_center_now, run.ctx, run.caller.account_id),
    )
    run.apply(plan, partial(identity_center.apply_identity_center, run.ctx, plan, run.caller.account_id))
    controls = shown[-1]
    apply_button = buttons_in(controls)[0]
    apply_button.click()
    apply_button.click()  # a second press of an Apply that worked sends nothing
    assert apply_button.disabled and apply_button.description.endswith("(done)")
    assert sum(1 for call in run.ctx.recorder.calls if str(call) == "organizations:CreateOrganization") == 1
    assert "Created organization" in shown_text(controls)


def test_an_old_apply_button_is_retired_when_the_plan_cell_runs_again(sandbox, monkeypatch):
    from functools import partial

    shown = shown_controls(monkeypatch)
    run = begin_step("02_enable_identity_center", target="sandbox")
    state = identity_center.read_identity_center_state(run.ctx, run.caller.account_id)
    first = run.show_plan(identity_center.plan_identity_center(state))
    run.apply(first, partial(identity_center.apply_identity_center, run.ctx, first, run.caller.account_id))
    old_controls = shown[-1]
    run.show_plan(identity_center.plan_identity_center(state))  # the person re-runs the plan cell
    old_button = buttons_in(old_controls)[0]
    assert old_button.disabled and "newer plan" in old_button.description
    old_button.click()
    assert identity_center.read_organization(run.ctx) is None  # the retired button did nothing


def test_a_plan_is_not_applied_when_the_account_changed_since_it_was_shown(sandbox, monkeypatch):
    from functools import partial

    import boto3

    from runbook_lib.steps import planners

    shown = shown_controls(monkeypatch)
    run = begin_step("02_enable_identity_center", target="sandbox")
    state = identity_center.read_identity_center_state(run.ctx, run.caller.account_id)
    plan = run.show_plan(
        identity_center.plan_identity_center(state),
        replan=partial(planners.plan_identity_center_now, run.ctx, run.caller.account_id),
    )
    run.apply(plan, partial(identity_center.apply_identity_center, run.ctx, plan, run.caller.account_id))
    boto3.client(  # someone else creates the organization meanwhile
        "organizations", endpoint_url=sandbox.url, region_name="us-east-1",
        aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
    ).create_organization(FeatureSet="ALL")
    apply_button = buttons_in(shown[-1])[0]
    apply_button.click()
    assert "The account changed since this plan was shown, so nothing was applied" in shown_text(shown[-1])
    assert not apply_button.disabled  # not done: the person can re-run the plan cell
    assert not any(str(call) == "organizations:CreateOrganization" for call in run.ctx.recorder.calls)


@pytest.mark.parametrize(("title", "inside"), [
    ("The user has an MFA device", "the user has an MFA device"),
    ("IAM users and roles may see billing information", "IAM users and roles may see billing information"),
    ("AWS emails when Free Tier usage nears its limits", "AWS emails when Free Tier usage nears its limits"),
    ("Email verified", "email verified"),
    ("A", "a"),
])
def test_a_checklist_title_inside_a_button_label_keeps_its_acronyms(title, inside):
    from runbook_lib.widgets import inside_sentence

    assert inside_sentence(title) == inside


def test_in_a_kernel_a_result_goes_where_the_printed_lines_went_not_appended_beside_them(monkeypatch, capsys):
    # In a kernel the browser keeps what ``with output:`` captured; a result appended from the
    # kernel's side raced it and one was lost (00's "Catch me up": its lines, no status table).
    from runbook_lib import widgets

    monkeypatch.setattr(widgets, "_captured_by_the_browser", lambda: True)
    entered: list[bool] = []
    monkeypatch.setattr(ipywidgets.Output, "__enter__", lambda self: entered.append(True))
    monkeypatch.setattr(ipywidgets.Output, "__exit__", lambda self, *exc: None)

    def catch_up() -> str:
        print("01_secure_root_user: 2 change(s) made.")
        return "the status table"

    box = action_button("Catch me up", catch_up)
    buttons_in(box)[0].click()
    assert box.children[1].outputs == ()  # nothing appended from the kernel's side
    assert entered == [True, True]  # the action's lines, then its result, both through the capture
    assert capsys.readouterr().out == "01_secure_root_user: 2 change(s) made.\nthe status table\n"
