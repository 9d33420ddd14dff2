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
    height = lab.page.evaluate(PAGE_HEIGHT_JS)["total"]
    (lab.artifacts / "page-height.txt").write_text(f"{notebook}: {height} px after Run All\n")
    print(f"{notebook} page height after Run All: {height} px")
    assert height < RUN_ALL_PAGE_MAX_PX, f"{notebook} is {height} px tall after Run All"


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
    with lab.explaining("Check again should replace the verification table, root MFA now passing"):
        expect(check_again).to_have_count(1)
        check_again.click()
        expect(lab.button_output(check_again)).to_contain_text("checked again at")
        mfa_rows = page.locator("tr", has_text="iam_root_mfa_enabled")
        expect(mfa_rows).to_have_count(1)  # replaced in place, not a second table stacked under
        expect(mfa_rows.first).to_contain_text("PASS")
        expect(page.locator(".runbook-state")).to_contain_text("01 done")
    lab.screenshot("after-check-again.png")


PAGE_HEIGHT_JS = """
async () => {
  const outer = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer')
    || document.querySelector('.jp-NotebookPanel .jp-Notebook');
  // Scroll through once: JupyterLab sizes a cell it has not drawn yet by an estimate.
  for (let top = 0; top < outer.scrollHeight; top += outer.clientHeight / 2) {
    outer.scrollTop = top;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  outer.scrollTop = 0;
  const cells = [...document.querySelectorAll('.jp-NotebookPanel .jp-Cell')].map((cell) => cell.offsetHeight);
  return {total: outer.scrollHeight, cells};
}
"""
DEVELOPER_PAGE_MAX_PX = 6000
RUN_ALL_PAGE_MAX_PX = 7000
"""Every notebook after Run All, at 1440 x 900: the tallest measured 4,629 px (04) when this was set
(the closing note of issue 10 has every notebook's height before and after)."""
"""04 with every output, Apply pressed and checked again, at the tests' 1440 x 900 viewport: 6,869 px
with pandas tables and a second verification stacked under the first; with the runbook's
tables replaced in place and the services catalogue folded: 5,223 px (after Run All alone: 5,231 -> 4,629)."""


def test_developer_user_notebook_stays_short_with_its_outputs(lab, sandbox):
    prepare_account_for("04_create_developer_user", sandbox)
    lab.open_notebook("04_create_developer_user.ipynb")
    lab.assert_ran_cleanly(lab.run_all())
    after_run_all = lab.page.evaluate(PAGE_HEIGHT_JS)["total"]

    apply_button = lab.button("Apply the API changes above", exact=False)  # "(done)" once pressed
    with lab.explaining("Apply should make the plan's changes"):
        apply_button.click()
        expect(lab.button_output(apply_button)).to_contain_text("Applied:", timeout=90_000)
    check_again = lab.button("Check again")
    with lab.explaining("Check again should replace the table: one row per check, no second table"):
        check_again.click()
        expect(lab.button_output(check_again)).to_contain_text("checked again at", timeout=90_000)
        expect(lab.page.locator("tr", has_text="identitystore_user_exists")).to_have_count(1)
    measured = lab.page.evaluate(PAGE_HEIGHT_JS)
    after_apply = measured["total"]
    cells = lab.page.locator(".jp-NotebookPanel .jp-Cell")
    for index, name in ((4, "services"), (8, "plan"), (12, "checklist"), (cells.count() - 1, "verify")):
        cells.nth(index).screenshot(path=str(lab.artifacts / f"cell-{index:02d}-{name}.png"))
    (lab.artifacts / "page-height.txt").write_text(
        f"run all: {after_run_all} px\napply, check again: {after_apply} px\ncells: {measured['cells']}\n")
    print(f"04 page height: after Run All {after_run_all} px, after Apply and Check again {after_apply} px")
    assert after_apply < DEVELOPER_PAGE_MAX_PX, lab.describe()
