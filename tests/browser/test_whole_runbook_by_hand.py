"""The whole runbook by hand, as a workshop learner who joined late does it in JupyterLab.

00's "Catch me up" to step 02, then 03 to 07 one after another on the same account, each by hand
(cells one at a time, the forms as they start, Apply or Sign in, the console steps' simulate
buttons, Check again), then 08's audit: every step verified, no check failing, and no code cell
typed into on the way. A file of its own, so pytest-xdist runs it beside the other browser files.
"""

from __future__ import annotations


import pytest
from playwright.sync_api import expect

from test_as_a_person import assert_no_traceback, closing_line
from test_catch_up_then_by_hand import ByHand, assert_done_up_to, catch_up_in_00, do_by_hand

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]


THE_REST = [
    ByHand("02", "03_create_admin_user", "Applied: identitystore_user.Admin", 10, "identitystore_user"),
    ByHand("03", "04_create_developer_user", "Applied: identitystore_user.ada-developer", 12, "identitystore_user"),
    ByHand("04", "05_configure_aws_cli", "Applied:", None, "cli_profile"),
    ByHand("05", "06_verify_developer_access", "", None, "sts_profile_is_permission_set_role"),
    ByHand("06", "07_set_guardrails", "Applied:", 10, "budgets_budget"),
]
"""After catching up to 02, every later step by hand, in order, on the one account."""


def test_caught_up_to_02_a_learner_does_every_later_step_by_hand_and_the_audit_passes(lab, sandbox, ctx):
    """The whole runbook in the sandbox with no code cell typed into: 00's catch-up, then 03-07 by
    hand (forms as they start, buttons pressed), then 08's audit: every step verified, no FAIL."""
    catch_up_in_00(lab, "02", "03_create_admin_user")
    for case in THE_REST:
        do_by_hand(lab, case)
    lab.open_notebook("08_audit_account.ipynb")
    lab.assert_ran_cleanly(lab.run_cells())
    with lab.explaining("After every step by hand, the audit should find no failure"):
        expect(closing_line(lab)).to_contain_text("✔ 08 done")
    assert_no_traceback(lab)
    lab.screenshot("08-after-every-step-by-hand.png")
    assert_done_up_to(lab, ctx, "08_audit_account")


