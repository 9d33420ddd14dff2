"""00_start_here's "Catch me up to step N" and "Reset the sandbox", pressed as a person presses them.

A learner who fell behind picks a step, presses "Catch me up", sees every step up to it done and
where to go on; then goes on by hand at the next step. The reset asks first.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]


def test_catch_me_up_to_06_then_07_by_hand_then_reset_after_asking(lab, sandbox):
    lab.open_notebook("00_start_here.ipynb")
    lab.assert_ran_cleanly(lab.run_all())
    page = lab.page

    with lab.explaining("00 should offer the steps to catch up to"):
        step_field = page.locator(".widget-dropdown", has_text="Catch me up to step").locator("select")
        expect(step_field).to_have_count(1)
    step_field.select_option(label="06 Verify the developer's access")
    catch_up = lab.button("Catch me up")
    with lab.explaining("Catch me up should do steps 01-06 and say where to go on"):
        catch_up.click()
        shown = lab.button_output(catch_up)
        expect(shown).to_contain_text("Go on with 07_set_guardrails.", timeout=60_000)
        expect(shown.locator("tr", has_text="06_verify_developer_access")).to_contain_text("done")
        expect(shown.locator("tr", has_text="07_set_guardrails")).to_contain_text("to do")
    lab.screenshot("after-catch-up.png")
    assert sandbox.state()["root_mfa_enabled"] is True, lab.describe()

    with lab.explaining("Pressed again, it should change nothing"):
        catch_up.click()
        expect(lab.button_output(catch_up)).to_contain_text("The sandbox was already there: nothing changed.", timeout=60_000)

    reset = lab.button("Reset the sandbox")
    with lab.explaining("Reset should refuse until its box is ticked"):
        reset.click()
        expect(lab.button_output(reset)).to_contain_text("Nothing was reset: tick the box above first.")
    assert sandbox.state()["root_mfa_enabled"] is True, lab.describe()
    page.locator(".widget-checkbox", has_text="Yes: make the sandbox a brand-new account").locator("input").check()
    with lab.explaining("Reset, once ticked, should make a brand-new account"):
        reset.click()
        expect(lab.button_output(reset)).to_contain_text("The sandbox is a brand-new account again", timeout=30_000)
    assert sandbox.state()["root_mfa_enabled"] is False, lab.describe()
    lab.screenshot("after-reset.png")
