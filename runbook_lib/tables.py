"""Plans, checks and checklists as compact HTML tables, with a plain-text twin; data in, text out.

A ``Table`` holds both renderings: JupyterLab shows its HTML (status cells coloured, the word kept,
text left-aligned, long details wrapped), a terminal or a saved notebook's ``text/plain`` shows the
text. Every value is HTML-escaped. A note that several rows end with (the policy evaluator's
disclaimer on every least-privilege row) is taken off those rows and said once under the table.

Pure: nothing here imports IPython, ipywidgets or pandas; the notebook displays a ``Table`` as it
displays anything with ``_repr_html_``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Iterable, Sequence

from runbook_lib.checks import ACCEPTED, FAIL, MANUAL, PASS, WARN, Check, Verification
from runbook_lib.plan import CONFLICT, CONSOLE, CREATE, DELETE, NO_OP, REPLACE, UPDATE, Plan, shown_value

STATUS_COLOURS = {
    PASS: ("#1b5e20", "#e8f5e9"), FAIL: ("#b71c1c", "#ffebee"), WARN: ("#8a5300", "#fff3e0"),
    MANUAL: ("#37474f", "#eceff1"), ACCEPTED: ("#0d47a1", "#e3f2fd"),
}
"""Text and background colour of each check status: green, red, amber, grey, blue."""
ACTION_COLOURS = {
    CREATE: STATUS_COLOURS[PASS], UPDATE: STATUS_COLOURS[WARN], REPLACE: STATUS_COLOURS[WARN],
    DELETE: STATUS_COLOURS[FAIL], CONFLICT: STATUS_COLOURS[FAIL], CONSOLE: STATUS_COLOURS[ACCEPTED],
    NO_OP: STATUS_COLOURS[MANUAL],
}
"""Each plan action's colours: what is made green, changed amber, removed or disputed red."""

