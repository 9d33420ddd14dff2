"""99's typed confirmation in a real JupyterLab: the Delete button stays disabled until the exact
phrase is typed, then deletes once what the plan listed."""

from __future__ import annotations

import boto3
import pytest
from playwright.sync_api import expect

from sandbox_seeds import ACCOUNT_ID, REGION, prepare_account_for

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]

PHRASE = f"delete {ACCOUNT_ID}"


def developer_users(sandbox) -> list[str]:
    """Return the sandbox's Identity Center users whose names end in -developer."""
    def client(service: str):
        return boto3.client(service, endpoint_url=sandbox.url, region_name=REGION,
                            aws_access_key_id="sandbox", aws_secret_access_key="sandbox")

    store = client("sso-admin").list_instances()["Instances"][0]["IdentityStoreId"]
    return [user["UserName"] for user in client("identitystore").list_users(IdentityStoreId=store)["Users"]
            if user["UserName"].endswith("-developer")]


def test_the_delete_button_waits_for_the_exact_phrase_then_deletes_once(lab, sandbox):
    prepare_account_for("99_teardown", sandbox)
    assert developer_users(sandbox)
    lab.open_notebook("99_teardown.ipynb")
    lab.assert_ran_cleanly(lab.run_all())
    delete = lab.button("Delete what the plan lists")
    box = delete.locator("xpath=..").locator(".widget-text input")
    with lab.explaining("The Delete button should be shown, disabled, under a box to type the phrase in"):
        expect(delete).to_have_count(1)
        expect(delete).to_be_disabled()
    box.fill("delete")
    with lab.explaining("A phrase that is not the exact one should leave the button disabled"):
        expect(delete).to_be_disabled()
    box.fill(PHRASE)
    with lab.explaining("The exact phrase should enable the button"):
        expect(delete).to_be_enabled()
    lab.screenshot("phrase-typed.png")
    delete.click()
    with lab.explaining("The click should delete what the plan listed, once, and say so"):
        done = lab.button("Delete what the plan lists (done)")  # its label says it acted
        expect(done).to_be_disabled()
        expect(lab.button_output(done)).to_contain_text("Applied: identitystore_user.ada-developer")
    lab.screenshot("deleted.png")
    assert developer_users(sandbox) == [], lab.describe()
    with lab.explaining("Once it deleted, the phrase box should be disabled too"):
        # the box beside the button, not the first text field (99's form comes first)
        expect(done.locator("xpath=..").locator(".widget-text input")).to_be_disabled()
