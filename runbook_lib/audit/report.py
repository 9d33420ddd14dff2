"""The audit's report (pure, plus writing its files): a styled table, one chart of checks by
severity and status, and exports to one self-contained HTML file, CSV and JSON.

Every row carries what the registry knows of its check (title, severity, remediation, the CIS
item, Prowler's id, the notebook that fixes it), so the files stand on their own. The HTML has
no script, no external style sheet and no image file: the chart is inline SVG. The notebook
shows the same fragment the file holds.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runbook_lib.audit.chart import Series, stacked_bar_chart
from runbook_lib.audit.facts import AccountFacts
from runbook_lib.audit.spending import SpendingFacts, describe_spending, spending_chart, spending_frame
from runbook_lib.checks import ACCEPTED, FAIL, MANUAL, PASS, SEVERITIES, STATUSES, WARN, Check, metadata_for
from runbook_lib.paths import runbook_home, sandbox_home

if TYPE_CHECKING:  # pandas is heavy; only the table views need it
    import pandas

REPORT_FILES = ("audit-report.html", "audit-checks.csv", "audit-checks.json")
STATUS_COLORS = {PASS: "#2e7d32", FAIL: "#c62828", WARN: "#ef6c00", MANUAL: "#1565c0", ACCEPTED: "#6a1b9a"}
STATUS_ORDER = (FAIL, WARN, MANUAL, ACCEPTED, PASS)
COLUMNS = ("status", "severity", "check", "title", "resource", "detail", "remediation", "cis", "prowler_id", "fixed_by")
STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table.audit { border-collapse: collapse; width: 100%; font-size: 12px; table-layout: fixed; }
table.audit th, table.audit td { border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; text-align: left;
  overflow-wrap: break-word; }
table.audit code { font-size: 11px; color: #444; }
table.audit th { background: #f0f0f0; }
.status { color: #fff; font-weight: bold; white-space: nowrap; }
.summary span { display: inline-block; margin-right: 1em; }
"""


@dataclass(frozen=True)
class AuditReport:
    """One audit: where and when, every check, and (when asked for) the spending."""

    account_id: str
    region: str
    collected_at: str
    checks: tuple[Check, ...]
    spending: SpendingFacts | None = None

    @classmethod
    def of(cls, facts: AccountFacts, checks: list[Check], spending: SpendingFacts | None = None) -> AuditReport:
        """Return the report of ``checks`` judged from ``facts``."""
        return cls(facts.account_id, facts.region, facts.collected_at, tuple(checks), spending)

    def counts(self) -> dict[str, int]:
        """Return how many checks have each status."""
        return {status: sum(1 for check in self.checks if check.status == status) for status in STATUSES}


def report_rows(checks: tuple[Check, ...] | list[Check]) -> list[dict[str, str]]:
    """Return one row per check with its registry entry, failures first, the gravest first."""
    def order(check: Check) -> tuple[int, int]:
        return STATUS_ORDER.index(check.status), SEVERITIES.index(metadata_for(check.check_id).severity)

    rows = []
    for check in sorted(checks, key=order):
        meta = metadata_for(check.check_id)
        rows.append({"status": check.status, "severity": meta.severity, "check": check.check_id, "title": meta.title,
                     "resource": check.resource, "detail": check.detail, "remediation": meta.remediation,
                     "cis": meta.cis, "prowler_id": meta.prowler_id, "fixed_by": meta.fixed_by})
    return rows


def checks_frame(checks: tuple[Check, ...] | list[Check]) -> pandas.DataFrame:
    """Return the rows as a table."""
    import pandas

    return pandas.DataFrame(report_rows(checks), columns=list(COLUMNS))


def severity_chart(checks: tuple[Check, ...] | list[Check]) -> str:
    """Return the chart: one bar per severity, stacked by status."""
    by = {(metadata_for(check.check_id).severity, check.status): 0 for check in checks}
    for check in checks:
        by[(metadata_for(check.check_id).severity, check.status)] += 1
    series = [Series(status, STATUS_COLORS[status], tuple(float(by.get((severity, status), 0)) for severity in SEVERITIES))
              for status in reversed(STATUS_ORDER)]
    return stacked_bar_chart("Checks by severity and status", list(SEVERITIES), series)


TABLE_COLUMNS = (("status", "9%"), ("severity", "7%"), ("check", "19%"), ("resource", "15%"), ("found", "20%"),
                 ("what to do", "20%"), ("references", "10%"))
"""The HTML table's columns and widths; the CSV and the JSON keep every field apart."""


def references_html(row: dict[str, str]) -> str:
    """Return a row's CIS item, Prowler id and fixing notebook, one per line.

    The fixing notebook only where there is something to fix: on an ACCEPTED row (the Admin's
    AdministratorAccess, by design) "fixed by 04" read as if the Admin were a mistake."""
    to_fix = row["status"] not in (PASS, ACCEPTED)
    parts = [f"CIS {escape(row['cis'])}" if row["cis"] else "", f"Prowler {escape(row['prowler_id'])}" if row["prowler_id"] else "",
             f"fixed by {escape(row['fixed_by'])}" if to_fix and row["fixed_by"] else ""]
    return "<br>".join(part for part in parts if part)


