"""A step's form as a person fills it in JupyterLab: typed into, emptied, refused, fixed, kept.

The person runs the cells down to the form (in the sandbox an empty required field shows an
example, marked as one), types a bad value (the field says what is wrong, by
name, before any cell runs), empties a required one ("required"), runs the next cell (refused
in place, no traceback, nothing made), fixes both, sees the typed value in the plan, and runs
the form's cell again: what they typed is still there. In 03, a parameter changed in the
parameters cell then wins over what was typed (it is the newer choice).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from sandbox_seeds import prepare_account_for
from test_as_a_person import assert_no_traceback, field_row, user_names

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]

PROBLEM = "span.runbook-field-problem"
"""The message beside a field the form refuses."""


@dataclass(frozen=True)
class FormCase:
    """One notebook's form, and what a person types into it.

    Attributes:
        step: The notebook.
        form: The cell showing the form; ``validate`` reads it; ``plan`` shows the plan.
        label: The field typed wrong (its words), ``name`` its parameter, ``bad`` and ``good`` what is typed.
        shown: What the plan shows once ``good`` is typed.
        required: A required field emptied (its words and parameter), and what is typed back; or empty.
    """

    step: str
    form: int
    validate: int
    plan: int
    label: str
    bad: str
    good: str
    shown: str
    required: tuple[str, str, str] | tuple[()] = ()
    makes_users: bool = False

    @property
    def name(self) -> str:
        return self.label.replace(" ", "_")

    @property
    def named(self) -> str:
        """How a refusal names the field: its words, then its parameter when they differ."""
        return refusal_name(self.label, self.name)


def refusal_name(label: str, name: str) -> str:
    """Return how a form's refusal names a field: ``given name (given_name)``, or ``email`` alone."""
    return label if label == name else f"{label} ({name})"


CASES = [
    FormCase("03_create_admin_user", 2, 4, 6, "email", "grace.example.com", "grace@example.com", "grace@example.com",
             required=("family name", "family_name", "Hopper"), makes_users=True),
    FormCase("04_create_developer_user", 4, 6, 8, "developer name", "Grace Hopper", "grace", "grace-developer",
             required=("given name", "given_name", "Grace"), makes_users=True),
    FormCase("05_configure_aws_cli", 3, 7, 9, "admin profile", "my admin", "boss", "boss"),
    FormCase("07_set_guardrails", 2, 4, 6, "security contact email", "sec.example.com", "sec@example.com",
             "sec@example.com"),
]


def empty_field(lab, field) -> None:
    """Empty a text field as a person does: select all, delete."""
    field.click()
    field.press("ControlOrMeta+a")
    field.press("Backspace")


def errors_in(state, start: int, stop: int) -> list[str]:
    """Return the error outputs of cells ``start`` to ``stop`` (exclusive)."""
    return [
        output["text"] for cell in state["cells"][start:stop] if cell["type"] == "code"
        for output in cell["outputs"] if output["output_type"] == "error"
    ]


@pytest.mark.parametrize("case", CASES, ids=[case.step[:2] for case in CASES])
def test_a_field_typed_wrong_or_emptied_is_named_refused_then_fixed_and_kept(lab, sandbox, ctx, case):
    prepare_account_for(case.step, sandbox)
    users_before = user_names(ctx) if case.makes_users else []
    lab.open_notebook(f"{case.step}.ipynb")
    lab.run_cells(0, case.form + 1)
    row = field_row(lab, case.label)
    field = row.locator("input")

    lab.type_into(field, case.bad)
    with lab.explaining(f"Typing a bad {case.label} should name the field beside it, before any cell runs"):
        expect(row.locator(PROBLEM)).to_contain_text(f"{case.name}:")
    assert lab.state()["cells"][case.validate]["execution_count"] is None, lab.describe()
    if case.required:
        required_label, required_name, refill = case.required
        required_row = field_row(lab, required_label)
        with lab.explaining(f"In the sandbox, the empty {required_label} should start from a visible example"):
            expect(required_row.locator("input")).not_to_have_value("")
            expect(required_row).to_contain_text("sandbox example")
        empty_field(lab, required_row.locator("input"))
        with lab.explaining(f"Emptying {required_label} should say required beside it"):
            expect(required_row.locator(PROBLEM)).to_have_text("required")

    state = lab.run_cells(case.validate, case.validate + 1)
    refused = lab.cell_outputs(case.validate)
    with lab.explaining("The next cell should refuse, naming the fields, with no traceback"):
        expect(refused).to_contain_text(f"FormError: The form of {case.step} has")
        expect(refused).to_contain_text(f"- {case.named}:")
        if case.required:
            expect(refused).to_contain_text(f"- {refusal_name(required_label, required_name)}: required")
    assert len(errors_in(state, case.validate, case.validate + 1)) == 1, lab.describe(state)
    assert_no_traceback(lab)
    if case.makes_users:
        assert user_names(ctx) == users_before, lab.describe(state)  # nothing was made
    lab.cell(case.validate).scroll_into_view_if_needed()
    lab.screenshot(f"{case.step[:2]}-refused.png")

    lab.type_into(field, case.good)
    if case.required:
        lab.type_into(required_row.locator("input"), refill)
    with lab.explaining("Fixed, the form should show no message"):
        expect(lab.cell_outputs(case.form).locator(PROBLEM)).to_have_count(0)
    state = lab.run_cells(case.validate, case.plan + 1)
    assert errors_in(state, case.validate, case.plan + 1) == [], lab.describe(state)
    with lab.explaining(f"The plan should show the typed {case.label}"):
        expect(lab.cell_outputs(case.plan)).to_contain_text(case.shown)
        if case.required:
            expect(lab.cell_outputs(case.plan)).to_contain_text(refill)

    lab.run_cells(case.form, case.form + 1)
    with lab.explaining("Run again, the form should keep what was typed"):
        expect(field_row(lab, case.label).locator("input")).to_have_value(case.good)
        if case.required:
            expect(field_row(lab, required_label).locator("input")).to_have_value(refill)
    assert_no_traceback(lab)
    lab.screenshot(f"{case.step[:2]}-kept.png")

    if case.step.startswith("03"):
        lab.replace_line(1, "email: str", 'email: str = "ada@example.org"')
        lab.run_cells(1, case.form + 1)
        with lab.explaining("A parameter changed in the parameters cell should win over what was typed"):
            expect(field_row(lab, "email").locator("input")).to_have_value("ada@example.org")
            expect(field_row(lab, "family name").locator("input")).to_have_value("Hopper")  # untouched: kept
