"""The step forms: twins of the parameters cells, judged as the person types, with the library's rules."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import ipywidgets
import pytest

from runbook_lib import forms
from runbook_lib.forms import FormError, StepForm, judge_field, start_fields, target_form
from runbook_lib.parameters import FIELD_RULES, read_parameter_specs
from runbook_lib.target import Settings, target_choices

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def specs_of(step: str):
    return read_parameter_specs(NOTEBOOKS[0].parent / f"{step}.ipynb")


def form_of(step: str, *, sandbox: bool = True, interactive: bool = True, **parameters) -> StepForm:
    specs = specs_of(step)
    namespace = {name: spec.default for name, spec in specs.items()} | parameters
    return StepForm(step, start_fields(step, specs, namespace, sandbox=sandbox), interactive=interactive)


# --- judging, as beside a field -------------------------------------------------------------


def test_an_empty_required_field_says_required_and_an_empty_optional_one_nothing():
    assert judge_field("email", "", required=True) == "required"
    assert judge_field("email", "  ", required=True) == "required"
    assert judge_field("group_name", "", required=False) == ""
    assert judge_field("services", [], type_name="list", required=True) == "required"


def test_a_bad_region_gets_one_short_sentence_naming_the_field_not_every_region():
    message = judge_field("region", "mars-1")
    assert message.startswith("region: ")
    assert "known regions" not in message and "af-south-1" not in message
    assert len(message) < 120
    assert judge_field("region", "us-east-1") == ""


def test_the_field_rules_are_the_librarys():
    """Every field with a rule in the parameters file's table is judged by it, as the file is."""
    for name, wrong in {"email": "x", "user_name": "a<b", "permission_set_name": "x" * 33, "budget_limit_usd": -1}.items():
        with pytest.raises(Exception):
            FIELD_RULES[name](wrong, name)
        assert judge_field(name, wrong, type_name="float" if name == "budget_limit_usd" else "str").startswith(f"{name}: ")


def test_a_wrong_type_is_named_too():
    assert judge_field("session_duration_hours", "four", type_name="int") == "session_duration_hours: must be a whole number, not str"


# --- the step form ----------------------------------------------------------------------------


def test_the_form_starts_from_the_parameters_and_labels_fields_with_their_words():
    form = form_of("03_create_admin_user", sandbox=False, user_name="Root2", email="me@example.org")
    assert form.controls["user_name"].value == "Root2"
    assert form.controls["user_name"].description == "user name"
    assert form.controls["email"].value == "me@example.org"
    assert form.controls["session_duration_hours"].value == 1
    assert isinstance(form.controls["session_duration_hours"], ipywidgets.IntText)
    assert "confirmed" not in form.controls and "target" not in form.controls


def test_typing_judges_the_field_beside_it():
    form = form_of("03_create_admin_user", sandbox=False)
    assert "required" in form.notes["email"].value
    form.controls["email"].value = "nope"
    assert "email: must be an email address" in form.notes["email"].value
    form.controls["email"].value = "grace@example.org"
    assert form.notes["email"].value == ""


def test_reading_a_form_with_bad_fields_names_each_and_reading_a_good_one_returns_the_values():
    form = form_of("03_create_admin_user", sandbox=False)
    form.controls["email"].value = "nope"
    with pytest.raises(FormError) as refused:
        form.values()
    assert refused.value.field == "given_name"
    assert [problem.name for problem in refused.value.problems] == ["given_name", "family_name", "email"]
    assert "  - given name (given_name): required" in str(refused.value)
    for name, value in {"given_name": "Grace ", "family_name": "Hopper", "email": "grace@example.org"}.items():
        form.controls[name].value = value
    values = form.values()
    assert values["given_name"] == "Grace" and values["email"] == "grace@example.org"
    assert set(values) == {"user_name", "given_name", "family_name", "display_name", "email",
                           "permission_set_name", "session_duration_hours", "group_name"}


def test_in_the_sandbox_examples_are_in_the_fields_and_marked_not_filled_behind_the_back():
    form = form_of("03_create_admin_user", family_name="Hopper")
    assert form.controls["given_name"].value == "Ada"
    assert forms.SANDBOX_NOTE in form.notes["given_name"].value
    assert form.controls["family_name"].value == "Hopper"  # the person's own: no example
    assert forms.SANDBOX_NOTE not in form.notes["family_name"].value
    form.controls["given_name"].value = "Grace"
    assert forms.SANDBOX_NOTE not in form.notes["given_name"].value
    assert form.examples == {"email": "ada@example.com"}


