"""A step's form in JupyterLab: typed into as a person types, judged beside the field, read by the next cell."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sandbox_seeds import prepare_account_for

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]


def last_count(state) -> int:
    return max((cell.get("execution_count") or 0) for cell in state["cells"] if cell["type"] == "code")


def run_cell_holding(lab, text: str) -> None:
    """Run the code cell whose source holds ``text`` (click it, Shift+Enter), and wait until it ran."""
    before = last_count(lab.state())
    cell = lab.page.locator(".jp-CodeCell", has_text=text).first
    cell.locator(".jp-InputArea-editor").click()
    lab.page.keyboard.press("Shift+Enter")
    lab.wait_for(
        lambda state: last_count(state) > before and state["kernel_status"] == "idle"
        and not any(cell.get("running") for cell in state["cells"]),
        60, f"the cell holding {text!r} to run",
    )


def test_a_field_typed_wrong_is_named_beside_it_and_by_the_next_cell_then_fixed(lab, sandbox):
    prepare_account_for("03_create_admin_user", sandbox)
    lab.open_notebook("03_create_admin_user.ipynb")
    lab.assert_ran_cleanly(lab.run_all())
    page = lab.page
    family = page.locator(".widget-text", has_text="family name").first
    with lab.explaining("The sandbox example should be in the field, marked as one"):
        expect(family.locator("input")).to_have_value("Lovelace")
        expect(family.locator("xpath=..")).to_contain_text("sandbox example")
    family.locator("input").fill("")
    with lab.explaining("An emptied required field should say 'required' beside it"):
        expect(family.locator("xpath=..")).to_contain_text("required")
    run_cell_holding(lab, "build_admin_spec(")
    refused = page.locator(".jp-CodeCell", has_text="build_admin_spec(").first.locator(".jp-OutputArea-output")
    with lab.explaining("The next cell should name the field, in place, with no traceback"):
        expect(refused).to_contain_text("FormError: The form of 03_create_admin_user has 1 field(s) to correct")
        expect(refused).to_contain_text("family name (family_name): required")
        expect(refused).not_to_contain_text("Traceback")
    family.locator("input").fill("Hopper")
    run_cell_holding(lab, "build_admin_spec(")
    with lab.explaining("Corrected, the cell should run without an error"):
        expect(refused).to_have_count(0)
    lab.screenshot("form-corrected.png")
