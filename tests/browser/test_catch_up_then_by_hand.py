"""A learner who fell behind: "Catch me up" to step N in 00, then step N+1 by hand, to verified.

In 00 they pick step N and press "Catch me up"; it says where to go on. They open that
notebook, run its cells one at a time, press Apply, play the console steps (the sandbox's
simulate buttons), press "Check again": every check passes, and the account's status says
every step up to N+1 is done. N is a few representative steps (each is a cold start of two
notebooks): the catch-up's own parts are tested headless in tests/test_catch_up.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from runbook_lib.steps.status import DONE, read_step_statuses
from runbook_lib.target import read_caller
from test_as_a_person import (
    APPLY_LABEL, SIMULATE_LABEL, assert_no_traceback, closing_line, only_button, press_and_expect_fresh, press_check_again,
    sign_in_as,
)

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]


@dataclass(frozen=True)
class ByHand:
    """Catching up to ``up_to``, then ``step`` by hand.

    Attributes:
        up_to: The step chosen in 00's "Catch me up to step" (its option starts with its number).
        step: The next notebook, done by hand.
        applied: What its Apply says it did.
        checklist: Its console checklist's cell, or None (no console step).
        checked: A check id its "Check again" shows.
    """

    up_to: str
    step: str
    applied: str
    checklist: int | None
    checked: str


CASES = [
    ByHand("04", "05_configure_aws_cli", "Applied:", None, "cli_profile"),
    ByHand("06", "07_set_guardrails", "Applied:", 10, "budgets_budget"),
]
"""05 and 07 by hand after a catch-up to 04 and to 06; catching up to 02 and then every later step
by hand is test_whole_runbook_by_hand.py's (a file of its own, so it runs beside these)."""


def catch_up_in_00(lab, up_to: str, step: str) -> None:
    """Open 00, run it, pick the step whose label starts with ``up_to``, press "Catch me up"."""
    lab.open_notebook("00_start_here.ipynb")
    lab.assert_ran_cleanly(lab.run_cells())
    choice = lab.page.locator(".widget-dropdown", has_text="Catch me up to step").locator("select")
    with lab.explaining("00 should offer the steps to catch up to"):
        expect(choice).to_have_count(1)
    labels = choice.evaluate("(select) => [...select.options].map((option) => option.text)")
    # ipywidgets shows an option's spaces as no-break spaces
    indexes = [index for index, label in enumerate(labels) if label.replace("\xa0", " ").startswith(f"{up_to} ")]
    assert len(indexes) == 1, f"{labels}\n{lab.describe()}"
    choice.select_option(index=indexes[0])
    catch_up = only_button(lab, "Catch me up")
    fresh = press_and_expect_fresh(lab, catch_up, f"Go on with {step}.", label="Catch me up", outputs=2)
    with lab.explaining(f"After catching up to {up_to}, 00's table should say {step} is to do"):
        expect(fresh.locator("tr", has_text=step)).to_contain_text("to do")
    lab.screenshot(f"00-caught-up-to-{up_to}.png")


def do_by_hand(lab, case: ByHand) -> None:
    """Open ``case.step`` alone in the page and take it to verified as a person does: its cells one at
    a time, Apply (06: Sign in, approved on the sandbox's device page), its checklist's simulate
    buttons, then Check again: every check passes and its last line says it is done."""
    lab.open_notebook(f"{case.step}.ipynb")
    lab.assert_ran_cleanly(lab.run_cells())
    if case.step.startswith("06"):
        sign_in_as(lab, "ada-developer")
    elif case.applied:
        press_and_expect_fresh(lab, only_button(lab, APPLY_LABEL), case.applied, label=APPLY_LABEL)
    if case.checklist is not None:
        simulate = lab.cell(case.checklist).locator(".widget-button").filter(
            has_text=re.compile("^" + re.escape(SIMULATE_LABEL))
        )
        with lab.explaining(f"{case.step}'s checklist should offer its simulate buttons"):
            expect(simulate).not_to_have_count(0)
        for index in range(simulate.count()):
            button = simulate.nth(index)
            press_and_expect_fresh(lab, button, "sandbox played the console step", label=button.inner_text())

    check_again = only_button(lab, "Check again")
    table = press_check_again(lab, check_again, case.checked, passed=True)
    with lab.explaining(f"{case.step} done by hand: every check should pass, and the step say it is done"):
        expect(table.locator("tr", has_text="PASS")).not_to_have_count(0)
        expect(table).not_to_contain_text("FAIL")
        expect(closing_line(lab)).to_contain_text(f"✔ {case.step[:2]} done")
    assert_no_traceback(lab)
    table.scroll_into_view_if_needed()
    lab.screenshot(f"{case.step[:2]}-verified.png")


def assert_done_up_to(lab, ctx, step: str) -> None:
    """Assert the account's status (00's, read from the sandbox) says every step up to ``step`` is done."""
    statuses = {status.step: status for status in read_step_statuses(ctx, read_caller(ctx))}
    upto = [known for known in statuses if known[:2].isdigit() and known[:2] <= step[:2]]
    not_done = [f"{known}: {statuses[known].status} ({statuses[known].detail})" for known in upto if statuses[known].status != DONE]
    assert upto and not not_done, f"{not_done}\n{lab.describe()}"


@pytest.mark.parametrize("case", CASES, ids=[case.up_to for case in CASES])
def test_catch_up_to_n_in_00_then_the_next_step_by_hand_to_verified(lab, sandbox, ctx, case):
    catch_up_in_00(lab, case.up_to, case.step)
    do_by_hand(lab, case)
    assert_done_up_to(lab, ctx, case.step)