def test_no_example_is_offered_on_a_real_account():
    form = form_of("03_create_admin_user", sandbox=False)
    assert form.controls["given_name"].value == "" and form.examples == {}


def test_services_are_a_multi_select_and_lists_of_text_are_comma_separated():
    form = form_of("04_create_developer_user", services=["s3", "Lambda"])
    services = form.controls["services"]
    assert isinstance(services, ipywidgets.SelectMultiple)
    assert services.value == ("s3", "lambda")
    services.value = ("dynamodb",)
    assert form.values()["services"] == ["dynamodb"]
    services.value = ()
    assert "required" in form.notes["services"].value
    budget = form_of("07_set_guardrails")
    budget.controls["alert_emails"].value = "a@example.org, b@example.org"
    assert budget.values()["alert_emails"] == ["a@example.org", "b@example.org"]
    assert isinstance(budget.controls["cloudtrail"], ipywidgets.Checkbox)


def test_a_headless_form_builds_no_widget_and_its_values_are_the_parameters(monkeypatch):
    monkeypatch.setattr(forms, "build_control", lambda field: pytest.fail("a widget was built headless"))
    form = form_of("03_create_admin_user", interactive=False, given_name="Grace", family_name="Hopper", email="g@example.org")
    assert form.widget is None
    assert form.values()["given_name"] == "Grace"
    with pytest.raises(FormError) as refused:
        form_of("03_create_admin_user", sandbox=False, interactive=False).values()
    assert refused.value.field == "given_name"


# --- the notebook's glue: remembered values, headless, the sandbox line ---------------------------


@pytest.fixture
def shown(monkeypatch):
    import runbook_lib.notebook as notebook_module

    monkeypatch.setattr(notebook_module, "_FORM_VALUES", {})
    seen: list[object] = []
    monkeypatch.setattr(notebook_module, "display", lambda *objects: seen.extend(objects))
    return seen


def defaults_of(step: str) -> dict[str, object]:
    return {name: spec.default for name, spec in specs_of(step).items()}


def test_a_form_built_again_keeps_what_the_person_typed_until_the_parameter_changes(sandbox, shown):
    from runbook_lib.notebook import begin_step

    run = begin_step("03_create_admin_user", target="sandbox")
    namespace = defaults_of("03_create_admin_user")
    first = run.form(namespace)
    assert first.widget in shown
    first.controls["given_name"].value = "Grace"
    again = run.form(namespace)  # the cell run again
    assert again.controls["given_name"].value == "Grace"
    assert again.values()["given_name"] == "Grace"
    namespace["given_name"] = "Mary"  # a parameter changed in the parameters cell wins
    assert run.form(namespace).controls["given_name"].value == "Mary"


def test_a_headless_sandbox_run_says_which_fields_use_an_example(sandbox, shown):
    from runbook_lib.notebook import begin_step

    run = begin_step("03_create_admin_user", target="sandbox", headless=True)
    form = run.form(defaults_of("03_create_admin_user") | {"email": "me@example.org"})
    assert form.widget is None
    said = [line for line in shown if isinstance(line, str) and line.startswith("Sandbox examples")]
    assert said == ["Sandbox examples for the empty fields: given_name='Ada', family_name='Lovelace' "
                    "(set them in the parameters to choose your own)."]
    assert form.values()["email"] == "me@example.org"


# --- the twins: every person-facing parameter of every notebook has a field, and is read from it --


