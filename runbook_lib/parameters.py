"""The parameters of a headless run, validated whole before any notebook runs.

Each step's parameters are declared once, in its notebook's ``parameters`` cell (``name: type =
default  # what it is``); this module reads those cells as a schema, checks a parameters file
against it (unknown step names and keys, types, and every field rule of ``validate``), and
reports every problem at once with its path (``steps.03_create_admin_user.email``). No AWS call
is made, so a refused file has changed nothing.
"""

from __future__ import annotations

import ast
import difflib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from runbook_lib import awsconfig, catalogue, validate
from runbook_lib.validate import guardrails as guardrail_rules
from runbook_lib.errors import InputError, RunbookError
from runbook_lib.validate.steps import resolve_catch_up_step

COMMON_PARAMETERS = ("target", "profile", "region", "account_id", "simulate_console")
"""Top-level keys of the parameters file; each goes to every notebook that declares it."""
RUN_PARAMETERS = ("apply", "steps")
"""Top-level keys the runner reads itself."""
RUNNER_PARAMETERS = ("headless", "apply", "summary_file")
"""Set by the runner in every notebook, never by the file's steps."""
TYPES: dict[str, type | tuple[type, ...]] = {"str": str, "bool": bool, "int": int, "list": list, "float": (int, float)}


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter a notebook declares.

    Attributes:
        name: The variable's name.
        type_name: Its annotation: ``str``, ``bool``, ``int``, ``float`` or ``list``.
        default: Its value in the notebook.
        help: The comment beside it.
    """

    name: str
    type_name: str
    default: Any
    help: str


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a parameters file.

    Attributes:
        path: Where, e.g. ``steps.03_create_admin_user.email``.
        value: What was given.
        rule: The rule it breaks, in words.
    """

    path: str
    value: Any
    rule: str

    def __str__(self) -> str:
        return f"{self.path}: {self.value!r} is not valid: {self.rule}"


