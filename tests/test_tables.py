"""Plans, checks and checklists as HTML tables with a text twin: escaped, coloured, notes said once."""

from __future__ import annotations

import re
import subprocess
import sys

from runbook_lib.checks import ACCEPTED, FAIL, MANUAL, PASS, WARN, Check, Verification
from runbook_lib.plan import CREATE, UPDATE, Change, Plan
from runbook_lib.tables import (
    STATUS_COLOURS, checklist_table, factor_notes, plan_table, render_table, trailing_parenthesis, verification_table,
)

EVALUATOR = "evaluated by the sandbox's evaluator (moto/iam/access_control.py): no SCPs"


def rows_of(html: str) -> list[str]:
    """Return the body's rows (the header row left out)."""
    return re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>", 1)[1])


def test_every_value_is_html_escaped() -> None:
    table = verification_table(Verification("01", (
        Check("iam_root_mfa_enabled", FAIL, "iam_root.<script>", 'Root has no MFA <b>"yet"</b> & more.'),)))
    assert "<script>" not in table.html and "<b>" not in table.html
    assert "iam_root.&lt;script&gt;" in table.html
    assert "&lt;b&gt;&quot;yet&quot;&lt;/b&gt; &amp; more." in table.html
    assert "iam_root.<script>" in table.text  # the text twin shows it as it is


def test_each_status_is_coloured_and_keeps_its_word() -> None:
    checks = tuple(Check("iam_root_mfa_enabled", status, f"iam_root.{status}", "x.") for status in (PASS, FAIL, WARN, MANUAL, ACCEPTED))
    table = verification_table(Verification("01", checks))
    for row, status in zip(rows_of(table.html), (PASS, FAIL, WARN, MANUAL, ACCEPTED)):
        foreground, background = STATUS_COLOURS[status]
        assert f"color:{foreground};background:{background}" in row
        assert f">{status}</span>" in row
    assert len({STATUS_COLOURS[status] for status in (PASS, FAIL, WARN, MANUAL, ACCEPTED)}) == 5
    assert STATUS_COLOURS[PASS][0] != STATUS_COLOURS[FAIL][0]


def test_text_is_left_aligned_and_long_details_wrap() -> None:
    table = verification_table(Verification("01", (Check("iam_root_mfa_enabled", PASS, "iam_root", "word " * 80),)))
    cells = re.findall(r'<t[dh] style="([^"]*)"', table.html)
    assert cells and all("text-align:left" in style for style in cells)
    detail_style = re.findall(r'<td style="([^"]*)">word', table.html)[0]
    assert "white-space:normal" in detail_style and "max-width" in detail_style


def test_a_note_every_evaluator_row_repeats_is_said_once_under_the_table() -> None:
    checks = (
        Check("iam_permission_set_allows_chosen_service", PASS, "iam_role.R[s3:ListAllMyBuckets]", f"s3:ListAllMyBuckets: allowed ({EVALUATOR})."),
        Check("iam_permission_set_denies_other_services", FAIL, "iam_role.R[iam:CreateUser]", f"iam:CreateUser: allowed ({EVALUATOR})."),
        Check("iam_permission_set_denies_other_services", FAIL, "iam_role.R[ec2:RunInstances]", f"ec2:RunInstances: allowed ({EVALUATOR})."),
        Check("identitystore_user_exists", PASS, "identitystore_user.ada", "User ada exists (id 1)."),
    )
    table = verification_table(Verification("04", checks))
    assert table.html.count("no SCPs") == 1 and table.text.count("no SCPs") == 1
    assert "[1] evaluated by the sandbox" in table.text
    assert "iam:CreateUser: allowed [1]" in table.text and "ec2:RunInstances: allowed [1]" in table.text
    assert "User ada exists (id 1)." in table.text  # said by one row only: it stays where it is


def test_failures_keep_a_row_each_while_passing_rows_of_one_check_share_one() -> None:
    checks = (
        Check("iam_permission_set_allows_chosen_service", PASS, "iam_role.R[s3:List]", "s3:List: allowed."),
        Check("iam_permission_set_allows_chosen_service", PASS, "iam_role.R[logs:Get]", "logs:Get: allowed."),
        Check("iam_permission_set_denies_other_services", FAIL, "iam_role.R[iam:CreateUser]", "iam:CreateUser: allowed."),
        Check("iam_permission_set_denies_other_services", FAIL, "iam_role.R[ec2:Run]", "ec2:Run: allowed."),
    )
    table = verification_table(Verification("04", checks))
    rows = rows_of(table.html)
    assert len(rows) == 3
    assert "iam_role.R[2 actions]" in rows[0] and "s3:List: allowed. logs:Get: allowed." in rows[0]
    assert "iam:CreateUser" in rows[1] and "ec2:Run" in rows[2]
    assert table.text.splitlines()[0] == "04: 2 PASS, 2 FAIL in 3 rows"