def code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def is_form_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "form"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_every_person_facing_parameter_has_a_field_and_is_read_from_the_form(notebook):
    specs = read_parameter_specs(notebook)
    own = forms.OWN_CONTROLS.get(notebook.stem, frozenset())
    assert own <= set(specs), "a control of its own for a parameter the notebook does not have"
    read_anywhere = {
        node.id for source in code_cells(notebook)[1:] for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
    assert own <= read_anywhere, f"{sorted(own - read_anywhere)}: said to have a control of their own, never read"
    facing = [name for name in specs if name not in forms.NOT_ON_FORMS and name not in own]
    assert forms.REQUIRED.get(notebook.stem, frozenset()) <= set(facing), "a required field that is no parameter"
    if not facing:
        return
    fields = start_fields(notebook.stem, specs, {name: spec.default for name, spec in specs.items()})
    assert [field.name for field in fields] == facing
    trees = [ast.parse(source) for source in code_cells(notebook)]
    form_cell = next((index for index, tree in enumerate(trees) if any(is_form_call(node) for node in ast.walk(tree))), None)
    assert form_cell is not None, f"{notebook.name} has person-facing parameters but no run.form(globals())"
    assigned: set[str] = set()
    for tree in trees[form_cell + 1:]:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                assigned.add(node.id)
        read_bare = {
            node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in facing and node.id not in assigned
        }
        assert not read_bare, f"{notebook.name} reads {sorted(read_bare)} from the parameters, not from the form"


def test_every_sandbox_example_passes_its_own_rule():
    for name, value in forms.SANDBOX_EXAMPLES.items():
        type_name = "list" if isinstance(value, list) else "str"
        assert judge_field(name, value, type_name=type_name, required=True) == "", name


# --- 00's form ----------------------------------------------------------------------------------


def target_fields(form: ipywidgets.VBox) -> list[ipywidgets.Widget]:
    """Return the target form's four fields (the last three sit beside their notes)."""
    return [form.children[0], *(row.children[0] for row in form.children[1:4])]


def notes_of(form: ipywidgets.VBox) -> list[str]:
    return [row.children[1].value for row in form.children[1:4]]


def test_the_profile_field_is_active_only_for_target_profile_and_says_required_when_empty():
    settings = Settings()
    form = target_form(target=settings.target, profile="", region=settings.region, account_id="",
                       profiles=["admin"], choices=target_choices(), on_save=lambda **fields: "saved")
    target, profile, region, account_id = target_fields(form)
    for chosen in ("sandbox", "environment", "none"):
        target.value = chosen
        assert profile.disabled, chosen
        assert notes_of(form)[0] == ""
    target.value = "profile"
    assert not profile.disabled
    assert ">required<" in notes_of(form)[0]
    profile.value = "admin"
    assert notes_of(form)[0] == ""


def test_the_target_form_says_a_bad_region_and_account_id_shortly():
    form = target_form(target="sandbox", profile="", region="us-east-1", account_id="", profiles=[],
                       choices=target_choices(), on_save=lambda **fields: "saved")
    target, profile, region, account_id = target_fields(form)
    region.value = "mars-1"
    account_id.value = "123"
    region_note, account_note = notes_of(form)[1:]
    assert "region: " in region_note and "known regions" not in region_note
    assert "account_id: " in account_note


def test_the_sandbox_caller_is_named_as_the_sandbox_user():
    from runbook_lib.target import CallerIdentity

    moto = CallerIdentity("123456789012", "arn:aws:sts::123456789012:user/moto", "AIDA")
    assert moto.describe(sandbox=True) == "the sandbox user"
    assert moto.describe(sandbox=False) == moto.arn
    admin = CallerIdentity("123456789012", "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin/Admin", "AROA")
    assert admin.describe(sandbox=True) == admin.arn


def test_a_saved_notebook_keeps_the_forms_name_and_fields_not_the_widgets_layout():
    form = form_of("06_verify_developer_access")
    assert form.widget._repr_mimebundle_()["text/plain"] == (
        "The form of 06_verify_developer_access: developer name, developer profile, config file, "
        "login timeout seconds, sign in as"
    )[:110] + "…"


def test_saving_the_target_form_with_an_empty_profile_says_required_and_saves_nothing():
    from test_widgets import buttons_in, shown_text

    saved: list[dict] = []
    form = target_form(target="profile", profile="", region="mars-1", account_id="", profiles=[],
                       choices=target_choices(), on_save=lambda **fields: saved.append(fields) or "saved")
    buttons_in(form)[0].click()
    shown = shown_text(form)
    assert "FormError: The form of 00_start_here has 2 field(s) to correct" in shown
    assert "  - profile: required" in shown and "  - region: must be a region name" in shown
    assert "64 characters" not in shown and "known regions" not in shown
    assert saved == []


@pytest.mark.parametrize("sandbox", [True, False])
def test_a_sandbox_only_field_is_shown_disabled_with_why_on_a_real_account(sandbox):
    specs = read_parameter_specs(next(path for path in NOTEBOOKS if path.stem == "99_teardown"))
    fields = {field.name: field for field in start_fields("99_teardown", specs, {}, sandbox=sandbox)}
    reset = fields["reset_sandbox"]
    control = forms.build_control(reset)
    assert control.disabled is (not sandbox)
    assert ("this is a real account" in control.tooltip) is (not sandbox)
    assert not forms.build_control(fields["admin_user_name"]).disabled