class ParametersError(RunbookError):
    """Raised when a parameters file cannot be used; it lists every problem, and nothing ran.

    Attributes:
        problems: Each problem with its field path.
        source: The file, or "" for parameters given otherwise.
    """

    def __init__(self, problems: list[Problem], *, source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        where = f" in {source}" if source else ""
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(
            f"{len(self.problems)} problem(s){where}; nothing was run and no AWS call was made:\n{listed}",
            advice="Correct each field named above and run again.",
        )


class ParametersFileError(RunbookError):
    """Raised when the parameters file cannot be read as YAML; says the file, line and column.

    Attributes:
        path: The file.
        line: The 1-based line of the problem, or None when YAML did not say.
        column: The 1-based column, or None.
    """

    def __init__(self, path: Path, problem: str, *, line: int | None = None, column: int | None = None) -> None:
        self.path = path
        self.line = line
        self.column = column
        where = f"{path}" + (f", line {line}" if line else "") + (f", column {column}" if column else "")
        super().__init__(f"{where}: {problem}", advice="Correct the YAML there and run again.")


def read_parameter_specs(notebook: Path) -> dict[str, ParameterSpec]:
    """Return the parameters a notebook declares in its ``parameters`` cell, in order.

    The cell holds only annotated literal assignments (house style), so ``ast`` reads it without
    running anything and without papermill.
    """
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    source = next(
        ("".join(cell["source"]) for cell in cells if "parameters" in cell.get("metadata", {}).get("tags", [])), ""
    )
    lines = source.splitlines()
    specs: dict[str, ParameterSpec] = {}
    for statement in ast.parse(source).body:
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
            continue
        comment = lines[statement.lineno - 1].partition("#")[2].strip()
        default = ast.literal_eval(statement.value) if statement.value is not None else None
        specs[statement.target.id] = ParameterSpec(statement.target.id, ast.unparse(statement.annotation), default, comment)
    return specs


def read_schema(notebooks: list[Path]) -> dict[str, dict[str, ParameterSpec]]:
    """Return each step's declared parameters, keyed by the notebook's name without ``.ipynb``."""
    return {notebook.stem: read_parameter_specs(notebook) for notebook in notebooks}


def load_parameters_file(path: Path) -> dict[str, Any]:
    """Read a parameters file as YAML.

    Raises:
        ParametersFileError: when it is missing, unreadable, not YAML, or not a mapping.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ParametersFileError(path, f"cannot be read ({error.strerror or error})") from None
    try:
        loaded = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        problem = " ".join(part for part in (error.context, error.problem) if part) or "is not valid YAML"
        raise ParametersFileError(
            path, problem, line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None
        ) from None
    except yaml.YAMLError as error:
        raise ParametersFileError(path, f"is not valid YAML ({error})") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ParametersFileError(path, "must be a YAML mapping of parameter names to values")
    return loaded


def _non_empty(rule: Callable[..., object]) -> Callable[[object, str], object]:
    """Return ``rule`` applied only to a non-empty value: empty means "the step's default"."""
    def check(value: object, field: str) -> object:
        return rule(value, field=field) if value not in ("", None) else value

    return check


def _services(value: object, field: str) -> object:
    return catalogue.validate_services(value, field=field) if value else value


def _confirmed(value: object, field: str) -> object:
    if not all(isinstance(entry, str) for entry in value):  # type: ignore[union-attr]
        raise InputError(field, value, "must be a list of checklist item names")
    return value


def _positive(value: object, field: str) -> object:
    if value <= 0:  # type: ignore[operator]
        raise InputError(field, value, "must be more than 0")
    return value


FIELD_RULES: Mapping[str, Callable[[object, str], object]] = {
    "target": _non_empty(validate.validate_target),
    "region": _non_empty(validate.validate_region),
    "sso_region": _non_empty(validate.validate_region),
    "account_id": _non_empty(validate.validate_account_id),
    "profile": _non_empty(validate.validate_profile_name),
    "developer_profile": _non_empty(validate.validate_profile_name),
    "admin_profile": _non_empty(validate.validate_profile_name),
    "email": _non_empty(validate.validate_email),
    "user_name": _non_empty(validate.validate_user_name),
    "developer_name": _non_empty(validate.validate_user_name),
    "given_name": _non_empty(validate.validate_display_text),
    "family_name": _non_empty(validate.validate_display_text),
    "display_name": _non_empty(validate.validate_display_text),
    "group_name": _non_empty(validate.validate_display_text),
    "permission_set_name": _non_empty(validate.validate_permission_set_name),
    "developer_role": _non_empty(validate.validate_permission_set_name),
    "admin_role": _non_empty(validate.validate_permission_set_name),
    "admin_permission_set": _non_empty(validate.validate_permission_set_name),
    "developer_permission_set": _non_empty(validate.validate_permission_set_name),
    "session_name": _non_empty(validate.validate_profile_name),
    "output": _non_empty(awsconfig.validate_output),
    "admin_user_name": _non_empty(validate.validate_user_name),
    "sign_in_as": _non_empty(validate.validate_user_name),
    "session_duration_hours": lambda value, field: validate.validate_session_duration_hours(value, field=field),
    "portal_url": _non_empty(validate.validate_portal_url),
    "services": _services,
    "confirmed": _confirmed,
    "wait_seconds": _positive,
    "login_timeout_seconds": _positive,
    # step 07: AWS's maximums, which neither botocore nor moto enforces
    "budget_name": _non_empty(guardrail_rules.validate_budget_name),
    "budget_limit_usd": lambda value, field: guardrail_rules.validate_limit_usd(value, field=field),
    "budget_alerts": lambda value, field: guardrail_rules.validate_alerts(value, field=field),
    "alert_emails": lambda value, field: guardrail_rules.validate_alert_emails(value, field=field) if value else value,
    "alert_sns_topic_arn": lambda value, field: guardrail_rules.validate_sns_topics(value, field=field),
    "security_contact_email": _non_empty(guardrail_rules.validate_contact_email),
    "security_contact_phone": _non_empty(guardrail_rules.validate_contact_phone),
    "security_contact_name": _non_empty(lambda value, field: guardrail_rules.validate_contact_text(
        value, field=field, max_length=guardrail_rules.CONTACT_NAME_MAX_LENGTH)),
    "security_contact_title": _non_empty(lambda value, field: guardrail_rules.validate_contact_text(
        value, field=field, max_length=guardrail_rules.CONTACT_TITLE_MAX_LENGTH)),
    "trail_name": _non_empty(guardrail_rules.validate_trail_name),
    "trail_bucket_name": _non_empty(guardrail_rules.validate_bucket_name),
    "analyzer_name": _non_empty(guardrail_rules.validate_analyzer_name),
    "catch_up_to": _non_empty(resolve_catch_up_step),  # 00_start_here, sandbox only
}
"""The rule of each field, by name: the same rules the steps apply, so the file and the notebook
agree. A field with no entry is checked for its type only."""


def type_problem(path: str, value: Any, type_name: str) -> Problem | None:
    """Return the problem when ``value`` is not of the declared type (``"false"`` is no bool)."""
    wanted = TYPES.get(type_name)
    if wanted is None:
        return None
    if isinstance(value, bool) and type_name != "bool":  # YAML's yes/no is no number or text
        return Problem(path, value, f"must be {type_name}, not a boolean")
    if not isinstance(value, wanted):
        return Problem(path, value, f"must be {_type_words(type_name)}, not {type(value).__name__}")
    return None


def _type_words(type_name: str) -> str:
    return {"bool": "true or false (unquoted)", "int": "a whole number", "str": "text",
            "list": "a list, e.g. [a, b]", "float": "a number"}.get(type_name, type_name)


def check_value(path: str, name: str, value: Any, spec: ParameterSpec) -> list[Problem]:
    """Return the problems of one value: its type first, then its field rule."""
    wrong_type = type_problem(path, value, spec.type_name)
    if wrong_type is not None:
        return [wrong_type]
    rule = FIELD_RULES.get(name)
    if rule is None:
        return []
    try:
        rule(value, path)
    except InputError as refused:
        return [Problem(path, value, refused.rule)]
    return []


def check_parameters(loaded: Mapping[str, Any], schema: Mapping[str, Mapping[str, ParameterSpec]]) -> list[Problem]:
    """Return every problem of a parameters file against the notebooks' schema (empty: usable).

    Checks the top-level keys, the step names, each step's keys, every value's type and field
    rule. A common key (``region``) is checked against the first notebook that declares it.
    """
    problems: list[Problem] = []
    known_top = (*COMMON_PARAMETERS, *RUN_PARAMETERS)
    for key in loaded:
        if key not in known_top:
            problems.append(Problem(key, loaded[key], f"unknown parameter{_suggestion(key, known_top)}; known: {', '.join(known_top)}"))
    if "apply" in loaded and not isinstance(loaded["apply"], bool):
        problems.append(Problem("apply", loaded["apply"], f"must be {_type_words('bool')}"))
    declared = {name: spec for specs in schema.values() for name, spec in specs.items()}
    for key in COMMON_PARAMETERS:
        if key in loaded and key in declared:
            problems += check_value(key, key, loaded[key], declared[key])
    steps = loaded.get("steps") or {}
    if not isinstance(steps, Mapping):
        return [*problems, Problem("steps", steps, "must map notebook names (e.g. 02_enable_identity_center) to parameters")]
    for step, values in steps.items():
        if step not in schema:
            problems.append(Problem(f"steps.{step}", "...", f"no such step{_suggestion(str(step), list(schema))}; steps: {', '.join(schema)}"))
            continue
        if values is None:
            continue
        if not isinstance(values, Mapping):
            problems.append(Problem(f"steps.{step}", values, "must map parameter names to values"))
            continue
        own = {name: spec for name, spec in schema[step].items() if name not in RUNNER_PARAMETERS}
        for name, value in values.items():
            path = f"steps.{step}.{name}"
            if name not in own:
                problems.append(Problem(path, value, f"{step} has no such parameter{_suggestion(str(name), list(own))}; it has: {', '.join(own)}"))
            else:
                problems += check_value(path, name, value, own[name])
    return problems


def _suggestion(typed: str, known: list[str] | tuple[str, ...]) -> str:
    """Return " (did you mean X?)" for the closest known name, or ""."""
    close = difflib.get_close_matches(typed, list(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def require_valid_parameters(loaded: Mapping[str, Any], schema: Mapping[str, Mapping[str, ParameterSpec]], *, source: str = "") -> None:
    """Refuse a parameters file with any problem, listing them all.

    Raises:
        ParametersError: when ``check_parameters`` finds anything.
    """
    problems = check_parameters(loaded, schema)
    if problems:
        raise ParametersError(problems, source=source)


NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
"""Where the step notebooks (and so the parameter schemas) live."""


def check_step_parameters(step: str, values: Mapping[str, Any], *, notebooks_dir: Path = NOTEBOOKS_DIR) -> None:
    """Refuse a notebook's own parameters that break a rule, all at once, before its first AWS call.

    ``values`` is the notebook's namespace (``globals()``); only the names its parameters cell
    declares are checked, with the same types and field rules as a parameters file.

    Raises:
        ParametersError: listing every problem, each named by its parameter.
    """
    notebook = notebooks_dir / f"{step}.ipynb"
    if not notebook.exists():  # a copy of a step elsewhere: its cells still check their fields
        return
    problems = [
        problem
        for name, spec in read_parameter_specs(notebook).items()
        if name in values and name not in RUNNER_PARAMETERS
        for problem in check_value(name, name, values[name], spec)
    ]
    if problems:
        raise ParametersError(problems, source=f"the parameters cell of {step}")