CELL = "text-align:left;vertical-align:top;overflow-wrap:break-word"
"""Inline as well as in ``STYLE``: JupyterLab's own table rules (right-aligned cells) outrank a
report's style sheet in a notebook's output, not a cell's own style."""


def table_html(rows: list[dict[str, str]]) -> str:
    """Return the rows as an HTML table, each status a coloured badge."""
    columns = "".join(f'<col style="width:{width}">' for _, width in TABLE_COLUMNS)
    head = "".join(f'<th style="{CELL}">{escape(name)}</th>' for name, _ in TABLE_COLUMNS)
    body = []
    for row in rows:
        cells = [
            f'<td class="status" style="{CELL};white-space:nowrap;color:#fff;font-weight:bold;'
            f'background:{STATUS_COLORS[row["status"]]}">{escape(row["status"])}</td>',
            f'<td style="{CELL}">{escape(row["severity"])}</td>',
            f'<td style="{CELL}"><b>{escape(row["title"])}</b><br><code>{escape(row["check"])}</code></td>',
            f'<td style="{CELL}"><code>{escape(row["resource"])}</code></td>',
            f'<td style="{CELL}">{escape(row["detail"])}</td>',
            f'<td style="{CELL}">{escape(row["remediation"])}</td>',
            f'<td style="{CELL}">{references_html(row)}</td>',
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="audit" style="table-layout:fixed;width:100%;border-collapse:collapse"><colgroup>{columns}</colgroup><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def summary_html(report: AuditReport) -> str:
    """Return the line of counts by status."""
    counts = report.counts()
    return '<p class="summary">' + "".join(
        f'<span style="color:{STATUS_COLORS[status]}"><b>{counts[status]}</b> {status}</span>' for status in STATUS_ORDER
    ) + "</p>"


def spending_html(spending: SpendingFacts) -> str:
    """Return the spending section: a sentence, the chart, the table."""
    frame = spending_frame(spending)
    head = "".join(f"<th>{escape(str(column))}</th>" for column in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{escape(str(value))}</td>" for value in record) + "</tr>"
                   for record in frame.itertuples(index=False))
    return (f"<h2>Spending</h2><p>{escape(describe_spending(spending))}</p>{spending_chart(spending)}"
            f'<table class="audit"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')


def render_fragment(report: AuditReport) -> str:
    """Return the report's body: heading, counts, chart, table (and spending), with its style."""
    spending = spending_html(report.spending) if report.spending is not None else ""
    return (f"<style>{STYLE}</style>"
            f"<h1>Audit of account {escape(report.account_id)}</h1>"
            f"<p>Region {escape(report.region)}, collected {escape(report.collected_at)}. Read-only: the audit changed nothing.</p>"
            f"{summary_html(report)}{severity_chart(report.checks)}{table_html(report_rows(report.checks))}{spending}")


def render_html(report: AuditReport) -> str:
    """Return the self-contained HTML document."""
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>Audit of account {escape(report.account_id)}</title></head>"
            f"<body>{render_fragment(report)}</body></html>\n")


def render_csv(report: AuditReport) -> str:
    """Return the checks as CSV, one row per check."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(report_rows(report.checks))
    return out.getvalue()


def render_json(report: AuditReport) -> str:
    """Return the whole report as JSON (the checks with their registry entries, the spending)."""
    document: dict[str, Any] = {
        "account_id": report.account_id, "region": report.region, "collected_at": report.collected_at,
        "summary": report.counts(), "checks": report_rows(report.checks),
    }
    if report.spending is not None:
        document["spending"] = {"months": list(report.spending.months), "requests": report.spending.requests,
                                "sample": report.spending.sample,
                                "costs": [vars(cost) for cost in report.spending.costs]}
    return json.dumps(document, indent=2) + "\n"


def report_folder(summary_file: str, given: str, *, now: datetime.datetime | None = None, sandbox: bool = False) -> Path:
    """Return where the report goes: ``given``; else the run's folder (headless, beside the
    executed notebooks); else ``audits_folder(sandbox=...)/<time>``."""
    if given:
        return Path(given).expanduser()
    if summary_file:
        return Path(summary_file).resolve().parent.parent
    return audits_folder(sandbox=sandbox) / (now or datetime.datetime.now()).strftime("%Y-%m-%dT%H-%M-%S")


def audits_folder(*, sandbox: bool) -> Path:
    """Return where interactive audits keep their reports: the sandbox's own folder for the
    sandbox (a reset removes them with the account they describe), else ``<runbook home>/audits``."""
    return (sandbox_home() if sandbox else runbook_home()) / "audits"


def write_report(report: AuditReport, folder: Path) -> list[Path]:
    """Write the HTML report, the CSV and the JSON into ``folder``; return the files."""
    folder.mkdir(parents=True, exist_ok=True)
    contents = (render_html(report), render_csv(report), render_json(report))
    written = []
    for name, text in zip(REPORT_FILES, contents, strict=True):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
