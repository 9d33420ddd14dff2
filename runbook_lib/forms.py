"""The forms a person fills in JupyterLab: twins of a notebook's ``parameters`` cell.

A step's form is built from the notebook's own parameters (``parameters.read_parameter_specs``):
one field per person-facing parameter, labelled with the parameter's words (``given_name`` is
"given name"), starting from its value. Fields are judged as the person types, with the rules a
parameters file is checked with (``parameters.FIELD_RULES``, which are ``validate``'s): "required"
beside an empty required field, else one short sentence naming the field. Reading the form
(``StepForm.values``) raises ``FormError`` naming every bad field, before any AWS call.

Headless (papermill) the same ``StepForm`` is made without widgets: its values are the
parameters'. In the sandbox an empty field starts from an example, shown in the field with the
note "sandbox example", never filled in silently.

This module builds and judges; it keeps nothing between runs (``runbook_lib.notebook`` remembers
what the person typed) and knows nothing of steps, runs or AWS.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets

from runbook_lib import awsconfig, catalogue, validate
from runbook_lib.errors import InputError
from runbook_lib.parameters import COMMON_PARAMETERS, FIELD_RULES, RUNNER_PARAMETERS, ParameterSpec, type_problem
from runbook_lib.widgets import action_button

NOT_ON_FORMS = frozenset({*COMMON_PARAMETERS, *RUNNER_PARAMETERS, "confirmed", "confirm", "wait_seconds"})
"""Parameters no step form shows: where the runbook acts (00's form chooses it), the runner's
own, the console checklist (it has a checkbox per item) and 99's typed confirmation (its own box
beside the delete button, so that deleting is never one click on a pre-filled form), and 02's
``wait_seconds`` (only a headless run waits)."""

SANDBOX_ONLY = frozenset({"reset_sandbox"})
"""Fields that mean something in the sandbox only: on a real account they show, disabled, with why."""

OWN_CONTROLS: dict[str, frozenset[str]] = {"00_start_here": frozenset({"catch_up_to", "reset_sandbox"})}
"""By step, parameters whose twin is a control of their own rather than a form field: 00's
"Catch me up" dropdown and button, and its reset with a tick box first (a reset is never a field
left ticked on a form that is saved)."""

REQUIRED: Mapping[str, frozenset[str]] = {
    "03_create_admin_user": frozenset({"user_name", "given_name", "family_name", "email", "permission_set_name"}),
    "04_create_developer_user": frozenset(
        {"developer_name", "given_name", "family_name", "email", "services", "permission_set_name"}
    ),
    "05_configure_aws_cli": frozenset({"admin_profile", "admin_role", "developer_role", "output"}),
    "07_set_guardrails": frozenset(
        {"budget_name", "security_contact_name", "security_contact_email", "security_contact_phone"}
    ),
    "99_teardown": frozenset({"admin_user_name"}),
}
"""The fields each step cannot do without; an empty one shows "required". The others may stay
empty: the step has a default for them (its parameter's comment says which)."""

SANDBOX_EXAMPLES: Mapping[str, Any] = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "email": "ada@example.com",
    "developer_name": "ada",
    "services": ["s3", "lambda", "logs"],
    "security_contact_name": "Ada Lovelace",
    "security_contact_email": "ada@example.com",
    "security_contact_phone": "+1 555 0100",  # 555-01xx numbers are fictional
}
"""What an empty field starts from in the sandbox, shown in the field as a "sandbox example"."""

SANDBOX_NOTE = "sandbox example"
REQUIRED_NOTE = "required"


def field_choices() -> dict[str, tuple[tuple[str, str], ...]]:
    """Return the fields offered as a list to choose from: ``(label, value)`` pairs by field name."""
    return {
        "services": tuple((label, key) for key, label in catalogue.service_choices()),
        "output": tuple((name, name) for name in awsconfig.OUTPUT_FORMATS),
    }


@dataclass(frozen=True)
class FormField:
    """One field of a step's form, the twin of one parameter.

    Attributes:
        name: The parameter's name.
        type_name: Its annotation (``str``, ``bool``, ``int``, ``float``, ``list``).
        parameter: The parameter's value in the notebook.
        value: What the field starts with: the parameter's, the person's earlier value, or in
            the sandbox an example.
        required: Whether an empty value is refused ("required").
        help: The parameter's comment.
        choices: ``(label, value)`` pairs for a field chosen from a list; empty for free text.
        example: True when ``value`` is a sandbox example.
        unavailable: Why the field cannot be changed here (e.g. "sandbox only" on a real
            account), shown disabled; "" for a field the person may change.
    """

    name: str
    type_name: str
    parameter: Any
    value: Any
    required: bool = False
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    example: bool = False
    unavailable: str = ""

    @property
    def label(self) -> str:
        """The field's label: the parameter's name in words (``given_name``: "given name")."""
        return label_of(self.name)


