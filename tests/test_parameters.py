"""The parameters file, checked whole against the notebooks' parameters cells before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from runbook_lib.parameters import (
    ParametersError,
    ParametersFileError,
    check_parameters,
    load_parameters_file,
    read_parameter_specs,
    read_schema,
    require_valid_parameters,
)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXAMPLE = Path(__file__).resolve().parent.parent / "runbook.example.yaml"


@pytest.fixture(scope="module")
def schema():
    return read_schema(sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")))


def paths(problems) -> list[str]:
    return [problem.path for problem in problems]


def test_the_schema_is_read_from_the_parameters_cells_with_types_defaults_and_help():
    specs = read_parameter_specs(NOTEBOOKS / "03_create_admin_user.ipynb")
    assert specs["user_name"].type_name == "str"
    assert specs["user_name"].default == "Admin"
    assert specs["session_duration_hours"].type_name == "int"
    assert specs["confirmed"].type_name == "list"
    assert specs["apply"].type_name == "bool"
    assert "Identity Center user name" in specs["user_name"].help


def test_the_example_file_is_valid(schema):
    assert check_parameters(load_parameters_file(EXAMPLE), schema) == []


def test_the_string_false_is_not_a_boolean(schema):
    problems = check_parameters({"apply": "false"}, schema)
    assert paths(problems) == ["apply"]
    assert "true or false" in problems[0].rule


def test_a_misspelt_step_name_is_refused_with_a_suggestion(schema):
    problems = check_parameters({"steps": {"03_create_admin_usr": {"user_name": "Admin"}}}, schema)
    assert paths(problems) == ["steps.03_create_admin_usr"]
    assert "did you mean 03_create_admin_user?" in problems[0].rule


def test_an_unknown_key_inside_a_step_is_refused_naming_the_step_and_key(schema):
    problems = check_parameters({"steps": {"04_create_developer_user": {"service": ["s3"]}}}, schema)
    assert paths(problems) == ["steps.04_create_developer_user.service"]
    assert "did you mean services?" in problems[0].rule


def test_every_problem_is_listed_at_once_with_its_field_path(schema):
    loaded = {
        "region": "mars-1",
        "colour": "blue",
        "steps": {
            "03_create_admin_user": {"email": "not-an-email", "session_duration_hours": 13},
            "04_create_developer_user": {"services": ["s3", "nosuchservice"], "session_duration_hours": "4"},
            "05_configure_aws_cli": {"admin_profile": "bad name!", "replace_conflicts": "yes"},
        },
    }
    problems = check_parameters(loaded, schema)
    assert sorted(paths(problems)) == sorted([
        "colour", "region",
        "steps.03_create_admin_user.email", "steps.03_create_admin_user.session_duration_hours",
        "steps.04_create_developer_user.services", "steps.04_create_developer_user.session_duration_hours",
        "steps.05_configure_aws_cli.admin_profile", "steps.05_configure_aws_cli.replace_conflicts",
    ])
    with pytest.raises(ParametersError) as refused:
        require_valid_parameters(loaded, schema, source="runbook.yaml")
    message = str(refused.value)
    assert "8 problem(s) in runbook.yaml" in message
    assert "no AWS call was made" in message
    assert "steps.05_configure_aws_cli.admin_profile" in message


def test_runner_set_parameters_cannot_be_set_per_step(schema):
    problems = check_parameters({"steps": {"03_create_admin_user": {"summary_file": "/tmp/x"}}}, schema)
    assert paths(problems) == ["steps.03_create_admin_user.summary_file"]


def test_empty_values_mean_the_steps_default_and_pass(schema):
    loaded = {"profile": "", "account_id": "", "steps": {"03_create_admin_user": {"email": "", "group_name": ""}}}
    assert check_parameters(loaded, schema) == []


def test_a_yaml_syntax_error_names_the_file_line_and_column(tmp_path):
    broken = tmp_path / "runbook.yaml"
    broken.write_text("target: sandbox\nsteps:\n  03_create_admin_user:\n    email: [unclosed\n", encoding="utf-8")
    with pytest.raises(ParametersFileError) as refused:
        load_parameters_file(broken)
    assert refused.value.line is not None and refused.value.line >= 4
    assert refused.value.column is not None
    assert str(broken) in str(refused.value)
    assert "Traceback" not in str(refused.value)


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path):
    listed = tmp_path / "runbook.yaml"
    listed.write_text(yaml.safe_dump(["target", "sandbox"]), encoding="utf-8")
    with pytest.raises(ParametersFileError, match="must be a YAML mapping"):
        load_parameters_file(listed)


def test_a_missing_file_is_refused_without_a_traceback(tmp_path):
    with pytest.raises(ParametersFileError, match="cannot be read"):
        load_parameters_file(tmp_path / "nowhere.yaml")


def test_step_07s_limits_are_refused_in_the_file_before_anything_runs(schema):
    loaded = {"steps": {"07_set_guardrails": {
        "budget_name": "a:b", "alert_emails": [f"x{n}@example.com" for n in range(11)],
        "budget_alerts": ["ACTUAL>80"] * 11, "budget_limit_usd": -5,
    }}}
    assert sorted(paths(check_parameters(loaded, schema))) == sorted(
        f"steps.07_set_guardrails.{name}" for name in ("budget_name", "alert_emails", "budget_alerts", "budget_limit_usd")
    )
