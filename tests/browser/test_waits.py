"""A wait as a person meets it in JupyterLab: 06's device sign-in shows its link, its code and a
countdown, the Cancel button stops it while the kernel is busy waiting (with our sentence, no
traceback), and a sign-in approved meanwhile ends in one line.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sandbox_seeds import prepare_account_for

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]

NOTEBOOK = "06_verify_developer_access.ipynb"
WAITING = "Waiting for you to approve the sign-in in your browser"
STOPPED = "Stopped waiting for you to approve the sign-in in your browser"


def start_sign_in(lab):
    """Press "Sign in" and wait for the prompt and the bar; return the button and the shown code."""
    sign_in = lab.button("Sign in")
    # The button's label changes while it works ("Sign in (working...)"): find its output by the prefix.
    output = lab.button_output(lab.button("Sign in", exact=False))
    with lab.explaining("Sign in should show the link, the code large, and the wait with its countdown"):
        expect(sign_in).to_have_count(1)
        sign_in.click()
        expect(output).to_contain_text(WAITING)
        expect(output).to_contain_text(re.compile(r"The code expires in \d+:\d\d\."))
        code = output.locator(".runbook-user-code")
        expect(code).to_have_count(1)
        expect(output.locator("a[href*='user_code=']")).to_have_count(1)
    return output, code.inner_text().strip()


def test_the_sign_in_wait_shows_its_code_cancels_and_signs_in(lab, sandbox):
    prepare_account_for(NOTEBOOK.removesuffix(".ipynb"), sandbox)
    lab.open_notebook(NOTEBOOK)
    lab.assert_ran_cleanly(lab.run_all())
    page = lab.page

    # 1, 2. Cancel while the kernel waits: the click reaches it, the wait ends with our sentence.
    # (JupyterLab 4.6 runs widget callbacks on a subshell once it has started one: the first press
    # may run on the main shell, the second runs on the subshell; both must be cancellable.)
    for attempt in (1, 2):
        output, code = start_sign_in(lab)
        assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
        lab.screenshot(f"sign-in-waiting-{attempt}.png")
        with lab.explaining(f"Cancel (press {attempt}) should stop the wait before its deadline and say to run it again"):
            # As a person would, click once the wait has shown a second pass: the browser has
            # then told the kernel what its Output widget holds (ipywidgets syncs it back).
            expect(output).to_contain_text(re.compile(r"[1-9] s of 300 s"))
            output.locator(".widget-button", has_text=re.compile("^Cancel$")).click()
            expect(output).to_contain_text(STOPPED)
            expect(output).to_contain_text("Run the cell again to wait again")
            expect(output).to_contain_text(f"The code {code} is no longer waited for (cancelled)")
            expect(output.locator(".runbook-user-code")).to_have_count(0)
            expect(output.locator(".widget-button", has_text=re.compile("^Cancel"))).to_have_count(0)
        lab.screenshot(f"sign-in-cancelled-{attempt}.png")
    assert page.get_by_text("KeyboardInterrupt").count() == 0, lab.describe()

    # 3. Approved meanwhile (the person's click in the portal): the prompt and the bar become lines.
    output, code = start_sign_in(lab)
    sandbox.approve_device(code, user="ada-developer")
    with lab.explaining("An approved sign-in should end as a one-line result, the code and the bar gone"):
        expect(output).to_contain_text("Signed in; the token is cached in")
        expect(output.locator(".runbook-user-code")).to_have_count(0)
        expect(output.locator(".widget-button", has_text=re.compile("^Cancel$"))).to_have_count(0)
    lab.screenshot("sign-in-done.png")
    assert page.locator(".jp-OutputArea-output", has_text="Traceback").count() == 0, lab.describe()