def test_trailing_parenthesis_keeps_inner_parentheses() -> None:
    assert trailing_parenthesis("a: allowed (by X (moto) here).") == ("a: allowed", "by X (moto) here")
    assert trailing_parenthesis("no note here.") == ("no note here.", "")
    assert trailing_parenthesis("unbalanced x)") == ("unbalanced x)", "")
    assert factor_notes(["a (n).", "b (m)."]) == (["a (n).", "b (m)."], [])
    short = ["x is there: not confirmed (delete 1).", "y is there: not confirmed (delete 1)."]
    assert factor_notes(short) == (short, [])  # a short phrase stays where it is read


def test_a_drift_shows_before_and_after_side_by_side_in_one_row() -> None:
    plan = Plan("04", (
        Change(UPDATE, "sso_permission_set.DeveloperAccess", "Set the session to 4 hours.", "update_permission_set",
               before={"session_duration": "PT1H"}, after={"session_duration": "PT4H"}),
        Change(CREATE, "identitystore_user.ada", "Create ada.", "create_user", after={"email": "a@example.com"}),
    ))
    table = plan_table(plan)
    header = re.findall(r"<th[^>]*>([^<]*)</th>", table.html)
    assert header == ["action", "address", "before", "after", "detail"]
    drift = rows_of(table.html)[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", drift)
    assert cells[2] == "session_duration=PT1H" and cells[3] == "session_duration=PT4H"
    assert ">update</span>" in cells[0]
    assert table.text.splitlines()[1].split()[:4] == ["update", "sso_permission_set.DeveloperAccess", "session_duration=PT1H", "session_duration=PT4H"]


def test_a_plan_of_creations_has_no_empty_before_column() -> None:
    table = plan_table(Plan("03", (Change(CREATE, "identitystore_user.Admin", "Create Admin.", "create_user", after="Admin"),)))
    assert re.findall(r"<th[^>]*>([^<]*)</th>", table.html) == ["action", "address", "after", "detail"]


def test_a_collapsed_table_opens_on_a_click_and_its_text_is_whole() -> None:
    table = render_table(["choice"], [["s3"]], collapsed="The 1 service")
    assert table.html.startswith("<details><summary") and "The 1 service</summary>" in table.html
    assert table.text == "choice\ns3"


def test_checklist_says_confirmed_or_not_yet_in_colour() -> None:
    table = checklist_table([("invitation", "Send the invitation.", True), ("mfa_registered", "Register MFA.", False)])
    first, second = rows_of(table.html)
    assert ">yes</span>" in first and STATUS_COLOURS[PASS][0] in first
    assert ">not yet</span>" in second and STATUS_COLOURS[WARN][0] in second


def test_a_table_shows_as_html_in_jupyter_and_as_text_elsewhere() -> None:
    table = render_table(["a", "b"], [["x", "y"]])
    assert table._repr_html_() == table.html and repr(table) == table.text == str(table)


def test_showing_plans_and_checks_imports_no_pandas() -> None:
    code = (
        "import sys\nfrom runbook_lib import tables\nfrom runbook_lib.checks import Check, Verification\n"
        "tables.verification_table(Verification('01', (Check('iam_root_mfa_enabled', 'PASS', 'r', 'd.'),)))\n"
        "print('pandas' in sys.modules)"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "False"


def test_grouped_details_read_as_sentences_and_the_summary_counts_the_rows():
    from runbook_lib.tables import join_details

    assert join_details(["session runbook-sandbox-developer.", "botocore reads it"]) == (
        "session runbook-sandbox-developer. botocore reads it.")
    assert join_details(["only one"]) == "only one"
    assert ".;" not in join_details(["a.", "b."])


def test_grouped_resources_are_called_actions_only_when_they_are():
    from runbook_lib.tables import merge_resources

    assert merge_resources(["iam_role.R[s3:ListBucket]", "iam_role.R[logs:GetLogEvents]"]) == "iam_role.R[2 actions]"
    assert merge_resources(["budgets_notification.b[ACTUAL>80]", "budgets_notification.b[ACTUAL>100]",
                            "budgets_notification.b[FORECASTED>100]"]) == "budgets_notification.b[3 entries]"