def label_of(name: str) -> str:
    """Return a parameter's name in words, as its form field is labelled."""
    return name.replace("_", " ")


def is_empty(value: Any) -> bool:
    """Return True for a field left empty: no text, or an empty list."""
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, (list, tuple)) and not value)


_LONG_ASIDE = re.compile(r"\s*\([^()]{60,}\)")


def shorten(rule: str) -> str:
    """Return ``rule`` without long asides (the list of every known region), for beside a field."""
    return _LONG_ASIDE.sub("", rule).strip()


def judge_field(name: str, value: Any, *, type_name: str = "str", required: bool = False) -> str:
    """Return what is wrong with a field's value, or "" when it is fine.

    "required" for an empty required field; otherwise the library's rule for the field (the
    parameters file's, see ``parameters.FIELD_RULES``), short and naming the field, e.g.
    ``region: must be a region name such as us-east-1, in lower case``.
    """
    if is_empty(value):
        return REQUIRED_NOTE if required else ""
    wrong = type_problem(name, value, type_name)
    if wrong is not None:
        return f"{name}: {wrong.rule}"
    rule = FIELD_RULES.get(name)
    if rule is None:
        return ""
    try:
        rule(value, name)
    except InputError as refused:
        return f"{name}: {shorten(refused.rule)}"
    return ""


def start_fields(
    step: str,
    specs: Mapping[str, ParameterSpec],
    namespace: Mapping[str, Any],
    *,
    remembered: Mapping[str, tuple[Any, Any]] | None = None,
    sandbox: bool = False,
) -> list[FormField]:
    """Return the fields of ``step``'s form, each starting from its parameter.

    The value a field starts with, in this order: what the person typed in this kernel, while
    the parameter still has the value it had then (a parameter changed in the parameters cell
    wins: it is the newer choice); else the parameter's value; else, empty in the sandbox, an
    example (``SANDBOX_EXAMPLES``), marked so the form says so.

    Args:
        step: The notebook's name, e.g. ``03_create_admin_user``.
        specs: The parameters the notebook declares.
        namespace: The notebook's namespace (``globals()``): the parameters' current values.
        remembered: By field name, ``(parameter value then, value typed)``.
        sandbox: Whether the step acts on the sandbox.
    """
    remembered = remembered or {}
    choices = field_choices()
    required = REQUIRED.get(step, frozenset())
    fields = []
    for name, spec in specs.items():
        if name in NOT_ON_FORMS or name in OWN_CONTROLS.get(step, ()):
            continue
        parameter = namespace.get(name, spec.default)
        value, example = parameter, False
        if name in remembered and remembered[name][0] == parameter:
            value = remembered[name][1]
        elif sandbox and is_empty(parameter) and name in SANDBOX_EXAMPLES:
            value, example = SANDBOX_EXAMPLES[name], True
        fields.append(FormField(
            name, spec.type_name, parameter, value, required=name in required, help=spec.help,
            choices=choices.get(name, ()), example=example,
            unavailable="" if sandbox or name not in SANDBOX_ONLY else "sandbox only: this is a real account",
        ))
    return fields


@dataclass(frozen=True)
class FieldProblem:
    """A field the form refuses.

    Attributes:
        name: The field.
        value: What it holds.
        message: What is wrong, as shown beside it.
    """

    name: str
    value: Any
    message: str

    def __str__(self) -> str:
        """The field as the form labels it, and as the parameters cell names it: "given name
        (given_name): required" is found in either."""
        said = self.message.removeprefix(f"{self.name}:").strip()
        label = label_of(self.name)
        return f"{self.name}: {said}" if label == self.name else f"{label} ({self.name}): {said}"