TABLE_STYLE = "border-collapse:collapse;margin:2px 0;font-size:12px;line-height:1.35;width:auto"
CELL_STYLE = (
    "text-align:left;vertical-align:top;padding:2px 6px;border-bottom:1px solid #ddd;"
    "white-space:normal;overflow-wrap:anywhere;max-width:560px"
)
NAME_STYLE = CELL_STYLE + ";white-space:nowrap"
"""Check ids stay whole: a reader scans them."""
HEAD_STYLE = CELL_STYLE + ";font-weight:600;border-bottom:2px solid #bbb;white-space:nowrap"
NOTE_STYLE = "font-size:11px;color:#555;margin:2px 0 6px 0;text-align:left"
MIN_ROWS_FOR_A_NOTE = 2
MIN_NOTE_CHARACTERS = 40
"""A trailing parenthesis said by at least this many rows, and this long, becomes a note under the
table (the evaluator's disclaimer); a short one (the phrase to type) stays where it is read."""


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, optionally the colours of a status or an action badge, and
    whether it keeps to one line (a check id)."""

    text: str
    colours: tuple[str, str] | None = None
    nowrap: bool = False


@dataclass(frozen=True)
class Table:
    """A table in both renderings: ``html`` for JupyterLab, ``text`` for a terminal and a log."""

    html: str
    text: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


def render_table(
    columns: Sequence[str], rows: Sequence[Sequence[Cell | str]], *, notes: Sequence[str] = (), caption: str = "",
    collapsed: str = "",
) -> Table:
    """Return ``rows`` under ``columns`` as a ``Table``; ``notes`` are numbered under it.

    A row's text refers to a note by ``[n]`` (``factor_notes`` puts them there). With
    ``collapsed`` (the line shown instead), the HTML table opens on a click; the text is whole.
    """
    cells = [[cell if isinstance(cell, Cell) else Cell(cell) for cell in row] for row in rows]
    head = "".join(f'<th style="{HEAD_STYLE}">{html.escape(name)}</th>' for name in columns)
    body = "".join("<tr>" + "".join(_html_cell(cell) for cell in row) + "</tr>" for row in cells)
    parts = []
    if caption:
        parts.append(f'<div style="{NOTE_STYLE};font-size:12px;color:#333">{html.escape(caption)}</div>')
    parts.append(f'<table class="runbook-table" style="{TABLE_STYLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
    parts += [f'<div style="{NOTE_STYLE}">[{number}] {html.escape(note)}</div>' for number, note in enumerate(notes, 1)]
    shown = "".join(parts)
    if collapsed:
        shown = f'<details><summary style="cursor:pointer;text-align:left">{html.escape(collapsed)}</summary>{shown}</details>'
    return Table(shown, _text_table(columns, cells, notes, caption))


def _html_cell(cell: Cell) -> str:
    """Return one ``<td>``: a badge (coloured, the word kept) or plain escaped text."""
    text = html.escape(cell.text).replace("\n", "<br>")
    if cell.colours is None:
        return f'<td style="{NAME_STYLE if cell.nowrap else CELL_STYLE}">{text}</td>'
    foreground, background = cell.colours
    return (
        f'<td style="{CELL_STYLE};white-space:nowrap"><span style="color:{foreground};background:{background};'
        f'font-weight:700;padding:0 4px;border-radius:3px">{text}</span></td>'
    )


TEXT_COLUMN_WIDTH = 48
"""In the text twin, a column is padded to its longest value up to this; a longer value pushes its row."""


def _text_table(columns: Sequence[str], rows: list[list[Cell]], notes: Sequence[str], caption: str) -> str:
    """Return the table as text: one line per row, columns padded except the last (it wraps)."""
    widths = [min(TEXT_COLUMN_WIDTH, max([len(name), *(len(row[index].text) for row in rows)])) for index, name in enumerate(columns)]
    lines = [caption] if caption else []
    for values in [list(columns), *([cell.text for cell in row] for row in rows)]:
        padded = [value.ljust(width) for value, width in zip(values[:-1], widths[:-1])]
        lines.append("  ".join([*padded, values[-1].replace("\n", " ")]).rstrip())
    lines += [f"[{number}] {note}" for number, note in enumerate(notes, 1)]
    return "\n".join(lines)


def trailing_parenthesis(text: str) -> tuple[str, str]:
    """Split ``text`` into what comes before its last, balanced parenthesis and what is inside it.

    ``"s3:List: allowed (evaluated by X (moto))."`` gives ``("s3:List: allowed", "evaluated by X (moto)")``;
    a text not ending with a parenthesis (a full stop after it allowed) gives ``(text, "")``.
    """
    stripped = text.rstrip()
    end = stripped[:-1] if stripped.endswith(".") else stripped
    if not end.endswith(")"):
        return text, ""
    depth = 0
    for index in range(len(end) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(end[index], 0)
        if depth == 0:
            return end[:index].rstrip(), end[index + 1:-1]
    return text, ""


def factor_notes(details: Sequence[str]) -> tuple[list[str], list[str]]:
    """Take a trailing parenthesis that several details share off them; return details and notes.

    Each detail that loses it gets ``[n]``, its note's number, so nothing is said less, only once.
    """
    split = [trailing_parenthesis(detail) for detail in details]
    counts: dict[str, int] = {}
    for _, note in split:
        if note:
            counts[note] = counts.get(note, 0) + 1
    notes = [note for note in dict.fromkeys(note for _, note in split)
             if len(note) >= MIN_NOTE_CHARACTERS and counts[note] >= MIN_ROWS_FOR_A_NOTE]
    shown = []
    for detail, (before, note) in zip(details, split):
        shown.append(f"{before} [{notes.index(note) + 1}]" if note in notes else detail)
    return shown, notes


def merge_resources(resources: Sequence[str]) -> str:
    """Return resources in one cell: ``role[s3:List]``, ``role[logs:Get]`` as ``role[2 actions]`` when
    they share a base (the detail names each), ``budget[ACTUAL>80]``... as ``budget[3 entries]``
    (a budget's notifications are no actions), else each one."""
    if len(resources) == 1:
        return resources[0]
    bases = {resource.split("[", 1)[0] for resource in resources}
    if len(bases) == 1 and all(resource.endswith("]") and "[" in resource for resource in resources):
        actions = all(":" in resource.split("[", 1)[1] for resource in resources)  # service:Action
        return f"{bases.pop()}[{len(resources)} {'actions' if actions else 'entries'}]"
    return ", ".join(dict.fromkeys(resources))


def join_details(details: Iterable[str]) -> str:
    """Return grouped checks' details as one: "a.; b." read as a typo, so a sentence's own full
    stop ends it and the next begins after it."""
    kept = [detail.strip() for detail in details if detail.strip()]
    return " ".join(detail if detail.endswith((".", "!", "?")) else detail + "." for detail in kept) if len(kept) > 1 else "".join(kept)


def verification_table(verification: Verification, *, caption: str = "") -> Table:
    """Return a verification's checks: status (coloured), check, resource, detail.

    Passing checks of one id in a row (an allowed action each) share one row; every other
    check has its own, so each failure is read on its own.
    """
    details, notes = factor_notes([check.detail for check in verification.checks])
    groups: list[list[tuple[Check, str]]] = []
    for check, detail in zip(verification.checks, details):
        last = groups[-1][-1][0] if groups else None
        if last is not None and check.status == PASS and (last.check_id, last.status) == (check.check_id, PASS):
            groups[-1].append((check, detail))
        else:
            groups.append([(check, detail)])
    rows = [
        [Cell(group[0][0].status, STATUS_COLOURS[group[0][0].status]), Cell(group[0][0].check_id, nowrap=True),
         merge_resources([check.resource for check, _ in group]), join_details(detail for _, detail in group)]
        for group in groups
    ]
    counts = ", ".join(f"{sum(check.status == status for check in verification.checks)} {status}"
                       for status in STATUS_COLOURS if any(check.status == status for check in verification.checks))
    shared = f" in {len(rows)} rows" if len(rows) < len(verification.checks) else ""  # grouped passes: "5 PASS" over 3 rows
    summary = f"{verification.step}: {counts}{shared}" + (f" ({caption})" if caption else "")
    return render_table(["status", "check", "resource", "detail"], rows, notes=notes, caption=summary)


def plan_table(plan: Plan) -> Table:
    """Return a plan's changes: action (coloured), address, before and after side by side, detail.

    A column no change has a value for is left out (a plan of creations has no "before"); once
    one change has a before, a drift (an existing value brought back) shows both in its one row.
    """
    with_before = any(change.before is not None for change in plan.changes)
    with_after = with_before or any(change.after is not None for change in plan.changes)
    details, notes = factor_notes([change.detail for change in plan.changes])
    rows: list[list[Cell | str]] = []
    for change, detail in zip(plan.changes, details):
        row: list[Cell | str] = [Cell(change.action, ACTION_COLOURS[change.action]), change.address]
        row += [shown_value(change.before)] if with_before else []
        row += [shown_value(change.after)] if with_after else []
        rows.append([*row, detail])
    columns = ["action", "address", *(["before"] if with_before else []), *(["after"] if with_after else []), "detail"]
    return render_table(columns, rows, notes=notes)


def checklist_table(rows: Sequence[tuple[str, str, bool]]) -> Table:
    """Return a checklist: each item's key, what to do, and whether it is confirmed (coloured)."""
    return render_table(
        ["confirmed", "item", "what to do"],
        [[Cell("yes", STATUS_COLOURS[PASS]) if done else Cell("not yet", STATUS_COLOURS[WARN]), key, what]
         for key, what, done in rows],
    )


@dataclass(frozen=True)
class StateLine:
    """A notebook's closing line: its state, in a sentence, and the notebook to open next.

    Attributes:
        mark: ``done``, ``needs_you`` or ``failed``.
        sentence: e.g. ``03 done: Admin can administer this account``.
        next_notebook: The next notebook's file name (a relative link), or "".
    """

    mark: str
    sentence: str
    next_notebook: str = ""


STATE_SYMBOLS = {"done": "✔", "needs_you": "⚠", "failed": "✖"}
"""Marks that common fonts draw (an emoji font is not everywhere: CI's Chromium has none)."""
STATE_COLOURS = {"done": STATUS_COLOURS[PASS], "needs_you": STATUS_COLOURS[WARN], "failed": STATUS_COLOURS[FAIL]}


def state_line(state: StateLine) -> Table:
    """Return the closing line: symbol and sentence, coloured, then a link to the next notebook."""
    symbol = STATE_SYMBOLS[state.mark]
    foreground, background = STATE_COLOURS[state.mark]
    text = f"{symbol} {state.sentence}"
    link = ""
    if state.next_notebook:
        text += f" · Next: {state.next_notebook}"
        target = html.escape(state.next_notebook, quote=True)
        link = f' · Next: <a href="{target}" style="font-weight:600">{html.escape(state.next_notebook)}</a>'
    shown = (
        f'<div class="runbook-state" style="text-align:left;padding:4px 8px;margin:4px 0;border-radius:4px;'
        f'color:{foreground};background:{background};font-size:13px">{symbol} <b>{html.escape(state.sentence)}</b>{link}</div>'
    )
    return Table(shown, text)
