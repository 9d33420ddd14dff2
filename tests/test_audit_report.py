"""Tests for the audit's report (pure): the chart, the self-contained HTML, CSV, JSON, where it goes,
and the spending view from costs written by hand."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from pathlib import Path
from xml.etree import ElementTree

from runbook_lib.audit.chart import Series, nice_maximum, stacked_bar_chart
from runbook_lib.audit.report import REPORT_FILES, AuditReport, checks_frame, render_html, report_folder, report_rows, severity_chart, write_report
from runbook_lib.audit.spending import MonthlyCost, SpendingFacts, describe_spending, months_before, spending_chart, spending_frame
from runbook_lib.checks import ACCEPTED, FAIL, PASS, Check
from runbook_lib.paths import runbook_home, sandbox_home

CHECKS = (
    Check("iam_root_mfa_enabled", PASS, "iam_root_mfa.123456789012", "Root has MFA."),
    Check("budgets_budget_email_alerts_configured", FAIL, "budgets_account.123456789012", "No budget <yet> & no alerts."),
    Check("iam_aws_attached_policy_no_administrative_privileges", ACCEPTED, "sso_permission_set.AdministratorAccess", "By design."),
)
REPORT = AuditReport("123456789012", "us-east-1", "2026-12-01T12:00:00+00:00", CHECKS)
SPENDING = SpendingFacts(("2026-09", "2026-10"), (
    MonthlyCost("2026-09", "Amazon S3", 1.5), MonthlyCost("2026-10", "Amazon S3", 2.25),
    MonthlyCost("2026-10", "AWS Lambda", 0.1), MonthlyCost("2026-09", "Tax", 0.2),
), requests=1)


def test_rows_come_failures_first_with_their_registry_entry() -> None:
    rows = report_rows(CHECKS)
    assert [row["status"] for row in rows] == [FAIL, ACCEPTED, PASS]
    assert rows[0]["fixed_by"] == "07_set_guardrails" and rows[0]["severity"] == "high"
    assert rows[2]["cis"] == "1.5" and rows[2]["prowler_id"] == "iam_root_mfa_enabled"
    assert list(checks_frame(CHECKS).columns) == list(rows[0])


def test_the_chart_is_valid_svg_of_one_bar_per_severity_and_the_same_every_time() -> None:
    svg = severity_chart(CHECKS)
    assert svg == severity_chart(CHECKS)
    root = ElementTree.fromstring(svg)
    labels = [element.text for element in root.iter("{http://www.w3.org/2000/svg}text")]
    for label in ("critical", "high", "medium", "low", "informational", "FAIL", "PASS", "ACCEPTED"):
        assert label in labels
    assert "Checks by severity and status" in svg


def test_axis_maximums_are_round() -> None:
    assert nice_maximum(9, whole=True) == 12 and nice_maximum(0, whole=True) == 4
    assert nice_maximum(3.75, whole=False) == 4 and nice_maximum(12.3, whole=False) == 20
    svg = stacked_bar_chart("t", ["a"], [Series("s", "#000", (2.5,))], unit="USD")
    assert "2.5 USD" in svg


def test_the_html_report_is_self_contained_and_escapes_what_it_shows() -> None:
    html = render_html(REPORT)
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert "<script" not in html and not re.search(r'(?:src|href)="', html)
    assert "No budget &lt;yet&gt; &amp; no alerts." in html
    assert "Audit of account 123456789012" in html and "1</b> FAIL" in html


def test_write_report_writes_html_csv_and_json(tmp_path: Path) -> None:
    files = write_report(AuditReport(**{**vars(REPORT), "spending": SPENDING}), tmp_path / "audit")
    assert [path.name for path in files] == list(REPORT_FILES)
    rows = list(csv.DictReader(io.StringIO(files[1].read_text(encoding="utf-8"))))
    assert [row["check"] for row in rows] == [row["check"] for row in report_rows(CHECKS)]
    document = json.loads(files[2].read_text(encoding="utf-8"))
    assert document["summary"] == {"PASS": 1, "FAIL": 1, "WARN": 0, "MANUAL": 0, "ACCEPTED": 1}
    assert document["spending"]["requests"] == 1
    assert "Cost by service and month" in files[0].read_text(encoding="utf-8")


def test_the_report_goes_to_the_folder_given_else_the_run_folder_else_the_runbook_home(tmp_path: Path) -> None:
    assert report_folder("", str(tmp_path)) == tmp_path
    summary = tmp_path / "runs" / "2026-12-01T12-00-00" / "reports" / "08_audit_account.json"
    assert report_folder(str(summary), "") == tmp_path / "runs" / "2026-12-01T12-00-00"
    assert report_folder("", "", now=datetime.datetime(2026, 12, 1, 12, 0)) == runbook_home() / "audits" / "2026-12-01T12-00-00"


def test_months_before_are_whole_months() -> None:
    assert months_before(datetime.date(2026, 12, 15), 3) == (datetime.date(2026, 9, 1), datetime.date(2026, 12, 1))
    assert months_before(datetime.date(2026, 1, 1), 1) == (datetime.date(2025, 12, 1), datetime.date(2026, 1, 1))


def test_spending_as_a_table_and_a_chart() -> None:
    frame = spending_frame(SPENDING)
    assert list(frame["service"]) == ["Amazon S3", "Tax", "AWS Lambda", "Total"]
    assert frame.iloc[-1].to_dict() == {"service": "Total", "2026-09": 1.7, "2026-10": 2.35}
    chart = spending_chart(SPENDING, top=2)
    assert "Other services" in chart and "Amazon S3" in chart
    ElementTree.fromstring(chart)
    assert "0.01 USD" in describe_spending(SPENDING)
    sample = SpendingFacts(SPENDING.months, SPENDING.costs, requests=1, sample=True)
    assert "sample data" in describe_spending(sample) and sample.price_usd == 0


def test_the_sandboxes_reports_go_to_its_own_folder_which_a_reset_removes() -> None:
    moment = datetime.datetime(2026, 12, 1, 12, 0)
    assert report_folder("", "", now=moment, sandbox=True) == sandbox_home() / "audits" / "2026-12-01T12-00-00"
    assert report_folder("", "", now=moment, sandbox=False) == runbook_home() / "audits" / "2026-12-01T12-00-00"


def test_every_cell_of_the_findings_table_says_left_aligned_itself() -> None:
    """In a notebook JupyterLab's table rules right-align cells over a report's style sheet; the
    findings table's cells carry their own alignment, and statuses do not break inside the word."""
    from runbook_lib.audit.report import table_html

    table = table_html(report_rows(CHECKS))
    cells = re.findall(r"<t[dh]\b[^>]*>", table)
    assert len(cells) == 7 * (len(CHECKS) + 1)
    assert all("text-align:left" in cell for cell in cells)
    statuses = [cell for cell in cells if 'class="status"' in cell]
    assert len(statuses) == len(CHECKS) and all("white-space:nowrap" in cell for cell in statuses)


def test_the_fixing_notebook_is_named_only_where_there_is_something_to_fix() -> None:
    from runbook_lib.audit.report import references_html

    rows = {row["check"]: row for row in report_rows(CHECKS)}
    assert "fixed by" in references_html(rows["budgets_budget_email_alerts_configured"])  # FAIL
    assert "fixed by" not in references_html(rows["iam_aws_attached_policy_no_administrative_privileges"])  # ACCEPTED
    assert "fixed by" not in references_html(rows["iam_root_mfa_enabled"])  # PASS
    assert rows["iam_root_mfa_enabled"]["fixed_by"]  # the CSV and JSON keep it
