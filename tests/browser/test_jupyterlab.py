"""The notebooks open in JupyterLab, run top to bottom with "Run All", and their controls work.

A real JupyterLab, a real (headless) Chromium, real ipywidgets: what a person sees and clicks.
Each test starts from a seeded sandbox account (holding what earlier steps make) and a notebook
without outputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from sandbox_seeds import prepare_account_for

NOTEBOOK_NAMES = tuple(path.name for path in sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9][0-9]_*.ipynb")))
"""Every step notebook; each runs on the account its earlier steps would leave (as nbval's do)."""

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]

SIMULATE_LABEL = "Simulate the console step (sandbox): "


@pytest.mark.parametrize("notebook", NOTEBOOK_NAMES, ids=[name.removesuffix(".ipynb") for name in NOTEBOOK_NAMES])
def test_notebook_runs_top_to_bottom_with_run_all(lab, sandbox, notebook):
    prepare_account_for(notebook.removesuffix(".ipynb"), sandbox)
    lab.open_notebook(notebook)

    state = lab.run_all()

    lab.screenshot("after-run-all.png")
    lab.assert_ran_cleanly(state)


def test_secure_root_simulate_buttons_then_check_again_shows_root_mfa_passing(lab, sandbox):
    lab.open_notebook("01_secure_root_user.ipynb")
    lab.assert_ran_cleanly(lab.run_all())
    page = lab.page

    with lab.explaining("The plan table should list the root MFA console step"):
        plan_table = page.locator(".jp-RenderedHTMLCommon table", has_text="iam_root_mfa").first
        expect(plan_table).to_be_visible()
    plan_table.evaluate("table => table.scrollIntoView({block: 'start'})")
    lab.screenshot("plan-and-buttons.png")
    with lab.explaining("The first verification should show root MFA failing"):
        expect(page.locator("tr", has_text="iam_root_mfa_enabled").first).to_contain_text("FAIL")

    simulate_buttons = lab.button(SIMULATE_LABEL, exact=False)
    with lab.explaining("The plan should offer a button simulating the root MFA console step"):
        expect(lab.button(SIMULATE_LABEL + "root user MFA")).to_have_count(1)
    for index in range(simulate_buttons.count()):
        button = simulate_buttons.nth(index)
        label = button.inner_text()
        with lab.explaining(f"Clicking {label!r} should play the console step"):
            button.click()
            expect(lab.button_output(button)).to_contain_text("sandbox played the console step")

    # The kernel acted on this session's sandbox, not on one of its own.
    assert sandbox.state()["root_mfa_enabled"] is True, lab.describe()

    check_again = lab.button("Check again")
    with lab.explaining("Check again should show root MFA passing"):
        expect(check_again).to_have_count(1)
        check_again.click()
        mfa_row = lab.button_output(check_again).locator("tr", has_text="iam_root_mfa_enabled")
        expect(mfa_row).to_contain_text("PASS")
    lab.screenshot("after-check-again.png")
