"""The interactive controls, clicked from Python: they call the library and show its answer."""

from __future__ import annotations

import ipywidgets
import pytest

from runbook_lib.errors import InputError
from runbook_lib.notebook import begin_step
from runbook_lib.steps import identity_center, secure_root
from runbook_lib.target import Settings, load_settings
from runbook_lib.widgets import action_button, apply_controls, check_again_button, target_form


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


def test_sandbox_console_steps_have_clearly_labelled_simulate_buttons_that_play_them(sandbox):
    run = begin_step("01_secure_root_user", target="sandbox")
    plan = secure_root.plan_secure_root(secure_root.read_root_state(run.ctx, run.caller))
    controls = apply_controls(run, plan, None)
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
    controls = apply_controls(run, plan, lambda: identity_center.apply_identity_center(run.ctx, plan, run.caller.account_id))
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
    controls = apply_controls(run, plan, None)
    assert buttons_in(controls) == []
    guides = [child.value for child in controls.children if isinstance(child, ipywidgets.HTML)]
    assert any("Assign MFA device" in guide for guide in guides)


def test_check_again_rereads_live_state(sandbox):
    run = begin_step("01_secure_root_user", target="sandbox")
    check = lambda: secure_root.verify_secure_root(secure_root.read_root_state(run.ctx, run.caller))  # noqa: E731
    button_box = check_again_button(run, check)
    sandbox.play_console_step("enable-root-mfa")
    sandbox.play_console_step("delete-root-access-keys")
    buttons_in(button_box)[0].click()
    assert run.report.verified is True


def test_action_button_shows_a_runbook_error_as_its_message():
    def refuse():
        raise InputError("region", "mars-1", "must be a region name")

    box = action_button("Go", refuse)
    buttons_in(box)[0].click()
    assert "InputError: region: 'mars-1' is not valid: must be a region name" in shown_text(box)


def test_target_form_saves_only_valid_settings(sandbox):
    saved: list[Settings] = []
    form = target_form(Settings(), [], lambda settings: saved.append(settings) or "saved")
    target, profile, region, account_id = form.children[:4]
    region.value = "eu-west-1"
    buttons_in(form)[0].click()
    assert saved == [Settings("sandbox", "", "eu-west-1", "")]
    assert "saved" in shown_text(form)


def test_start_here_form_refuses_a_bad_account_id_and_saves_nothing(sandbox):
    from runbook_lib import target as targets

    def save_and_check(chosen):
        checked = targets.resolve_settings(target=chosen.target, profile=chosen.profile,
                                           region=chosen.region, account_id=chosen.account_id)
        targets.save_settings(checked)
        return "saved"

    form = target_form(Settings(), [], save_and_check)
    form.children[3].value = "12345"
    buttons_in(form)[0].click()
    assert "account_id" in shown_text(form)
    assert not targets.settings_file().exists()
    form.children[3].value = "123456789012"
    buttons_in(form)[0].click()
    assert load_settings().account_id == "123456789012"


@pytest.mark.parametrize("headless", [True, False])
def test_begin_step_refuses_bad_input_before_connecting(sandbox, headless, monkeypatch):
    import runbook_lib.notebook as notebook_module

    monkeypatch.setattr(notebook_module, "connect", lambda settings: pytest.fail("connected despite bad input"))
    with pytest.raises(InputError) as refused:
        begin_step("00_start_here", target="sandbox", account_id="not-an-id", headless=headless)
    assert refused.value.field == "account_id"