class FormError(InputError):
    """Raised when a form is read while a field is empty but required, or breaks its rule.

    Attributes:
        problems: Every refused field, in the form's order (``field`` names the first).
    """

    def __init__(self, step: str, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(first.name, first.value, first.message)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        self.message = f"The form of {step} has {len(self.problems)} field(s) to correct; nothing was changed:\n{listed}"
        self.advice = "Correct them in the form above (or in the parameters cell), then run this cell again."
        self.args = (self.message,)


def list_from_text(text: str) -> list[str]:
    """Return the entries of a comma-separated field (``a@x.org, b@x.org``), stripped."""
    return [entry.strip() for entry in text.split(",") if entry.strip()]


class StepForm:
    """A step's form: its fields, their values, and (interactive) the widgets showing them.

    Attributes:
        step: The notebook's name.
        fields: The fields by name, as they started.
        widget: The form to display; None headless (nothing is built or waited on).
    """

    def __init__(
        self, step: str, fields: Sequence[FormField], *, interactive: bool,
        on_change: Callable[[str, Any], None] | None = None,
    ) -> None:
        self.step = step
        self.fields = {field.name: field for field in fields}
        self._values = {field.name: field.value for field in fields}
        self._on_change = on_change
        self.controls: dict[str, ipywidgets.Widget] = {}
        self.notes: dict[str, ipywidgets.HTML] = {}
        self.widget = self._build() if interactive else None

    @property
    def examples(self) -> dict[str, Any]:
        """The fields that still hold their sandbox example, with it."""
        return {
            name: value for name, value in self._values.items()
            if self.fields[name].example and value == self.fields[name].value
        }

    def message(self, name: str) -> str:
        """Return what is wrong with a field now, or ""."""
        field = self.fields[name]
        return judge_field(name, self._values[name], type_name=field.type_name, required=field.required)

    def values(self) -> dict[str, Any]:
        """Return every field's value, text stripped, after checking each with the library's rules.

        Raises:
            FormError: naming every field that is empty but required or breaks its rule.
        """
        problems = [
            FieldProblem(name, self._values[name], message)
            for name in self.fields if (message := self.message(name))
        ]
        if problems:
            raise FormError(self.step, problems)
        return {name: value.strip() if isinstance(value, str) else value for name, value in self._values.items()}

    def set_value(self, name: str, value: Any) -> None:
        """Take a field's new value (as its widget reports it), judge it and pass it on."""
        field = self.fields[name]
        if field.type_name == "list" and isinstance(value, str):
            value = list_from_text(value)
        elif field.type_name == "list":
            value = list(value)
        self._values[name] = value
        if self._on_change is not None:
            self._on_change(name, value)
        if name in self.notes:
            self.notes[name].value = self._note_html(name)

    def _note_html(self, name: str) -> str:
        message = self.message(name)
        if message:
            return f'<span class="runbook-field-problem" style="color:#b00020">{_escape(message)}</span>'
        if name in self.examples:
            return f'<span class="runbook-field-example" style="color:#666"><i>{SANDBOX_NOTE}</i></span>'
        return ""

    def _build(self) -> FormBox:
        rows = []
        for name, field in self.fields.items():
            control = build_control(field)
            control.observe(lambda change, name=name: self.set_value(name, change["new"]), names="value")
            note = ipywidgets.HTML(self._note_html(name))
            self.controls[name], self.notes[name] = control, note
            rows.append(ipywidgets.HBox([control, note]))
        return FormBox(rows, title=f"The form of {self.step}: {', '.join(field.label for field in self.fields.values())}")


class FormBox(ipywidgets.VBox):
    """A form's rows; its plain text (what a saved notebook keeps of it) names the form and its fields.

    ipywidgets' own text is the widgets' repr, which changes with every layout detail.
    """

    def __init__(self, rows: Sequence[ipywidgets.Widget], *, title: str) -> None:
        super().__init__(list(rows))
        self.title = title

    def __repr__(self) -> str:
        return self.title


FIELD_STYLE = {"description_width": "210px"}
"""Every label the same width, so the fields line up."""


def build_control(field: FormField) -> ipywidgets.Widget:
    """Return the widget of one field: a checkbox, a list to choose from, a number or text."""
    common: dict[str, Any] = {
        "description": field.label, "description_allow_html": False, "style": FIELD_STYLE, "disabled": bool(field.unavailable),
    }
    tooltip = field.unavailable or field.help or field.label
    if field.type_name == "bool":
        return ipywidgets.Checkbox(
            value=bool(field.value), indent=True, tooltip=tooltip, layout=ipywidgets.Layout(width="auto"), **common,
        )
    if field.choices and field.type_name == "list":
        known = {value.lower(): value for _, value in field.choices}
        chosen = tuple(known[entry.lower()] for entry in field.value or () if isinstance(entry, str) and entry.lower() in known)
        return ipywidgets.SelectMultiple(
            options=list(field.choices), value=chosen, rows=min(len(field.choices), 10), tooltip=tooltip,
            layout=ipywidgets.Layout(width="560px", flex="0 0 auto"), **common,
        )
    if field.choices:
        options = list(field.choices)
        if field.value not in [value for _, value in options]:
            options.append((str(field.value), field.value))  # the parameter's own: judged, not hidden
        return ipywidgets.Dropdown(options=options, value=field.value, tooltip=tooltip, **common)
    if field.type_name == "int" and isinstance(field.value, int):
        return ipywidgets.IntText(value=field.value, tooltip=tooltip, **common)
    if field.type_name == "float" and isinstance(field.value, (int, float)):
        return ipywidgets.FloatText(value=float(field.value), tooltip=tooltip, **common)
    text = ", ".join(str(entry) for entry in field.value) if isinstance(field.value, (list, tuple)) else str(field.value)
    return ipywidgets.Text(
        value=text, placeholder=_placeholder(field), tooltip=tooltip, layout=ipywidgets.Layout(width="560px", flex="0 0 auto"), **common,
    )


def _placeholder(field: FormField) -> str:
    words = field.help.split(";")[0][:60]
    return ("comma-separated: " if field.type_name == "list" else "") + words


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def target_form(
    *,
    target: str,
    profile: str,
    region: str,
    account_id: str,
    profiles: Sequence[str],
    choices: Sequence[tuple[str, str]],
    on_save: Callable[..., Any],
) -> FormBox:
    """Return the form of 00_start_here: the target, the profile, region and account id.

    ``choices`` are the targets as ``(label, value)`` pairs, as the library names them. The
    profile field is active only for target ``profile`` (the others use none, and it is then
    not sent). Each field is judged as it changes, as the step forms are. ``on_save`` is called
    with the fields as keywords (``target``, ``profile``, ``region``, ``account_id``), stripped;
    what it returns is shown under the button.
    """
    target_field = ipywidgets.Dropdown(
        options=list(choices), value=target, description="target", style=FIELD_STYLE,
        layout=ipywidgets.Layout(width="auto"),
    )
    profile_field = ipywidgets.Combobox(
        value=profile, options=list(profiles), description="profile", placeholder="an AWS CLI profile, e.g. admin",
        ensure_option=False, style=FIELD_STYLE, layout=ipywidgets.Layout(width="400px", flex="0 0 auto"),
    )
    region_field = ipywidgets.Text(
        value=region, description="region", placeholder="e.g. us-east-1", style=FIELD_STYLE,
        layout=ipywidgets.Layout(width="400px", flex="0 0 auto"),
    )
    account_field = ipywidgets.Text(
        value=account_id, description="account id", placeholder="optional, 12 digits", style=FIELD_STYLE,
        layout=ipywidgets.Layout(width="400px", flex="0 0 auto"),
    )
    notes = {name: ipywidgets.HTML() for name in ("profile", "region", "account_id")}

    def uses_profile() -> bool:
        return target_field.value == validate.PROFILE

    def problems() -> list[FieldProblem]:
        judged = {
            "profile": (profile_field.value, judge_field("profile", profile_field.value, required=True) if uses_profile() else ""),
            "region": (region_field.value, judge_field("region", region_field.value)),
            "account_id": (account_field.value, judge_field("account_id", account_field.value)),
        }
        for name, (_, message) in judged.items():
            notes[name].value = f'<span style="color:#b00020">{_escape(message)}</span>' if message else ""
        return [FieldProblem(name, value, message) for name, (value, message) in judged.items() if message]

    def judge(_: Any = None) -> None:
        profile_field.disabled = not uses_profile()
        profile_field.tooltip = "" if uses_profile() else "only for target 'profile'"
        problems()

    for field in (target_field, profile_field, region_field, account_field):
        field.observe(judge, names="value")
    judge()

    def save() -> Any:
        refused = problems()
        if refused:  # the short messages beside the fields, before anything is saved or asked of AWS
            raise FormError("00_start_here", refused)
        return on_save(
            target=target_field.value, profile=profile_field.value.strip() if uses_profile() else "",
            region=region_field.value.strip(), account_id=account_field.value.strip(),
        )

    return FormBox([
        target_field,
        ipywidgets.HBox([profile_field, notes["profile"]]),
        ipywidgets.HBox([region_field, notes["region"]]),
        ipywidgets.HBox([account_field, notes["account_id"]]),
        action_button("Save and check", save, style="primary"),
    ], title="The form of 00_start_here: target, profile, region, account id")
