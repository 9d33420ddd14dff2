"""Steps 03 and 04 refuse bad input before any AWS call, naming the field; good input builds
exactly the access asked for."""

from __future__ import annotations

import pytest

from runbook_lib.catalogue import ADMINISTRATOR_ACCESS_ARN, OUT_OF_SCOPE_ACTION
from runbook_lib.errors import InputError
from runbook_lib.steps import admin_user, developer_user

ADMIN = dict(
    user_name="Admin", given_name="Ada", family_name="Lovelace", display_name="", email="ada@example.com",
    permission_set_name="AdministratorAccess", session_duration_hours=1, group_name="",
)
DEVELOPER = dict(
    developer_name="ada", given_name="Ada", family_name="Lovelace", display_name="", email="ada@example.com",
    services=["s3", "Lambda"], permission_set_name="DeveloperAccess", session_duration_hours=4, group_name="",
)


def test_admin_spec_has_exactly_administrator_access():
    spec = admin_user.build_admin_spec(**ADMIN)
    assert spec.permission_set.managed_policy_arns == (ADMINISTRATOR_ACCESS_ARN,)
    assert spec.permission_set.session_duration == "PT1H"
    assert spec.user.display_name == "Ada Lovelace" and not spec.through_group


def test_admin_spec_through_a_group():
    assert admin_user.build_admin_spec(**{**ADMIN, "group_name": "Admins"}).group_name == "Admins"


@pytest.mark.parametrize(("field", "value"), [
    ("user_name", "Administrator"),           # reserved by Identity Center
    ("user_name", "has space"),
    ("user_name", ""),
    ("email", "ada@"),
    ("email", "not an email"),
    ("given_name", ""),
    ("family_name", "line\nbreak"),
    ("permission_set_name", "A" * 33),        # at most 32 characters
    ("permission_set_name", "Admin Access"),
    ("session_duration_hours", 0),
    ("session_duration_hours", 13),
    ("group_name", "x" * 129),
])
def test_admin_bad_input_names_the_field(field, value):
    with pytest.raises(InputError) as refused:
        admin_user.build_admin_spec(**{**ADMIN, field: value})
    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field}: ")


def test_developer_spec_attaches_only_the_chosen_services_policies():
    spec, chosen = developer_user.build_developer_spec(**DEVELOPER)
    assert chosen == ("s3", "lambda")
    assert spec.user.user_name == "ada-developer"
    assert spec.permission_set.managed_policy_arns == (
        "arn:aws:iam::aws:policy/AWSLambda_FullAccess", "arn:aws:iam::aws:policy/AmazonS3FullAccess")
    assert spec.permission_set.session_duration == "PT4H"


@pytest.mark.parametrize(("field", "value", "reported"), [
    ("developer_name", "", "developer_name"),
    ("developer_name", "ada lovelace", "developer_name"),
    ("developer_name", "x" * 120, "developer_name"),   # <name>-developer over 128 characters
    ("services", [], "services"),
    ("services", "s3", "services"),                     # a bare string, not a list
    ("services", ["s4"], "services"),
    ("email", "ada@example", "email"),
    ("session_duration_hours", 24, "session_duration_hours"),
])
def test_developer_bad_input_names_the_field(field, value, reported):
    with pytest.raises(InputError) as refused:
        developer_user.build_developer_spec(**{**DEVELOPER, field: value})
    assert refused.value.field == reported


def test_unknown_service_suggests_the_closest():
    with pytest.raises(InputError, match="s3"):
        developer_user.build_developer_spec(**{**DEVELOPER, "services": ["s4"]})


def test_least_privilege_proof_allows_chosen_and_denies_iam_and_unchosen_services():
    must_allow, must_deny = developer_user.least_privilege_proof(("s3", "lambda"))
    assert must_allow == ["s3:ListAllMyBuckets", "lambda:GetAccountSettings"]
    assert must_deny[0] == OUT_OF_SCOPE_ACTION
    assert len(must_deny) == 3 and not set(must_deny) & set(must_allow)


def test_least_privilege_proof_with_a_preset_denies_only_iam():
    assert developer_user.least_privilege_proof(("ReadOnly",))[1] == [OUT_OF_SCOPE_ACTION]


@pytest.mark.parametrize("reserved", ["Administrator", "AWSAdministrators", "administrator", " AWSADMINISTRATORS "])
@pytest.mark.parametrize("build", [admin_user.build_admin_spec, developer_user.build_developer_spec])
def test_a_reserved_group_name_is_refused_naming_group_name(build, reserved, monkeypatch):
    """AWS reserves the two names for users and groups; the step refuses them before any AWS call."""
    import boto3

    monkeypatch.setattr(boto3.Session, "client", lambda *a, **k: pytest.fail("an AWS client was made"))
    fields = ADMIN if build is admin_user.build_admin_spec else DEVELOPER
    with pytest.raises(InputError) as refused:
        build(**{**fields, "group_name": reserved})
    assert refused.value.field == "group_name"
    assert "reserves these names for users and groups" in refused.value.rule
    assert "Correct `group_name`" in refused.value.advice


def test_a_group_name_that_only_contains_a_reserved_name_is_fine():
    assert admin_user.build_admin_spec(**{**ADMIN, "group_name": "Administrators"}).group_name == "Administrators"
